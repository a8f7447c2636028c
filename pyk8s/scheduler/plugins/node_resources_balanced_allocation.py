"""NodeResourcesBalancedAllocation (Score): prefer nodes whose cpu and memory stay in balance.

With the pod added, each of cpu and memory is some fraction of the node's
allocatable (at most 1); the score is 100 * (1 - standard deviation of the
fractions), which for two resources is 100 * (1 - |cpu - memory| / 2).
Requests are counted as stated (no defaults for containers without any).
"""

from __future__ import annotations

from pyk8s.scheduler.framework import MAX_NODE_SCORE, CycleState, Plugin
from pyk8s.scheduler.nodeinfo import CPU, MEMORY, NodeInfo, PodInfo


class NodeResourcesBalancedAllocation(Plugin):
    name = "NodeResourcesBalancedAllocation"

    def score(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> int:
        allocatable, requested, wants = node.allocatable, node.requested, pod.requests
        cpu_total, memory_total = allocatable.get(CPU, 0), allocatable.get(MEMORY, 0)
        cpu = min((requested.get(CPU, 0) + wants.get(CPU, 0)) / cpu_total, 1.0) \
            if cpu_total > 0 else 1.0
        memory = min((requested.get(MEMORY, 0) + wants.get(MEMORY, 0)) / memory_total, 1.0) \
            if memory_total > 0 else 1.0
        return int((1 - abs(cpu - memory) / 2) * MAX_NODE_SCORE)
