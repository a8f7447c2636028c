"""PodTopologySpread: keep matching pods evenly spread over topology domains.

Each `topologySpreadConstraint` names a topology key (a node label), a
label selector (plus `matchLabelKeys`) over pods in the pod's namespace,
and `maxSkew`. Domains are the key's values on the nodes that count: those
matching the pod's node affinity/selector (`nodeAffinityPolicy: Honor`,
the default) and, with `nodeTaintsPolicy: Honor`, whose taints the pod
tolerates; nodes lacking any of the constraints' keys do not count.
Terminating pods do not count.

Filter (`whenUnsatisfiable: DoNotSchedule`): placing the pod on the node
must keep (pods in the node's domain + 1 if the pod itself matches) minus
(the smallest domain, or 0 while there are fewer than `minDomains`
domains) at most maxSkew. A node without the key is rejected for good.

Score (`ScheduleAnyway`): a node's score is the matching pods in its
domains, each constraint weighted by log(domains + 2), plus maxSkew - 1;
fewer is better, so scores are flipped to 0..100. Nodes lacking a key
score 0. Pods that state no constraints get the system defaults when they
belong to a controller: spread by hostname (maxSkew 3) and zone (maxSkew
5), ScheduleAnyway, over the pods of the same controller.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from pyk8s.api.selectors import selector_from_object
from pyk8s.scheduler.framework import (
    MAX_NODE_SCORE,
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
from pyk8s.scheduler.matching import required_node_affinity, untolerated
from pyk8s.scheduler.nodeinfo import NodeInfo, PodInfo

REASON = "node(s) didn't match pod topology spread constraints"
MISSING_LABEL = "node(s) didn't match pod topology spread constraints (missing required label)"
HOSTNAME = "kubernetes.io/hostname"
ZONE = "topology.kubernetes.io/zone"
SYSTEM_DEFAULTS = ((HOSTNAME, 3), (ZONE, 5))


@dataclass(frozen=True)
class Constraint:
    max_skew: int
    topology_key: str
    hard: bool
    selects: Callable[[PodInfo], bool]
    min_domains: int = 1
    honor_affinity: bool = True
    honor_taints: bool = False


def _constraints(pod: PodInfo) -> list[Constraint]:
    spec = pod.pod["spec"]
    out = []
    for c in spec.get("topologySpreadConstraints") or []:
        selector = selector_from_object(c.get("labelSelector"))
        keys = c.get("matchLabelKeys") or []
        if keys:
            selector = selector.add(*selector_from_object(
                {"matchLabels": {k: pod.labels[k] for k in keys if k in pod.labels}}
            ).requirements)
        out.append(Constraint(
            int(c.get("maxSkew") or 1), str(c.get("topologyKey") or ""),
            c.get("whenUnsatisfiable", "DoNotSchedule") == "DoNotSchedule",
            lambda p, sel=selector: sel.matches(p.labels),  # type: ignore[misc]
            int(c.get("minDomains") or 1),
            c.get("nodeAffinityPolicy", "Honor") == "Honor",
            c.get("nodeTaintsPolicy", "Ignore") == "Honor"))
    if out:
        return out
    owner = next((ref.get("uid") for ref in pod.pod["metadata"].get("ownerReferences") or []
                  if ref.get("controller")), None)
    if owner is None:
        return []

    def same_owner(p: PodInfo) -> bool:
        return any(ref.get("uid") == owner for ref in
                   p.pod["metadata"].get("ownerReferences") or [])
    return [Constraint(skew, key, False, same_owner) for key, skew in SYSTEM_DEFAULTS]


class _Counts:
    """Matching pods per constraint and domain, over the nodes that count."""

    def __init__(self, pod: PodInfo, constraints: list[Constraint], nodes: list[NodeInfo]
                 ) -> None:
        affinity = required_node_affinity(pod.pod)
        tolerations = pod.pod["spec"].get("tolerations") or []
        self.constraints = constraints
        self.counts: list[Counter[str]] = [Counter() for _ in constraints]
        for node in nodes:
            if any(c.topology_key not in node.labels for c in constraints):
                continue
            for i, c in enumerate(constraints):
                if c.honor_affinity and affinity is not None and not affinity(node.node):
                    continue
                if c.honor_taints and untolerated(node.taints, tolerations) is not None:
                    continue
                value = node.labels[c.topology_key]
                self.counts[i][value] += sum(
                    1 for p in node.pods.values()
                    if p.namespace == pod.namespace and not p.terminating and c.selects(p))

    def minimum(self, i: int) -> int:
        counts = self.counts[i]
        if len(counts) < self.constraints[i].min_domains:
            return 0
        return min(counts.values(), default=0)


class PodTopologySpread(Plugin):
    name = "PodTopologySpread"
    events = frozenset({NODE_ADD, NODE_UPDATE, POD_ADD, POD_UPDATE, POD_DELETE})

    def pre_filter(self, state: CycleState, pod: PodInfo) -> Status | None:
        hard = [c for c in _constraints(pod) if c.hard]
        if not hard:
            return SKIP
        state[self.name] = _Counts(pod, hard, list(self.handle.cache.nodes.values()))
        return None

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        counts: _Counts | None = state.get(self.name)
        if counts is None:
            return None
        for i, c in enumerate(counts.constraints):
            value = node.labels.get(c.topology_key)
            if value is None:
                return unresolvable(MISSING_LABEL)
            own = 1 if c.selects(pod) else 0
            if counts.counts[i].get(value, 0) + own - counts.minimum(i) > c.max_skew:
                return unschedulable(REASON)
        return None

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]
                  ) -> Status | None:
        soft = [c for c in _constraints(pod) if not c.hard]
        # The system defaults only apply to the keys nodes actually have.
        soft = [c for c in soft if any(c.topology_key in n.labels for n in nodes)]
        if not soft:
            return SKIP
        everywhere = list(self.handle.cache.nodes.values())
        state[f"{self.name}/score"] = _Counts(pod, soft, everywhere)
        return None

    def score(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> int:
        counts: _Counts | None = state.get(f"{self.name}/score")
        if counts is None:
            return 0
        total = 0.0
        for i, c in enumerate(counts.constraints):
            value = node.labels.get(c.topology_key)
            if value is None:
                return -1  # ignored: scores 0 after normalizing
            weight = math.log(len(counts.counts[i]) + 2)
            total += counts.counts[i].get(value, 0) * weight + (c.max_skew - 1)
        return round(total)

    def normalize(self, state: CycleState, pod: PodInfo, scores: dict[str, int]) -> None:
        if state.get(f"{self.name}/score") is None:
            return
        counted = [s for s in scores.values() if s >= 0]
        if not counted:
            return
        low, high = min(counted), max(counted)
        for name, s in scores.items():
            if s < 0:
                scores[name] = 0
            elif high == 0:
                scores[name] = MAX_NODE_SCORE
            else:
                scores[name] = MAX_NODE_SCORE * (high + low - s) // high
