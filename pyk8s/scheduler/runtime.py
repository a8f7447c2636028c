"""`Framework`: one profile's plugins, run for one pod over the cached nodes.

`schedule(state, pod)` is the synchronous part of a scheduling cycle:

1. PreFilter plugins compute what their filters need (or SKIP: their
   filters then do not run for this pod); one that rejects the pod rejects
   it on every node.
2. Filter plugins run node by node, in a rotating order, and the first that
   rejects a node gives its reason. On a large cluster the search stops once
   enough feasible nodes are found, as kube-scheduler's
   `percentageOfNodesToScore`: every node below 100 nodes; above, 50% minus
   1% per 125 nodes, at least 5% and never under 100 nodes. The next pod
   starts where this one stopped, so all nodes get their turn.
3. PreScore and Score plugins rate the feasible nodes 0..100; each plugin's
   scores are normalized, weighted by the profile and summed; the best node
   wins, ties broken at random.

No feasible node raises `FitError`, which carries every node's status for
the PostFilter (preemption) and the event message. The framework is also
the `Handle` its plugins see.
"""

from __future__ import annotations

import dataclasses
import random
from typing import TYPE_CHECKING

from pyk8s.scheduler.framework import (
    SKIP,
    BindPlugin,
    CycleState,
    FilterPlugin,
    FitError,
    NormalizeScorePlugin,
    Plugin,
    PostFilterPlugin,
    PreEnqueuePlugin,
    PreFilterPlugin,
    PreScorePlugin,
    Profile,
    QueueSortPlugin,
    ScorePlugin,
    Status,
)
from pyk8s.scheduler.nodeinfo import NodeInfo, PodInfo

if TYPE_CHECKING:
    from pyk8s.client import APIClient, EventRecorder
    from pyk8s.scheduler.cache import SchedulerCache

MIN_FEASIBLE_NODES = 100
MIN_PERCENTAGE = 5


class NoNodesAvailable(Exception):
    def __str__(self) -> str:
        return "no nodes available to schedule pods"


def nodes_to_find(total: int, percentage: int = 0) -> int:
    """How many feasible nodes to look for among `total` (see the module docstring)."""
    if total < MIN_FEASIBLE_NODES:
        return total
    if percentage <= 0:
        percentage = max(50 - total // 125, MIN_PERCENTAGE)
    return min(total, max(total * percentage // 100, MIN_FEASIBLE_NODES))


class Framework:
    def __init__(self, profile: Profile, *, cache: SchedulerCache, client: APIClient,
                 recorder: EventRecorder) -> None:
        from pyk8s.scheduler.plugins import REGISTRY

        unknown = [name for name in profile.plugins if name not in REGISTRY]
        if unknown:
            raise ValueError(f"profile {profile.scheduler_name!r}: unknown plugins {unknown}")
        self._profile = profile
        self._cache = cache
        self._client = client
        self._recorder = recorder
        self.plugins: list[Plugin] = [REGISTRY[name](self) for name in profile.plugins]
        sorts = [p for p in self.plugins if isinstance(p, QueueSortPlugin)]
        if len(sorts) != 1:
            raise ValueError(f"profile {profile.scheduler_name!r} needs one QueueSort plugin")
        self.queue_sort: QueueSortPlugin = sorts[0]
        self.pre_enqueues = [p for p in self.plugins if isinstance(p, PreEnqueuePlugin)]
        self.pre_filters = [p for p in self.plugins if isinstance(p, PreFilterPlugin)]
        self.filters = [p for p in self.plugins if isinstance(p, FilterPlugin)]
        self.post_filters = [p for p in self.plugins if isinstance(p, PostFilterPlugin)]
        self.pre_scores = [p for p in self.plugins if isinstance(p, PreScorePlugin)]
        self.scores = [(p, profile.score_weights.get(p.name, 1)) for p in self.plugins
                       if isinstance(p, ScorePlugin)]
        self.binders = [p for p in self.plugins if isinstance(p, BindPlugin)]
        if not self.binders:
            raise ValueError(f"profile {profile.scheduler_name!r} needs a Bind plugin")
        self._next_start = 0

    # Handle -------------------------------------------------------------------------

    @property
    def cache(self) -> SchedulerCache:
        return self._cache

    @property
    def client(self) -> APIClient:
        return self._client

    @property
    def recorder(self) -> EventRecorder:
        return self._recorder

    @property
    def profile(self) -> Profile:
        return self._profile

    def interested(self, event: str) -> frozenset[str]:
        return frozenset(p.name for p in self.plugins if event in p.events)

    def pre_enqueue(self, pod: PodInfo) -> Status | None:
        """Why the pod may not be queued yet (None: it may)."""
        for p in self.pre_enqueues:
            status = p.pre_enqueue(pod)
            if status is not None:
                return dataclasses.replace(status, plugin=p.name)
        return None

    # The cycle ------------------------------------------------------------------------

    def schedule(self, state: CycleState, pod: PodInfo) -> str:
        cache = self._cache
        order = cache.node_order
        total = len(order)
        if total == 0:
            raise NoNodesAvailable()
        skipped: set[str] = set()
        for p in self.pre_filters:
            status = p.pre_filter(state, pod)
            if status is SKIP:
                skipped.add(p.name)
            elif status is not None:
                status = dataclasses.replace(status, plugin=p.name)
                raise FitError(pod, total, {name: status for name in order}, pre_filter=status)
        filters: list[FilterPlugin] = [f for f in self.filters if f.name not in skipped]
        state["filters"] = filters
        checks = [(f.name, f.filter) for f in filters]

        wanted = nodes_to_find(total, self._profile.percentage_of_nodes_to_score)
        feasible: list[NodeInfo] = []
        statuses: dict[str, Status] = {}
        start = self._next_start % total
        processed = 0
        nominated = cache.nominated
        for i in range(total):
            name = order[(start + i) % total]
            node = cache.nodes[name]
            processed += 1
            view = cache.with_nominated(node, pod) if nominated else node
            for plugin, check in checks:
                status = check(state, pod, view)
                if status is not None:
                    statuses[name] = dataclasses.replace(status, plugin=plugin)
                    break
            else:
                feasible.append(node)
                if len(feasible) >= wanted:
                    break
        self._next_start = (start + processed) % total
        if not feasible:
            raise FitError(pod, total, statuses)
        if len(feasible) == 1:
            return feasible[0].name
        return self._select(self._prioritize(state, pod, feasible))

    def _prioritize(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]
                    ) -> dict[str, int]:
        skipped = {p.name for p in self.pre_scores if p.pre_score(state, pod, nodes) is SKIP}
        totals = dict.fromkeys((n.name for n in nodes), 0)
        for plugin, weight in self.scores:
            if plugin.name in skipped:
                continue
            scores = {n.name: plugin.score(state, pod, n) for n in nodes}
            if isinstance(plugin, NormalizeScorePlugin):
                plugin.normalize(state, pod, scores)
            for name, s in scores.items():
                totals[name] += s * weight
        return totals

    @staticmethod
    def _select(totals: dict[str, int]) -> str:
        best = max(totals.values())
        return random.choice([name for name, s in totals.items() if s == best])

    async def post_filter(self, state: CycleState, pod: PodInfo, error: FitError
                          ) -> tuple[str, Status | None]:
        """Run PostFilter plugins until one finds a node; (nominated node, last status)."""
        last: Status | None = None
        for p in self.post_filters:
            node, last = await p.post_filter(state, pod, error.statuses)
            if node:
                return node, None
        return "", last

    async def bind(self, pod: PodInfo, node_name: str) -> Status | None:
        return await self.binders[0].bind(pod, node_name)
