"""Prometheus metrics at /metrics, named as kube-apiserver names them.

- `apiserver_request_total{verb,resource,code}` and
  `apiserver_request_duration_seconds{verb,resource}` (histogram);
- `apiserver_longrunning_requests{verb="WATCH",resource}`: open watches;
- `etcd_request_duration_seconds{operation}`: datastore latency, whichever
  backend (the name Kubernetes uses for its store).

A few dictionaries of numbers; rendering happens only when scraped.
"""

from __future__ import annotations

import bisect
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

from pyk8s.storage.interface import Datastore, KeyValue, ListResult, WatchEvent

BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
           10.0, 30.0, 60.0)


class Histogram:
    def __init__(self) -> None:
        self.counts: dict[tuple[str, ...], list[int]] = {}
        self.sums: dict[tuple[str, ...], float] = defaultdict(float)

    def observe(self, labels: tuple[str, ...], seconds: float) -> None:
        counts = self.counts.get(labels)
        if counts is None:
            counts = self.counts[labels] = [0] * (len(BUCKETS) + 1)
        counts[bisect.bisect_left(BUCKETS, seconds)] += 1
        self.sums[labels] += seconds

    def render(self, name: str, label_names: tuple[str, ...]) -> list[str]:
        lines = [f"# TYPE {name} histogram"]
        for labels, counts in sorted(self.counts.items()):
            base = ",".join(f'{k}="{v}"' for k, v in zip(label_names, labels, strict=True))
            total = 0
            for bound, n in zip((*BUCKETS, float("inf")), counts, strict=True):
                total += n
                le = "+Inf" if bound == float("inf") else repr(bound)
                lines.append(f'{name}_bucket{{{base},le="{le}"}} {total}')
            lines.append(f"{name}_sum{{{base}}} {self.sums[labels]:.6f}")
            lines.append(f"{name}_count{{{base}}} {total}")
        return lines


class Gauge:
    def __init__(self) -> None:
        self.values: dict[str, int] = defaultdict(int)

    def inc(self, label: str) -> None:
        self.values[label] += 1

    def dec(self, label: str) -> None:
        self.values[label] -= 1


class Metrics:
    def __init__(self) -> None:
        self.requests: dict[tuple[str, str, str], int] = defaultdict(int)
        self.request_duration = Histogram()
        self.watchers = Gauge()
        self.datastore = Histogram()

    def observe_request(self, verb: str, resource: str, code: int, seconds: float) -> None:
        self.requests[(verb, resource, str(code))] += 1
        if verb != "WATCH":
            self.request_duration.observe((verb, resource), seconds)

    def render(self) -> str:
        lines = ["# TYPE apiserver_request_total counter"]
        for (verb, resource, code), n in sorted(self.requests.items()):
            lines.append(
                f'apiserver_request_total{{verb="{verb}",resource="{resource}",code="{code}"}} {n}'
            )
        lines += self.request_duration.render("apiserver_request_duration_seconds",
                                              ("verb", "resource"))
        lines.append("# TYPE apiserver_longrunning_requests gauge")
        for resource, n in sorted(self.watchers.values.items()):
            lines.append(f'apiserver_longrunning_requests{{verb="WATCH",resource="{resource}"}} '
                         f"{n}")
        lines += self.datastore.render("etcd_request_duration_seconds", ("operation",))
        return "\n".join(lines) + "\n"


METRICS = Metrics()


class TimedDatastore:
    """A Datastore wrapper that records each operation's latency."""

    def __init__(self, inner: Datastore) -> None:
        self.inner = inner

    def _observe(self, op: str, start: float) -> None:
        METRICS.datastore.observe((op,), time.perf_counter() - start)

    async def start(self) -> None:
        await self.inner.start()

    async def close(self) -> None:
        await self.inner.close()

    async def current_revision(self) -> int:
        return await self.inner.current_revision()

    async def get(self, key: str) -> KeyValue | None:
        t = time.perf_counter()
        try:
            return await self.inner.get(key)
        finally:
            self._observe("get", t)

    async def list(self, prefix: str, **kwargs: Any) -> ListResult:
        t = time.perf_counter()
        try:
            return await self.inner.list(prefix, **kwargs)
        finally:
            self._observe("list", t)

    async def create(self, key: str, value: bytes) -> int:
        t = time.perf_counter()
        try:
            return await self.inner.create(key, value)
        finally:
            self._observe("create", t)

    async def update(self, key: str, value: bytes, expected_revision: int) -> int:
        t = time.perf_counter()
        try:
            return await self.inner.update(key, value, expected_revision)
        finally:
            self._observe("update", t)

    async def delete(self, key: str, expected_revision: int = 0) -> KeyValue:
        t = time.perf_counter()
        try:
            return await self.inner.delete(key, expected_revision)
        finally:
            self._observe("delete", t)

    def watch(self, prefix: str, from_revision: int) -> AsyncIterator[WatchEvent]:
        return self.inner.watch(prefix, from_revision)

    async def compact(self, revision: int) -> None:
        await self.inner.compact(revision)

    async def compacted_revision(self) -> int:
        return await self.inner.compacted_revision()
