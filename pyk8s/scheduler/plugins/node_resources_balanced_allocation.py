"""NodeResourcesBalancedAllocation (Score): prefer nodes whose cpu and memory stay in balance.

With the pod added, each of cpu and memory is some fraction of the node's
allocatable (at most 1); the score is 100 * (1 - standard deviation of the
fractions), which for two resources is 100 * (1 - |cpu - memory| / 2).
Requests are counted as stated (no defaults for containers without any).
"""

from __future__ import annotations

from pyk8s.scheduler.framework import MAX_NODE_SCORE, CycleState, Plugin
from pyk8s.scheduler.nodeinfo import CPU, MEMORY, NodeInfo, PodInfo


def _fraction(requested: int, allocatable: int) -> float:
    if allocatable <= 0:
        return 1.0
    return min(requested / allocatable, 1.0)


class NodeResourcesBalancedAllocation(Plugin):
    name = "NodeResourcesBalancedAllocation"

    def score(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> int:
        cpu = _fraction(node.requested.get(CPU, 0) + pod.requests.get(CPU, 0),
                        node.allocatable.get(CPU, 0))
        memory = _fraction(node.requested.get(MEMORY, 0) + pod.requests.get(MEMORY, 0),
                           node.allocatable.get(MEMORY, 0))
        return int((1 - abs(cpu - memory) / 2) * MAX_NODE_SCORE)
