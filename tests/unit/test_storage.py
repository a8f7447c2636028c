"""The datastore contract, run against every backend.

The etcd backend runs against a real etcd started for each test (on free
loopback ports, with its own data directory) and stopped by its PID.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import cast

import pytest

from pyk8s.storage import sqlite
from pyk8s.storage.etcd import EtcdDatastore
from pyk8s.storage.interface import (
    CompactedError,
    Datastore,
    FutureRevisionError,
    KeyExistsError,
    KeyNotFoundError,
    KeyValue,
    RevisionConflictError,
    WatchEvent,
)
from pyk8s.storage.sqlite import SQLiteDatastore

ETCD = "/usr/bin/etcd"


class SQLiteBackend:
    """A database file that stores are opened on."""

    def __init__(self, tmp_path: Path) -> None:
        self.path = str(tmp_path / "state.db")

    async def open(self) -> Datastore:
        store = SQLiteDatastore(self.path)
        await store.start()
        return store

    def restart(self) -> None:
        """Nothing runs between opens: reopening the file is the restart."""

    def stop(self) -> None:
        """Nothing to stop."""


class EtcdBackend:
    """An etcd server of our own, on free loopback ports."""

    def __init__(self, tmp_path: Path) -> None:
        self.dir = tmp_path
        self.client_port, self.peer_port = _free_port(), _free_port()
        self.endpoint = f"http://127.0.0.1:{self.client_port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        peer = f"http://127.0.0.1:{self.peer_port}"
        with open(self.dir / "etcd.log", "ab") as log:
            self.process = subprocess.Popen(
                [ETCD, "--name", "test", "--data-dir", str(self.dir / "etcd"),
                 "--listen-client-urls", self.endpoint, "--advertise-client-urls", self.endpoint,
                 "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                 "--initial-cluster", f"test={peer}",
                 "--heartbeat-interval", "10", "--election-timeout", "100"],
                stdout=log, stderr=log,
            )  # fmt: skip
        deadline = time.monotonic() + 20
        while True:
            try:
                request = urllib.request.Request(
                    f"{self.endpoint}/v3/kv/range", data=b'{"key":"AA=="}'
                )
                urllib.request.urlopen(request, timeout=1).read()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"etcd did not start:\n{(self.dir / 'etcd.log').read_text()}")
                time.sleep(0.02)

    def stop(self) -> None:
        if self.process is None:
            return
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    async def open(self) -> Datastore:
        store = EtcdDatastore(self.endpoint)
        await store.start()
        return store


Backend = SQLiteBackend | EtcdBackend


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(params=["sqlite", pytest.param("etcd", marks=pytest.mark.etcd)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "etcd" and not os.path.exists(ETCD):
        pytest.skip(f"{ETCD} is missing (apt-get install etcd-server)")
    chosen: Backend = (
        SQLiteBackend(tmp_path) if request.param == "sqlite" else EtcdBackend(tmp_path)
    )
    try:
        yield chosen
    finally:
        chosen.stop()


@pytest.fixture
async def datastore(backend: Backend) -> AsyncIterator[Datastore]:
    store = await backend.open()
    yield store
    await store.close()


@asynccontextmanager
async def watching(
    store: Datastore, prefix: str, from_revision: int
) -> AsyncIterator[AsyncIterator[WatchEvent]]:
    """A watch that is closed on leaving the block (freeing etcd's connection)."""
    events = cast(AsyncGenerator[WatchEvent, None], store.watch(prefix, from_revision))
    try:
        yield events
    finally:
        await events.aclose()


async def take(events: AsyncIterator[WatchEvent], count: int) -> list[WatchEvent]:
    """The next `count` events, failing if they take more than 10 seconds."""

    async def collect() -> list[WatchEvent]:
        taken: list[WatchEvent] = []
        while len(taken) < count:
            taken.append(await anext(events))
        return taken

    return await asyncio.wait_for(collect(), 10)


async def test_create_and_get(datastore: Datastore) -> None:
    before = await datastore.current_revision()
    revision = await datastore.create("/registry/pods/default/a", b"A")
    assert revision > before
    assert await datastore.current_revision() == revision
    got = await datastore.get("/registry/pods/default/a")
    assert got == KeyValue("/registry/pods/default/a", b"A", revision, revision)
    assert await datastore.get("/registry/pods/default/b") is None


async def test_create_twice_fails(datastore: Datastore) -> None:
    revision = await datastore.create("/k", b"1")
    with pytest.raises(KeyExistsError):
        await datastore.create("/k", b"2")
    assert await datastore.get("/k") == KeyValue("/k", b"1", revision, revision)
    assert await datastore.current_revision() == revision


async def test_update(datastore: Datastore) -> None:
    created = await datastore.create("/k", b"1")
    updated = await datastore.update("/k", b"2", created)
    assert updated > created
    assert await datastore.get("/k") == KeyValue("/k", b"2", updated, created)
    with pytest.raises(RevisionConflictError) as conflict:
        await datastore.update("/k", b"3", created)
    assert conflict.value.current == KeyValue("/k", b"2", updated, created)
    assert await datastore.current_revision() == updated


async def test_missing_key(datastore: Datastore) -> None:
    for expected in (0, 1):
        with pytest.raises(KeyNotFoundError):
            await datastore.update("/missing", b"x", expected)
        with pytest.raises(KeyNotFoundError):
            await datastore.delete("/missing", expected)
    assert await datastore.get("/missing") is None


async def test_delete(datastore: Datastore) -> None:
    created = await datastore.create("/k", b"old")
    updated = await datastore.update("/k", b"new", created)
    with pytest.raises(RevisionConflictError) as conflict:
        await datastore.delete("/k", created)
    assert conflict.value.current == KeyValue("/k", b"new", updated, created)
    deleted = await datastore.delete("/k", updated)
    assert deleted == KeyValue("/k", b"new", deleted.revision, created)
    assert deleted.revision > updated
    assert await datastore.current_revision() == deleted.revision
    assert await datastore.get("/k") is None
    # A new life of the key starts from a new create revision.
    recreated = await datastore.create("/k", b"again")
    assert await datastore.get("/k") == KeyValue("/k", b"again", recreated, recreated)
    assert (await datastore.delete("/k")).value == b"again"


async def test_list_by_prefix(datastore: Datastore) -> None:
    keys = [
        "/registry/pods/b", "/registry/pods/a", "/registry/podsx/c", "/registry/pod",
        "/registry/pods", "/registry/services/a", "/registry/pods/a/x", "/registry/pods/é",
    ]  # fmt: skip
    for key in keys:
        await datastore.create(key, key.encode())
    result = await datastore.list("/registry/pods/")
    assert [kv.key for kv in result.items] == [
        "/registry/pods/a", "/registry/pods/a/x", "/registry/pods/b", "/registry/pods/é"
    ]  # fmt: skip
    assert all(kv.value == kv.key.encode() for kv in result.items)
    assert result.revision == await datastore.current_revision()
    assert not result.more
    assert [kv.key for kv in (await datastore.list("/registry/pods")).items] == [
        "/registry/pods", "/registry/pods/a", "/registry/pods/a/x", "/registry/pods/b",
        "/registry/pods/é", "/registry/podsx/c",
    ]  # fmt: skip
    assert len((await datastore.list("")).items) == len(keys)
    assert (await datastore.list("/nothing/")).items == []
    for start_after, count in [
        ("/a", 4),
        ("/registry/pods/b", 1),
        ("/registry/pods/é", 0),
        ("/s", 0),
    ]:
        page = await datastore.list("/registry/pods/", start_after=start_after)
        assert len(page.items) == count and not page.more


async def test_paginated_list_at_fixed_revision(datastore: Datastore) -> None:
    keys = [f"/registry/pods/ns/p{i:02d}" for i in range(25)]
    for key in reversed(keys):
        await datastore.create(key, b"v")
    await datastore.create("/registry/podsx/other", b"v")
    first = await datastore.list("/registry/pods/", limit=7)
    pages, seen = [first], list(first.items)
    # Writes between pages must not show up: later pages read at the first's revision.
    await datastore.create("/registry/pods/ns/p10a", b"late")
    await datastore.delete("/registry/pods/ns/p20")
    while pages[-1].more:
        page = await datastore.list(
            "/registry/pods/", limit=7, start_after=seen[-1].key, revision=first.revision
        )
        assert page.revision == first.revision
        pages.append(page)
        seen += page.items
    assert [kv.key for kv in seen] == keys
    assert [len(page.items) for page in pages] == [7, 7, 7, 4]
    assert [page.more for page in pages] == [True, True, True, False]
    # A limit that the keys fill exactly leaves nothing more.
    exact = await datastore.list("/registry/pods/", limit=25)
    assert len(exact.items) == 25 and not exact.more


async def test_list_at_older_revision(datastore: Datastore) -> None:
    a1 = await datastore.create("/r/a", b"a1")
    b1 = await datastore.create("/r/b", b"b1")
    then = await datastore.current_revision()
    a2 = await datastore.update("/r/a", b"a2", a1)
    await datastore.delete("/r/b")
    c1 = await datastore.create("/r/c", b"c1")
    old = await datastore.list("/r/", revision=then)
    assert old.items == [KeyValue("/r/a", b"a1", a1, a1), KeyValue("/r/b", b"b1", b1, b1)]
    assert old.revision == then
    page = await datastore.list("/r/", revision=then, start_after="/r/a", limit=1)
    assert page.items == [KeyValue("/r/b", b"b1", b1, b1)] and not page.more
    now = await datastore.list("/r/")
    assert now.items == [KeyValue("/r/a", b"a2", a2, a1), KeyValue("/r/c", b"c1", c1, c1)]
    with pytest.raises(FutureRevisionError):
        await datastore.list("/r/", revision=c1 + 1)


async def test_watch_replays_then_streams(datastore: Datastore) -> None:
    created = await datastore.create("/w/a", b"1")
    start = await datastore.current_revision()
    updated = await datastore.update("/w/a", b"2", created)
    await datastore.create("/wx/neighbour", b"not watched")
    async with watching(datastore, "/w/", start) as events:
        assert await take(events, 1) == [WatchEvent("PUT", "/w/a", b"2", updated, b"1")]
        b = await datastore.create("/w/b", b"B")
        deleted = await datastore.delete("/w/a")
        await datastore.create("/wx/other", b"not watched")
        assert await take(events, 2) == [
            WatchEvent("PUT", "/w/b", b"B", b, None, created=True),
            WatchEvent("DELETE", "/w/a", b"2", deleted.revision, b"2"),
        ]


async def test_watch_under_concurrent_writes(datastore: Datastore) -> None:
    """A watch from an old revision, opened mid-way through a stream of writes."""
    for i in range(4):
        await datastore.create(f"/w/{i}", b"0")
    start = await datastore.current_revision()
    expected: list[WatchEvent] = []
    halfway = asyncio.Event()

    async def write() -> None:
        for n in range(1, 81):
            key = f"/w/{n % 4}"
            current = await datastore.get(key)
            if current is None:
                revision = await datastore.create(key, b"%d" % n)
                expected.append(WatchEvent("PUT", key, b"%d" % n, revision, None, True))
            elif n % 3 == 0:
                revision = (await datastore.delete(key, current.revision)).revision
                expected.append(WatchEvent("DELETE", key, current.value, revision, current.value))
            else:
                revision = await datastore.update(key, b"%d" % n, current.revision)
                expected.append(WatchEvent("PUT", key, b"%d" % n, revision, current.value))
            await datastore.create(f"/wx/{n}", b"neighbour")
            if n == 40:
                halfway.set()
            await asyncio.sleep(0)

    writer = asyncio.create_task(write())
    await halfway.wait()
    async with watching(datastore, "/w/", start) as events:
        got = await take(events, 80)
    await writer
    assert got == expected
    assert [event.revision for event in got] == sorted({event.revision for event in got})


async def test_compaction(datastore: Datastore) -> None:
    old = await datastore.create("/c/a", b"1")
    kept = await datastore.create("/c/b", b"kept")
    gone = await datastore.create("/c/gone", b"x")
    await datastore.delete("/c/gone")
    current = await datastore.update("/c/a", b"2", old)
    last = await datastore.create("/c/c", b"3")
    await datastore.compact(current)
    assert await datastore.compacted_revision() == current
    with pytest.raises(CompactedError) as compacted:
        await datastore.list("/c/", revision=gone)
    assert (compacted.value.requested, compacted.value.compacted) == (gone, current)
    with pytest.raises(CompactedError):
        await take(datastore.watch("/c/", current - 2), 1)
    assert [kv.value for kv in (await datastore.list("/c/", revision=current)).items] == [
        b"2", b"kept"
    ]  # fmt: skip
    assert (await datastore.list("/c/")).items == [
        KeyValue("/c/a", b"2", current, old),
        KeyValue("/c/b", b"kept", kept, kept),
        KeyValue("/c/c", b"3", last, last),
    ]
    # A watch from just before the compacted revision still sees it. etcd cannot give
    # that event's previous value, whose revision is compacted; SQLite keeps it.
    prev = None if isinstance(datastore, EtcdDatastore) else b"1"
    async with watching(datastore, "/c/", current - 1) as events:
        assert await take(events, 2) == [
            WatchEvent("PUT", "/c/a", b"2", current, prev),
            WatchEvent("PUT", "/c/c", b"3", last, None, created=True),
        ]
    await datastore.compact(old)  # older than the compacted revision: nothing to do
    assert await datastore.compacted_revision() == current
    with pytest.raises(FutureRevisionError):
        await datastore.compact(last + 1)


async def test_revisions_survive_restart(backend: Backend) -> None:
    store = await backend.open()
    revisions = [await store.create(f"/p/{i}", b"%d" % i) for i in range(5)]
    revisions.append((await store.delete("/p/4")).revision)
    assert revisions == sorted(set(revisions))
    newest = await store.current_revision()
    await store.compact(newest)  # the newest write is a deletion: nothing live at `newest`
    await store.close()

    backend.restart()
    store = await backend.open()
    try:
        assert await store.current_revision() == newest
        assert await store.compacted_revision() == newest
        assert [kv.value for kv in (await store.list("/p/")).items] == [b"0", b"1", b"2", b"3"]
        assert await store.create("/p/new", b"n") > newest
        assert await store.update("/p/0", b"x", revisions[0]) > newest + 1
    finally:
        await store.close()


async def test_watch_ends_when_store_closes(backend: Backend) -> None:
    store = await backend.open()
    events = store.watch("/", await store.current_revision())
    pending = asyncio.ensure_future(anext(events))
    await asyncio.sleep(0.1)
    await store.close()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(pending, 5)


@pytest.mark.parametrize("batch", [3, 500])
async def test_sqlite_watch_started_during_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    """Watchers opened at many points of a stream of writes each see every write once."""
    monkeypatch.setattr(sqlite, "_WATCH_BATCH", batch)
    store = SQLiteDatastore(str(tmp_path / "state.db"))
    await store.start()
    written: list[int] = []
    watchers: list[tuple[int, asyncio.Task[list[int]]]] = []

    async def watch(from_revision: int, count: int) -> list[int]:
        async with watching(store, "/k/", from_revision) as events:
            return [event.revision for event in await take(events, count)]

    for n in range(200):
        written.append(await store.create(f"/k/{n}", b"v"))
        if n % 25 == 0:
            # From now, and from 10 writes back (replay, then live).
            for start in (written[-1], written[max(0, n - 10)]):
                watchers.append((start, asyncio.create_task(watch(start, 200 - start))))
        await asyncio.sleep(0)
    assert written == list(range(1, 201))
    for start, watcher in watchers:
        assert await watcher == [revision for revision in written if revision > start]
    await store.close()
