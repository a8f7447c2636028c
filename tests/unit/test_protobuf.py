"""The protobuf codec: wire format, special encodings, envelope, watch frames.

The round-trip test fills every declared member of every declared kind (and
List) with a non-zero sample and checks JSON -> protobuf -> JSON gives
the object back, which also proves no two members of a message share a
number. The other tests build messages by hand, the way Go writes them, and
check what the decoder makes of them.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from pyk8s.api import protobuf
from pyk8s.api.protobuf import messages, wire
from pyk8s.api.registry import builtin
from pyk8s.api.types import (
    GVK,
    Field,
    FieldType,
    ListOf,
    MapOf,
    Ref,
    Scalar,
    Struct,
    all_structs,
    kind_schema,
)
from pyk8s.api.types._dsl import INT32, STRING

SAMPLES: dict[str, Any] = {
    "string": "text",
    "int32": -42,
    "int64": 1 << 40,
    "boolean": True,
    "number": 1.5,
    "bytes": base64.b64encode(b"\x00\xffbinary").decode(),
    "quantity": "250m",
    "int-or-string": "25%",
    "time": "2024-05-06T07:08:09Z",
    "micro-time": "2024-05-06T07:08:09.123456Z",
    "raw-extension": {"any": ["json", 1]},
    "fields-v1": {"f:metadata": {"f:labels": {}}},
}


def sample(t: FieldType, depth: int, enum: tuple[str, ...] = ()) -> Any:
    if isinstance(t, Scalar):
        return enum[0] if enum else SAMPLES[t.name]
    if isinstance(t, ListOf):
        return [sample(t.item, depth)]
    if isinstance(t, MapOf):
        return {"key": sample(t.value, depth)}
    assert isinstance(t, Ref)
    return full(t.resolve(), depth + 1)


def full(s: Struct, depth: int = 0) -> dict[str, Any]:
    """An object of struct `s` with every member set (nested structs to a depth)."""
    out: dict[str, Any] = {}
    for name, f in s.json_fields().items():
        if f.number is None or (depth > 7 and isinstance(f.type, Ref | ListOf | MapOf)):
            continue
        out[name] = sample(f.type, depth, f.enum)
    return out


KINDS = sorted(s.gvk for s in all_structs() if s.gvk is not None)


def test_every_served_kind_is_declared() -> None:
    for r in builtin():
        assert kind_schema(r.group, r.version, r.kind) is not None, r.kind


@pytest.mark.parametrize("gvk", KINDS, ids=[f"{g or 'core'}/{v}/{k}" for g, v, k in KINDS])
def test_every_kind_round_trips(gvk: GVK) -> None:
    s = kind_schema(*gvk)
    assert s is not None
    obj = {"apiVersion": gvk.api_version, "kind": gvk.kind, **full(s)}
    body = protobuf.encode_object(obj)
    assert body.startswith(b"k8s\x00")
    assert protobuf.decode_object(body) == obj


def representative() -> list[dict[str, Any]]:
    return [
        {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"},
                      "creationTimestamp": "2024-01-02T03:04:05Z", "generation": 3},
         "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "web"}},
                  "strategy": {"type": "RollingUpdate",
                               "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"}},
                  "template": {"metadata": {"labels": {"app": "web"}}, "spec": {
                      "containers": [{"name": "c", "image": "busybox", "args": ["sleep", "1"],
                                      "ports": [{"containerPort": 80, "protocol": "TCP"}],
                                      "env": [{"name": "X", "value": "1"}],
                                      "resources": {"limits": {"cpu": "100m",
                                                               "memory": "64Mi"}}}],
                      "volumes": [{"name": "scratch", "emptyDir": {}},
                                  {"name": "cfg", "configMap": {"name": "cm"}}]}}}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "type": "Opaque",
         "data": {"a": "Yg==", "empty": ""}, "immutable": False},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc"},
         "spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 81, "targetPort": "http"}],
                  "selector": {"app": "web"}, "type": "ClusterIP"}},
        {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "l"},
         "spec": {"holderIdentity": "me", "renewTime": "2024-01-02T03:04:05.000001Z"}},
        {"apiVersion": "apps/v1", "kind": "ControllerRevision", "metadata": {"name": "r"},
         "data": {"spec": {"template": {}}}, "revision": 2},
        {"apiVersion": "v1", "kind": "Status", "metadata": {}, "status": "Failure",
         "message": "nope", "reason": "NotFound", "code": 404,
         "details": {"name": "x", "kind": "pods"}},
    ]


@pytest.mark.parametrize("obj", representative(), ids=lambda o: o["kind"])
def test_representative_objects_round_trip(obj: dict[str, Any]) -> None:
    assert protobuf.decode_object(protobuf.encode_object(obj)) == obj


# Messages written the way Go writes them ------------------------------------

def msg(*members: tuple[int, Any]) -> bytes:
    """A message from (number, value) pairs: ints are varints, bytes are length-delimited."""
    out = bytearray()
    for number, value in members:
        if isinstance(value, int):
            wire.write_int(out, number, value)
        else:
            wire.write_bytes(out, number, value)
    return bytes(out)


def envelope(api_version: str, kind: str, raw: bytes) -> bytes:
    return b"k8s\x00" + msg((1, msg((1, api_version.encode()), (2, kind.encode()))),
                             (2, raw), (3, b""), (4, b""))


def test_go_zero_values_are_dropped_but_pointers_and_required_members_kept() -> None:
    spec = msg((1, 0),  # replicas: a pointer in Go, so 0 is meant
               (2, msg()),  # selector
               (3, msg((1, msg((8, b""))), (2, msg()))),  # template: zero creationTimestamp
               (5, 0), (7, 0))  # minReadySeconds, paused: zero values Go always writes
    body = envelope("apps/v1", "Deployment", msg((1, msg((1, b"web"), (2, b""))), (2, spec),
                                                    (3, msg())))
    assert protobuf.decode_object(body) == {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": 0, "selector": {}, "template": {"metadata": {}, "spec": {}}},
        "status": {},
    }


def test_maps_bytes_and_unknown_members() -> None:
    raw = msg((1, msg((1, b"cm"))),
              (2, msg((1, b"a"), (2, b"b"))), (2, msg((1, b"c"), (2, b""))),
              (3, msg((1, b"bin"), (2, b"\x00\xff"))),
              (99, b"a member from the future"))
    assert protobuf.decode_object(envelope("v1", "ConfigMap", raw)) == {
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"},
        "data": {"a": "b", "c": ""}, "binaryData": {"bin": "AP8="},
    }


def test_int_or_string_quantity_and_times() -> None:
    port = msg((1, b"http"), (3, 80), (4, msg((1, 0), (2, 8080), (3, b""))))
    named = msg((3, 81), (4, msg((1, 1), (2, 0), (3, b"web"))))
    svc = protobuf.decode_object(envelope("v1", "Service", msg((2, msg((1, port), (1, named))))))
    assert svc["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": 8080},
                                    {"port": 81, "targetPort": "web"}]
    lease = msg((1, msg((8, msg((1, 1700000000), (2, 999))))),
                (2, msg((4, msg((1, 1700000000), (2, 123456789))))))
    out = protobuf.decode_object(envelope("coordination.k8s.io/v1", "Lease", lease))
    assert out["metadata"]["creationTimestamp"] == "2023-11-14T22:13:20Z"  # Time: seconds
    assert out["spec"]["renewTime"] == "2023-11-14T22:13:20.123456Z"  # MicroTime: micros
    quota = msg((2, msg((1, msg((1, b"cpu"), (2, msg((1, b"500m"))))))))
    assert protobuf.decode_object(envelope("v1", "ResourceQuota", quota))["spec"] == {
        "hard": {"cpu": "500m"}}


def test_negative_numbers_and_packed_repeated_fields() -> None:
    s = kind_schema("", "v1", "Pod")
    assert s is not None
    context = messages.encode(s, {"spec": {"securityContext": {"runAsUser": -1,
                                                                "supplementalGroups": [5, 6]}}})
    assert messages.decode(s, context)["spec"]["securityContext"] == {
        "runAsUser": -1, "supplementalGroups": [5, 6]}
    packed = bytearray()
    for v in (5, 6):
        wire.write_varint(packed, v)
    pod = msg((2, msg((14, msg((4, bytes(packed)))))))  # spec.securityContext.supplementalGroups
    assert messages.decode(s, pod)["spec"]["securityContext"] == {"supplementalGroups": [5, 6]}
    one = bytearray()
    wire.write_varint(one, -1)
    assert len(one) == 10 and wire.signed(wire.read_varint(memoryview(one), 0)[0], 32) == -1


def test_inline_members_nest_in_protobuf_and_flatten_in_json() -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"volumes": [{"name": "v", "secret": {"secretName": "s"}}]}}
    s = kind_schema("", "v1", "Pod")
    assert s is not None
    volume = msg((1, b"v"), (2, msg((6, msg((1, b"s"))))))  # VolumeSource at 2, secret at 6
    assert messages.encode(s, pod) == msg((1, msg((1, b"p"))), (2, msg((1, volume))))
    assert protobuf.decode_object(protobuf.encode_object(pod)) == pod


@pytest.mark.parametrize(("body", "message"), [
    (b'{"kind": "Pod"}', "expected the prefix"),
    (b"k8s\x00\x0a\xff", "envelope (runtime.Unknown) is malformed"),
    (envelope("v1", "ConfigMap", b"\x12\x05ab"), "claims 5 bytes"),
    (envelope("v1", "ConfigMap", msg((1, 7))), "metadata: expected a length-delimited"),
    (envelope("v1", "Pod", msg((2, msg((2, msg((1, b"\xff"))))))),
     "spec.containers[0].name: string is not valid UTF-8"),
    (envelope("apps/v1", "Deployment", msg((2, msg((1, b"x"))))), "spec.replicas: expected"),
    (envelope("v1", "Widget", b""), 'no kind "Widget" is registered for version "v1"'),
])
def test_malformed_bodies_are_errors_that_say_what_is_wrong(body: bytes, message: str) -> None:
    with pytest.raises(protobuf.ProtobufError, match=message.replace("[", r"\[").replace(
            "(", r"\(").replace(")", r"\)")):
        protobuf.decode_object(body)


def test_encoding_a_mistyped_value_names_the_field() -> None:
    with pytest.raises(protobuf.ProtobufError, match=r"spec\.replicas: expected an integer"):
        protobuf.encode_object({"apiVersion": "apps/v1", "kind": "Deployment",
                                "spec": {"replicas": "three"}})


def test_watch_frames() -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a",
                                                                "resourceVersion": "7"}}
    stream = protobuf.watch_frame("ADDED", cm) + protobuf.watch_frame("DELETED", cm)
    size = int.from_bytes(stream[:4], "big")  # 4-byte big-endian length, then a bare event
    assert stream[4:].startswith(msg((1, b"ADDED"), (2, msg((1, protobuf.encode_object(cm))))))
    assert len(stream) == 4 + size + 4 + size + len("DELETED") - len("ADDED")
    assert protobuf.read_watch_frames(stream) == [("ADDED", cm), ("DELETED", cm)]


def test_meta_kinds_belong_to_every_group_version() -> None:
    options = {"apiVersion": "batch/v1", "kind": "DeleteOptions", "gracePeriodSeconds": 0,
               "propagationPolicy": "Foreground", "preconditions": {"uid": "u"}}
    assert protobuf.decode_object(protobuf.encode_object(options)) == options
    assert protobuf.schema("apps/v1", "Pod") is None


def test_lists_inside_maps_and_lists_are_wrapper_messages() -> None:
    s = Struct("test.protobuf.UserInfo", "A user with extra values.", [
        Field("extra", MapOf(ListOf(STRING)), 4, "Named lists of strings."),
        Field("matrix", ListOf(ListOf(INT32)), 5, "A list of lists."),
    ])
    obj = {"extra": {"scopes": ["a", "b"], "none": []}, "matrix": [[1, 2], []]}
    body = messages.encode(s, obj)
    entry = msg((1, b"none"), (2, b"")), msg((1, b"scopes"), (2, msg((1, b"a"), (1, b"b"))))
    assert body.startswith(msg((4, entry[0]), (4, entry[1]), (5, msg((1, 1), (1, 2)))))
    assert messages.decode(s, body) == obj
