"""Expectations: the creates and deletes a controller asked for and has not yet seen.

A ReplicaSet controller that creates 3 pods must not create 3 more because
its pod informer has not caught up when the next sync runs. Before acting,
it records what it expects (`expect(key, adds=3)` or `deletions={pod keys}`);
its informer handlers lower the record as the pods appear or go
(`creation_observed`, `deletion_observed`); a sync acts only when the record
is `satisfied`, that is fully observed, absent, or older than `ttl` (a watch
event may be lost for good; after five minutes the cache is trusted again).
A create or delete that failed is observed at once, since nothing will come
of it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

EXPECTATIONS_TTL = 300.0


@dataclass
class _Record:
    adds: int = 0
    deletions: set[str] = field(default_factory=set)
    timestamp: float = field(default_factory=time.monotonic)


class Expectations:
    def __init__(self, ttl: float = EXPECTATIONS_TTL) -> None:
        self.ttl = ttl
        self._records: dict[str, _Record] = {}

    def satisfied(self, key: str) -> bool:
        record = self._records.get(key)
        if record is None:
            return True
        if record.adds <= 0 and not record.deletions:
            return True
        return time.monotonic() - record.timestamp > self.ttl

    def expect(self, key: str, *, adds: int = 0, deletions: Iterable[str] = ()) -> None:
        """Replace the record of `key` (a sync expects only what it just asked for)."""
        self._records[key] = _Record(adds, set(deletions))

    def creation_observed(self, key: str, count: int = 1) -> None:
        record = self._records.get(key)
        if record is not None:
            record.adds -= count

    def deletion_observed(self, key: str, pod_key: str) -> None:
        record = self._records.get(key)
        if record is not None:
            record.deletions.discard(pod_key)

    def forget(self, key: str) -> None:
        self._records.pop(key, None)
