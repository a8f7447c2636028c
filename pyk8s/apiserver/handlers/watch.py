"""WATCH: a chunked stream of `{"type": ..., "object": ...}` lines.

Served from the resource's watch cache. `resourceVersion` "" or "0" starts
with a synthetic ADDED per existing object; N resumes after N; a version
older than the cache's window becomes an ERROR event carrying a 410 Expired
Status, which clients answer by listing again. With `allowWatchBookmarks`
the stream carries periodic BOOKMARKs (and, with `sendInitialEvents`, one
marking the end of the initial state). `timeoutSeconds` ends the stream
cleanly. Table watchers (`kubectl get -w`) get one-row Tables; clients that
accept protobuf and not JSON get length-prefixed protobuf frames.

Each event is serialized once per (API version, output) and shared by all
watchers of that kind of stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from typing import Any

import orjson
from aiohttp import web

from pyk8s.api import errors, protobuf
from pyk8s.api.tables import table
from pyk8s.apiserver.context import RequestContext
from pyk8s.apiserver.handlers.list import list_options
from pyk8s.apiserver.metrics import METRICS
from pyk8s.apiserver.watchcache import CacheEvent

BOOKMARK_INTERVAL = 5.0
DEFAULT_TIMEOUT = (1800, 3600)  # seconds, picked at random like kube-apiserver


def _line(type_: str, obj: Any) -> bytes:
    return orjson.dumps({"type": type_, "object": obj}) + b"\n"


class Encoder:
    """Turns cache events into stream lines for one watcher's version and format."""

    def __init__(self, ctx: RequestContext) -> None:
        self.r = ctx.r
        self.tables = ctx.wants_table()
        self.include = ctx.query("includeObject", "Metadata")
        self.protobuf = not self.tables and ctx.wants_protobuf() and \
            protobuf.schema(self.r.api_version, self.r.kind) is not None
        output = "table:" + self.include if self.tables else \
            "protobuf" if self.protobuf else "json"
        self.key = f"{self.r.api_version}|{output}"

    def line(self, type_: str, obj: Any) -> bytes:
        return protobuf.watch_frame(type_, obj) if self.protobuf else _line(type_, obj)

    def convert(self, obj: dict[str, Any]) -> dict[str, Any]:
        return obj if self.r.from_hub is None else self.r.from_hub(obj)

    def event(self, ev: CacheEvent) -> bytes:
        cached = ev.encoded.get(self.key)
        if cached is not None:
            return cached
        obj = self.convert(ev.obj)
        if self.tables:
            obj = table(self.r, [obj], resource_version=obj["metadata"]["resourceVersion"],
                        include_object=self.include)
        line = self.line(ev.type, obj)
        ev.encoded[self.key] = line
        return line

    def bookmark(self, resource_version: int, initial_end: bool = False) -> bytes:
        md: dict[str, Any] = {"resourceVersion": str(resource_version)}
        if initial_end:
            md["annotations"] = {"k8s.io/initial-events-end": "true"}
        return self.line("BOOKMARK", {"kind": self.r.kind, "apiVersion": self.r.api_version,
                                  "metadata": md})


async def handle(ctx: RequestContext) -> web.StreamResponse:
    opts = list_options(ctx)
    storage = ctx.storage
    match = storage.matcher(opts)
    bookmarks = ctx.flag("allowWatchBookmarks")
    send_initial = ctx.query("sendInitialEvents")
    rv = opts.resource_version
    timeout = ctx.int_query("timeoutSeconds")
    if timeout is None:
        timeout = random.randint(*DEFAULT_TIMEOUT)
    from_revision: int | None
    if send_initial == "true":
        from_revision = None
    elif rv in ("", "0"):
        # Kubernetes replays the current state unless told not to.
        from_revision = storage.cache.revision if send_initial == "false" else None
    else:
        try:
            from_revision = int(rv)
        except ValueError:
            raise errors.bad_request(f"invalid resourceVersion: {rv!r}") from None

    if from_revision is not None:
        compacted = await storage.datastore.compacted_revision()
        if from_revision + 1 < compacted:
            stale: errors.APIError | None = errors.gone(
                f"too old resource version: {from_revision} ({compacted})")
        else:
            stale = None
    else:
        stale = None

    enc = Encoder(ctx)
    resp = web.StreamResponse(headers={
        "Content-Type": protobuf.WATCH_MEDIA_TYPE if enc.protobuf else "application/json",
        "Transfer-Encoding": "chunked"})
    resp.enable_chunked_encoding()
    await resp.prepare(ctx.request)
    deadline = time.monotonic() + max(timeout, 0)
    try:
        if stale is not None:
            raise stale
        async with storage.cache.watch(storage.namespace_prefix(ctx.namespace), match,
                                       from_revision) as (initial, watcher):
            METRICS.watchers.inc(ctx.r.plural)
            try:
                if initial:
                    await resp.write(b"".join(enc.event(ev) for ev in initial))
                last = max((ev.revision for ev in initial), default=storage.cache.revision)
                if send_initial == "true" and bookmarks:
                    await resp.write(enc.bookmark(max(last, storage.cache.revision), True))
                await _stream(resp, enc, watcher.queue, deadline,
                              bookmarks, lambda: storage.cache.revision)
            finally:
                METRICS.watchers.dec(ctx.r.plural)
        await resp.write_eof()
    except errors.APIError as e:
        with contextlib.suppress(ConnectionResetError):
            await resp.write(enc.line("ERROR", e.status()))
            await resp.write_eof()
    except ConnectionResetError:
        pass  # the client went away: nothing is left to tell it
    return resp


async def _stream(resp: web.StreamResponse, enc: Encoder,
                  queue: asyncio.Queue[CacheEvent | None], deadline: float, bookmarks: bool,
                  revision: Any) -> None:
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        wait = min(remaining, BOOKMARK_INTERVAL) if bookmarks else remaining
        try:
            ev = await asyncio.wait_for(queue.get(), wait)
        except TimeoutError:
            if bookmarks and deadline - time.monotonic() > 0:
                await resp.write(enc.bookmark(revision()))
            continue
        if ev is None:  # the cache dropped us (too slow, or reset): client re-lists
            return
        batch = [enc.event(ev)]
        while not queue.empty():
            nxt = queue.get_nowait()
            if nxt is None:
                await resp.write(b"".join(batch))
                return
            batch.append(enc.event(nxt))
        await resp.write(b"".join(batch))
