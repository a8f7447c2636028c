"""policy/v1: PodDisruptionBudget and Eviction (the pods/eviction subresource body).

Declared in the vocabulary of `pyk8s.api.types._dsl`; facts (JSON names, protobuf
numbers, list and patch semantics, required members) follow Kubernetes 1.32, the
descriptions are our own. Members are listed in Kubernetes' declaration order.
"""

from __future__ import annotations

from pyk8s.api.types import meta_v1
from pyk8s.api.types._dsl import (
    INT32,
    INT64,
    INT_OR_STRING,
    STRING,
    TIME,
    Field,
    ListOf,
    MapOf,
    Package,
)

PKG = Package("io.k8s.api.policy.v1", "policy", "v1")
_ref = PKG.ref
_meta = meta_v1.PKG.ref


PKG.kind("PodDisruptionBudget",
         "Limits how many pods of a set may be down at once by voluntary disruption.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("spec", _ref("PodDisruptionBudgetSpec"), 2, "Desired state, as written by the user."),
    Field("status", _ref("PodDisruptionBudgetStatus"), 3,
          "Most recently observed state, written by the system; read-only for users."),
])

PKG.kind("Eviction", "A request to evict a pod, honouring disruption budgets.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("deleteOptions", _meta("DeleteOptions"), 2, "Options of the pod deletion."),
], listable=False)

PKG.struct("PodDisruptionBudgetSpec", "Desired state of a disruption budget.", [
    Field("minAvailable", INT_OR_STRING, 1,
          "Pods (count or percentage) that must stay available after an eviction.",
          keep_zero=True),
    Field("selector", _meta("LabelSelector"), 2, "Label query over the pods the budget covers.",
          strategy="replace"),
    Field("maxUnavailable", INT_OR_STRING, 3,
          "Pods (count or percentage) that may be unavailable after an eviction.", keep_zero=True),
    Field("unhealthyPodEvictionPolicy", STRING, 4,
          "When unhealthy pods may be evicted: IfHealthyBudget or AlwaysAllow.",
          enum=("IfHealthyBudget", "AlwaysAllow"), keep_zero=True),
])

PKG.struct("PodDisruptionBudgetStatus", "Observed state of a disruption budget.", [
    Field("observedGeneration", INT64, 1, "Generation of the budget last acted upon."),
    Field("disruptedPods", MapOf(TIME), 2,
          "Pods being evicted but not yet gone, with when the eviction was admitted."),
    Field("disruptionsAllowed", INT32, 3, "Number of disruptions currently allowed.",
          required=True),
    Field("currentHealthy", INT32, 4, "Number of healthy pods.", required=True),
    Field("desiredHealthy", INT32, 5, "Least number of healthy pods wanted.", required=True),
    Field("expectedPods", INT32, 6, "Number of pods the budget covers.", required=True),
    Field("conditions", ListOf(_meta("Condition"), "map", ("type",)), 7,
          "Latest observations about the budget.", strategy="merge", merge_key="type"),
])
