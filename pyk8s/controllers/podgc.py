"""Pod garbage collector: pods no one else will ever clean up.

In: pods and Nodes. Out: forced deletions (grace period 0) of

- pods bound to a node that no longer exists (checked with a live GET
  before acting, since the cache may not have seen a new node yet), first
  marked Failed with a DisruptionTarget condition (DeletionByPodGC);
- pods being deleted that were never scheduled;
- finished pods (Succeeded or Failed) beyond `--terminated-pod-gc-threshold`
  (12500), oldest first.

One key, "pods", stands for a full pass. It is queued every
`pod_gc_period` (20 s), and shortly after a pod finishes or a node goes,
so that collection follows the event within about a second.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from pyk8s.client import EventRecorder, RequestError, is_conflict, is_not_found
from pyk8s.controllers.conditions import format_time
from pyk8s.controllers.context import Controller, ControllerContext
from pyk8s.controllers.pods import is_terminal

log = logging.getLogger(__name__)

Obj = dict[str, Any]
PASS = "pods"
SETTLE = 1.0  # seconds between an event and the pass it triggers


class PodGCController(Controller):
    name = "pod-garbage-collector-controller"
    alias = "podgc"
    component = "pod-garbage-collector"

    def __init__(self, ctx: ControllerContext, recorder: EventRecorder) -> None:
        super().__init__(ctx, recorder)
        self.pods = self.watch(ctx.pods())
        self.nodes = self.watch(ctx.informers.informer("v1", "nodes"))
        self.pods.add_handlers(self._pod_changed, lambda old, new: self._pod_changed(new))
        self.nodes.add_handlers(on_delete=lambda node: self.queue.add_after(PASS, SETTLE))

    def _pod_changed(self, pod: Obj) -> None:
        if is_terminal(pod) or (pod["metadata"].get("deletionTimestamp") and
                                not (pod.get("spec") or {}).get("nodeName")):
            self.queue.add_after(PASS, SETTLE)

    async def periodic(self) -> None:
        while True:
            self.queue.add(PASS)
            await asyncio.sleep(self.options.pod_gc_period)

    async def sync(self, key: str) -> None:
        pods = self.pods.store.list()
        await self._terminated(pods)
        await self._orphaned(pods)
        for pod in pods:
            if pod["metadata"].get("deletionTimestamp") and \
                    not (pod.get("spec") or {}).get("nodeName"):
                await self._force_delete(pod)

    async def _terminated(self, pods: list[Obj]) -> None:
        threshold = self.options.terminated_pod_gc_threshold
        finished = [p for p in pods if is_terminal(p)]
        excess = len(finished) - threshold
        if threshold <= 0 or excess <= 0:
            return
        finished.sort(key=lambda p: (p["metadata"].get("creationTimestamp") or "",
                                     p["metadata"]["name"]))
        log.info("pod GC: %d finished pods, threshold %d: deleting %d", len(finished),
                 threshold, excess)
        await asyncio.gather(*(self._force_delete(p) for p in finished[:excess]))

    async def _orphaned(self, pods: list[Obj]) -> None:
        absent: dict[str, bool] = {}
        for pod in pods:
            node = (pod.get("spec") or {}).get("nodeName")
            if not node or self.nodes.store.get(node) is not None:
                continue
            if node not in absent:
                try:
                    await self.client.get("v1", "nodes", node)
                    absent[node] = False
                except RequestError as e:
                    if not is_not_found(e):
                        raise
                    absent[node] = True
            if not absent[node]:
                continue
            md = pod["metadata"]
            log.info("pod GC: %s/%s is bound to node %s, which is gone", md["namespace"],
                     md["name"], node)
            if not is_terminal(pod):
                conditions = [c for c in (pod.get("status") or {}).get("conditions") or []
                              if c.get("type") != "DisruptionTarget"]
                conditions.append({"type": "DisruptionTarget", "status": "True",
                                   "reason": "DeletionByPodGC",
                                   "message": "PodGC: node no longer exists",
                                   "lastTransitionTime": format_time()})
                try:
                    await self.client.patch("v1", "pods", md["name"], {"status": {
                        "phase": "Failed", "conditions": conditions}}, md["namespace"],
                        subresource="status")
                except RequestError as e:
                    if not is_not_found(e):
                        raise
            await self._force_delete(pod)

    async def _force_delete(self, pod: Obj) -> None:
        md = pod["metadata"]
        try:
            await self.client.delete("v1", "pods", md["name"], md["namespace"],
                                     grace_period_seconds=0,
                                     preconditions={"uid": md["uid"]})
        except RequestError as e:
            if not (is_not_found(e) or is_conflict(e)):
                raise
