"""NodeUnschedulable (Filter): cordoned nodes (`spec.unschedulable`) take no new pods,
unless the pod tolerates the `node.kubernetes.io/unschedulable:NoSchedule` taint."""

from __future__ import annotations

from pyk8s.scheduler.framework import CycleState, Plugin, Status, unresolvable
from pyk8s.scheduler.matching import tolerates
from pyk8s.scheduler.nodeinfo import NodeInfo, PodInfo

REASON = "node(s) were unschedulable"
TAINT = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}


class NodeUnschedulable(Plugin):
    name = "NodeUnschedulable"

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        if node.unschedulable and not tolerates(pod.pod["spec"].get("tolerations") or [], TAINT):
            return unresolvable(REASON)
        return None
