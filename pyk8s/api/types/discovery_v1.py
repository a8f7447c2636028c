"""discovery.k8s.io/v1: EndpointSlice.

Declared in the vocabulary of `pyk8s.api.types._dsl`; facts (JSON names, protobuf
numbers, list and patch semantics, required members) follow Kubernetes 1.32, the
descriptions are our own. Members are listed in Kubernetes' declaration order.
"""

from __future__ import annotations

from pyk8s.api.types import core_v1, meta_v1
from pyk8s.api.types._dsl import BOOLEAN, INT32, STRING, Field, ListOf, MapOf, Package

PKG = Package("io.k8s.api.discovery.v1", "discovery.k8s.io", "v1")
_ref = PKG.ref
_core = core_v1.PKG.ref
_meta = meta_v1.PKG.ref


PKG.kind("EndpointSlice", "A subset of the endpoints of a service.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("addressType", STRING, 4, "Kind of the addresses: IPv4, IPv6 or FQDN.", required=True,
          enum=("IPv4", "IPv6", "FQDN")),
    Field("endpoints", ListOf(_ref("Endpoint"), "atomic"), 2, "The endpoints.", required=True),
    Field("ports", ListOf(_ref("EndpointPort"), "atomic"), 3, "Ports exposed by every endpoint."),
])

PKG.struct("Endpoint", "One endpoint of a service.", [
    Field("addresses", ListOf(STRING, "set"), 1, "Addresses of the endpoint, all equivalent.",
          required=True),
    Field("conditions", _ref("EndpointConditions"), 2, "Current state of the endpoint."),
    Field("hostname", STRING, 3, "Hostname of the endpoint.", keep_zero=True),
    Field("targetRef", _core("ObjectReference"), 4,
          "Object providing the endpoint, usually a pod."),
    Field("deprecatedTopology", MapOf(STRING), 5,
          "Deprecated topology labels of the endpoint; zone and nodeName replace them."),
    Field("nodeName", STRING, 6, "Node hosting the endpoint.", keep_zero=True),
    Field("zone", STRING, 7, "Zone the endpoint is in.", keep_zero=True),
    Field("hints", _ref("EndpointHints"), 8, "Hints for topology-aware routing."),
])

PKG.struct("EndpointPort", "A port of an endpoint slice.", [
    Field("name", STRING, 1, "Port name, matching the service port's.", keep_zero=True),
    Field("protocol", STRING, 2, "Protocol: TCP, UDP or SCTP.", enum=("TCP", "UDP", "SCTP"),
          keep_zero=True),
    Field("port", INT32, 3, "Port number.", keep_zero=True),
    Field("appProtocol", STRING, 4, "Application protocol of the port.", keep_zero=True),
], atomic=True)

PKG.struct("EndpointConditions", "State of an endpoint.", [
    Field("ready", BOOLEAN, 1, "Whether the endpoint is ready to receive traffic.",
          keep_zero=True),
    Field("serving", BOOLEAN, 2, "Whether the endpoint can serve, even while terminating.",
          keep_zero=True),
    Field("terminating", BOOLEAN, 3, "Whether the endpoint is terminating.", keep_zero=True),
])

PKG.struct("EndpointHints", "Hints for topology-aware routing.", [
    Field("forZones", ListOf(_ref("ForZone"), "atomic"), 1,
          "Zones that should route to the endpoint."),
])

PKG.struct("ForZone", "A zone hint.", [
    Field("name", STRING, 1, "Zone name.", required=True),
])
