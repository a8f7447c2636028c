"""What every controller is given, and the loop they all share.

`ControllerContext` carries the admin `APIClient`, the process's one
`SharedInformerFactory` (so that pods, say, are listed and watched once for
all controllers) and the controller manager's options.

`Controller` is the shape of each controller: informer handlers turn changes
into keys on `self.queue`; `run()` waits until the informers it reads have
synced, then runs `workers` concurrent `sync(key)` calls until cancelled,
plus `periodic()` for controllers that also act on the clock (node
lifecycle, pod GC). A sync that raises is retried with back-off by the queue;
one that lost an optimistic-concurrency race (409 Conflict: its cache was a
write behind) is simply queued again, without the noise of an error.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

import orjson

from pyk8s.client import (
    APIClient,
    EventRecorder,
    Informer,
    RequestError,
    SharedInformerFactory,
    WorkQueue,
    is_conflict,
    object_key,
    run_workers,
)

log = logging.getLogger(__name__)

Obj = dict[str, Any]
CONFLICT_RETRY_DELAY = 0.05  # seconds; enough for the informer to see the newer object


def deep_copy(obj: Obj) -> Obj:
    """A copy to modify: cached objects are shared and read-only."""
    result: Obj = orjson.loads(orjson.dumps(obj))
    return result


def by_namespace(obj: Obj) -> list[str]:
    """Index function: the object's namespace."""
    return [obj["metadata"].get("namespace") or ""]


@dataclass
class ControllerOptions:
    """The controller manager's flags, as kube-controller-manager names them."""

    controllers: tuple[str, ...] = ("*",)  # names to run; "-name" disables one
    node_monitor_grace_period: float = 40.0
    node_monitor_period: float = 5.0
    cluster_cidr: str = "10.42.0.0/16"
    node_cidr_mask_size: int = 24
    terminated_pod_gc_threshold: int = 12500
    pod_gc_period: float = 20.0
    hpa_sync_period: float = 15.0
    hpa_downscale_stabilization: float = 300.0
    workers: int = 5


@dataclass
class ControllerContext:
    client: APIClient
    informers: SharedInformerFactory
    options: ControllerOptions

    def pods(self) -> Informer:
        return self.informers.informer("v1", "pods", indexers={"namespace": by_namespace})


class Controller:
    name: ClassVar[str]  # as in kube-controller-manager's --controllers
    alias: ClassVar[str]  # the older short name that flag also accepts
    enabled_by_default: ClassVar[bool] = True  # part of "*"
    component: ClassVar[str]  # the events' source
    workers: int = 1

    def __init__(self, ctx: ControllerContext, recorder: EventRecorder) -> None:
        self.ctx = ctx
        self.client = ctx.client
        self.options = ctx.options
        self.recorder = recorder
        self.queue = WorkQueue(self.name)
        self.synced: list[Informer] = []

    def watch(self, informer: Informer) -> Informer:
        """Note an informer this controller reads (run waits for it to sync)."""
        self.synced.append(informer)
        return informer

    def enqueue(self, obj: Obj) -> None:
        self.queue.add(object_key(obj))

    def enqueue_all(self, objs: Iterable[Obj]) -> None:
        for obj in objs:
            self.enqueue(obj)

    async def sync(self, key: str) -> None:
        raise NotImplementedError

    async def _sync_or_requeue(self, key: str) -> None:
        try:
            await self.sync(key)
        except RequestError as e:
            if not is_conflict(e):
                raise
            log.debug("%s: %s: %s; trying again", self.name, key, e)
            self.queue.add_after(key, CONFLICT_RETRY_DELAY)

    async def periodic(self) -> None:
        """Runs beside the workers; by default nothing."""

    async def run(self) -> None:
        await asyncio.gather(*(i.wait_synced() for i in self.synced))
        try:
            async with asyncio.TaskGroup() as tg:
                tg.create_task(run_workers(self.queue, self._sync_or_requeue, self.workers))
                tg.create_task(self.periodic())
        finally:
            self.queue.shutdown()
