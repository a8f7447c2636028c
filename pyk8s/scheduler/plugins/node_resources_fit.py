"""NodeResourcesFit: the pod's requests must fit the node's free allocatable; LeastAllocated.

Filter, per resource the pod requests (cpu, memory, ephemeral-storage and
any extended resource such as `example.com/gpu` or `hugepages-2Mi`): the
node's allocatable minus what its pods request must cover the pod's
request (`nodeinfo.pod_requests`: init containers counted as Kubernetes
counts them). One more pod must fit `pods` too. Every shortfall is a
reason: `Insufficient cpu`, `Insufficient example.com/gpu`, `Too many pods`.

Score (the LeastAllocated strategy): for cpu and memory, the share of the
node left free once the pod is added, 0..100, averaged. Requests here use
the scoring defaults (100m, 200Mi) for containers that ask for nothing, so
even request-less pods spread out.
"""

from __future__ import annotations

from pyk8s.scheduler.framework import (
    MAX_NODE_SCORE,
    NODE_ADD,
    NODE_UPDATE,
    POD_DELETE,
    CycleState,
    Plugin,
    Status,
    unschedulable,
)
from pyk8s.scheduler.nodeinfo import CPU, MEMORY, PODS, NodeInfo, PodInfo


def least_allocated(requested: int, allocatable: int) -> int:
    if allocatable <= 0 or requested > allocatable:
        return 0
    return (allocatable - requested) * MAX_NODE_SCORE // allocatable


class NodeResourcesFit(Plugin):
    name = "NodeResourcesFit"
    events = frozenset({NODE_ADD, NODE_UPDATE, POD_DELETE})

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        reasons = []
        allowed = node.allocatable.get(PODS, 0)
        if len(node.pods) + 1 > allowed:
            reasons.append("Too many pods")
        for name, want in pod.requests.items():
            if want <= 0 or name == PODS:
                continue
            free = node.allocatable.get(name, 0) - node.requested.get(name, 0)
            if want > free:
                reasons.append(f"Insufficient {name}")
        return unschedulable(*reasons) if reasons else None

    def score(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> int:
        cpu = least_allocated(node.non_zero_cpu + pod.non_zero[0], node.allocatable.get(CPU, 0))
        memory = least_allocated(node.non_zero_memory + pod.non_zero[1],
                                 node.allocatable.get(MEMORY, 0))
        return (cpu + memory) // 2
