"""rbac.authorization.k8s.io/v1: Role, ClusterRole, RoleBinding and ClusterRoleBinding.

Declared in the vocabulary of `pyk8s.api.types._dsl`; facts (JSON names, protobuf
numbers, list and patch semantics, required members) follow Kubernetes 1.32, the
descriptions are our own. Members are listed in Kubernetes' declaration order.
"""

from __future__ import annotations

from pyk8s.api.types import meta_v1
from pyk8s.api.types._dsl import STRING, Field, ListOf, Package

PKG = Package("io.k8s.api.rbac.v1", "rbac.authorization.k8s.io", "v1")
_ref = PKG.ref
_meta = meta_v1.PKG.ref


PKG.kind("Role", "Namespaced set of permissions.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("rules", ListOf(_ref("PolicyRule"), "atomic"), 2, "The permissions."),
])

PKG.kind("ClusterRole", "Cluster-wide set of permissions.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("rules", ListOf(_ref("PolicyRule"), "atomic"), 2, "The permissions."),
    Field("aggregationRule", _ref("AggregationRule"), 3,
          "Selects cluster roles whose rules are aggregated into this one."),
])

PKG.kind("RoleBinding", "Grants the permissions of a role within a namespace.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("subjects", ListOf(_ref("Subject"), "atomic"), 2, "Who gets the permissions."),
    Field("roleRef", _ref("RoleRef"), 3, "The role granted; cannot change.", required=True),
])

PKG.kind("ClusterRoleBinding", "Grants the permissions of a cluster role cluster-wide.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("subjects", ListOf(_ref("Subject"), "atomic"), 2, "Who gets the permissions."),
    Field("roleRef", _ref("RoleRef"), 3, "The cluster role granted; cannot change.",
          required=True),
])

PKG.struct("PolicyRule", "Permission to perform verbs on resources or URLs.", [
    Field("verbs", ListOf(STRING, "atomic"), 1, "Allowed verbs, e.g. get or list; * for all.",
          required=True),
    Field("apiGroups", ListOf(STRING, "atomic"), 2,
          "API groups of the resources; the empty string for the core group."),
    Field("resources", ListOf(STRING, "atomic"), 3, "Resources the rule applies to; * for all."),
    Field("resourceNames", ListOf(STRING, "atomic"), 4,
          "Names the rule is restricted to; all when empty."),
    Field("nonResourceURLs", ListOf(STRING, "atomic"), 5,
          "URL paths the rule applies to, for cluster roles."),
])

PKG.struct("AggregationRule", "Selects cluster roles to aggregate.", [
    Field("clusterRoleSelectors", ListOf(_meta("LabelSelector"), "atomic"), 1,
          "Label queries over cluster roles; their rules are combined."),
])

PKG.struct("Subject", "A user, group or service account.", [
    Field("kind", STRING, 1, "User, Group or ServiceAccount.", required=True),
    Field("apiGroup", STRING, 2,
          "rbac.authorization.k8s.io for users and groups; empty for service accounts."),
    Field("name", STRING, 3, "Name of the subject.", required=True),
    Field("namespace", STRING, 4, "Namespace of a service account."),
], atomic=True)

PKG.struct("RoleRef", "A reference to a role.", [
    Field("apiGroup", STRING, 1, "API group of the role.", required=True),
    Field("kind", STRING, 2, "Role or ClusterRole.", required=True),
    Field("name", STRING, 3, "Name of the role.", required=True),
], atomic=True)
