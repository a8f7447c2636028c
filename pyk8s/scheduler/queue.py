"""The scheduling queue: pods waiting for a node, in three places, as in kube-scheduler.

- activeQ: pods ready to be tried, a heap ordered by the QueueSort plugin
  (PrioritySort: higher `spec.priority` first, then the earlier arrival);
- backoffQ: pods that failed recently, each waiting out its back-off
  (1 s, doubling per attempt, at most 10 s) before going back to activeQ;
- unschedulable: pods that fit nowhere, parked until a cluster change that
  could help them (a node added or changed, an assigned pod deleted, ...),
  and at most `MAX_UNSCHEDULABLE` seconds in any case.

`move(event)` is how cluster changes reach the queue: every parked pod that
was rejected by a plugin interested in `event` goes to backoffQ (still
backing off) or activeQ. A change that arrives while a pod is being tried
cannot be seen by that attempt, so a pod whose attempt started before the
latest move goes to backoffQ rather than being parked (`scheduling_cycle`
/ `_move_cycle`), and no wake-up is lost.

Pods are keyed by "namespace/name"; adding a pod already queued updates it
in place. An update of a parked pod (its labels, tolerations, requests...)
makes it worth trying again, so it moves too. `pop()` waits for activeQ.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from pyk8s.scheduler.nodeinfo import PodInfo

INITIAL_BACKOFF = 1.0
MAX_BACKOFF = 10.0
MAX_UNSCHEDULABLE = 300.0  # seconds a pod stays parked without any event


@dataclass
class QueuedPod:
    pod: PodInfo
    timestamp: float = field(default_factory=time.monotonic)  # when it (re)entered the queue
    attempts: int = 0
    initial_attempt: float | None = None
    rejected_by: frozenset[str] = frozenset()  # plugins that said no in the last attempt
    backoff_until: float = 0.0

    @property
    def key(self) -> str:
        return self.pod.key


Less = Callable[[QueuedPod, QueuedPod], bool]


class _Entry:
    """Heap entry ordering queued pods by the sort plugin's `less`."""

    __slots__ = ("counter", "less", "qp", "valid")

    def __init__(self, qp: QueuedPod, less: Less, counter: int) -> None:
        self.qp, self.less, self.counter, self.valid = qp, less, counter, True

    def __lt__(self, other: _Entry) -> bool:
        if self.less(self.qp, other.qp):
            return True
        if self.less(other.qp, self.qp):
            return False
        return self.counter < other.counter


class SchedulingQueue:
    def __init__(self, less: Less, *, interested: Callable[[str], frozenset[str]]) -> None:
        self._less = less
        self._interested = interested  # event -> plugins that care about it
        self._active: list[_Entry] = []
        self._active_entries: dict[str, _Entry] = {}
        self._backoff: dict[str, QueuedPod] = {}
        self._unschedulable: dict[str, QueuedPod] = {}
        self._in_flight: dict[str, QueuedPod] = {}
        self._counter = itertools.count()
        self._wakeup = asyncio.Event()
        self.scheduling_cycle = 0
        self._move_cycle = -1

    def __len__(self) -> int:
        return len(self._active_entries) + len(self._backoff) + len(self._unschedulable)

    def pending(self) -> dict[str, int]:
        return {"active": len(self._active_entries), "backoff": len(self._backoff),
                "unschedulable": len(self._unschedulable)}

    # Adding -----------------------------------------------------------------------

    def _push_active(self, qp: QueuedPod) -> None:
        old = self._active_entries.pop(qp.key, None)
        if old is not None:
            old.valid = False
        entry = _Entry(qp, self._less, next(self._counter))
        self._active_entries[qp.key] = entry
        heapq.heappush(self._active, entry)
        self._wakeup.set()

    def add(self, pod: PodInfo, *, requeue: bool = True) -> None:
        """A new pending pod, or a new version of one already queued.

        A parked pod is retried unless `requeue` is false (a change only to its
        status, which cannot make it fit anywhere).
        """
        key = pod.key
        if key in self._in_flight:
            self._in_flight[key].pod = pod
            return
        if key in self._active_entries:
            self._active_entries[key].qp.pod = pod
            return
        qp = self._backoff.get(key) or self._unschedulable.get(key)
        if qp is None:
            self._push_active(QueuedPod(pod))
            return
        qp.pod = pod
        if requeue:
            self._requeue(qp)

    def delete(self, key: str) -> None:
        entry = self._active_entries.pop(key, None)
        if entry is not None:
            entry.valid = False
        self._backoff.pop(key, None)
        self._unschedulable.pop(key, None)
        self._in_flight.pop(key, None)

    def _requeue(self, qp: QueuedPod) -> None:
        """Out of the parking lot: to backoffQ while backing off, else activeQ."""
        self._unschedulable.pop(qp.key, None)
        if qp.backoff_until > time.monotonic():
            self._backoff[qp.key] = qp
        else:
            self._backoff.pop(qp.key, None)
            self._push_active(qp)

    def add_unschedulable(self, qp: QueuedPod, rejected_by: Collection[str], *,
                          cycle: int) -> None:
        """An attempt that found no node (or failed to bind): park or back off the pod."""
        if self._in_flight.pop(qp.key, None) is None:
            return  # deleted meanwhile
        qp.rejected_by = frozenset(rejected_by)
        qp.timestamp = time.monotonic()
        qp.backoff_until = qp.timestamp + min(INITIAL_BACKOFF * 2 ** (qp.attempts - 1),
                                              MAX_BACKOFF)
        if self._move_cycle >= cycle or not qp.rejected_by:
            self._backoff[qp.key] = qp
        else:
            self._unschedulable[qp.key] = qp

    def done(self, key: str) -> None:
        """The attempt for `key` ended in a binding (or the pod no longer needs one)."""
        self._in_flight.pop(key, None)

    # Moving -----------------------------------------------------------------------

    def move(self, event: str) -> None:
        """A cluster change: retry parked pods a plugin interested in `event` rejected."""
        self._move_cycle = self.scheduling_cycle
        if not self._unschedulable:
            return
        plugins = self._interested(event)
        for qp in list(self._unschedulable.values()):
            if not qp.rejected_by or qp.rejected_by & plugins:
                self._requeue(qp)

    def flush(self) -> None:
        """Back-offs that have expired go to activeQ; long-parked pods are retried."""
        now = time.monotonic()
        for qp in [qp for qp in self._backoff.values() if qp.backoff_until <= now]:
            del self._backoff[qp.key]
            self._push_active(qp)
        for qp in [qp for qp in self._unschedulable.values()
                   if now - qp.timestamp > MAX_UNSCHEDULABLE]:
            self._requeue(qp)

    async def run_flusher(self, interval: float = 0.5) -> None:
        while True:
            await asyncio.sleep(interval)
            self.flush()

    # Taking -----------------------------------------------------------------------

    async def pop(self) -> QueuedPod:
        while True:
            while self._active:
                entry = heapq.heappop(self._active)
                if not entry.valid:
                    continue
                qp = entry.qp
                del self._active_entries[qp.key]
                qp.attempts += 1
                if qp.initial_attempt is None:
                    qp.initial_attempt = time.monotonic()
                self.scheduling_cycle += 1
                self._in_flight[qp.key] = qp
                return qp
            self._wakeup.clear()
            await self._wakeup.wait()
