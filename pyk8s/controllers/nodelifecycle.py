"""Node lifecycle controller: notice nodes that stopped talking, taint them, evict their pods.

In: Nodes, node Leases (`kube-node-lease/<node>`) and pods (indexed by node).
Out: node conditions and taints, pods marked not ready, pods deleted by
taint, NodeNotReady and TaintManagerEviction events.

Health: a kubelet shows it is alive by renewing its Lease (and by writing
the Ready condition's lastHeartbeatTime). This controller remembers when it
last saw either change, by its own monotonic clock, so clock skew between
machines cannot fake a heartbeat. A node not heard from for
`--node-monitor-grace-period` (40 s) has every condition set to Unknown
(NodeStatusUnknown, "Kubelet stopped posting node status.") and its pods'
Ready condition set to False, so Services stop sending them traffic. Every
`--node-monitor-period` (5 s) each node is looked at again.

Taints follow Ready, as Kubernetes' TaintNodesByCondition and taint-based
eviction do: Ready=False gives `node.kubernetes.io/not-ready`, Unknown gives
`node.kubernetes.io/unreachable`, each with NoSchedule and NoExecute (with
timeAdded); `spec.unschedulable` gives `node.kubernetes.io/unschedulable`
NoSchedule; a healthy node loses them.

Eviction (the taint manager): a pod on a node with NoExecute taints that it
does not tolerate is deleted at once; one that tolerates them all for a
limited time (`tolerationSeconds`, 300 s by default, added at admission) is
deleted when the shortest of those runs out, counted from the taint's
timeAdded; one that tolerates them forever stays. Deleted pods first get a
DisruptionTarget condition. Their controllers then replace them elsewhere.

Disruption, as Kubernetes judges it per zone (`topology.kubernetes.io/zone`):
a zone with no Ready node is in full disruption; one with more than two
unready nodes making up at least 55% of it is in partial disruption. When
every zone is fully disrupted, the likelier story is that the control plane
lost the nodes rather than the nodes died: no NoExecute taints are placed
(those there are removed) and nothing is evicted. A small zone (at most 50
nodes) in partial disruption evicts nothing either.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import math
import time
from typing import Any

from pyk8s.client import (
    NORMAL,
    EventRecorder,
    RequestError,
    by_node_name,
    is_conflict,
    is_not_found,
)
from pyk8s.controllers.conditions import format_time, get_condition, now, parse_time
from pyk8s.controllers.context import Controller, ControllerContext, deep_copy
from pyk8s.controllers.pods import is_terminal
from pyk8s.scheduler.matching import tolerates

log = logging.getLogger(__name__)

Obj = dict[str, Any]
NODE_LEASES = "kube-node-lease"
NOT_READY = "node.kubernetes.io/not-ready"
UNREACHABLE = "node.kubernetes.io/unreachable"
UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
MANAGED_TAINTS = frozenset({NOT_READY, UNREACHABLE, UNSCHEDULABLE})
NODE_CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")
ZONE_LABEL = "topology.kubernetes.io/zone"
UNHEALTHY_ZONE_THRESHOLD = 0.55
LARGE_CLUSTER_SIZE = 50


def eviction_time(pod: Obj, taints: list[Obj], at: datetime.datetime
                  ) -> datetime.datetime | None:
    """When the taint manager deletes `pod` for these NoExecute taints (None: never)."""
    tolerations = (pod.get("spec") or {}).get("tolerations") or []
    seconds = math.inf
    for taint in taints:
        used = [t for t in tolerations if tolerates([t], taint)]
        if not used:
            return at
        for t in used:
            if t.get("tolerationSeconds") is not None:
                seconds = min(seconds, max(int(t["tolerationSeconds"]), 0))
    if seconds == math.inf:
        return None
    since = max((parse_time(t.get("timeAdded")) or at for t in taints), default=at)
    return since + datetime.timedelta(seconds=seconds)



def is_node_ready(node: Obj) -> bool:
    cond = get_condition(node.get("status"), "Ready")
    return cond is not None and cond.get("status") == "True"


def zone_states(nodes: list[Obj]) -> dict[str, tuple[str, int]]:
    """Zone -> (Normal | PartialDisruption | FullDisruption, nodes in the zone)."""
    counts: dict[str, list[int]] = {}
    for node in nodes:
        zone = (node["metadata"].get("labels") or {}).get(ZONE_LABEL, "")
        ready_unready = counts.setdefault(zone, [0, 0])
        ready_unready[0 if is_node_ready(node) else 1] += 1
    states = {}
    for zone, (ready, unready) in counts.items():
        if ready == 0 and unready > 0:
            state = "FullDisruption"
        elif unready > 2 and unready / (ready + unready) >= UNHEALTHY_ZONE_THRESHOLD:
            state = "PartialDisruption"
        else:
            state = "Normal"
        states[zone] = (state, ready + unready)
    return states


class NodeLifecycleController(Controller):
    name = "node-lifecycle-controller"
    alias = "nodelifecycle"
    component = "node-controller"
    workers = 2

    def __init__(self, ctx: ControllerContext, recorder: EventRecorder) -> None:
        super().__init__(ctx, recorder)
        self.grace = self.options.node_monitor_grace_period
        self.nodes = self.watch(ctx.informers.informer("v1", "nodes"))
        self.leases = self.watch(ctx.informers.informer(
            "coordination.k8s.io/v1", "leases", namespace=NODE_LEASES))
        self.pods = self.watch(ctx.pods())
        self.pods.store.add_indexer("node", by_node_name)
        self.nodes.add_handlers(self.enqueue, lambda old, new: self.enqueue(new),
                                self._node_deleted)
        self.leases.add_handlers(self._lease_changed, lambda old, new: self._lease_changed(new))
        self.pods.add_handlers(self._pod_changed, lambda old, new: self._pod_changed(new))
        self._heard: dict[str, tuple[tuple[Any, Any], float]] = {}
        self._master_disruption = False

    def _node_deleted(self, node: Obj) -> None:
        self._heard.pop(node["metadata"]["name"], None)

    def _lease_changed(self, lease: Obj) -> None:
        self.queue.add(lease["metadata"]["name"])

    def _pod_changed(self, pod: Obj) -> None:
        node = self.nodes.store.get((pod.get("spec") or {}).get("nodeName") or "")
        if node is not None and any(t.get("effect") == "NoExecute"
                                    for t in (node.get("spec") or {}).get("taints") or []):
            self.enqueue(node)

    def _all_disrupted(self) -> bool:
        states = zone_states(self.nodes.store.list())
        disrupted = bool(states) and all(st == "FullDisruption" for st, _ in states.values())
        if disrupted != self._master_disruption:
            self._master_disruption = disrupted
            if disrupted:
                log.warning("no node is Ready: assuming the control plane lost them; no "
                            "NoExecute taints and no evictions until one is back")
            else:
                log.info("a node is Ready again: leaving master disruption mode")
        return disrupted

    async def periodic(self) -> None:
        while True:
            await asyncio.sleep(self.options.node_monitor_period)
            self.enqueue_all(self.nodes.store.list())

    async def sync(self, key: str) -> None:
        cached = self.nodes.store.get(key)
        if cached is None:
            self._heard.pop(key, None)
            return
        node = await self._monitor_health(deep_copy(cached))
        node = await self._update_taints(node)
        await self._evict(node)

    # Health -------------------------------------------------------------------

    async def _monitor_health(self, node: Obj) -> Obj:
        name = node["metadata"]["name"]
        lease = self.leases.store.get(f"{NODE_LEASES}/{name}")
        ready = get_condition(node.get("status"), "Ready")
        record = (((lease or {}).get("spec") or {}).get("renewTime"),
                  (ready or {}).get("lastHeartbeatTime"))
        seen = self._heard.get(name)
        t = time.monotonic()
        if seen is None or seen[0] != record:
            self._heard[name] = (record, t)
            if seen is None:
                self.queue.add_after(name, self.grace + 0.1)
            return node
        if t - seen[1] <= self.grace:
            self.queue.add_after(name, seen[1] + self.grace - t + 0.1)
            return node
        if ready is not None and ready.get("status") == "Unknown":
            return node
        status = node.setdefault("status", {})
        stamp = format_time()
        conditions = []
        for type_ in NODE_CONDITIONS:
            cond = get_condition(status, type_)
            if cond is None:
                cond = {"type": type_, "status": "Unknown", "reason": "NodeStatusNeverUpdated",
                        "message": "Kubelet never posted node status.",
                        "lastHeartbeatTime": node["metadata"].get("creationTimestamp"),
                        "lastTransitionTime": stamp}
            elif cond.get("status") != "Unknown":
                cond.update(status="Unknown", reason="NodeStatusUnknown",
                            message="Kubelet stopped posting node status.",
                            lastTransitionTime=stamp)
            conditions.append(cond)
        conditions += [c for c in status.get("conditions") or []
                       if c.get("type") not in NODE_CONDITIONS]
        status["conditions"] = conditions
        log.info("node %s: no heartbeat for %.0fs; Ready=Unknown", name, t - seen[1])
        node = await self.client.update_status("v1", "nodes", node)
        self.recorder.event(node, NORMAL, "NodeNotReady",
                            f"Node {name} status is now: NodeNotReady")
        await self._mark_pods_not_ready(name)
        return node

    async def _mark_pods_not_ready(self, node_name: str) -> None:
        for pod in self.pods.store.by_index("node", node_name):
            conditions = [dict(c) for c in (pod.get("status") or {}).get("conditions") or []]
            ready = next((c for c in conditions if c.get("type") == "Ready"), None)
            if ready is None or ready.get("status") == "False":
                continue
            ready.update(status="False", lastTransitionTime=format_time())
            md = pod["metadata"]
            try:
                await self.client.patch("v1", "pods", md["name"],
                                        {"status": {"conditions": conditions}},
                                        md["namespace"], subresource="status")
            except RequestError as e:
                if not is_not_found(e):
                    raise

    # Taints -----------------------------------------------------------------

    async def _update_taints(self, node: Obj) -> Obj:
        ready = get_condition(node.get("status"), "Ready")
        state = (ready or {}).get("status")
        wanted: list[tuple[str, str]] = []
        if state in ("False", "Unknown"):
            key = NOT_READY if state == "False" else UNREACHABLE
            wanted.append((key, "NoSchedule"))
            if not self._all_disrupted():
                wanted.append((key, "NoExecute"))
        spec = node.setdefault("spec", {})
        if spec.get("unschedulable"):
            wanted.append((UNSCHEDULABLE, "NoSchedule"))
        taints = spec.get("taints") or []
        managed = [t for t in taints if t.get("key") in MANAGED_TAINTS]
        if {(t["key"], t.get("effect")) for t in managed} == set(wanted):
            return node
        kept = [t for t in taints if t.get("key") not in MANAGED_TAINTS or
                (t["key"], t.get("effect")) in wanted]
        have = {(t["key"], t.get("effect")) for t in kept}
        stamp = format_time()
        for key, effect in wanted:
            if (key, effect) not in have:
                taint = {"key": key, "effect": effect}
                if effect == "NoExecute":
                    taint["timeAdded"] = stamp
                kept.append(taint)
        spec["taints"] = kept or None
        if not kept:
            spec.pop("taints")
        try:
            updated: Obj = await self.client.update("v1", "nodes", node)
        except RequestError as e:
            if is_not_found(e):
                return node
            raise
        log.info("node %s: taints now %s", node["metadata"]["name"],
                 [f"{t['key']}:{t['effect']}" for t in kept])
        return updated

    # Eviction ---------------------------------------------------------------

    async def _evict(self, node: Obj) -> None:
        taints = [t for t in (node.get("spec") or {}).get("taints") or []
                  if t.get("effect") == "NoExecute"]
        if not taints:
            return
        name = node["metadata"]["name"]
        zone = (node["metadata"].get("labels") or {}).get(ZONE_LABEL, "")
        state, size = zone_states(self.nodes.store.list()).get(zone, ("Normal", 0))
        if self._all_disrupted() or (state == "PartialDisruption" and
                                     size <= LARGE_CLUSTER_SIZE):
            self.queue.add_after(name, self.options.node_monitor_period)
            return
        at = now()
        soonest: datetime.datetime | None = None
        for pod in self.pods.store.by_index("node", name):
            if pod["metadata"].get("deletionTimestamp") or is_terminal(pod):
                continue
            due = eviction_time(pod, taints, at)
            if due is None:
                continue
            if due > at:
                soonest = due if soonest is None else min(soonest, due)
                continue
            await self._delete(pod)
        if soonest is not None:
            self.queue.add_after(name, (soonest - at).total_seconds() + 0.05)

    async def _delete(self, pod: Obj) -> None:
        md = pod["metadata"]
        conditions = [c for c in (pod.get("status") or {}).get("conditions") or []
                      if c.get("type") != "DisruptionTarget"]
        conditions.append({"type": "DisruptionTarget", "status": "True",
                           "reason": "DeletionByTaintManager",
                           "message": "Taint manager: deleting due to NoExecute taint",
                           "lastTransitionTime": format_time()})
        try:
            await self.client.patch("v1", "pods", md["name"],
                                    {"status": {"conditions": conditions}}, md["namespace"],
                                    subresource="status")
            await self.client.delete("v1", "pods", md["name"], md["namespace"],
                                     preconditions={"uid": md["uid"]})
        except RequestError as e:
            if is_not_found(e) or is_conflict(e):
                return
            raise
        self.recorder.event(pod, NORMAL, "TaintManagerEviction",
                            f"Marking for deletion Pod {md['namespace']}/{md['name']}")
