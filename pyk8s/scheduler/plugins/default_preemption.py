"""DefaultPreemption (PostFilter): make room for a pod by evicting lower-priority pods.

When no node fits, for every node that rejected the pod only for reasons
eviction can fix (not UNRESOLVABLE ones such as taints or node affinity):

1. take out every pod of lower priority than the preemptor;
2. if the pod still does not fit, the node is no candidate;
3. otherwise put the taken pods back one at a time, most important first,
   keeping each that still leaves room: the rest are the victims.

The chosen node has the least important victims: lowest highest-victim
priority, then lowest sum of priorities, then fewest victims. Victims get a
`DisruptionTarget` condition and a `Preempted` event and are deleted (with
their grace period); the preemptor gets `status.nominatedNodeName` and waits
in the queue, retried as the victims' deletions arrive. The dry run
re-checks node-local filters (resources, ports, taints...); inter-pod
affinity and topology spread are judged with the cluster as it is, and
PodDisruptionBudgets are not consulted.

A pod with `preemptionPolicy: Never` does not preempt. Neither does one
whose nominated node still has a lower-priority pod terminating: that room
is already coming.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from pyk8s.api import meta
from pyk8s.client import NORMAL, RequestError, is_not_found
from pyk8s.scheduler.framework import (
    Code,
    CycleState,
    FilterPlugin,
    Plugin,
    Status,
    histogram,
    unschedulable,
)
from pyk8s.scheduler.nodeinfo import NodeInfo, PodInfo

log = logging.getLogger(__name__)

NO_VICTIMS = "No preemption victims found for incoming pod"
NOT_HELPFUL = "Preemption is not helpful for scheduling"


class DefaultPreemption(Plugin):
    name = "DefaultPreemption"

    def _eligible(self, pod: PodInfo) -> str | None:
        """Why the pod may not preempt, if it may not."""
        if pod.pod["spec"].get("preemptionPolicy") == "Never":
            return "not eligible due to preemptionPolicy=Never."
        nominated = (pod.pod.get("status") or {}).get("nominatedNodeName")
        node = self.handle.cache.nodes.get(nominated or "")
        if node is not None and any(p.terminating and p.priority < pod.priority
                                    for p in node.pods.values()):
            return "not eligible due to a terminating pod on the nominated node."
        return None

    def _fits(self, state: CycleState, pod: PodInfo, node: NodeInfo,
              filters: list[FilterPlugin]) -> bool:
        return all(f.filter(state, pod, node) is None for f in filters)

    def _victims(self, state: CycleState, pod: PodInfo, node: NodeInfo,
                 filters: list[FilterPlugin]) -> list[PodInfo] | None:
        trial = self.handle.cache.with_nominated(node, pod).clone()
        lower = sorted((p for p in trial.pods.values() if p.priority < pod.priority),
                       key=lambda p: -p.priority)
        for p in lower:
            trial.remove_pod(p.key)
        if not self._fits(state, pod, trial, filters):
            return None
        victims = []
        for p in lower:
            trial.add_pod(p)
            if not self._fits(state, pod, trial, filters):
                trial.remove_pod(p.key)
                victims.append(p)
        return victims

    async def post_filter(self, state: CycleState, pod: PodInfo,
                          statuses: Mapping[str, Status]) -> tuple[str, Status | None]:
        why_not = self._eligible(pod)
        if why_not is not None:
            return "", unschedulable(f"preemption: {why_not}")
        cache = self.handle.cache
        filters: list[FilterPlugin] | None = state.get("filters")
        if filters is None:  # PreFilter rejected the pod: no eviction changes that
            return "", unschedulable(f"preemption: 0/{len(cache.nodes)} nodes are available: "
                                     f"{len(cache.nodes)} {NOT_HELPFUL}.")
        reasons: list[str] = []
        best: tuple[tuple[int, int, int], str, list[PodInfo]] | None = None
        for name in cache.node_order:
            status = statuses.get(name)
            if status is None:
                continue  # not examined (sampling) or it fit
            if status.code == Code.UNRESOLVABLE:
                reasons.append(NOT_HELPFUL)
                continue
            victims = self._victims(state, pod, cache.nodes[name], filters)
            if not victims:
                reasons.append(NO_VICTIMS)
                continue
            rank = (max(v.priority for v in victims), sum(v.priority for v in victims),
                    len(victims))
            if best is None or rank < best[0]:
                best = (rank, name, victims)
        if best is None:
            return "", unschedulable(f"preemption: 0/{len(cache.nodes)} nodes are available: "
                                     f"{histogram(reasons)}.")
        _, node_name, victims = best
        for victim in victims:
            await self._evict(victim, pod, node_name)
        return node_name, None

    async def _evict(self, victim: PodInfo, preemptor: PodInfo, node_name: str) -> None:
        client = self.handle.client
        message = f"Preempted by pod {preemptor.uid} on node {node_name}"
        try:
            await client.patch("v1", "pods", victim.name, {"status": {"conditions": [{
                "type": "DisruptionTarget", "status": "True", "reason": "PreemptionByScheduler",
                "message": f"{self.handle.profile.scheduler_name}: preempting to accommodate a "
                           f"higher priority pod", "lastTransitionTime": meta.now(),
            }]}}, victim.namespace, patch_type="strategic", subresource="status")
            await client.delete("v1", "pods", victim.name, victim.namespace,
                                preconditions={"uid": victim.uid})
        except RequestError as e:
            if not is_not_found(e):
                log.warning("preempting %s failed: %s", victim.key, e)
            return
        self.handle.recorder.event(victim.pod, NORMAL, "Preempted", message)
