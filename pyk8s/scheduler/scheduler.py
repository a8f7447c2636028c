"""`Scheduler`: takes pending pods off the queue, finds each a node, binds it.

In: informers on nodes, pods and namespaces (the only way the scheduler
learns anything). Out: Bindings (`pods/<name>/binding`), PodScheduled
conditions, `status.nominatedNodeName` after preemption, and events
(`Scheduled`, `FailedScheduling`, `Preempted`).

The informer handlers keep the `SchedulerCache` and the `SchedulingQueue`
current: a pod without a node and with a `spec.schedulerName` one of our
profiles serves is queued (pods for other schedulers are left alone, and
so are pods a PreEnqueue plugin holds back, such as gated ones); a
bound pod is counted on its node; node changes and pod deletions move
parked pods back to be tried again.

One loop schedules one pod at a time (the cycle is synchronous, see
`runtime`); binding, the slow part, happens in the background: the pod is
assumed onto its node in the cache first, so the next cycle already sees
the room it takes, and up to `MAX_BINDS` bindings are in flight at once. A
failed binding forgets the assumption and backs the pod off.

A pod that fits nowhere gets a `FailedScheduling` Warning event and a
PodScheduled=False condition (reason Unschedulable) carrying the
aggregated message, e.g.

    0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: db},
    2 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is
    not helpful for scheduling.

and waits in the queue until a cluster change may help (or the queue's
periodic flush). The condition is written only when it changes.

`run_scheduler(client)` is the control-plane component: it holds the
`kube-system/kube-scheduler` Lease (leader election) and schedules only
while it leads.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import uuid
from collections.abc import Collection, Coroutine, Sequence
from typing import Any

from pyk8s.api import meta
from pyk8s.client import (
    NORMAL,
    WARNING,
    APIClient,
    EventRecorder,
    LeaderElector,
    RequestError,
    SharedInformerFactory,
    is_conflict,
    is_not_found,
    object_key,
)
from pyk8s.scheduler.cache import SchedulerCache, holds_resources
from pyk8s.scheduler.framework import (
    NAMESPACE_CHANGE,
    NODE_ADD,
    NODE_UPDATE,
    POD_ADD,
    POD_DELETE,
    POD_UPDATE,
    CycleState,
    FitError,
    Profile,
)
from pyk8s.scheduler.nodeinfo import TERMINAL_PHASES, PodInfo
from pyk8s.scheduler.queue import QueuedPod, SchedulingQueue
from pyk8s.scheduler.runtime import Framework, NoNodesAvailable

log = logging.getLogger(__name__)

Obj = dict[str, Any]
COMPONENT = "default-scheduler"
LEASE_NAMESPACE, LEASE_NAME = "kube-system", "kube-scheduler"
MAX_BINDS = 64


def _spec_changed(old: Obj, new: Obj) -> bool:
    """Whether a pending pod changed in a way that may change where it fits."""
    return old.get("spec") != new.get("spec") or \
        (old.get("metadata") or {}).get("labels") != (new.get("metadata") or {}).get("labels")


class Scheduler:
    def __init__(self, client: APIClient, recorder: EventRecorder, *,
                 profiles: Sequence[Profile] = (Profile(),)) -> None:
        self.client = client
        self.recorder = recorder
        self.cache = SchedulerCache()
        self.frameworks = {p.scheduler_name: Framework(p, cache=self.cache, client=client,
                                                       recorder=recorder)
                           for p in profiles}
        first = next(iter(self.frameworks.values()))
        self.queue = SchedulingQueue(first.queue_sort.less, interested=self._interested)
        self._binds = asyncio.Semaphore(MAX_BINDS)
        self._tasks: set[asyncio.Task[None]] = set()

    def _interested(self, event: str) -> frozenset[str]:
        return frozenset().union(*(f.interested(event) for f in self.frameworks.values()))

    # Informer handlers ----------------------------------------------------------------

    def _on_node_add(self, node: Obj) -> None:
        self.cache.set_node(node)
        self.queue.move(NODE_ADD)

    def _on_node_update(self, old: Obj, new: Obj) -> None:
        self.cache.set_node(new)
        if old.get("spec") != new.get("spec") or \
                old["metadata"].get("labels") != new["metadata"].get("labels") or \
                (old.get("status") or {}).get("allocatable") != \
                (new.get("status") or {}).get("allocatable"):
            self.queue.move(NODE_UPDATE)

    def _on_node_delete(self, node: Obj) -> None:
        self.cache.remove_node(node["metadata"]["name"])

    def _on_pod_add(self, pod: Obj) -> None:
        self._on_pod_update(None, pod)

    def _on_pod_update(self, old: Obj | None, new: Obj) -> None:
        key = object_key(new)
        if (new.get("spec") or {}).get("nodeName"):
            self.cache.unnominate(key)
            self.queue.delete(key)  # bound, by us or by whoever set nodeName
            self.cache.set_pod(new)
            if old is None:
                self.queue.move(POD_ADD)
            elif holds_resources(old) and not holds_resources(new):
                self.queue.move(POD_DELETE)  # finished: its resources are free
            elif old["metadata"].get("labels") != new["metadata"].get("labels"):
                self.queue.move(POD_UPDATE)
            return
        framework = self.frameworks.get((new.get("spec") or {}).get("schedulerName", COMPONENT))
        info = PodInfo(new)
        if framework is None or new["metadata"].get("deletionTimestamp") or \
                (new.get("status") or {}).get("phase") in TERMINAL_PHASES or \
                framework.pre_enqueue(info) is not None:
            self.queue.delete(key)
            self.cache.unnominate(key)
            return
        nominated = (new.get("status") or {}).get("nominatedNodeName")
        if nominated:
            self.cache.nominate(info, nominated)
        else:
            self.cache.unnominate(key)
        self.queue.add(info, requeue=old is None or _spec_changed(old, new))

    def _on_pod_delete(self, pod: Obj) -> None:
        key = object_key(pod)
        self.queue.delete(key)
        self.cache.unnominate(key)
        was_counted = holds_resources(pod) or self.cache.is_assumed(key)
        self.cache.remove_pod(key)
        if was_counted:
            self.queue.move(POD_DELETE)

    def _on_namespace(self, ns: Obj) -> None:
        self.cache.set_namespace(ns)
        self.queue.move(NAMESPACE_CHANGE)

    def _on_namespace_update(self, old: Obj, new: Obj) -> None:
        if old["metadata"].get("labels") != new["metadata"].get("labels"):
            self._on_namespace(new)

    def _on_namespace_delete(self, ns: Obj) -> None:
        self.cache.remove_namespace(ns["metadata"]["name"])

    # Running --------------------------------------------------------------------------

    async def run(self) -> None:
        async with SharedInformerFactory(self.client) as factory:
            nodes = factory.informer("v1", "nodes")
            pods = factory.informer("v1", "pods")
            namespaces = factory.informer("v1", "namespaces")
            namespaces.add_handlers(self._on_namespace, self._on_namespace_update,
                                    self._on_namespace_delete)
            nodes.add_handlers(self._on_node_add, self._on_node_update, self._on_node_delete)
            pods.add_handlers(self._on_pod_add, self._on_pod_update, self._on_pod_delete)
            await factory.wait_synced()
            log.info("scheduler: %d nodes, %d pods pending", len(self.cache.nodes),
                     len(self.queue))
            flusher = asyncio.create_task(self.queue.run_flusher(), name="scheduling queue")
            try:
                while True:
                    qp = await self.queue.pop()
                    try:
                        await self.schedule_one(qp)
                    except Exception:
                        log.exception("scheduling %s failed", qp.key)
                        self.queue.add_unschedulable(qp, (), cycle=self.queue.scheduling_cycle)
            finally:
                tasks = [flusher, *self._tasks]
                for t in tasks:
                    t.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._reap)

    def _reap(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s failed", task.get_name(), exc_info=task.exception())

    async def schedule_one(self, qp: QueuedPod) -> None:
        pod = qp.pod
        framework = self.frameworks.get(pod.pod["spec"].get("schedulerName", COMPONENT))
        if framework is None or self.cache.is_assumed(pod.key):
            self.queue.done(pod.key)
            return
        cycle = self.queue.scheduling_cycle
        state = CycleState()
        try:
            node = framework.schedule(state, pod)
        except NoNodesAvailable as e:
            self._failed(qp, str(e), (), cycle)
            return
        except FitError as e:
            nominated, status = await framework.post_filter(state, pod, e)
            e.post_filter_message = status.message if status is not None else ""
            self._failed(qp, str(e), e.plugins, cycle, nominated=nominated)
            return
        self.cache.assume(pod, node)
        self._spawn(self._bind(framework, qp, node, cycle), f"binding {pod.key}")

    async def _bind(self, framework: Framework, qp: QueuedPod, node: str, cycle: int) -> None:
        pod = qp.pod
        async with self._binds:
            status = await framework.bind(pod, node)
        if status is None:
            self.queue.done(pod.key)
            self.recorder.event(pod.pod, NORMAL, "Scheduled",
                                f"Successfully assigned {pod.key} to {node}")
            return
        self.cache.forget(pod.key)
        self.queue.move(POD_DELETE)  # the room it was assumed to take is free again
        self._failed(qp, f"Binding rejected: {status.message}", (), cycle)

    def _failed(self, qp: QueuedPod, message: str, plugins: Collection[str], cycle: int, *,
                nominated: str = "") -> None:
        pod = qp.pod
        self.queue.add_unschedulable(qp, plugins, cycle=cycle)
        self.recorder.event(pod.pod, WARNING, "FailedScheduling", message)
        if nominated:
            self.cache.nominate(pod, nominated)
        status = pod.pod.get("status") or {}
        current: Obj = next((c for c in status.get("conditions") or []
                        if c.get("type") == "PodScheduled"), {})
        if current.get("status") == "False" and current.get("reason") == "Unschedulable" and \
                current.get("message") == message and \
                (not nominated or status.get("nominatedNodeName") == nominated):
            return
        # Written only over the version this attempt saw: a pod bound or changed
        # meanwhile answers 409, and the condition is left to the next attempt.
        patch: Obj = {"metadata": {"resourceVersion": pod.pod["metadata"].get(
            "resourceVersion")}, "status": {"conditions": [{
            "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
            "message": message, "lastProbeTime": None,
            "lastTransitionTime": current.get("lastTransitionTime")
            if current.get("status") == "False" else meta.now()}]}}
        if nominated:
            patch["status"]["nominatedNodeName"] = nominated
        self._spawn(self._patch_status(pod, patch), f"status of {pod.key}")

    async def _patch_status(self, pod: PodInfo, patch: Obj) -> None:
        try:
            await self.client.patch("v1", "pods", pod.name, patch, pod.namespace,
                                    patch_type="strategic", subresource="status")
        except RequestError as e:
            if not (is_not_found(e) or is_conflict(e)):
                log.warning("updating the status of pod %s failed: %s", pod.key, e)


async def run_scheduler(client: APIClient) -> None:
    """The scheduler component: schedule while holding the kube-scheduler Lease."""
    identity = f"{socket.gethostname()}_{uuid.uuid4()}"
    elector = LeaderElector(client, LEASE_NAMESPACE, LEASE_NAME, identity)

    async def lead() -> None:
        async with EventRecorder(client, COMPONENT) as recorder:
            await Scheduler(client, recorder).run()

    await elector.run(lead)
