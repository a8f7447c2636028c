"""One object's protobuf message <-> its JSON form, driven by `pyk8s.api.types`.

The declarations give each member a protobuf number; this module walks a
struct's members and translates value by value:

* strings, integers (int32 and int64 alike are varints; negative ones take ten
  bytes), bools and doubles map directly; `bytes` members are raw bytes in
  protobuf and base64 text in JSON (Secret data, ConfigMap binaryData);
* lists are repeated fields (numbers are written unpacked, read either way);
  maps are repeated entry messages with the key at 1 and the value at 2; a
  list held in a list or map is a message with its items at 1 (Go's named
  slice types, e.g. authentication's ExtraValue);
* nested structs are nested messages; an `inline` member is a nested message
  in protobuf whose members sit directly in the parent in JSON;
* the apimachinery leaf types are small messages of their own: Quantity
  {string=1}, Time and MicroTime {seconds=1, nanos=2} (Time keeps whole
  seconds; the zero time is an empty message), IntOrString {type=1 (0 int,
  1 string), intVal=2, strVal=3}, RawExtension and FieldsV1 {raw=1} holding
  JSON.

Go writes every member it holds by value, zero or not, and drops zeros again
when it writes JSON; so decoding drops zero scalars unless the member is
required or `keep_zero` (held by pointer, where presence means something).
Present messages are always kept: an empty `emptyDir: {}` is meaningful.
Unknown field numbers are skipped, as Go does. Malformed input raises
`ProtobufError` naming the JSON path at fault.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from pyk8s.api.protobuf import wire
from pyk8s.api.protobuf.wire import FIXED64, LENGTH, VARINT
from pyk8s.api.types import Field, FieldType, ListOf, MapOf, Ref, Scalar, Struct

Obj = dict[str, Any]
_NUMERIC = ("int32", "int64", "double")
_EMPTY = memoryview(b"")


class ProtobufError(ValueError):
    """A message that cannot be decoded (or a value that cannot be encoded)."""


def _fail(path: str, message: str) -> ProtobufError:
    return ProtobufError(f"{path}: {message}" if path else message)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


_NUMBERED: dict[str, dict[int, Field]] = {}


def _numbered(s: Struct) -> dict[int, Field]:
    table = _NUMBERED.get(s.name)
    if table is None:
        table = _NUMBERED[s.name] = {f.number: f for f in s.fields if f.number is not None}
    return table


# ---------------------------------------------------------------------------
# Decoding

def decode(s: Struct, data: bytes | memoryview, path: str = "") -> Obj:
    """The JSON form of one message of struct `s`."""
    out: Obj = {}
    numbered = _numbered(s)
    try:
        for number, wire_type, value in wire.fields(data):
            f = numbered.get(number)
            if f is not None:
                _decode_field(out, f, wire_type, value, path)
    except wire.WireError as e:
        raise _fail(path, str(e)) from None
    for f in s.fields:
        if f.number is not None and not f.inline and isinstance(f.type, Scalar) and \
                not (f.required or f.keep_zero) and f.name in out and not out[f.name]:
            del out[f.name]
    return out


def _decode_field(out: Obj, f: Field, wire_type: int, value: int | memoryview, path: str
                  ) -> None:
    t = f.type
    here = _join(path, f.name)
    if f.inline:
        assert isinstance(t, Ref)
        out.update(decode(t.resolve(), _length(value, here), path))
    elif isinstance(t, ListOf):
        items = out.setdefault(f.name, [])
        if isinstance(t.item, Scalar) and t.item.proto in _NUMERIC and wire_type == LENGTH:
            assert isinstance(value, memoryview)
            items += [_scalar(t.item, VARINT, v, here) for v in wire.packed_varints(value)]
        else:
            items.append(_value(t.item, wire_type, value, f"{here}[{len(items)}]"))
    elif isinstance(t, MapOf):
        key, item = _map_entry(t.value, _length(value, here), here)
        out.setdefault(f.name, {})[key] = item
    else:
        item = _value(t, wire_type, value, here)
        if item is not None:
            out[f.name] = item
        else:
            out.pop(f.name, None)


def _value(t: FieldType, wire_type: int, value: int | memoryview, path: str) -> Any:
    if isinstance(t, Ref):
        return decode(t.resolve(), _length(value, path), path)
    if isinstance(t, Scalar):
        return _scalar(t, wire_type, value, path)
    if isinstance(t, ListOf):
        items: list[Any] = []
        for number, item_wire, item in wire.fields(_length(value, path)):
            if number == 1:
                items.append(_value(t.item, item_wire, item, f"{path}[{len(items)}]"))
        return items
    raise _fail(path, "maps held in lists or maps have no protobuf form")


def _map_entry(t: FieldType, data: memoryview, path: str) -> tuple[str, Any]:
    key, item = "", None
    for number, wire_type, value in wire.fields(data):
        if number == 1:
            key = _string(_length(value, path), path)
        elif number == 2:
            item = _value(t, wire_type, value, f"{path}[{key!r}]")
    if item is None:  # an entry without a value holds the zero value
        if isinstance(t, Scalar) and t.proto in (*_NUMERIC, "bool"):
            item = False if t.proto == "bool" else 0
        else:
            item = _value(t, LENGTH, _EMPTY, path)
    return key, item


def _length(value: int | memoryview, path: str) -> memoryview:
    if not isinstance(value, memoryview):
        raise _fail(path, "expected a length-delimited value (a message, string or bytes)")
    return value


def _string(data: memoryview, path: str) -> str:
    try:
        return str(data, "utf-8")
    except UnicodeDecodeError:
        raise _fail(path, "string is not valid UTF-8") from None


def _scalar(t: Scalar, wire_type: int, value: int | memoryview, path: str) -> Any:
    kind = t.proto
    if kind in ("int32", "int64", "bool"):
        if wire_type != VARINT or not isinstance(value, int):
            raise _fail(path, f"expected a varint ({kind})")
        if kind == "bool":
            return value != 0
        return wire.signed(value, 32 if kind == "int32" else 64)
    if kind == "double":
        if wire_type != FIXED64 or not isinstance(value, int):
            raise _fail(path, "expected a 64-bit double")
        return wire.double(value)
    data = _length(value, path)
    if kind == "string":
        return _string(data, path)
    if kind == "bytes":
        return base64.b64encode(data).decode()
    return _LEAF_DECODERS[t.name](data, path)


def _members(data: memoryview) -> dict[int, int | memoryview]:
    return {number: value for number, _, value in wire.fields(data)}


def _int_member(msg: Mapping[int, int | memoryview], number: int, bits: int, path: str) -> int:
    value = msg.get(number, 0)
    if not isinstance(value, int):
        raise _fail(path, f"member {number} should be a varint")
    return wire.signed(value, bits)


def _str_member(msg: Mapping[int, int | memoryview], number: int, path: str) -> str:
    return _string(_length(msg.get(number, _EMPTY), path), path)


def _decode_quantity(data: memoryview, path: str) -> str:
    return _str_member(_members(data), 1, path)


def _decode_int_or_string(data: memoryview, path: str) -> int | str:
    msg = _members(data)
    if _int_member(msg, 1, 64, path) == 1:
        return _str_member(msg, 3, path)
    return _int_member(msg, 2, 32, path)


def _time_decoder(micro: bool) -> Callable[[memoryview, str], str | None]:
    def decode_time(data: memoryview, path: str) -> str | None:
        if not len(data):
            return None  # the zero time, which JSON writes as null
        msg = _members(data)
        seconds = _int_member(msg, 1, 64, path)
        nanos = _int_member(msg, 2, 32, path)
        try:
            when = dt.datetime.fromtimestamp(seconds, dt.UTC)
        except (OverflowError, OSError, ValueError):
            raise _fail(path, f"time out of range: {seconds} seconds") from None
        if micro:
            when = when.replace(microsecond=max(0, nanos) // 1000 % 1_000_000)
            return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return decode_time


def _decode_raw(data: memoryview, path: str) -> Any:
    raw = bytes(_length(_members(data).get(1, _EMPTY), path))
    if not raw:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        raise _fail(path, f"embedded object is not JSON: {e}") from None


_LEAF_DECODERS: dict[str, Callable[[memoryview, str], Any]] = {
    "quantity": _decode_quantity,
    "int-or-string": _decode_int_or_string,
    "time": _time_decoder(micro=False),
    "micro-time": _time_decoder(micro=True),
    "raw-extension": _decode_raw,
    "fields-v1": _decode_raw,
}


# ---------------------------------------------------------------------------
# Encoding

def encode(s: Struct, obj: Mapping[str, Any], path: str = "") -> bytes:
    """The protobuf message of struct `s` for the JSON object `obj`."""
    out = bytearray()
    _encode_into(out, s, obj, path)
    return bytes(out)


_ORDERED: dict[str, list[Field]] = {}


def _ordered(s: Struct) -> list[Field]:
    fields = _ORDERED.get(s.name)
    if fields is None:
        fields = _ORDERED[s.name] = sorted(_numbered(s).values(), key=lambda f: f.number or 0)
    return fields


def _encode_into(out: bytearray, s: Struct, obj: Mapping[str, Any], path: str) -> None:
    if not isinstance(obj, Mapping):
        raise _fail(path, f"expected an object, not {type(obj).__name__}")
    for f in _ordered(s):
        number = f.number or 0
        if f.inline:
            assert isinstance(f.type, Ref)
            inner = f.type.resolve()
            part = {k: obj[k] for k in inner.json_fields() if k in obj}
            if part:
                wire.write_bytes(out, number, encode(inner, part, path))
            continue
        value = obj.get(f.name)
        if value is None:
            continue
        here = _join(path, f.name)
        t = f.type
        if isinstance(t, ListOf):
            if not isinstance(value, list):
                raise _fail(here, f"expected a list, not {type(value).__name__}")
            for i, item in enumerate(value):
                _encode_value(out, number, t.item, item, f"{here}[{i}]")
        elif isinstance(t, MapOf):
            if not isinstance(value, Mapping):
                raise _fail(here, f"expected an object, not {type(value).__name__}")
            for key in sorted(value):
                entry = bytearray()
                wire.write_bytes(entry, 1, str(key).encode())
                if value[key] is not None:
                    _encode_value(entry, 2, t.value, value[key], f"{here}[{key!r}]")
                wire.write_bytes(out, number, entry)
        else:
            _encode_value(out, number, t, value, here)


def _encode_value(out: bytearray, number: int, t: FieldType, value: Any, path: str) -> None:
    if isinstance(t, Ref):
        msg = bytearray()
        _encode_into(msg, t.resolve(), value, path)
        wire.write_bytes(out, number, msg)
    elif isinstance(t, Scalar):
        _encode_scalar(out, number, t, value, path)
    elif isinstance(t, ListOf):
        if not isinstance(value, list):
            raise _fail(path, f"expected a list, not {type(value).__name__}")
        msg = bytearray()
        for i, item in enumerate(value):
            _encode_value(msg, 1, t.item, item, f"{path}[{i}]")
        wire.write_bytes(out, number, msg)
    else:
        raise _fail(path, "maps held in lists or maps have no protobuf form")


def _encode_scalar(out: bytearray, number: int, t: Scalar, value: Any, path: str) -> None:
    kind = t.proto
    if kind in ("int32", "int64"):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise _fail(path, f"expected an integer, not {value!r}")
        wire.write_int(out, number, value)
    elif kind == "bool":
        if not isinstance(value, bool):
            raise _fail(path, f"expected a boolean, not {value!r}")
        wire.write_int(out, number, int(value))
    elif kind == "double":
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise _fail(path, f"expected a number, not {value!r}")
        wire.write_double(out, number, float(value))
    elif kind == "string":
        if not isinstance(value, str):
            raise _fail(path, f"expected a string, not {value!r}")
        wire.write_bytes(out, number, value.encode())
    elif kind == "bytes":
        try:
            wire.write_bytes(out, number, base64.b64decode(value, validate=True))
        except (binascii.Error, TypeError, ValueError):
            raise _fail(path, "expected base64-encoded data") from None
    else:
        wire.write_bytes(out, number, _LEAF_ENCODERS[t.name](value, path))


def _encode_quantity(value: Any, path: str) -> bytes:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _fail(path, f"expected a quantity, not {value!r}")
    out = bytearray()
    wire.write_bytes(out, 1, str(value).encode())
    return bytes(out)


def _encode_int_or_string(value: Any, path: str) -> bytes:
    out = bytearray()
    if isinstance(value, str):
        wire.write_int(out, 1, 1)
        wire.write_int(out, 2, 0)
        wire.write_bytes(out, 3, value.encode())
    elif isinstance(value, int) and not isinstance(value, bool):
        wire.write_int(out, 1, 0)
        wire.write_int(out, 2, value)
        wire.write_bytes(out, 3, b"")
    else:
        raise _fail(path, f"expected an integer or a string, not {value!r}")
    return bytes(out)


def _time_encoder(micro: bool) -> Callable[[Any, str], bytes]:
    def encode_time(value: Any, path: str) -> bytes:
        try:
            when = dt.datetime.fromisoformat(value)
        except (TypeError, ValueError):
            raise _fail(path, f"expected an RFC 3339 time, not {value!r}") from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        out = bytearray()
        wire.write_int(out, 1, int(when.timestamp() // 1))
        if micro:
            wire.write_int(out, 2, when.microsecond * 1000)
        return bytes(out)
    return encode_time


def _encode_raw(value: Any, path: str) -> bytes:
    out = bytearray()
    wire.write_bytes(out, 1, orjson.dumps(value))
    return bytes(out)


_LEAF_ENCODERS: dict[str, Callable[[Any, str], bytes]] = {
    "quantity": _encode_quantity,
    "int-or-string": _encode_int_or_string,
    "time": _time_encoder(micro=False),
    "micro-time": _time_encoder(micro=True),
    "raw-extension": _encode_raw,
    "fields-v1": _encode_raw,
}
