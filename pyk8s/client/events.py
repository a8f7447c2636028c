"""`EventRecorder`: core/v1 Events about objects, written in the background.

Controllers tell people what they did and what went wrong through Events
(`kubectl describe` shows them):

    recorder.event(pod, NORMAL, "Scheduled", "Successfully assigned ns/web to node-1")

`event()` is synchronous, cheap and never raises: it snapshots a reference
to the object and queues the event; one writer task owned by the recorder
writes them to the API server in order. Recording is best effort, as in
client-go: a full queue drops the event, and a failed write is logged and
forgotten, because a controller must never fail or slow down for the sake of
an Event.

Each Event carries `involvedObject` (apiVersion, kind, namespace, name, uid,
resourceVersion), `reason`, `message`, `type` (Normal or Warning),
`source.component`, `reportingComponent`, `firstTimestamp`,
`lastTimestamp` and `count`. It lives in the object's namespace ("default"
for cluster-scoped objects) and is named `<object name>.<hex nanoseconds>`.

Repeats are aggregated like client-go's event correlator: an event with the
same object, type, reason and message as one this recorder wrote before is
not written again; instead the existing Event is patched with `count + 1`
and a new `lastTimestamp` (and created afresh if it has since been deleted,
e.g. by the Event TTL). The recorder remembers the most recent
`cache_size` distinct events.

A spam filter, as client-go's, keeps one busy object from flooding the
API: each involved object may have 25 events written in a burst, then one
more per 5 minutes; the rest are dropped (a ReplicaSet creating a thousand
pods says so 25 times, not a thousand).

Use it as `async with EventRecorder(client, "deployment-controller") as
recorder:`; leaving the block writes what is still queued (for up to
`drain_timeout` seconds) and stops the writer. `await recorder.flush()`
waits until everything recorded so far has been written.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import time
from collections import OrderedDict
from typing import Any, NamedTuple

from pyk8s.client.rest import APIClient, RequestError, is_not_found

log = logging.getLogger(__name__)

Obj = dict[str, Any]
NORMAL = "Normal"
WARNING = "Warning"
SPAM_BURST = 25  # events per involved object before the filter drops them
SPAM_REFILL = 1 / 300  # further events allowed per second


class _Pending(NamedTuple):
    ref: Obj  # the involvedObject
    type: str
    reason: str
    message: str
    timestamp: str


class _Written(NamedTuple):
    namespace: str
    name: str
    total: int  # its count


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def object_reference(obj: Obj) -> Obj:
    """An ObjectReference to `obj` (as Events' involvedObject)."""
    md = obj.get("metadata") or {}
    ref = {"apiVersion": obj.get("apiVersion", ""), "kind": obj.get("kind", ""),
           "name": md.get("name", "")}
    for field in ("namespace", "uid", "resourceVersion"):
        if md.get(field):
            ref[field] = md[field]
    return ref


class EventRecorder:
    def __init__(self, client: APIClient, component: str, *, host: str | None = None,
                 max_pending: int = 1000, cache_size: int = 4096,
                 drain_timeout: float = 5.0) -> None:
        self.client = client
        self.component = component
        self.host = host
        self.cache_size = cache_size
        self.drain_timeout = drain_timeout
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue(max_pending)
        self._written: OrderedDict[tuple[str, ...], _Written] = OrderedDict()
        self._budgets: OrderedDict[tuple[str, ...], tuple[float, float]] = OrderedDict()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> EventRecorder:
        self._task = asyncio.create_task(self._write_all(), name=f"events {self.component}")
        return self

    async def __aexit__(self, *exc: object) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.flush(), self.drain_timeout)
        if self._task is not None:
            task, self._task = self._task, None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def event(self, obj: Obj, type: str, reason: str, message: str) -> None:
        """Record an event about `obj` (best effort; never raises)."""
        try:
            if type not in (NORMAL, WARNING):
                raise ValueError(f"event type must be Normal or Warning, not {type!r}")
            if self._task is None:
                raise RuntimeError("EventRecorder is not running: use `async with`")
            ref = object_reference(obj)
            if not self._allowed(ref):
                log.debug("%s: dropping event %s about %s/%s: too many", self.component,
                          reason, ref.get("namespace", ""), ref["name"])
                return
            self._queue.put_nowait(_Pending(ref, type, reason, message, _now()))
        except asyncio.QueueFull:
            log.warning("%s: too many events queued; dropping %s %s", self.component, reason,
                        message)
        except Exception:
            log.exception("%s: cannot record event %s %r", self.component, reason, message)

    def _allowed(self, ref: Obj) -> bool:
        """Take one event from the object's token bucket (the spam filter)."""
        key = (ref["kind"], ref.get("namespace", ""), ref["name"], ref.get("uid", ""))
        now = time.monotonic()
        tokens, last = self._budgets.pop(key, (float(SPAM_BURST), now))
        tokens = min(float(SPAM_BURST), tokens + (now - last) * SPAM_REFILL)
        allowed = tokens >= 1
        self._budgets[key] = (tokens - 1 if allowed else tokens, now)
        while len(self._budgets) > self.cache_size:
            self._budgets.popitem(last=False)
        return allowed

    async def flush(self) -> None:
        """Until every event recorded so far has been written (or given up on)."""
        await self._queue.join()

    async def _write_all(self) -> None:
        while True:
            pending = await self._queue.get()
            try:
                await self._write(pending)
            except RequestError as e:
                log.warning("%s: writing event %s %r failed: %s", self.component,
                            pending.reason, pending.message, e)
            except Exception:
                log.exception("%s: writing event %s %r failed", self.component,
                              pending.reason, pending.message)
            finally:
                self._queue.task_done()

    async def _write(self, p: _Pending) -> None:
        ref = p.ref
        key = (ref.get("uid") or "", ref["kind"], ref.get("namespace", ""), ref["name"],
               p.type, p.reason, p.message)
        seen = self._written.get(key)
        if seen is not None:
            try:
                await self.client.patch("v1", "events", seen.name, {
                    "count": seen.total + 1, "lastTimestamp": p.timestamp}, seen.namespace)
            except RequestError as e:
                if not is_not_found(e):
                    raise
            else:
                self._remember(key, seen._replace(total=seen.total + 1))
                return
        namespace = ref.get("namespace") or "default"
        source: Obj = {"component": self.component}
        if self.host:
            source["host"] = self.host
        created = await self.client.create("v1", "events", {
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": f"{ref['name']}.{time.time_ns():x}", "namespace": namespace},
            "involvedObject": ref,
            "reason": p.reason,
            "message": p.message,
            "type": p.type,
            "source": source,
            "firstTimestamp": p.timestamp,
            "lastTimestamp": p.timestamp,
            "count": 1,
            "reportingComponent": self.component,
            "reportingInstance": self.host or "",
        }, namespace)
        self._remember(key, _Written(namespace, created["metadata"]["name"], 1))

    def _remember(self, key: tuple[str, ...], written: _Written) -> None:
        self._written[key] = written
        self._written.move_to_end(key)
        while len(self._written) > self.cache_size:
            self._written.popitem(last=False)
