"""NodeAffinity: `nodeSelector` and required node affinity filter; preferred affinity scores.

Filter: the node must match `spec.nodeSelector` and one of the required
`nodeSelectorTerms` (see `matching`); otherwise
`node(s) didn't match Pod's node affinity/selector`.
Score: the sum of the weights of the preferred terms the node matches,
normalized so the best node scores 100.
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
from pyk8s.scheduler.matching import node_selector_term, required_node_affinity
from pyk8s.scheduler.nodeinfo import NodeInfo, PodInfo

REASON = "node(s) didn't match Pod's node affinity/selector"


class NodeAffinity(Plugin):
    name = "NodeAffinity"

    def pre_filter(self, state: CycleState, pod: PodInfo) -> Status | None:
        matches = required_node_affinity(pod.pod)
        if matches is None:
            return SKIP
        state[self.name] = matches
        return None

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        if not state[self.name](node.node):
            return unresolvable(REASON)
        return None

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]
                  ) -> Status | None:
        preferred = (((pod.pod["spec"].get("affinity") or {}).get("nodeAffinity") or {})
                     .get("preferredDuringSchedulingIgnoredDuringExecution") or [])
        if not preferred:
            return SKIP
        state[f"{self.name}/preferred"] = [
            (int(p.get("weight") or 0), node_selector_term(p.get("preference") or {}))
            for p in preferred]
        return None

    def score(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> int:
        return sum(weight for weight, matches in state[f"{self.name}/preferred"]
                   if matches(node.node))

    def normalize(self, state: CycleState, pod: PodInfo, scores: dict[str, int]) -> None:
        default_normalize(scores)
