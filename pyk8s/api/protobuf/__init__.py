"""Kubernetes' protobuf encoding of the built-in kinds, from our own declarations.

kubectl's typed commands (`create deployment`, `run`, `expose`, ...) and Go
clients send `application/vnd.kubernetes.protobuf` bodies. No generated code
or .proto file is involved: the field numbers come from `pyk8s.api.types`,
and three small layers translate:

* `wire`: varints, tags and length-delimited fields;
* `messages`: one struct's message <-> its JSON form (the special leaf types
  Quantity, Time, IntOrString, RawExtension live here);
* `envelope`: the `k8s\\0` + runtime.Unknown wrapper that names the kind, and
  the length-prefixed frames of a protobuf watch stream.

Custom resources have no protobuf form (their kind is not declared), as in
Kubernetes. Errors are `ProtobufError` (`UnknownKind` for an undeclared kind).
"""

from pyk8s.api.protobuf.envelope import (
    MAGIC,
    MEDIA_TYPE,
    WATCH_MEDIA_TYPE,
    UnknownKind,
    decode_object,
    encode_object,
    read_watch_frames,
    schema,
    watch_frame,
)
from pyk8s.api.protobuf.messages import ProtobufError

__all__ = [
    "MAGIC",
    "MEDIA_TYPE",
    "WATCH_MEDIA_TYPE",
    "ProtobufError",
    "UnknownKind",
    "decode_object",
    "encode_object",
    "read_watch_frames",
    "schema",
    "watch_frame",
]
