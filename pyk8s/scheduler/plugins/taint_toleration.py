"""TaintToleration: NoSchedule/NoExecute taints filter, PreferNoSchedule taints score.

Filter: the first taint with effect NoSchedule or NoExecute that the pod
does not tolerate rejects the node, named in the reason:
`node(s) had untolerated taint {key: value}`.
Score: the number of PreferNoSchedule taints the pod does not tolerate
(counting only its tolerations with effect PreferNoSchedule or none),
normalized in reverse so the node with fewest such taints scores 100.
"""

from __future__ import annotations

from pyk8s.scheduler.framework import (
    SKIP,
    CycleState,
    Plugin,
    Status,
    default_normalize,
    unresolvable,
)
from pyk8s.scheduler.matching import tolerates, untolerated
from pyk8s.scheduler.nodeinfo import NodeInfo, PodInfo

PREFER = "PreferNoSchedule"


class TaintToleration(Plugin):
    name = "TaintToleration"

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        if not node.taints:
            return None
        taint = untolerated(node.taints, pod.pod["spec"].get("tolerations") or [])
        if taint is None:
            return None
        return unresolvable(
            f"node(s) had untolerated taint {{{taint.get('key', '')}: {taint.get('value', '')}}}")

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]
                  ) -> Status | None:
        return None if any(n.taints for n in nodes) else SKIP

    def score(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> int:
        if not node.taints:
            return 0
        tolerations = [t for t in pod.pod["spec"].get("tolerations") or []
                       if t.get("effect") in (None, "", PREFER)]
        return sum(1 for taint in node.taints
                   if taint.get("effect") == PREFER and not tolerates(tolerations, taint))

    def normalize(self, state: CycleState, pod: PodInfo, scores: dict[str, int]) -> None:
        default_normalize(scores, reverse=True)
