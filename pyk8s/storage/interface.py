"""The datastore contract every backend honours.

The API server keeps all cluster state in a revisioned key-value store, as
Kubernetes does on etcd. Every successful write (create, update, delete) gets
the next value of one global, strictly increasing revision; that revision
becomes the written object's `metadata.resourceVersion`. From that single
counter follow optimistic concurrency (write only if the key is still at the
revision you read), consistent paginated lists (read at a fixed revision) and
watches that resume from a revision (replay the log after it).

Keys are strings such as `/registry/pods/default/web-0`; values are opaque
bytes (the API server stores JSON). Backends: `sqlite.SQLiteDatastore`
(embedded, default) and `etcd.EtcdDatastore` (etcd v3). Both pass the same
test suite, `tests/unit/test_storage.py`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal, Protocol


class StorageError(Exception):
    """Base class of datastore failures."""


class KeyExistsError(StorageError):
    """create() on a key that already holds a value."""


class KeyNotFoundError(StorageError):
    """update()/delete() on a key that holds no value."""


class RevisionConflictError(StorageError):
    """update()/delete() whose expected revision is not the key's current one."""

    def __init__(self, key: str, current: KeyValue | None) -> None:
        super().__init__(f"revision conflict on {key}")
        self.current = current


class CompactedError(StorageError):
    """A list or watch asked for a revision older than the compacted one."""

    def __init__(self, requested: int, compacted: int) -> None:
        super().__init__(f"revision {requested} has been compacted (oldest is {compacted})")
        self.requested = requested
        self.compacted = compacted


class FutureRevisionError(StorageError):
    """A list asked for a revision newer than the store's current revision."""


@dataclass(frozen=True, slots=True)
class KeyValue:
    key: str
    value: bytes
    revision: int  # revision of the write that produced this value (mod revision)
    create_revision: int  # revision at which the key was (last) created


@dataclass(frozen=True, slots=True)
class ListResult:
    items: list[KeyValue]  # sorted by key
    revision: int  # the store revision the list was read at
    more: bool  # True when `limit` cut the result short


@dataclass(frozen=True, slots=True)
class WatchEvent:
    type: Literal["PUT", "DELETE"]
    key: str
    # For PUT, the new value; for DELETE, the value the key held just before.
    value: bytes
    revision: int  # revision of this write
    # The value the key held before this write; None for a PUT that created the key.
    prev_value: bytes | None
    created: bool = False  # True for a PUT that created the key


class Datastore(Protocol):
    async def start(self) -> None:
        """Open connections/files; must be called before any other method."""

    async def close(self) -> None:
        """Release resources; active watches end."""

    async def current_revision(self) -> int:
        """The revision of the newest write (0 for an empty store)."""

    async def get(self, key: str) -> KeyValue | None: ...

    async def list(
        self,
        prefix: str,
        *,
        limit: int = 0,
        start_after: str | None = None,
        revision: int = 0,
    ) -> ListResult:
        """Keys starting with `prefix`, in key order.

        `limit` 0 means no limit. `start_after` continues a previous page: only
        keys strictly greater are returned. `revision` 0 reads the current
        state; N > 0 reads the state as it was at revision N (raising
        CompactedError if N is compacted, FutureRevisionError if N is ahead).
        """

    async def create(self, key: str, value: bytes) -> int:
        """Store a new key; return its revision. KeyExistsError if present."""

    async def update(self, key: str, value: bytes, expected_revision: int) -> int:
        """Replace a key's value if its revision is `expected_revision`.

        Returns the new revision. KeyNotFoundError if absent;
        RevisionConflictError (carrying the current value) if it changed.
        """

    async def delete(self, key: str, expected_revision: int = 0) -> KeyValue:
        """Remove a key (if at `expected_revision`, when non-zero).

        Returns the deleted value with the revision of the deletion.
        """

    def watch(self, prefix: str, from_revision: int) -> AsyncIterator[WatchEvent]:
        """Events for keys under `prefix` with revision > `from_revision`, in order.

        Raises CompactedError (on first iteration) when events newer than
        `from_revision` may have been compacted, i.e. when
        `from_revision + 1 < compacted_revision()`. The iterator runs until the
        consumer stops iterating or the store closes.
        """

    async def compact(self, revision: int) -> None:
        """Forget superseded history older than `revision`, as etcd does.

        Afterwards lists at a revision < `revision` and watches from a
        revision < `revision - 1` raise CompactedError; current values stay.
        """

    async def compacted_revision(self) -> int:
        """The revision of the last compact() call (0 if none)."""
