"""SQLite datastore: the embedded, default backend.

One SQLite file holds the whole history as a revision log, one row per write:

    log(id = revision, key, value, created, deleted, create_revision, prev_revision)

The row id *is* the revision, so the log doubles as the watch history. A
deletion row carries the value it removed; `prev_revision` points at the row
holding the key's previous value (0 when the write created the key).
`current(key -> revision)`, updated in the same transaction, points at every
live key's newest row, so get and list at the current revision are a range
scan of `current` joined to `log` on its primary key. A list at an older
revision N picks, per key, the newest row with id <= N through the (key, id)
index and leaves out keys whose row is a deletion.

The file is in WAL mode with `synchronous=NORMAL`: a committed write survives
the process being killed (not necessarily a power cut), and commits cost no
fsync. Only one process, the API server, writes the file, so the revision
counter can live in memory. Calls run synchronously on the event loop: each takes
microseconds, and since nothing awaits between a write's COMMIT and waking the
watchers, everyone sees writes in commit order.

A watcher does not get events pushed to it: it pages through log rows after
the last revision it has seen, then sleeps until the next commit wakes it.
Replay and live streaming are the same loop, so the handover can have no gap
or duplicate, and a slow watcher holds no backlog in memory.

Compaction at R deletes every row older than R except each key's newest one
(unless that is a deletion). The kept row is what a list at R needs, and the
previous value of the key's next event. R and the revision counter are kept in
`meta`, so neither goes back across a restart.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

from pyk8s.storage.interface import (
    CompactedError,
    FutureRevisionError,
    KeyExistsError,
    KeyNotFoundError,
    KeyValue,
    ListResult,
    RevisionConflictError,
    WatchEvent,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS log (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    value BLOB NOT NULL,
    created INTEGER NOT NULL,
    deleted INTEGER NOT NULL,
    create_revision INTEGER NOT NULL,
    prev_revision INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS log_key_id ON log (key, id);
CREATE TABLE IF NOT EXISTS current (key TEXT PRIMARY KEY, revision INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
"""

_INSERT_LOG = "INSERT INTO log VALUES (?, ?, ?, ?, ?, ?, ?)"
_SELECT_CURRENT = (
    "SELECT l.key, l.value, l.id, l.create_revision FROM current c JOIN log l ON l.id = c.revision"
)
# Rows in (:done, :upto], all older than :r, that are deletions or have a newer
# row older than :r.
_COMPACT = """
DELETE FROM log WHERE id > :done AND id <= :upto AND (deleted OR EXISTS (
    SELECT 1 FROM log newer WHERE newer.key = log.key AND newer.id > log.id AND newer.id < :r
))
"""

_WATCH_BATCH = 500  # log rows a watcher reads per query
_COMPACT_SLICE = 2000  # log rows a compaction transaction looks at


def _prefix_end(prefix: str) -> str | None:
    """The smallest string above every string starting with `prefix` (None: no bound).

    SQLite compares TEXT as UTF-8 bytes, which orders like code points.
    """
    while prefix:
        last = ord(prefix[-1])
        if last < 0x10FFFF:
            # Surrogates cannot be encoded in UTF-8; skip over them.
            return prefix[:-1] + chr(0xE000 if last + 1 == 0xD800 else last + 1)
        prefix = prefix[:-1]
    return None


def _key_range(column: str, prefix: str, start_after: str | None) -> tuple[str, list[object]]:
    """SQL condition and parameters selecting `column` values under `prefix`."""
    conditions: list[str] = [f"{column} >= ?"]
    params: list[object] = [prefix]
    end = _prefix_end(prefix)
    if end is not None:
        conditions.append(f"{column} < ?")
        params.append(end)
    if start_after is not None:
        conditions.append(f"{column} > ?")
        params.append(start_after)
    return " AND ".join(conditions), params


class SQLiteDatastore:
    _db: sqlite3.Connection

    def __init__(self, path: str) -> None:
        self._path = path
        self._revision = 0
        self._compacted = 0
        self._closed = False
        # Set (and replaced) by every commit; watchers wait on it when caught up.
        self._written = asyncio.Event()

    async def start(self) -> None:
        db = sqlite3.connect(self._path, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(_SCHEMA)
        meta = dict(db.execute("SELECT name, value FROM meta").fetchall())
        (newest,) = db.execute("SELECT coalesce(max(id), 0) FROM log").fetchone()
        self._revision = max(newest, meta.get("revision", 0))
        self._compacted = meta.get("compacted", 0)
        self._db = db

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._written.set()
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _committed(self, revision: int) -> None:
        self._revision = revision
        self._written.set()
        self._written = asyncio.Event()

    def _get(self, key: str) -> KeyValue | None:
        row = self._db.execute(f"{_SELECT_CURRENT} WHERE c.key = ?", (key,)).fetchone()
        return KeyValue(*row) if row else None

    async def current_revision(self) -> int:
        return self._revision

    async def compacted_revision(self) -> int:
        return self._compacted

    async def get(self, key: str) -> KeyValue | None:
        return self._get(key)

    async def list(
        self,
        prefix: str,
        *,
        limit: int = 0,
        start_after: str | None = None,
        revision: int = 0,
    ) -> ListResult:
        if revision > self._revision:
            raise FutureRevisionError(f"revision {revision} is ahead of {self._revision}")
        if 0 < revision < self._compacted:
            raise CompactedError(revision, self._compacted)
        at = revision or self._revision
        if at == self._revision:
            where, params = _key_range("c.key", prefix, start_after)
            sql = f"{_SELECT_CURRENT} WHERE {where} ORDER BY c.key"
        else:
            where, params = _key_range("l.key", prefix, start_after)
            sql = f"""
                SELECT l.key, l.value, l.id, l.create_revision FROM log l
                WHERE {where} AND l.id <= ? AND NOT l.deleted AND l.id = (
                    SELECT max(id) FROM log WHERE key = l.key AND id <= ?
                ) ORDER BY l.key"""
            params += [at, at]
        if limit:
            sql += " LIMIT ?"
            params.append(limit + 1)
        rows = self._db.execute(sql, params).fetchall()
        more = bool(limit) and len(rows) > limit
        return ListResult([KeyValue(*row) for row in rows[: limit or None]], at, more)

    async def create(self, key: str, value: bytes) -> int:
        with self._transaction():
            if self._get(key) is not None:
                raise KeyExistsError(key)
            revision = self._revision + 1
            self._db.execute(_INSERT_LOG, (revision, key, value, 1, 0, revision, 0))
            self._db.execute("INSERT INTO current VALUES (?, ?)", (key, revision))
        self._committed(revision)
        return revision

    async def update(self, key: str, value: bytes, expected_revision: int) -> int:
        with self._transaction():
            current = self._get(key)
            if current is None:
                raise KeyNotFoundError(key)
            if current.revision != expected_revision:
                raise RevisionConflictError(key, current)
            revision = self._revision + 1
            row = (revision, key, value, 0, 0, current.create_revision, current.revision)
            self._db.execute(_INSERT_LOG, row)
            self._db.execute("UPDATE current SET revision = ? WHERE key = ?", (revision, key))
        self._committed(revision)
        return revision

    async def delete(self, key: str, expected_revision: int = 0) -> KeyValue:
        with self._transaction():
            current = self._get(key)
            if current is None:
                raise KeyNotFoundError(key)
            if expected_revision and current.revision != expected_revision:
                raise RevisionConflictError(key, current)
            revision = self._revision + 1
            row = (revision, key, current.value, 0, 1, current.create_revision, current.revision)
            self._db.execute(_INSERT_LOG, row)
            self._db.execute("DELETE FROM current WHERE key = ?", (key,))
        self._committed(revision)
        return KeyValue(key, current.value, revision, current.create_revision)

    async def watch(self, prefix: str, from_revision: int) -> AsyncIterator[WatchEvent]:
        where, params = _key_range("l.key", prefix, None)
        sql = f"""
            SELECT l.id, l.key, l.value, l.created, l.deleted, prev.value
            FROM log l LEFT JOIN log prev ON prev.id = l.prev_revision AND NOT l.deleted
            WHERE l.id > ? AND {where} ORDER BY l.id LIMIT ?"""
        seen = from_revision
        while not self._closed:
            if seen + 1 < self._compacted:
                raise CompactedError(seen, self._compacted)
            written = self._written
            batch = _WATCH_BATCH
            rows = self._db.execute(sql, (seen, *params, batch)).fetchall()
            # A short batch means every revision up to the current one was scanned.
            scanned = rows[-1][0] if len(rows) == batch else self._revision
            for revision, key, value, created, deleted, prev_value in rows:
                if deleted:
                    yield WatchEvent("DELETE", key, value, revision, value)
                else:
                    yield WatchEvent("PUT", key, value, revision, prev_value, bool(created))
            seen = scanned
            if len(rows) < batch:
                await written.wait()

    async def compact(self, revision: int) -> None:
        if revision > self._revision:
            raise FutureRevisionError(f"revision {revision} is ahead of {self._revision}")
        if revision <= self._compacted:
            return
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                [("compacted", revision), ("revision", self._revision)],
            )
        self._compacted = revision
        # Reads below `revision` are refused from here on, so the rows can go in
        # slices, letting other work run in between: a big compaction would
        # otherwise stall the event loop. A crash part way leaves rows that the
        # next compaction removes.
        done = 0
        while not self._closed:
            with self._transaction():
                row = self._db.execute(
                    "SELECT id FROM log WHERE id > ? AND id < ? ORDER BY id LIMIT 1 OFFSET ?",
                    (done, revision, _COMPACT_SLICE - 1),
                ).fetchone()
                upto = row[0] if row else revision - 1
                self._db.execute(_COMPACT, {"done": done, "upto": upto, "r": revision})
            if upto == revision - 1:
                return
            done = upto
            await asyncio.sleep(0)
