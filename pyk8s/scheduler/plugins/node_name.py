"""NodeName (Filter): a pod that names its node (`spec.nodeName`) fits only there."""

from __future__ import annotations

from pyk8s.scheduler.framework import CycleState, Plugin, Status, unresolvable
from pyk8s.scheduler.nodeinfo import NodeInfo, PodInfo

REASON = "node(s) didn't match the requested node name"


class NodeName(Plugin):
    name = "NodeName"

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        wanted = pod.pod["spec"].get("nodeName")
        if wanted and wanted != node.name:
            return unresolvable(REASON)
        return None
