"""What the scheduler knows about one pod and one node, computed once per object.

`PodInfo` wraps a pod dict with what plugins ask of it again and again:
its priority, its resource requests (the Kubernetes formula, below), host
ports, and its inter-pod affinity terms with their label selectors already
parsed. It is built once per pod version, so a filter that runs on 5,000
nodes parses nothing.

`NodeInfo` is a node with the pods assigned to it: allocatable resources,
what those pods request (twice: as requested, and with the defaults that
scoring uses for containers that request nothing), the host ports they hold,
and which of them carry affinity terms. `clone()` gives preemption a copy to
remove victims from.

A pod's effective request is, per resource, the larger of
- the sum over its app containers plus its restartable ("sidecar") init
  containers, and
- the largest need of any init container, where a regular init container
  needs its own request plus the sidecars started before it,
plus `spec.overhead`. CPU is counted in millicores, everything else in units.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pyk8s.api.resources._quantity import parse_quantity
from pyk8s.api.selectors import LabelSelector, selector_from_object

Obj = dict[str, Any]

CPU, MEMORY, PODS, EPHEMERAL = "cpu", "memory", "pods", "ephemeral-storage"
# Scoring counts a container that requests nothing as if it asked for this much.
DEFAULT_MILLI_CPU = 100
DEFAULT_MEMORY = 200 * 1024 * 1024
TERMINAL_PHASES = ("Succeeded", "Failed")


def amount(name: str, quantity: Any) -> int:
    """A quantity in the scheduler's integer units (millicores for cpu)."""
    value = parse_quantity(quantity)
    if value is None:
        return 0
    return math.ceil(value * 1000) if name == CPU else math.ceil(value)


def resource_list(resources: Any) -> dict[str, int]:
    if not isinstance(resources, dict):
        return {}
    return {name: amount(name, q) for name, q in resources.items()}


def _add(into: dict[str, int], more: dict[str, int]) -> None:
    for name, value in more.items():
        into[name] = into.get(name, 0) + value


def _max(into: dict[str, int], other: dict[str, int]) -> None:
    for name, value in other.items():
        if value > into.get(name, 0):
            into[name] = value


def pod_requests(spec: Obj, *, non_zero: bool = False) -> dict[str, int]:
    """The pod's effective requests (see the module docstring).

    With `non_zero`, containers without a cpu or memory request count the
    scoring defaults instead.
    """

    def of(container: Obj) -> dict[str, int]:
        req = resource_list((container.get("resources") or {}).get("requests"))
        if non_zero:
            req.setdefault(CPU, DEFAULT_MILLI_CPU)
            req.setdefault(MEMORY, DEFAULT_MEMORY)
            req[CPU] = req[CPU] or DEFAULT_MILLI_CPU
            req[MEMORY] = req[MEMORY] or DEFAULT_MEMORY
        return req

    total: dict[str, int] = {}
    for c in spec.get("containers") or []:
        _add(total, of(c))
    sidecars: dict[str, int] = {}
    init_need: dict[str, int] = {}
    for c in spec.get("initContainers") or []:
        need = of(c)
        if c.get("restartPolicy") == "Always":
            _add(total, need)
            _add(sidecars, need)
            need = dict(sidecars)
        else:
            _add(need, sidecars)
        _max(init_need, need)
    _max(total, init_need)
    _add(total, resource_list(spec.get("overhead")))
    return total


@dataclass(frozen=True, slots=True)
class AffinityTerm:
    """A pod (anti-)affinity term: which pods, in which namespaces, per which topology."""

    selector: LabelSelector
    namespaces: frozenset[str]
    namespace_selector: LabelSelector | None  # None: only `namespaces`
    topology_key: str
    weight: int = 0

    def matches(self, pod: PodInfo, namespace_labels: dict[str, dict[str, str]]) -> bool:
        if pod.namespace not in self.namespaces and (
                self.namespace_selector is None
                or not self.namespace_selector.matches(namespace_labels.get(pod.namespace))):
            return False
        return self.selector.matches(pod.labels)


def _terms(pod: Obj, kind: str, which: str) -> list[AffinityTerm]:
    namespace = (pod.get("metadata") or {}).get("namespace", "")
    block = ((pod.get("spec") or {}).get("affinity") or {}).get(kind) or {}
    out = []
    for entry in block.get(which) or []:
        weight = 0
        if which.startswith("preferred"):
            weight = int(entry.get("weight") or 0)
            entry = entry.get("podAffinityTerm") or {}
        namespaces = frozenset(entry.get("namespaces") or ())
        ns_sel_obj = entry.get("namespaceSelector")
        ns_selector = None if ns_sel_obj is None else selector_from_object(ns_sel_obj)
        if not namespaces and ns_selector is None:
            namespaces = frozenset((namespace,))
        selector = selector_from_object(entry.get("labelSelector"))
        keys = entry.get("matchLabelKeys") or []
        labels = (pod.get("metadata") or {}).get("labels") or {}
        if keys:
            selector = selector.add(*selector_from_object(
                {"matchLabels": {k: labels[k] for k in keys if k in labels}}).requirements)
        out.append(AffinityTerm(selector, namespaces, ns_selector,
                                str(entry.get("topologyKey") or ""), weight))
    return out


REQUIRED = "requiredDuringSchedulingIgnoredDuringExecution"
PREFERRED = "preferredDuringSchedulingIgnoredDuringExecution"


class PodInfo:
    """A pod and what the scheduler derives from it (treat as read-only)."""

    __slots__ = ("affinity", "anti_affinity", "host_ports", "key", "labels", "name",
                 "namespace", "node_name", "non_zero", "pod", "preferred_affinity",
                 "preferred_anti_affinity", "priority", "requests", "uid")

    def __init__(self, pod: Obj) -> None:
        md = pod.get("metadata") or {}
        spec = pod.get("spec") or {}
        self.pod = pod
        self.name: str = md.get("name", "")
        self.namespace: str = md.get("namespace", "")
        self.key = f"{self.namespace}/{self.name}"
        self.uid: str = md.get("uid", "")
        self.labels: dict[str, str] = md.get("labels") or {}
        self.node_name: str = spec.get("nodeName") or ""
        self.priority = int(spec.get("priority") or 0)
        self.requests = pod_requests(spec)
        nz = pod_requests(spec, non_zero=True)
        self.non_zero = (nz.get(CPU, 0), nz.get(MEMORY, 0))
        self.host_ports: list[tuple[str, str, int]] = [
            (p.get("hostIP") or "0.0.0.0", p.get("protocol") or "TCP", int(p["hostPort"]))
            for c in spec.get("containers") or [] for p in c.get("ports") or []
            if p.get("hostPort")]
        self.affinity = _terms(pod, "podAffinity", REQUIRED)
        self.anti_affinity = _terms(pod, "podAntiAffinity", REQUIRED)
        self.preferred_affinity = _terms(pod, "podAffinity", PREFERRED)
        self.preferred_anti_affinity = _terms(pod, "podAntiAffinity", PREFERRED)

    @property
    def has_affinity(self) -> bool:
        return bool(self.affinity or self.anti_affinity or self.preferred_affinity
                    or self.preferred_anti_affinity)

    @property
    def terminating(self) -> bool:
        return bool((self.pod.get("metadata") or {}).get("deletionTimestamp"))

    def with_node(self, node_name: str) -> PodInfo:
        """This pod as assumed onto a node (before the binding is seen)."""
        spec = {**(self.pod.get("spec") or {}), "nodeName": node_name}
        return PodInfo({**self.pod, "spec": spec})

    def __repr__(self) -> str:
        return f"<PodInfo {self.key}>"


@dataclass
class NodeInfo:
    """A node and the pods assigned to it, with their sums."""

    node: Obj
    pods: dict[str, PodInfo] = field(default_factory=dict)
    requested: dict[str, int] = field(default_factory=dict)
    non_zero_cpu: int = 0
    non_zero_memory: int = 0
    used_ports: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    with_affinity: set[str] = field(default_factory=set)  # keys of pods with affinity terms
    with_required_anti_affinity: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.set_node(self.node)

    def set_node(self, node: Obj) -> None:
        self.node = node
        md = node.get("metadata") or {}
        spec = node.get("spec") or {}
        status = node.get("status") or {}
        self.name: str = md.get("name", "")
        self.labels: dict[str, str] = md.get("labels") or {}
        self.taints: list[Obj] = spec.get("taints") or []
        self.unschedulable = bool(spec.get("unschedulable"))
        self.allocatable = resource_list(status.get("allocatable") or status.get("capacity"))

    def add_pod(self, p: PodInfo) -> None:
        if p.key in self.pods:
            self.remove_pod(p.key)
        self.pods[p.key] = p
        _add(self.requested, p.requests)
        self.non_zero_cpu += p.non_zero[0]
        self.non_zero_memory += p.non_zero[1]
        self.used_ports.update(p.host_ports)
        if p.has_affinity:
            self.with_affinity.add(p.key)
        if p.anti_affinity:
            self.with_required_anti_affinity.add(p.key)

    def remove_pod(self, key: str) -> PodInfo | None:
        p = self.pods.pop(key, None)
        if p is None:
            return None
        for name, value in p.requests.items():
            self.requested[name] = self.requested.get(name, 0) - value
        self.non_zero_cpu -= p.non_zero[0]
        self.non_zero_memory -= p.non_zero[1]
        self.used_ports.subtract(p.host_ports)
        self.used_ports += Counter()  # drop ports no longer held
        self.with_affinity.discard(key)
        self.with_required_anti_affinity.discard(key)
        return p

    def clone(self) -> NodeInfo:
        copy = NodeInfo(self.node)
        for p in self.pods.values():
            copy.add_pod(p)
        return copy

    def __repr__(self) -> str:
        return f"<NodeInfo {self.name} pods={len(self.pods)}>"
