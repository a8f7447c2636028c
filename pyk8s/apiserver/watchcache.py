"""The watch cache: one datastore watch per stored resource, fanned out in memory.

Kubernetes' API server never gives each client its own etcd watch. It keeps,
per resource, the current objects and a window of recent events fed by one
datastore watch, and serves every client watch from that: filtering by
namespace and selectors, converting to the version the client asked for, and
serializing each event once per version however many watchers share it.

A watch from resourceVersion N replays the window's events after N, then
follows live events. N older than the window is answered with 410 Gone
("too old resource version"), telling the client to list again; that is the
same contract clients already handle for etcd compaction.

Selectors make watches stateful: an object that stops matching a watcher's
selector is sent to that watcher as DELETED, one that starts matching as
ADDED, exactly as Kubernetes does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from pyk8s.api.errors import gone
from pyk8s.storage.interface import CompactedError, Datastore

log = logging.getLogger(__name__)

Obj = dict[str, Any]
Decoder = Callable[[bytes, int], Obj]
Matcher = Callable[[Obj], bool]

WINDOW = 20_000  # events kept per resource for resuming watches
WATCHER_BACKLOG = 10_000  # events a slow watcher may lag before it is dropped


@dataclass(slots=True)
class CacheEvent:
    type: str  # ADDED | MODIFIED | DELETED
    obj: Obj  # new state; for DELETED, the last state (resourceVersion = deletion's)
    prev: Obj | None
    revision: int
    # Serialized forms shared by watchers, keyed by whatever the caller chooses
    # (the API version and output format).
    encoded: dict[str, bytes] = field(default_factory=dict)


class Watcher:
    """One client watch: a queue filled by the cache, drained by the handler."""

    def __init__(self, match: Matcher, namespace_prefix: str, after: int) -> None:
        self.match = match
        self.prefix = namespace_prefix
        # Events at or before this revision are already known to the client
        # (its list may have been read from the store ahead of this cache).
        self.after = after
        self.queue: asyncio.Queue[CacheEvent | None] = asyncio.Queue(WATCHER_BACKLOG)
        self.overflowed = False

    def offer(self, key: str, ev: CacheEvent) -> None:
        if not key.startswith(self.prefix) or self.overflowed or ev.revision <= self.after:
            return
        out = self._project(ev)
        if out is None:
            return
        try:
            self.queue.put_nowait(out)
        except asyncio.QueueFull:
            # Too slow to keep up: end the watch; the client re-lists.
            self.overflowed = True
            self.queue.get_nowait()
            self.queue.put_nowait(None)

    def _project(self, ev: CacheEvent) -> CacheEvent | None:
        if ev.type == "ADDED":
            return ev if self.match(ev.obj) else None
        if ev.type == "DELETED":
            return ev if self.match(ev.obj) else None
        now = self.match(ev.obj)
        before = ev.prev is not None and self.match(ev.prev)
        if now and before:
            return ev
        if now:
            return CacheEvent("ADDED", ev.obj, ev.prev, ev.revision)
        if before:
            return CacheEvent("DELETED", ev.obj, ev.prev, ev.revision)
        return None


class WatchCache:
    def __init__(self, datastore: Datastore, prefix: str, decode: Decoder) -> None:
        self.datastore = datastore
        self.prefix = prefix
        self.decode = decode
        self.objects: dict[str, Obj] = {}
        self.window: deque[CacheEvent] = deque()
        self.revision = 0  # newest revision applied
        self.oldest = 0  # watches may resume from any revision >= this
        self.watchers: set[Watcher] = set()
        self._task: asyncio.Task[None] | None = None
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []

    async def start(self) -> None:
        await self._load()
        self._task = asyncio.create_task(self._follow(), name=f"watchcache {self.prefix}")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for w in list(self.watchers):
            w.queue.put_nowait(None)

    async def _load(self) -> None:
        result = await self.datastore.list(self.prefix)
        self.objects = {kv.key: self.decode(kv.value, kv.revision) for kv in result.items}
        self.revision = self.oldest = result.revision
        self.window.clear()

    async def _follow(self) -> None:
        while True:
            try:
                async for ev in self.datastore.watch(self.prefix, self.revision):
                    self._apply(ev.type, ev.key, ev.value, ev.revision, ev.created)
            except CompactedError:
                # We fell behind compaction: start over; current watchers must re-list.
                log.warning("watch cache %s fell behind compaction; reloading", self.prefix)
                for w in list(self.watchers):
                    w.queue.put_nowait(None)
                await self._load()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("watch cache %s: datastore watch failed; retrying", self.prefix)
                await asyncio.sleep(1)

    def _apply(self, kind: str, key: str, value: bytes, revision: int, created: bool) -> None:
        prev = self.objects.get(key)
        obj = self.decode(value, revision)
        if kind == "DELETE":
            self.objects.pop(key, None)
            ev = CacheEvent("DELETED", obj, prev, revision)
        else:
            self.objects[key] = obj
            ev = CacheEvent("ADDED" if prev is None else "MODIFIED", obj, prev, revision)
        self.window.append(ev)
        if len(self.window) > WINDOW:
            self.oldest = self.window.popleft().revision
        self.revision = revision
        for w in self.watchers:
            w.offer(key, ev)
        if self._waiters:
            self._wake()

    def _wake(self) -> None:
        pending = []
        for rev, fut in self._waiters:
            if rev <= self.revision:
                if not fut.done():
                    fut.set_result(None)
            else:
                pending.append((rev, fut))
        self._waiters = pending

    async def wait_for(self, revision: int, timeout: float = 3.0) -> None:
        """Until the cache has applied `revision` (or `timeout` passes)."""
        if self.revision >= revision:
            return
        fut = asyncio.get_running_loop().create_future()
        self._waiters.append((revision, fut))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(fut, timeout)

    def snapshot(self, namespace_prefix: str, match: Matcher) -> tuple[list[Obj], int]:
        """Current objects under a key prefix that match, in key order."""
        items = [
            obj for key, obj in sorted(self.objects.items())
            if key.startswith(namespace_prefix) and match(obj)
        ]
        return items, self.revision

    def get(self, key: str) -> Obj | None:
        return self.objects.get(key)

    @contextlib.asynccontextmanager
    async def watch(
        self, namespace_prefix: str, match: Matcher, from_revision: int | None
    ) -> AsyncIterator[tuple[list[CacheEvent], Watcher]]:
        """Register a watcher; yields (initial events, watcher).

        from_revision None: initial events are synthetic ADDEDs for every
        current match. N: the window's events after N (410 if too old).
        """
        if from_revision is not None and from_revision < self.oldest:
            raise gone(f"too old resource version: {from_revision} ({self.oldest})")
        w = Watcher(match, namespace_prefix,
                    self.revision if from_revision is None else from_revision)
        initial: list[CacheEvent] = []
        if from_revision is None:
            items, _ = self.snapshot(namespace_prefix, match)
            initial = [
                CacheEvent("ADDED", obj, None, int(obj["metadata"]["resourceVersion"]))
                for obj in items
            ]
        else:
            for ev in self.window:
                if ev.revision > from_revision:
                    key = self._key_of(ev.obj)
                    projected = w._project(ev) if key.startswith(namespace_prefix) else None
                    if projected:
                        initial.append(projected)
        # Registration and the snapshot above happen with no await in between,
        # so no event falls between the replay and the live queue.
        self.watchers.add(w)
        try:
            yield initial, w
        finally:
            self.watchers.discard(w)

    def _key_of(self, obj: Obj) -> str:
        meta = obj.get("metadata", {})
        ns = meta.get("namespace")
        return f"{self.prefix}{ns}/{meta.get('name')}" if ns else f"{self.prefix}{meta.get('name')}"
