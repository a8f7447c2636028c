"""The protobuf wire format, by hand: varints, tags and length-delimited fields.

Kubernetes' messages use four wire types: varint (integers, bools), 64-bit
(doubles), length-delimited (strings, bytes, nested messages, packed
repeated numbers) and, never in practice, 32-bit. `fields(data)` walks one
message's top level as `(number, wire_type, value)` triples, where value is
an int for the fixed-size types and a memoryview for length-delimited ones;
malformed input raises `WireError`, never anything else. The writers append
to a bytearray.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5
_START_GROUP, _END_GROUP = 3, 4

_DOUBLE = struct.Struct("<d")


class WireError(ValueError):
    """The bytes are not a well-formed protobuf message."""


def read_varint(data: memoryview, pos: int) -> tuple[int, int]:
    """The unsigned varint at `pos`, and the position after it."""
    result = shift = 0
    while True:
        if pos >= len(data):
            raise WireError("unexpected end of data inside a varint")
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise WireError("varint longer than 10 bytes")


def fields(data: bytes | memoryview) -> Iterator[tuple[int, int, int | memoryview]]:
    """Each top-level field of one message: (number, wire type, value)."""
    view = memoryview(data)
    pos, end = 0, len(view)
    while pos < end:
        key, pos = read_varint(view, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise WireError("field number 0 is invalid")
        if wire == VARINT:
            value, pos = read_varint(view, pos)
            yield number, wire, value
        elif wire == LENGTH:
            size, pos = read_varint(view, pos)
            if pos + size > end:
                raise WireError(f"field {number} claims {size} bytes but only "
                                f"{end - pos} remain")
            yield number, wire, view[pos:pos + size]
            pos += size
        elif wire in (FIXED64, FIXED32):
            width = 8 if wire == FIXED64 else 4
            if pos + width > end:
                raise WireError(f"unexpected end of data inside field {number}")
            yield number, wire, int.from_bytes(view[pos:pos + width], "little")
            pos += width
        elif wire in (_START_GROUP, _END_GROUP):
            raise WireError(f"field {number} uses the deprecated group encoding")
        else:
            raise WireError(f"field {number} has invalid wire type {wire}")


def packed_varints(data: memoryview) -> list[int]:
    """The varints of a packed repeated field."""
    out, pos = [], 0
    while pos < len(data):
        value, pos = read_varint(data, pos)
        out.append(value)
    return out


def signed(value: int, bits: int) -> int:
    """A varint's two's-complement reading as a signed integer of `bits` bits."""
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def double(value: int) -> float:
    result: float = _DOUBLE.unpack(value.to_bytes(8, "little"))[0]
    return result


# Writing ------------------------------------------------------------------

def write_varint(out: bytearray, value: int) -> None:
    value &= (1 << 64) - 1  # negative numbers take ten bytes, as in Go
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def write_tag(out: bytearray, number: int, wire: int) -> None:
    write_varint(out, number << 3 | wire)


def write_int(out: bytearray, number: int, value: int) -> None:
    write_tag(out, number, VARINT)
    write_varint(out, value)


def write_bytes(out: bytearray, number: int, value: bytes | bytearray) -> None:
    write_tag(out, number, LENGTH)
    write_varint(out, len(value))
    out += value


def write_double(out: bytearray, number: int, value: float) -> None:
    write_tag(out, number, FIXED64)
    out += _DOUBLE.pack(value)
