"""metrics.k8s.io/v1beta1: NodeMetrics and PodMetrics (read-only, served from memory).

Declared in the vocabulary of `pyk8s.api.types._dsl`; facts (JSON names, protobuf
numbers) follow the resource metrics API of Kubernetes 1.32, the descriptions
are our own. `window` is a metav1.Duration, a Go duration string (`15s`).
"""

from __future__ import annotations

from pyk8s.api.types import meta_v1
from pyk8s.api.types._dsl import QUANTITY, STRING, TIME, Field, ListOf, MapOf, Package

PKG = Package("io.k8s.metrics.pkg.apis.metrics.v1beta1", "metrics.k8s.io", "v1beta1")
_ref = PKG.ref
_meta = meta_v1.PKG.ref

PKG.kind("NodeMetrics", "Resource usage of a node, as last measured.", [
    Field("metadata", _meta("ObjectMeta"), 1, "The node's name and labels."),
    Field("timestamp", TIME, 2, "When the usage was measured (the end of the window)."),
    Field("window", STRING, 3, "How long the usage was averaged over, e.g. `15s`."),
    Field("usage", MapOf(QUANTITY), 4, "cpu (cores) and memory (working set bytes)."),
])

PKG.kind("PodMetrics", "Resource usage of a pod's containers, as last measured.", [
    Field("metadata", _meta("ObjectMeta"), 1, "The pod's name, namespace and labels."),
    Field("timestamp", TIME, 2, "When the usage was measured (the end of the window)."),
    Field("window", STRING, 3, "How long the usage was averaged over, e.g. `15s`."),
    Field("containers", ListOf(_ref("ContainerMetrics")), 4, "Usage per container."),
])

PKG.struct("ContainerMetrics", "Resource usage of one container.", [
    Field("name", STRING, 1, "The container's name."),
    Field("usage", MapOf(QUANTITY), 2, "cpu (cores) and memory (working set bytes)."),
])
