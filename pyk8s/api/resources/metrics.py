"""metrics.k8s.io/v1beta1: NodeMetrics and PodMetrics, the resource metrics API.

These kinds are never stored: `pyk8s.metrics` scrapes the kubelets and
answers get and list from its latest window in memory, as metrics-server
does behind kube-apiserver's aggregation layer. The declarations give
discovery (which `kubectl top` checks first), OpenAPI and the columns of
`kubectl get nodemetrics` / `kubectl get podmetrics`.
"""

from __future__ import annotations

from decimal import Decimal

from pyk8s.api.resource import Obj, ResourceType
from pyk8s.api.resources._common import column, dicts, mapping, text
from pyk8s.api.resources._quantity import parse_quantity

GROUP, VERSION = "metrics.k8s.io", "v1beta1"
READ_ONLY = ("get", "list")


def _pod_usage(pod: Obj, resource: str) -> str:
    """The pod's total: millicores for cpu, the largest whole binary unit for memory."""
    total = sum((parse_quantity(mapping(c, "usage").get(resource)) or Decimal(0)
                 for c in dicts(pod, "containers")), Decimal(0))
    if resource == "cpu":
        return f"{int(total * 1000)}m"
    size = int(total)
    for unit, shift in (("Gi", 30), ("Mi", 20), ("Ki", 10)):
        if size and size % (1 << shift) == 0:
            return f"{size >> shift}{unit}"
    return str(size)


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
