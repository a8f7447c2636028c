"""InterPodAffinity: pod affinity and anti-affinity by topology domain.

A term names pods (label selector, namespaces or a namespace selector) and
a topology key; a domain is one value of that node label (one node for
`kubernetes.io/hostname`, a zone for `topology.kubernetes.io/zone`).

PreFilter counts, per (topology key, value):
- existing pods whose required anti-affinity matches the incoming pod;
- pods matching all of the incoming pod's required affinity terms;
- pods matching each of its required anti-affinity terms.
Filter then rejects a node in a domain where an existing pod's
anti-affinity forbids the pod, where the pod's own anti-affinity finds a
match, or (affinity) where no matching pod runs, unless no pod anywhere
matches and the pod matches its own terms (the first of a group may go
anywhere).

Score (preferred terms, both ways): each existing pod matching one of the
incoming pod's preferred terms adds the term's weight to its domain
(anti-affinity subtracts); so do existing pods' preferred terms that match
the incoming pod. A node scores its domains' sum, rescaled min..max to 0..100.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from pyk8s.scheduler.framework import (
    MAX_NODE_SCORE,
    NAMESPACE_CHANGE,
    NODE_ADD,
    NODE_UPDATE,
    POD_ADD,
    POD_DELETE,
    POD_UPDATE,
    SKIP,
    CycleState,
    Plugin,
    Status,
    unresolvable,
    unschedulable,
)
from pyk8s.scheduler.nodeinfo import NodeInfo, PodInfo

AFFINITY = "node(s) didn't match pod affinity rules"
ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules"
EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"
HARD_AFFINITY_WEIGHT = 1  # what an existing pod's required affinity adds when scoring

Domain = tuple[str, str]


@dataclass
class _FilterState:
    existing_anti: Counter[Domain] = field(default_factory=Counter)
    affinity: Counter[Domain] = field(default_factory=Counter)
    anti: Counter[Domain] = field(default_factory=Counter)
    matches_own_affinity: bool = False


class InterPodAffinity(Plugin):
    name = "InterPodAffinity"
    events = frozenset({NODE_ADD, NODE_UPDATE, POD_ADD, POD_UPDATE, POD_DELETE,
                        NAMESPACE_CHANGE})

    def pre_filter(self, state: CycleState, pod: PodInfo) -> Status | None:
        cache = self.handle.cache
        ns = cache.namespace_labels
        s = _FilterState()
        for name in cache.nodes_with_required_anti_affinity:
            node = cache.nodes[name]
            for key in node.with_required_anti_affinity:
                for term in node.pods[key].anti_affinity:
                    value = node.labels.get(term.topology_key)
                    if value is not None and term.matches(pod, ns):
                        s.existing_anti[(term.topology_key, value)] += 1
        if pod.affinity or pod.anti_affinity:
            for node in cache.nodes.values():
                for other in node.pods.values():
                    if pod.affinity and all(t.matches(other, ns) for t in pod.affinity):
                        for t in pod.affinity:
                            value = node.labels.get(t.topology_key)
                            if value is not None:
                                s.affinity[(t.topology_key, value)] += 1
                    for t in pod.anti_affinity:
                        value = node.labels.get(t.topology_key)
                        if value is not None and t.matches(other, ns):
                            s.anti[(t.topology_key, value)] += 1
        if not (s.existing_anti or pod.affinity or pod.anti_affinity):
            return SKIP
        s.matches_own_affinity = all(t.matches(pod, ns) for t in pod.affinity)
        state[self.name] = s
        return None

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        s: _FilterState | None = state.get(self.name)
        if s is None:
            return None
        labels = node.labels
        if pod.affinity:
            if not s.affinity and s.matches_own_affinity:
                # No pod matches anywhere yet: the first of the group may start it,
                # on any node that has the topology labels.
                if not all(t.topology_key in labels for t in pod.affinity):
                    return unresolvable(AFFINITY)
            else:
                for t in pod.affinity:
                    value = labels.get(t.topology_key)
                    if value is None or not s.affinity.get((t.topology_key, value)):
                        return unresolvable(AFFINITY)
        for t in pod.anti_affinity:
            value = labels.get(t.topology_key)
            if value is not None and s.anti.get((t.topology_key, value)):
                return unschedulable(ANTI_AFFINITY)
        if s.existing_anti and any(s.existing_anti.get(item) for item in labels.items()):
            return unschedulable(EXISTING_ANTI_AFFINITY)
        return None

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]
                  ) -> Status | None:
        cache = self.handle.cache
        ns = cache.namespace_labels
        scores: Counter[Domain] = Counter()
        preferred = [(t, t.weight) for t in pod.preferred_affinity] + \
            [(t, -t.weight) for t in pod.preferred_anti_affinity]
        if preferred:
            for node in cache.nodes.values():
                for other in node.pods.values():
                    for t, weight in preferred:
                        value = node.labels.get(t.topology_key)
                        if value is not None and t.matches(other, ns):
                            scores[(t.topology_key, value)] += weight
        for name in cache.nodes_with_affinity:
            node = cache.nodes[name]
            for key in node.with_affinity:
                other = node.pods[key]
                for t, weight in [*((t, HARD_AFFINITY_WEIGHT) for t in other.affinity),
                                  *((t, t.weight) for t in other.preferred_affinity),
                                  *((t, -t.weight) for t in other.preferred_anti_affinity)]:
                    value = node.labels.get(t.topology_key)
                    if value is not None and t.matches(pod, ns):
                        scores[(t.topology_key, value)] += weight
        if not scores:
            return SKIP
        state[f"{self.name}/score"] = scores
        return None

    def score(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> int:
        scores: Counter[Domain] | None = state.get(f"{self.name}/score")
        if not scores:
            return 0
        return sum(scores.get(item, 0) for item in node.labels.items())

    def normalize(self, state: CycleState, pod: PodInfo, scores: dict[str, int]) -> None:
        if not scores:
            return
        low, high = min(scores.values()), max(scores.values())
        for name, s in scores.items():
            scores[name] = MAX_NODE_SCORE * (s - low) // (high - low) if high > low else 0
