"""The Swagger 2.0 document as protobuf: gnostic's `openapi.v2.Document` message.

kubectl asks for `/openapi/v2` only as
`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`, and parses the
reply's Content-Type with Go's `mime` package, which rejects the `@`: the
reply says `...spec.v2.v1.0+protobuf`, as kube-apiserver's does. The message is
written here straight from the JSON document with the protobuf wire format
(varints, length-delimited submessages); the field numbers below are those of
gnostic's OpenAPIv2 messages, an interface fact. Only what a Kubernetes
document uses is written: no examples, headers, XML or external docs.
Vendor extensions (`x-kubernetes-...`) are `NamedAny`s whose `Any.yaml`
holds the value as YAML; JSON is YAML, so the value is written as JSON.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from typing import Any

import orjson

Obj = dict[str, Any]
MEDIA_TYPE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"


class Message:
    """A protobuf message being written, field by field."""

    __slots__ = ("buf",)

    def __init__(self) -> None:
        self.buf = bytearray()

    def _varint(self, value: int) -> None:
        value &= (1 << 64) - 1
        while value >= 0x80:
            self.buf.append((value & 0x7F) | 0x80)
            value >>= 7
        self.buf.append(value)

    def _key(self, number: int, wire_type: int) -> None:
        self._varint(number << 3 | wire_type)

    def bytes(self, number: int, value: bytes) -> None:
        self._key(number, 2)
        self._varint(len(value))
        self.buf += value

    def string(self, number: int, value: Any) -> None:
        if value:
            self.bytes(number, str(value).encode())

    def strings(self, number: int, values: Iterable[Any]) -> None:
        for v in values:
            self.bytes(number, str(v).encode())

    def boolean(self, number: int, value: Any) -> None:
        if value:
            self._key(number, 0)
            self._varint(1)

    def int64(self, number: int, value: Any) -> None:
        if isinstance(value, int) and not isinstance(value, bool) and value:
            self._key(number, 0)
            self._varint(value)

    def double(self, number: int, value: Any) -> None:
        if isinstance(value, int | float) and not isinstance(value, bool) and value:
            self._key(number, 1)
            self.buf += struct.pack("<d", float(value))

    def message(self, number: int, sub: Message) -> None:
        self.bytes(number, bytes(sub.buf))


def _wrap(number: int, sub: Message) -> Message:
    """A message whose only member is `sub` (a oneof, or a one-field wrapper)."""
    m = Message()
    m.message(number, sub)
    return m


def _repeated(number: int, subs: Iterable[Message]) -> Message:
    """A message holding one repeated field of submessages (gnostic's maps are these)."""
    m = Message()
    for sub in subs:
        m.message(number, sub)
    return m


def _string_list(values: Iterable[Any]) -> Message:
    """StringArray / TypeItem: `repeated string value = 1`."""
    m = Message()
    m.strings(1, values)
    return m


def _any(value: Any) -> Message:
    m = Message()
    m.string(2, orjson.dumps(value).decode())  # Any.yaml
    return m


def _named(name: str, value: Message) -> Message:
    m = Message()
    m.string(1, name)
    m.message(2, value)
    return m


def _extensions(m: Message, number: int, obj: Obj) -> None:
    for key, value in obj.items():
        if key.startswith("x-"):
            m.message(number, _named(key, _any(value)))


# Schema (JSON Schema subset of Swagger 2.0)
_SCHEMA_STRINGS = {"$ref": 1, "format": 2, "title": 3, "description": 4, "pattern": 13,
                   "discriminator": 26}
_SCHEMA_DOUBLES = {"multipleOf": 6, "maximum": 7, "minimum": 9}
_SCHEMA_BOOLS = {"exclusiveMaximum": 8, "exclusiveMinimum": 10, "uniqueItems": 16,
                 "readOnly": 27}
_SCHEMA_INTS = {"maxLength": 11, "minLength": 12, "maxItems": 14, "minItems": 15,
                "maxProperties": 17, "minProperties": 18}


def schema(s: Obj) -> Message:
    m = Message()
    for key, value in s.items():
        if key in _SCHEMA_STRINGS:
            m.string(_SCHEMA_STRINGS[key], value)
        elif key in _SCHEMA_DOUBLES:
            m.double(_SCHEMA_DOUBLES[key], value)
        elif key in _SCHEMA_BOOLS:
            m.boolean(_SCHEMA_BOOLS[key], value)
        elif key in _SCHEMA_INTS:
            m.int64(_SCHEMA_INTS[key], value)
        elif key == "default":
            m.message(5, _any(value))
        elif key == "required":
            m.strings(19, value)
        elif key == "enum":
            for v in value:
                m.message(20, _any(v))
        elif key == "additionalProperties":
            item = Message()
            if isinstance(value, dict):
                item.message(1, schema(value))
            else:
                item._key(2, 0)  # a present `false` must be written too
                item._varint(int(bool(value)))
            m.message(21, item)
        elif key == "type":
            m.message(22, _string_list([value] if isinstance(value, str) else value))
        elif key == "items":
            items = value if isinstance(value, list) else [value]
            m.message(23, _repeated(1, (schema(i) for i in items)))
        elif key == "allOf":
            for sub in value:
                m.message(24, schema(sub))
        elif key == "properties":
            m.message(25, _repeated(1, (_named(k, schema(v)) for k, v in value.items())))
        elif key == "example":
            m.message(30, _any(value))
    _extensions(m, 31, s)
    return m


def _parameter(p: Obj) -> Message:
    if p.get("in") == "body":
        body = Message()
        body.string(1, p.get("description"))
        body.string(2, p.get("name"))
        body.string(3, "body")
        body.boolean(4, p.get("required"))
        if "schema" in p:
            body.message(5, schema(p["schema"]))
        _extensions(body, 6, p)
        param = _wrap(1, body)
    else:
        # Path and query sub-schemas share their members; from `type` on, a query
        # parameter's numbers are one higher (it has allow_empty_value at 5).
        path = p.get("in") == "path"
        sub = Message()
        sub.boolean(1, p.get("required"))
        sub.string(2, p.get("in"))
        sub.string(3, p.get("description"))
        sub.string(4, p.get("name"))
        shift = 0 if path else 1
        sub.string(5 + shift, p.get("type"))
        sub.string(6 + shift, p.get("format"))
        sub.boolean(19 + shift, p.get("uniqueItems"))
        _extensions(sub, 22 + shift, p)
        param = _wrap(2, _wrap(4 if path else 3, sub))
    return _wrap(1, param)  # ParametersItem.parameter


def _response(r: Obj) -> Message:
    resp = Message()
    resp.string(1, r.get("description"))
    if "schema" in r:
        resp.message(2, _wrap(1, schema(r["schema"])))  # SchemaItem.schema
    _extensions(resp, 5, r)
    return _wrap(1, resp)  # ResponseValue.response


_OPERATIONS = {"get": 2, "put": 3, "post": 4, "delete": 5, "options": 6, "head": 7,
               "patch": 8}


def _operation(op: Obj) -> Message:
    m = Message()
    m.strings(1, op.get("tags", ()))
    m.string(2, op.get("summary"))
    m.string(3, op.get("description"))
    m.string(5, op.get("operationId"))
    m.strings(6, op.get("produces", ()))
    m.strings(7, op.get("consumes", ()))
    for p in op.get("parameters", ()):
        m.message(8, _parameter(p))
    m.message(9, _repeated(1, (_named(code, _response(r))
                               for code, r in op.get("responses", {}).items())))
    m.strings(10, op.get("schemes", ()))
    m.boolean(11, op.get("deprecated"))
    _extensions(m, 13, op)
    return m


def _path_item(item: Obj) -> Message:
    m = Message()
    for method, number in _OPERATIONS.items():
        if method in item:
            m.message(number, _operation(item[method]))
    for p in item.get("parameters", ()):
        m.message(9, _parameter(p))
    _extensions(m, 10, item)
    return m


def _security_definitions(defs: Obj) -> Message:
    m = Message()
    for name, d in defs.items():
        key = Message()  # ApiKeySecurity, the only kind Kubernetes publishes
        key.string(1, d.get("type"))
        key.string(2, d.get("name"))
        key.string(3, d.get("in"))
        key.string(4, d.get("description"))
        m.message(1, _named(name, _wrap(2, key)))
    return m


def document(doc: Obj) -> bytes:
    """The gnostic `openapi.v2.Document` encoding of a Swagger 2.0 document."""
    m = Message()
    m.string(1, doc.get("swagger"))
    info = doc.get("info", {})
    info_message = Message()
    info_message.string(1, info.get("title"))
    info_message.string(2, info.get("version"))
    info_message.string(3, info.get("description"))
    m.message(2, info_message)
    m.string(3, doc.get("host"))
    m.string(4, doc.get("basePath"))
    m.strings(5, doc.get("schemes", ()))
    m.strings(6, doc.get("consumes", ()))
    m.strings(7, doc.get("produces", ()))
    m.message(8, _repeated(2, (_named(path, _path_item(item))
                               for path, item in doc.get("paths", {}).items())))
    m.message(9, _repeated(1, (_named(name, schema(s))
                               for name, s in doc.get("definitions", {}).items())))
    for req in doc.get("security", ()):
        m.message(12, _repeated(1, (_named(name, _string_list(scopes))
                                    for name, scopes in req.items())))
    if doc.get("securityDefinitions"):
        m.message(13, _security_definitions(doc["securityDefinitions"]))
    _extensions(m, 16, doc)
    return bytes(m.buf)
