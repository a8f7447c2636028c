"""networking.k8s.io/v1: Ingress, IngressClass and NetworkPolicy.

Declared in the vocabulary of `pyk8s.api.types._dsl`; facts (JSON names, protobuf
numbers, list and patch semantics, required members) follow Kubernetes 1.32, the
descriptions are our own. Members are listed in Kubernetes' declaration order.
"""

from __future__ import annotations

from pyk8s.api.types import core_v1, meta_v1
from pyk8s.api.types._dsl import INT32, INT_OR_STRING, STRING, Field, ListOf, Package

PKG = Package("io.k8s.api.networking.v1", "networking.k8s.io", "v1")
_ref = PKG.ref
_core = core_v1.PKG.ref
_meta = meta_v1.PKG.ref


PKG.kind("Ingress", "HTTP(S) routing from outside the cluster to services.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("spec", _ref("IngressSpec"), 2, "Desired state, as written by the user."),
    Field("status", _ref("IngressStatus"), 3,
          "Most recently observed state, written by the system; read-only for users."),
])

PKG.kind("IngressClass", "A kind of ingress, implemented by one controller.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("spec", _ref("IngressClassSpec"), 2, "Desired state, as written by the user."),
])

PKG.kind("NetworkPolicy", "Which traffic is allowed to and from a set of pods.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("spec", _ref("NetworkPolicySpec"), 2, "Desired state, as written by the user."),
])

PKG.struct("IngressSpec", "Desired routing of an ingress.", [
    Field("ingressClassName", STRING, 4, "IngressClass that implements the ingress.",
          keep_zero=True),
    Field("defaultBackend", _ref("IngressBackend"), 1, "Backend for requests no rule matches."),
    Field("tls", ListOf(_ref("IngressTLS"), "atomic"), 2, "TLS settings, by host."),
    Field("rules", ListOf(_ref("IngressRule"), "atomic"), 3, "Host and path routing rules."),
])

PKG.struct("IngressStatus", "Observed state of an ingress.", [
    Field("loadBalancer", _ref("IngressLoadBalancerStatus"), 1,
          "State of the ingress's load balancer."),
])

PKG.struct("IngressClassSpec", "Desired state of an ingress class.", [
    Field("controller", STRING, 1,
          "Name of the implementing controller, e.g. example.com/ingress-controller."),
    Field("parameters", _ref("IngressClassParametersReference"), 2,
          "Object holding extra configuration for the controller."),
])

PKG.struct("NetworkPolicySpec", "Desired behaviour of a network policy.", [
    Field("podSelector", _meta("LabelSelector"), 1,
          "Pods the policy applies to; all pods of the namespace when empty.", required=True),
    Field("ingress", ListOf(_ref("NetworkPolicyIngressRule"), "atomic"), 2,
          "Allowed incoming traffic."),
    Field("egress", ListOf(_ref("NetworkPolicyEgressRule"), "atomic"), 3,
          "Allowed outgoing traffic."),
    Field("policyTypes", ListOf(STRING, "atomic"), 4,
          "Directions the policy governs: Ingress, Egress or both.", enum=("Ingress", "Egress")),
])

PKG.struct("IngressBackend", "Where matching requests go; exactly one member is set.", [
    Field("service", _ref("IngressServiceBackend"), 4, "A service port."),
    Field("resource", _core("TypedLocalObjectReference"), 3,
          "Another object, e.g. a storage bucket."),
])

PKG.struct("IngressTLS", "TLS settings for a set of hosts.", [
    Field("hosts", ListOf(STRING, "atomic"), 1, "Hosts the certificate covers."),
    Field("secretName", STRING, 2, "Secret holding the certificate and key."),
])

PKG.struct("IngressRule", "Routing for one host.", [
    Field("host", STRING, 1,
          "Fully qualified host name, possibly with a leading wildcard; all hosts when empty."),
    Field("ingressRuleValue", _ref("IngressRuleValue"), 2, "How requests for the host are routed.",
          inline=True),
])

PKG.struct("IngressLoadBalancerStatus", "State of an ingress load balancer.", [
    Field("ingress", ListOf(_ref("IngressLoadBalancerIngress"), "atomic"), 1,
          "Ingress points of the load balancer."),
])

PKG.struct("IngressClassParametersReference", "The object configuring an ingress class.", [
    Field("apiGroup", STRING, 1, "API group of the object.", proto_name="aPIGroup",
          keep_zero=True),
    Field("kind", STRING, 2, "Kind of the object.", required=True),
    Field("name", STRING, 3, "Name of the object.", required=True),
    Field("scope", STRING, 4, "Cluster or Namespace.", keep_zero=True),
    Field("namespace", STRING, 5, "Namespace of the object, for scope Namespace.", keep_zero=True),
])

PKG.struct("NetworkPolicyIngressRule", "Incoming traffic allowed by a policy.", [
    Field("ports", ListOf(_ref("NetworkPolicyPort"), "atomic"), 1,
          "Ports the traffic may target; all when empty."),
    Field("from", ListOf(_ref("NetworkPolicyPeer"), "atomic"), 2,
          "Sources the traffic may come from; all when empty."),
])

PKG.struct("NetworkPolicyEgressRule", "Outgoing traffic allowed by a policy.", [
    Field("ports", ListOf(_ref("NetworkPolicyPort"), "atomic"), 1,
          "Ports the traffic may target; all when empty."),
    Field("to", ListOf(_ref("NetworkPolicyPeer"), "atomic"), 2,
          "Destinations the traffic may go to; all when empty."),
])

PKG.struct("IngressServiceBackend", "A service port as a backend.", [
    Field("name", STRING, 1, "Name of the service.", required=True),
    Field("port", _ref("ServiceBackendPort"), 2, "Port of the service."),
])

PKG.struct("IngressRuleValue", "How requests for a host are routed.", [
    Field("http", _ref("HTTPIngressRuleValue"), 1, "HTTP path routing."),
], embedded=True)

PKG.struct("IngressLoadBalancerIngress", "An ingress point of an ingress load balancer.", [
    Field("ip", STRING, 1, "IP address of the ingress point."),
    Field("hostname", STRING, 2, "Hostname of the ingress point."),
    Field("ports", ListOf(_ref("IngressPortStatus"), "atomic"), 4, "Status of each port."),
])

PKG.struct("NetworkPolicyPort", "A port traffic may target.", [
    Field("protocol", STRING, 1, "Protocol: TCP, UDP or SCTP.", enum=("TCP", "UDP", "SCTP"),
          keep_zero=True),
    Field("port", INT_OR_STRING, 2, "Port number or name; all ports when empty.", keep_zero=True),
    Field("endPort", INT32, 3, "Last port of a range starting at port.", keep_zero=True),
])

PKG.struct("NetworkPolicyPeer", "A peer traffic may come from or go to.", [
    Field("podSelector", _meta("LabelSelector"), 1, "Pods matched by label."),
    Field("namespaceSelector", _meta("LabelSelector"), 2, "Namespaces matched by label."),
    Field("ipBlock", _ref("IPBlock"), 3, "An IP range."),
])

PKG.struct("ServiceBackendPort", "A service port, by name or number.", [
    Field("name", STRING, 1, "Port name."),
    Field("number", INT32, 2, "Port number."),
], atomic=True)

PKG.struct("HTTPIngressRuleValue", "HTTP path routing.", [
    Field("paths", ListOf(_ref("HTTPIngressPath"), "atomic"), 1, "Paths and their backends.",
          required=True),
])

PKG.struct("IngressPortStatus", "Status of one ingress port.", [
    Field("port", INT32, 1, "Port number.", required=True),
    Field("protocol", STRING, 2, "Protocol: TCP, UDP or SCTP.", required=True,
          enum=("TCP", "UDP", "SCTP")),
    Field("error", STRING, 3, "Problem with the port, as a CamelCase reason.", keep_zero=True),
])

PKG.struct("IPBlock", "An IP range.", [
    Field("cidr", STRING, 1, "The range, in CIDR notation.", required=True),
    Field("except", ListOf(STRING, "atomic"), 2, "Sub-ranges excluded from the range."),
])

PKG.struct("HTTPIngressPath", "A path and its backend.", [
    Field("path", STRING, 1, "Path matched against the request path."),
    Field("pathType", STRING, 3,
          "How the path is matched: Exact, Prefix or ImplementationSpecific.", required=True,
          enum=("Exact", "Prefix", "ImplementationSpecific"), keep_zero=True),
    Field("backend", _ref("IngressBackend"), 2, "Where matching requests go.", required=True),
])
