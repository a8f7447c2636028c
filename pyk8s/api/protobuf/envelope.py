"""The `application/vnd.kubernetes.protobuf` envelope, and watch stream frames.

A whole object on the wire is the four bytes `k8s\\0` followed by a
runtime.Unknown message: typeMeta {apiVersion=1, kind=2} at 1, the object's
own message (`raw`) at 2, contentEncoding at 3 and contentType at 4 (both
empty for plain protobuf). The object's message carries no apiVersion/kind of
its own: they come from typeMeta, which also picks the schema to decode
`raw` with.

A watch stream is a sequence of frames, each a 4-byte big-endian length and
a bare metav1.WatchEvent message (no envelope): type at 1 and, at 2, a
RawExtension whose `raw` is the enveloped object.
"""

from __future__ import annotations

from typing import Any

import orjson

from pyk8s.api.protobuf import messages, wire
from pyk8s.api.protobuf.messages import ProtobufError
from pyk8s.api.types import Struct, kind_schema

Obj = dict[str, Any]
MAGIC = b"k8s\x00"
MEDIA_TYPE = "application/vnd.kubernetes.protobuf"
WATCH_MEDIA_TYPE = MEDIA_TYPE + ";stream=watch"


class UnknownKind(ProtobufError):
    """The envelope names a kind that has no declared schema."""

    def __init__(self, api_version: str, kind: str) -> None:
        super().__init__(f'no kind "{kind}" is registered for version "{api_version}"')
        self.api_version = api_version
        self.kind = kind


_META = "io.k8s.apimachinery.pkg.apis.meta.v1."


def schema(api_version: str, kind: str) -> Struct | None:
    """The declared schema of a kind, by apiVersion ("apps/v1", "v1") and kind."""
    group, _, version = api_version.rpartition("/")
    s = kind_schema(group, version, kind)
    if s is None:  # meta/v1 kinds (Status, DeleteOptions) belong to every group-version
        meta = kind_schema("", "v1", kind)
        s = meta if meta is not None and meta.name.startswith(_META) else None
    return s


def decode_object(body: bytes) -> Obj:
    """The JSON form of an enveloped object, apiVersion and kind first."""
    if not body.startswith(MAGIC):
        raise ProtobufError("provided data does not appear to be a protobuf message, "
                            "expected the prefix 'k8s\\x00'")
    api_version = kind = content_type = encoding = ""
    raw = b""
    try:
        for number, _, value in wire.fields(memoryview(body)[len(MAGIC):]):
            if number == 1:
                api_version, kind = _type_meta(_bytes(value))
            elif number == 2:
                raw = _bytes(value)
            elif number == 3:
                encoding = _bytes(value).decode()
            elif number == 4:
                content_type = _bytes(value).decode()
    except (wire.WireError, UnicodeDecodeError) as e:
        raise ProtobufError(f"the envelope (runtime.Unknown) is malformed: {e}") from None
    if encoding:
        raise ProtobufError(f"unsupported content encoding {encoding!r} in the envelope")
    out: Obj = {"apiVersion": api_version, "kind": kind}
    if content_type.split(";")[0].strip() == "application/json":
        try:
            decoded = orjson.loads(raw)
        except orjson.JSONDecodeError as e:
            raise ProtobufError(f"the enveloped JSON object is malformed: {e}") from None
        if not isinstance(decoded, dict):
            raise ProtobufError("the enveloped JSON value is not an object")
        return {**out, **decoded}
    if content_type not in ("", MEDIA_TYPE):
        raise ProtobufError(f"unsupported content type {content_type!r} in the envelope")
    s = schema(api_version, kind)
    if s is None:
        raise UnknownKind(api_version, kind)
    out.update(messages.decode(s, raw))
    return out


def _bytes(value: int | memoryview) -> bytes:
    if not isinstance(value, memoryview):
        raise wire.WireError("expected a length-delimited member")
    return bytes(value)


def _type_meta(data: bytes) -> tuple[str, str]:
    api_version = kind = ""
    for number, _, value in wire.fields(data):
        if number == 1:
            api_version = _bytes(value).decode()
        elif number == 2:
            kind = _bytes(value).decode()
    return api_version, kind


def encode_object(obj: Obj) -> bytes:
    """An object (which names its apiVersion and kind) in the envelope."""
    api_version, kind = obj.get("apiVersion", ""), obj.get("kind", "")
    s = schema(api_version, kind)
    if s is None:
        raise UnknownKind(api_version, kind)
    type_meta = bytearray()
    wire.write_bytes(type_meta, 1, api_version.encode())
    wire.write_bytes(type_meta, 2, kind.encode())
    out = bytearray(MAGIC)
    wire.write_bytes(out, 1, type_meta)
    wire.write_bytes(out, 2, messages.encode(s, obj))
    wire.write_bytes(out, 3, b"")
    wire.write_bytes(out, 4, b"")
    return bytes(out)


def watch_frame(event_type: str, obj: Obj) -> bytes:
    """One watch event as a length-prefixed frame."""
    raw = bytearray()
    wire.write_bytes(raw, 1, encode_object(obj))
    event = bytearray()
    wire.write_bytes(event, 1, event_type.encode())
    wire.write_bytes(event, 2, raw)
    return len(event).to_bytes(4, "big") + event


def read_watch_frames(stream: bytes) -> list[tuple[str, Obj]]:
    """The (type, object) events of a watch stream's frames (complete frames only)."""
    events, pos = [], 0
    while pos + 4 <= len(stream):
        size = int.from_bytes(stream[pos:pos + 4], "big")
        frame = stream[pos + 4:pos + 4 + size]
        if len(frame) < size:
            break
        pos += 4 + size
        event_type, obj = "", b""
        for number, _, value in wire.fields(frame):
            if number == 1:
                event_type = _bytes(value).decode()
            elif number == 2:
                for inner, _, raw in wire.fields(_bytes(value)):
                    if inner == 1:
                        obj = _bytes(raw)
        events.append((event_type, decode_object(obj)))
    return events
