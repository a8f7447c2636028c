"""`SchedulerCache`: every node with the pods assigned to it, including assumed ones.

Fed by the scheduler's informers (nodes, pods, namespaces), it keeps a
`NodeInfo` per node. Only pods that hold resources count: bound and not
terminal (Succeeded/Failed pods are dropped, as kube-scheduler's pod
informer filters them out). Terminating pods still count until deleted.

A pod the scheduler has placed but whose binding is still in flight is
*assumed*: added to its node at once, so the next cycle, a few
microseconds later, sees the node's resources taken. When the informer
reports the pod bound, the assumption is confirmed; when the binding fails,
`forget` takes it out again. An assumed pod the informer reports deleted is
dropped like any other.

Preemption leaves *nominated* pods: a preemptor waiting for its victims to
go, with `status.nominatedNodeName`. Filters of pods of lower or equal
priority treat the nominated pods' requests as taken on that node
(`with_nominated`), so the freed room is not given away.

Nodes are also kept in a list in a stable order so the scheduler can visit
them round-robin when it samples a share of a large cluster.
"""

from __future__ import annotations

from typing import Any

from pyk8s.scheduler.nodeinfo import TERMINAL_PHASES, NodeInfo, PodInfo

Obj = dict[str, Any]


def holds_resources(pod: Obj) -> bool:
    return bool((pod.get("spec") or {}).get("nodeName")) and \
        (pod.get("status") or {}).get("phase") not in TERMINAL_PHASES


class SchedulerCache:
    def __init__(self) -> None:
        self.nodes: dict[str, NodeInfo] = {}
        self.node_order: list[str] = []
        self.namespace_labels: dict[str, dict[str, str]] = {}
        self._pod_node: dict[str, str] = {}  # pod key -> node it is counted on
        self.assumed: set[str] = set()
        self.nominated: dict[str, dict[str, PodInfo]] = {}  # node -> pod key -> pod
        self._nominated_node: dict[str, str] = {}
        # Pods whose node is not (yet) known, e.g. bound before the node was listed.
        self._orphans: dict[str, PodInfo] = {}
        # Nodes running pods with (required anti-)affinity terms, so that inter-pod
        # affinity need not visit every node for every pod.
        self.nodes_with_affinity: set[str] = set()
        self.nodes_with_required_anti_affinity: set[str] = set()

    def _track(self, info: NodeInfo) -> None:
        for names, present in ((self.nodes_with_affinity, info.with_affinity),
                               (self.nodes_with_required_anti_affinity,
                                info.with_required_anti_affinity)):
            if present:
                names.add(info.name)
            else:
                names.discard(info.name)

    # Nodes ----------------------------------------------------------------------

    def set_node(self, node: Obj) -> None:
        name = node["metadata"]["name"]
        info = self.nodes.get(name)
        if info is None:
            info = self.nodes[name] = NodeInfo(node)
            self.node_order.append(name)
            for key, p in list(self._orphans.items()):
                if p.node_name == name:
                    del self._orphans[key]
                    info.add_pod(p)
            self._track(info)
        else:
            info.set_node(node)

    def remove_node(self, name: str) -> None:
        info = self.nodes.pop(name, None)
        if info is None:
            return
        self.node_order.remove(name)
        self.nodes_with_affinity.discard(name)
        self.nodes_with_required_anti_affinity.discard(name)
        for key, p in info.pods.items():
            self._orphans[key] = p

    # Pods -----------------------------------------------------------------------

    def set_pod(self, pod: Obj) -> None:
        """An informer's view of a pod: count it, move it, or drop it."""
        md = pod["metadata"]
        key = f"{md.get('namespace', '')}/{md['name']}"
        if not holds_resources(pod):
            if (pod.get("spec") or {}).get("nodeName") or key not in self.assumed:
                self.remove_pod(key)
            return
        self.assumed.discard(key)
        self._place(PodInfo(pod))

    def remove_pod(self, key: str) -> None:
        self.assumed.discard(key)
        self._orphans.pop(key, None)
        node = self._pod_node.pop(key, None)
        if node is not None and node in self.nodes:
            self.nodes[node].remove_pod(key)
            self._track(self.nodes[node])

    def _place(self, p: PodInfo) -> None:
        previous = self._pod_node.get(p.key)
        if previous is not None and previous != p.node_name and previous in self.nodes:
            self.nodes[previous].remove_pod(p.key)
            self._track(self.nodes[previous])
        self._pod_node[p.key] = p.node_name
        info = self.nodes.get(p.node_name)
        if info is None:
            self._orphans[p.key] = p
        else:
            info.add_pod(p)
            self._track(info)

    def assume(self, p: PodInfo, node_name: str) -> None:
        self.assumed.add(p.key)
        self._place(p.with_node(node_name))

    def forget(self, key: str) -> None:
        if key in self.assumed:
            self.remove_pod(key)

    def is_assumed(self, key: str) -> bool:
        return key in self.assumed

    # Nominations ------------------------------------------------------------------

    def nominate(self, p: PodInfo, node_name: str) -> None:
        self.unnominate(p.key)
        if node_name:
            self.nominated.setdefault(node_name, {})[p.key] = p
            self._nominated_node[p.key] = node_name

    def unnominate(self, key: str) -> None:
        node = self._nominated_node.pop(key, None)
        if node is not None:
            pods = self.nominated.get(node, {})
            pods.pop(key, None)
            if not pods:
                self.nominated.pop(node, None)

    def with_nominated(self, node: NodeInfo, pod: PodInfo) -> NodeInfo:
        """The node as `pod` must see it: plus pods nominated to it of at least its priority."""
        waiting = [p for p in self.nominated.get(node.name, {}).values()
                   if p.key != pod.key and p.priority >= pod.priority]
        if not waiting:
            return node
        copy = node.clone()
        for p in waiting:
            copy.add_pod(p.with_node(node.name))
        return copy

    # Namespaces -------------------------------------------------------------------

    def set_namespace(self, ns: Obj) -> None:
        md = ns["metadata"]
        self.namespace_labels[md["name"]] = md.get("labels") or {}

    def remove_namespace(self, name: str) -> None:
        self.namespace_labels.pop(name, None)

    def all_pods(self) -> list[tuple[PodInfo, NodeInfo]]:
        return [(p, info) for info in self.nodes.values() for p in info.pods.values()]
