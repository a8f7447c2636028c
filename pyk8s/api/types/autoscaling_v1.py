"""autoscaling/v1: the CPU-only HorizontalPodAutoscaler and Scale (the /scale subresource).

Declared in the vocabulary of `pyk8s.api.types._dsl`; facts (JSON names, protobuf
numbers, list and patch semantics, required members) follow Kubernetes 1.32, the
descriptions are our own. Members are listed in Kubernetes' declaration order.
"""

from __future__ import annotations

from pyk8s.api.types import meta_v1
from pyk8s.api.types._dsl import INT32, INT64, STRING, TIME, Field, Package

PKG = Package("io.k8s.api.autoscaling.v1", "autoscaling", "v1")
_ref = PKG.ref
_meta = meta_v1.PKG.ref


PKG.kind("HorizontalPodAutoscaler", "Scales a workload by CPU utilization.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("spec", _ref("HorizontalPodAutoscalerSpec"), 2,
          "Desired state, as written by the user."),
    Field("status", _ref("HorizontalPodAutoscalerStatus"), 3,
          "Most recently observed state, written by the system; read-only for users."),
])

PKG.kind("Scale", "The scale subresource of a scalable workload.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("spec", _ref("ScaleSpec"), 2, "Desired state, as written by the user."),
    Field("status", _ref("ScaleStatus"), 3,
          "Most recently observed state, written by the system; read-only for users."),
], listable=False)

PKG.struct("HorizontalPodAutoscalerSpec", "Desired behaviour of the autoscaler.", [
    Field("scaleTargetRef", _ref("CrossVersionObjectReference"), 1, "The scaled resource.",
          required=True),
    Field("minReplicas", INT32, 2, "Least number of replicas.", keep_zero=True),
    Field("maxReplicas", INT32, 3, "Most number of replicas.", required=True),
    Field("targetCPUUtilizationPercentage", INT32, 4,
          "Target average CPU utilization, as a percentage of requests.", keep_zero=True),
])

PKG.struct("HorizontalPodAutoscalerStatus", "Observed state of the autoscaler.", [
    Field("observedGeneration", INT64, 1, "Generation of the autoscaler last acted upon.",
          keep_zero=True),
    Field("lastScaleTime", TIME, 2, "When the number of replicas last changed.", keep_zero=True),
    Field("currentReplicas", INT32, 3, "Current number of replicas.", required=True),
    Field("desiredReplicas", INT32, 4, "Number of replicas the autoscaler wants.", required=True),
    Field("currentCPUUtilizationPercentage", INT32, 5,
          "Current average CPU utilization, as a percentage of requests.", keep_zero=True),
])

PKG.struct("ScaleSpec", "Desired scale.", [
    Field("replicas", INT32, 1, "Desired number of replicas."),
])

PKG.struct("ScaleStatus", "Observed scale.", [
    Field("replicas", INT32, 1, "Current number of replicas.", required=True),
    Field("selector", STRING, 2, "Label selector of the pods, in string form."),
])

PKG.struct("CrossVersionObjectReference", "Identifies a scaled resource.", [
    Field("kind", STRING, 1, "Kind of the resource.", required=True),
    Field("name", STRING, 2, "Name of the resource.", required=True),
    Field("apiVersion", STRING, 3, "API version of the resource."),
], atomic=True)
