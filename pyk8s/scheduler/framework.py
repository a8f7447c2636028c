"""The scheduling framework: extension points, plugin results, profiles.

A scheduling cycle for one pod runs plugins at fixed extension points, as
kube-scheduler's framework does:

    PreEnqueue  pre_enqueue(pod)            may the pod be queued at all?
    QueueSort   less(a, b)                  orders the scheduling queue
    PreFilter   pre_filter(state, pod)      computes cluster-wide state once per pod
    Filter      filter(state, pod, node)    can the pod run on this node? (reasons if not)
    PostFilter  post_filter(state, pod, statuses)   nothing fits: preemption
    Score       score(state, pod, node)     0..100, how good is this node
                normalize(state, pod, scores)       rescale a plugin's scores in place
    Bind        bind(pod, node)             tell the API server

A plugin is a class with a unique `name` that implements any of those
methods; the framework sorts plugins into extension points by the methods
they have. `events` names the cluster changes that may make a pod this
plugin rejected schedulable again, so the queue retries only such pods.

Results are `Status` values: `None` means success; `Status(UNSCHEDULABLE,
reasons)` means "not here", and `UNRESOLVABLE` means "not here, and evicting
pods would not help" (preemption skips such nodes). The reasons are the
short phrases that `FitError` counts into the message people read:
`0/3 nodes are available: 1 node(s) had untolerated taint {k: v}, 2
Insufficient cpu.`

Each phase except PostFilter and Bind is synchronous: in one event loop
nothing can change the cache while a pod is filtered and scored, so the
cache itself is the cycle's snapshot.

A `Profile` is a scheduler name with the plugins it enables (by registry
name) and the weights of their scores; pods choose one by `spec.schedulerName`.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from pyk8s.scheduler.nodeinfo import NodeInfo, PodInfo

if TYPE_CHECKING:
    from pyk8s.client import APIClient, EventRecorder
    from pyk8s.scheduler.cache import SchedulerCache
    from pyk8s.scheduler.queue import QueuedPod

MAX_NODE_SCORE = 100


class Code(enum.IntEnum):
    ERROR = 1
    UNSCHEDULABLE = 2
    UNRESOLVABLE = 3  # UnschedulableAndUnresolvable: preemption cannot help
    SKIP = 4  # PreFilter: this plugin has nothing to check for this pod


@dataclass(frozen=True, slots=True)
class Status:
    code: Code
    reasons: tuple[str, ...] = ()
    plugin: str = ""

    @property
    def message(self) -> str:
        return ", ".join(self.reasons)


def unschedulable(*reasons: str) -> Status:
    return Status(Code.UNSCHEDULABLE, reasons)


def unresolvable(*reasons: str) -> Status:
    return Status(Code.UNRESOLVABLE, reasons)


SKIP = Status(Code.SKIP)


class CycleState(dict[str, Any]):
    """Per-cycle scratch space; PreFilter and PreScore leave data here for Filter/Score."""


# Cluster events that can make a rejected pod schedulable (see `Plugin.events`).
NODE_ADD, NODE_UPDATE = "NodeAdd", "NodeUpdate"
POD_ADD, POD_UPDATE, POD_DELETE = "AssignedPodAdd", "AssignedPodUpdate", "AssignedPodDelete"
NAMESPACE_CHANGE = "NamespaceChange"


class Plugin:
    name: ClassVar[str]
    events: ClassVar[frozenset[str]] = frozenset({NODE_ADD, NODE_UPDATE})

    def __init__(self, handle: Handle) -> None:
        self.handle = handle


class Handle(Protocol):
    """What plugins may reach: the cache, and the API for the few that write."""

    @property
    def cache(self) -> SchedulerCache: ...

    @property
    def client(self) -> APIClient: ...

    @property
    def recorder(self) -> EventRecorder: ...

    @property
    def profile(self) -> Profile: ...


@runtime_checkable
class PreEnqueuePlugin(Protocol):
    name: ClassVar[str]

    def pre_enqueue(self, pod: PodInfo) -> Status | None: ...


@runtime_checkable
class QueueSortPlugin(Protocol):
    name: ClassVar[str]

    def less(self, a: QueuedPod, b: QueuedPod) -> bool: ...


@runtime_checkable
class PreFilterPlugin(Protocol):
    name: ClassVar[str]

    def pre_filter(self, state: CycleState, pod: PodInfo) -> Status | None: ...


@runtime_checkable
class FilterPlugin(Protocol):
    name: ClassVar[str]

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None: ...


@runtime_checkable
class PostFilterPlugin(Protocol):
    name: ClassVar[str]

    async def post_filter(self, state: CycleState, pod: PodInfo,
                          statuses: Mapping[str, Status]) -> tuple[str, Status | None]: ...


@runtime_checkable
class PreScorePlugin(Protocol):
    name: ClassVar[str]

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]
                  ) -> Status | None: ...


@runtime_checkable
class ScorePlugin(Protocol):
    name: ClassVar[str]

    def score(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> int: ...


@runtime_checkable
class NormalizeScorePlugin(Protocol):
    name: ClassVar[str]

    def normalize(self, state: CycleState, pod: PodInfo, scores: dict[str, int]) -> None: ...


@runtime_checkable
class BindPlugin(Protocol):
    name: ClassVar[str]

    async def bind(self, pod: PodInfo, node_name: str) -> Status | None: ...


def default_normalize(scores: dict[str, int], *, reverse: bool = False) -> None:
    """Scale scores so the largest is MAX_NODE_SCORE (reversed: the smallest)."""
    top = max(scores.values(), default=0)
    if top == 0:
        if reverse:
            for name in scores:
                scores[name] = MAX_NODE_SCORE
        return
    for name, s in scores.items():
        s = MAX_NODE_SCORE * s // top
        scores[name] = MAX_NODE_SCORE - s if reverse else s


DEFAULT_PLUGINS = (
    "SchedulingGates", "PrioritySort", "NodeUnschedulable", "NodeName", "TaintToleration",
    "NodeAffinity", "NodePorts", "NodeResourcesFit", "PodTopologySpread", "InterPodAffinity",
    "DefaultPreemption", "NodeResourcesBalancedAllocation", "DefaultBinder",
)
DEFAULT_WEIGHTS = {"TaintToleration": 3, "NodeAffinity": 2, "PodTopologySpread": 2,
                   "InterPodAffinity": 2, "NodeResourcesFit": 1,
                   "NodeResourcesBalancedAllocation": 1}


@dataclass(frozen=True)
class Profile:
    scheduler_name: str = "default-scheduler"
    plugins: tuple[str, ...] = DEFAULT_PLUGINS
    score_weights: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    # 0: adaptive, as kube-scheduler (all nodes up to 100, then 50% falling to 5%).
    percentage_of_nodes_to_score: int = 0


class FitError(Exception):
    """No node fits: the message counts each reason over the nodes that gave it."""

    def __init__(self, pod: PodInfo, num_nodes: int, statuses: Mapping[str, Status],
                 pre_filter: Status | None = None) -> None:
        self.pod = pod
        self.num_nodes = num_nodes
        self.statuses = statuses
        self.pre_filter = pre_filter
        self.post_filter_message = ""
        super().__init__()

    @property
    def plugins(self) -> set[str]:
        """The plugins that rejected the pod somewhere."""
        found = {s.plugin for s in self.statuses.values()}
        if self.pre_filter is not None:
            found.add(self.pre_filter.plugin)
        return found

    def __str__(self) -> str:
        msg = f"0/{self.num_nodes} nodes are available:"
        if self.pre_filter is not None:
            msg += f" {self.pre_filter.message}."
        else:
            counted = histogram(r for s in self.statuses.values() for r in s.reasons)
            if counted:
                msg += f" {counted}."
        if self.post_filter_message:
            msg += f" {self.post_filter_message}"
            if not msg.endswith("."):
                msg += "."
        return msg


def histogram(reasons: Iterable[str]) -> str:
    """`1 node(s) ..., 2 Insufficient cpu`: each reason with its count, sorted as text."""
    counts: Counter[str] = Counter(reasons)
    return ", ".join(sorted(f"{n} {reason}" for reason, n in counts.items()))
