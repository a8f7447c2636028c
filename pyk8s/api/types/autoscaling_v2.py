"""autoscaling/v2: the metrics-based HorizontalPodAutoscaler.

Declared in the vocabulary of `pyk8s.api.types._dsl`; facts (JSON names, protobuf
numbers, list and patch semantics, required members) follow Kubernetes 1.32, the
descriptions are our own. Members are listed in Kubernetes' declaration order.
"""

from __future__ import annotations

from pyk8s.api.types import meta_v1
from pyk8s.api.types._dsl import INT32, INT64, QUANTITY, STRING, TIME, Field, ListOf, Package

PKG = Package("io.k8s.api.autoscaling.v2", "autoscaling", "v2")
_ref = PKG.ref
_meta = meta_v1.PKG.ref


PKG.kind("HorizontalPodAutoscaler", "Scales a workload by any set of metrics.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("spec", _ref("HorizontalPodAutoscalerSpec"), 2,
          "Desired state, as written by the user."),
    Field("status", _ref("HorizontalPodAutoscalerStatus"), 3,
          "Most recently observed state, written by the system; read-only for users."),
])

PKG.struct("HorizontalPodAutoscalerSpec", "Desired behaviour of the autoscaler.", [
    Field("scaleTargetRef", _ref("CrossVersionObjectReference"), 1, "The scaled resource.",
          required=True),
    Field("minReplicas", INT32, 2, "Least number of replicas.", keep_zero=True),
    Field("maxReplicas", INT32, 3, "Most number of replicas.", required=True),
    Field("metrics", ListOf(_ref("MetricSpec"), "atomic"), 4,
          "Metrics the desired replica count is computed from; the largest result wins."),
    Field("behavior", _ref("HorizontalPodAutoscalerBehavior"), 5,
          "Scaling behaviour in each direction."),
])

PKG.struct("HorizontalPodAutoscalerStatus", "Observed state of the autoscaler.", [
    Field("observedGeneration", INT64, 1, "Generation of the autoscaler last acted upon.",
          keep_zero=True),
    Field("lastScaleTime", TIME, 2, "When the number of replicas last changed.", keep_zero=True),
    Field("currentReplicas", INT32, 3, "Current number of replicas."),
    Field("desiredReplicas", INT32, 4, "Number of replicas the autoscaler wants.", required=True),
    Field("currentMetrics", ListOf(_ref("MetricStatus"), "atomic"), 5,
          "Last read value of each metric."),
    Field("conditions", ListOf(_ref("HorizontalPodAutoscalerCondition"), "map", ("type",)), 6,
          "Latest observations about the autoscaler.", strategy="merge", merge_key="type"),
])

PKG.struct("CrossVersionObjectReference", "Identifies a scaled resource.", [
    Field("kind", STRING, 1, "Kind of the resource.", required=True),
    Field("name", STRING, 2, "Name of the resource.", required=True),
    Field("apiVersion", STRING, 3, "API version of the resource."),
])

PKG.struct("MetricSpec", "One metric to scale on.", [
    Field("type", STRING, 1,
          "Kind of metric source: Object, Pods, Resource, ContainerResource or External.",
          required=True, enum=("ContainerResource", "External", "Object", "Pods", "Resource")),
    Field("object", _ref("ObjectMetricSource"), 2, "A metric of one object."),
    Field("pods", _ref("PodsMetricSource"), 3, "A metric averaged over the pods."),
    Field("resource", _ref("ResourceMetricSource"), 4, "A resource of the pods."),
    Field("containerResource", _ref("ContainerResourceMetricSource"), 7,
          "A resource of one container of the pods."),
    Field("external", _ref("ExternalMetricSource"), 5, "A metric from outside the cluster."),
])

PKG.struct("HorizontalPodAutoscalerBehavior", "Scaling behaviour in each direction.", [
    Field("scaleUp", _ref("HPAScalingRules"), 1, "Rules for scaling up."),
    Field("scaleDown", _ref("HPAScalingRules"), 2, "Rules for scaling down."),
])

PKG.struct("MetricStatus", "Last read value of one metric.", [
    Field("type", STRING, 1, "Kind of metric source.", required=True,
          enum=("ContainerResource", "External", "Object", "Pods", "Resource")),
    Field("object", _ref("ObjectMetricStatus"), 2, "A metric of one object."),
    Field("pods", _ref("PodsMetricStatus"), 3, "A metric averaged over the pods."),
    Field("resource", _ref("ResourceMetricStatus"), 4, "A resource of the pods."),
    Field("containerResource", _ref("ContainerResourceMetricStatus"), 7,
          "A resource of one container of the pods."),
    Field("external", _ref("ExternalMetricStatus"), 5, "A metric from outside the cluster."),
])

PKG.struct("HorizontalPodAutoscalerCondition", "One observation about an autoscaler.", [
    Field("type", STRING, 1, "Kind of condition.", required=True),
    Field("status", STRING, 2, "Whether the condition holds: True, False or Unknown.",
          required=True),
    Field("lastTransitionTime", TIME, 3, "When the condition last changed status."),
    Field("reason", STRING, 4, "Machine-readable CamelCase cause of the last transition."),
    Field("message", STRING, 5, "Human-readable details about the last transition."),
])

PKG.struct("ObjectMetricSource", "A metric describing one object.", [
    Field("describedObject", _ref("CrossVersionObjectReference"), 1, "The object.", required=True),
    Field("target", _ref("MetricTarget"), 2, "Target value.", required=True),
    Field("metric", _ref("MetricIdentifier"), 3, "The metric.", required=True),
])

PKG.struct("PodsMetricSource", "A metric averaged over the pods.", [
    Field("metric", _ref("MetricIdentifier"), 1, "The metric.", required=True),
    Field("target", _ref("MetricTarget"), 2, "Target value.", required=True),
])

PKG.struct("ResourceMetricSource", "A resource of the pods.", [
    Field("name", STRING, 1, "Resource name, e.g. cpu.", required=True),
    Field("target", _ref("MetricTarget"), 2, "Target value.", required=True),
])

PKG.struct("ContainerResourceMetricSource", "A resource of one container of the pods.", [
    Field("name", STRING, 1, "Resource name, e.g. cpu.", required=True),
    Field("target", _ref("MetricTarget"), 2, "Target value.", required=True),
    Field("container", STRING, 3, "Container name.", required=True),
])

PKG.struct("ExternalMetricSource", "A metric from outside the cluster.", [
    Field("metric", _ref("MetricIdentifier"), 1, "The metric.", required=True),
    Field("target", _ref("MetricTarget"), 2, "Target value.", required=True),
])

PKG.struct("HPAScalingRules", "Rules for scaling in one direction.", [
    Field("stabilizationWindowSeconds", INT32, 3,
          "Seconds of past recommendations considered to damp flapping.", keep_zero=True),
    Field("selectPolicy", STRING, 1, "Which policy wins: Max, Min or Disabled.",
          enum=("Max", "Min", "Disabled"), keep_zero=True),
    Field("policies", ListOf(_ref("HPAScalingPolicy"), "atomic"), 2,
          "Limits on the change in each period."),
])

PKG.struct("ObjectMetricStatus", "Value of an object metric.", [
    Field("metric", _ref("MetricIdentifier"), 1, "The metric.", required=True),
    Field("current", _ref("MetricValueStatus"), 2, "Current value.", required=True),
    Field("describedObject", _ref("CrossVersionObjectReference"), 3, "The object.", required=True),
])

PKG.struct("PodsMetricStatus", "Value of a pods metric.", [
    Field("metric", _ref("MetricIdentifier"), 1, "The metric.", required=True),
    Field("current", _ref("MetricValueStatus"), 2, "Current value.", required=True),
])

PKG.struct("ResourceMetricStatus", "Value of a resource metric.", [
    Field("name", STRING, 1, "Resource name.", required=True),
    Field("current", _ref("MetricValueStatus"), 2, "Current value.", required=True),
])

PKG.struct("ContainerResourceMetricStatus", "Value of a container resource metric.", [
    Field("name", STRING, 1, "Resource name.", required=True),
    Field("current", _ref("MetricValueStatus"), 2, "Current value.", required=True),
    Field("container", STRING, 3, "Container name.", required=True),
])

PKG.struct("ExternalMetricStatus", "Value of an external metric.", [
    Field("metric", _ref("MetricIdentifier"), 1, "The metric.", required=True),
    Field("current", _ref("MetricValueStatus"), 2, "Current value.", required=True),
])

PKG.struct("MetricTarget", "Target value of a metric.", [
    Field("type", STRING, 1, "Utilization, Value or AverageValue.", required=True,
          enum=("AverageValue", "Utilization", "Value")),
    Field("value", QUANTITY, 2, "Target value.", keep_zero=True),
    Field("averageValue", QUANTITY, 3, "Target value averaged over the pods.", keep_zero=True),
    Field("averageUtilization", INT32, 4, "Target utilization, as a percentage of requests.",
          keep_zero=True),
])

PKG.struct("MetricIdentifier", "Identifies a metric.", [
    Field("name", STRING, 1, "Metric name.", required=True),
    Field("selector", _meta("LabelSelector"), 2, "Label selector narrowing the metric's series."),
])

PKG.struct("HPAScalingPolicy", "A limit on the change in replicas over a period.", [
    Field("type", STRING, 1, "Pods or Percent.", required=True, enum=("Pods", "Percent")),
    Field("value", INT32, 2, "Amount of change allowed.", required=True),
    Field("periodSeconds", INT32, 3, "Length of the period, in seconds.", required=True),
])

PKG.struct("MetricValueStatus", "Current value of a metric.", [
    Field("value", QUANTITY, 1, "Current value.", keep_zero=True),
    Field("averageValue", QUANTITY, 2, "Current value averaged over the pods.", keep_zero=True),
    Field("averageUtilization", INT32, 3, "Current utilization, as a percentage of requests.",
          keep_zero=True),
])
