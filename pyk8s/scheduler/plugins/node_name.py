"""NodeName (Filter): a pod that names its node (`spec.nodeName`) fits only there."""

from __future__ import annotations

from pyk8s.scheduler.framework import SKIP, CycleState, Plugin, Status, unresolvable
from pyk8s.scheduler.nodeinfo import NodeInfo, PodInfo

REASON = "node(s) didn't match the requested node name"


class NodeName(Plugin):
    name = "NodeName"

    def pre_filter(self, state: CycleState, pod: PodInfo) -> Status | None:
        return None if pod.pod["spec"].get("nodeName") else SKIP

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        if pod.pod["spec"]["nodeName"] != node.name:
            return unresolvable(REASON)
        return None
