"""metrics.k8s.io/v1beta1: NodeMetrics and PodMetrics, the resource metrics API.

These kinds are never stored: `pyk8s.metrics` scrapes the kubelets and
answers get and list from its latest window in memory, as metrics-server
does behind kube-apiserver's aggregation layer. The declarations give
discovery (which `kubectl top` checks first), OpenAPI and the columns of
`kubectl get nodemetrics` / `kubectl get podmetrics`.
"""

from __future__ import annotations

from pyk8s.api.resource import Obj, ResourceType
from pyk8s.api.resources._common import column, dicts, mapping, text

GROUP, VERSION = "metrics.k8s.io", "v1beta1"
READ_ONLY = ("get", "list")


def _pod_usage(pod: Obj, resource: str) -> str:
    values = [text(c, "usage", resource) for c in dicts(pod, "containers")]
    return ", ".join(v for v in values if v) or "0"


NODE_METRICS = ResourceType(
    group=GROUP, version=VERSION, kind="NodeMetrics", plural="nodes", namespaced=False,
    verbs=READ_ONLY,
    columns=(column("CPU", lambda o: str(mapping(o, "usage").get("cpu", ""))),
             column("Memory", lambda o: str(mapping(o, "usage").get("memory", ""))),
             column("Window", lambda o: text(o, "window"))),
)

POD_METRICS = ResourceType(
    group=GROUP, version=VERSION, kind="PodMetrics", plural="pods", verbs=READ_ONLY,
    columns=(column("CPU", lambda o: _pod_usage(o, "cpu")),
             column("Memory", lambda o: _pod_usage(o, "memory")),
             column("Window", lambda o: text(o, "window"))),
)

RESOURCES: list[ResourceType] = [NODE_METRICS, POD_METRICS]
