"""Disruption controller: how many pods each PodDisruptionBudget lets evictions take now.

In: PodDisruptionBudgets and pods (indexed by namespace), plus the workloads
that own those pods (Deployments, ReplicaSets, StatefulSets,
ReplicationControllers) for their replica counts. Out: the budget's status:
expectedPods, currentHealthy (selected pods that are Ready and not being
deleted), desiredHealthy, disruptionsAllowed = max(currentHealthy -
desiredHealthy, 0), observedGeneration, and the DisruptionAllowed condition
(SufficientPods / InsufficientPods), which `kubectl get pdb` and evictions
read.

As in Kubernetes: an integer `minAvailable` is compared with the pods that
exist; a percentage, or `maxUnavailable`, with the replicas the pods'
controllers want (a ReplicaSet owned by a Deployment counts the Deployment's
replicas); percentages round up. Pods the eviction API has just let go
(`status.disruptedPods`) are not counted as healthy until they are being
deleted or two minutes have passed.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

from pyk8s.api.selectors import selector_from_object
from pyk8s.client import EventRecorder, RequestError, is_not_found, split_key
from pyk8s.controllers import controller_ref
from pyk8s.controllers.conditions import format_time, get_condition, now, parse_time
from pyk8s.controllers.context import Controller, ControllerContext, by_namespace
from pyk8s.controllers.pods import is_ready

Obj = dict[str, Any]
POLICY = "policy/v1"
DELETION_TIMEOUT = 120  # seconds an eviction may take before its pod counts again
SCALED = {"ReplicaSet": ("apps/v1", "replicasets"), "Deployment": ("apps/v1", "deployments"),
          "StatefulSet": ("apps/v1", "statefulsets"),
          "ReplicationController": ("v1", "replicationcontrollers")}


def _scaled(value: Any, total: int) -> int:
    if isinstance(value, str) and value.endswith("%"):
        return math.ceil(float(value[:-1]) * total / 100)
    return int(value)


class DisruptionController(Controller):
    name = "disruption-controller"
    alias = "disruption"
    component = "controllermanager"
    workers = 2

    def __init__(self, ctx: ControllerContext, recorder: EventRecorder) -> None:
        super().__init__(ctx, recorder)
        self.budgets = self.watch(ctx.informers.informer(
            POLICY, "poddisruptionbudgets", indexers={"namespace": by_namespace}))
        self.pods = self.watch(ctx.pods())
        self.workloads = {kind: self.watch(ctx.informers.informer(api_version, plural))
                          for kind, (api_version, plural) in SCALED.items()}
        self.budgets.add_handlers(self.enqueue, lambda old, new: self.enqueue(new))
        self.pods.add_handlers(self._pod_changed, lambda old, new: self._pod_changed(new),
                               self._pod_changed)

    def _pod_changed(self, pod: Obj) -> None:
        labels = pod["metadata"].get("labels") or {}
        for pdb in self.budgets.store.by_index("namespace", pod["metadata"]["namespace"]):
            if selector_from_object((pdb.get("spec") or {}).get("selector")).matches(labels):
                self.enqueue(pdb)

    def _expected(self, namespace: str, pods: list[Obj]) -> int:
        """The replicas the selected pods' controllers want (a pod without one counts 1)."""
        owners: dict[str, int] = {}
        loose = 0
        for pod in pods:
            ref = controller_ref.controller_ref(pod)
            owner = None
            if ref is not None and ref.get("kind") in self.workloads:
                owner = self.workloads[ref["kind"]].store.get(f"{namespace}/{ref['name']}")
            if owner is None:
                loose += 1
                continue
            parent = controller_ref.controller_ref(owner)
            if owner["kind"] == "ReplicaSet" and parent is not None and \
                    parent.get("kind") == "Deployment":
                owner = self.workloads["Deployment"].store.get(
                    f"{namespace}/{parent['name']}") or owner
            owners[owner["metadata"]["uid"]] = int((owner.get("spec") or {}).get("replicas", 1))
        return sum(owners.values()) + loose

    def _disrupted(self, key: str, pdb: Obj, pods: list[Obj]) -> dict[str, str]:
        """The eviction API's recent disruptions still pending: the pod is there, not yet
        being deleted, and was evicted less than DELETION_TIMEOUT ago."""
        live = {p["metadata"]["name"] for p in pods if not p["metadata"].get("deletionTimestamp")}
        pending: dict[str, str] = {}
        at = now()
        for name, when in ((pdb.get("status") or {}).get("disruptedPods") or {}).items():
            since = parse_time(when)
            if name not in live or since is None:
                continue
            left = (since + datetime.timedelta(seconds=DELETION_TIMEOUT) - at).total_seconds()
            if left > 0:
                pending[name] = when
                self.queue.add_after(key, left + 0.1)
        return pending

    async def sync(self, key: str) -> None:
        pdb = self.budgets.store.get(key)
        if pdb is None:
            return
        namespace, _ = split_key(key)
        spec = pdb.get("spec") or {}
        selector = selector_from_object(spec.get("selector"))
        pods = [p for p in self.pods.store.by_index("namespace", namespace or "")
                if selector.matches(p["metadata"].get("labels"))
                and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]
        disrupted = self._disrupted(key, pdb, pods)
        healthy = sum(1 for p in pods if is_ready(p) and not p["metadata"].get(
            "deletionTimestamp") and p["metadata"]["name"] not in disrupted)
        min_available, max_unavailable = spec.get("minAvailable"), spec.get("maxUnavailable")
        if max_unavailable is not None:
            expected = self._expected(namespace or "", pods)
            desired = max(expected - _scaled(max_unavailable, expected), 0)
        elif isinstance(min_available, int):
            expected, desired = len(pods), min_available
        else:
            expected = self._expected(namespace or "", pods)
            desired = _scaled(min_available if min_available is not None else 1, expected)
        allowed = max(healthy - desired, 0)
        old = pdb.get("status") or {}
        cond: Obj = {"type": "DisruptionAllowed", "status": "True" if allowed else "False",
                     "reason": "SufficientPods" if allowed else "InsufficientPods",
                     "message": "",
                     "observedGeneration": int(pdb["metadata"].get("generation") or 0),
                     "lastTransitionTime": format_time()}
        previous = get_condition(old, "DisruptionAllowed")
        if previous is not None and previous.get("status") == cond["status"]:
            cond["lastTransitionTime"] = previous.get("lastTransitionTime")
        status = {"observedGeneration": int(pdb["metadata"].get("generation") or 0),
                  "disruptedPods": disrupted,
                  "disruptionsAllowed": allowed, "currentHealthy": healthy,
                  "desiredHealthy": desired, "expectedPods": expected, "conditions": [cond]}
        if status == old:
            return
        try:
            await self.client.update_status(POLICY, "poddisruptionbudgets",
                                            {**pdb, "status": status})
        except RequestError as e:
            if not is_not_found(e):
                raise
