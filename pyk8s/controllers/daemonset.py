"""DaemonSet controller: one pod of the template on every node that should run it.

In: DaemonSets, Nodes, pods (indexed by owner) and ControllerRevisions.
Out: pods created (each pinned to its node by required node affinity on
`metadata.name`, then bound by the scheduler, as in Kubernetes) and deleted,
ControllerRevisions, status, SuccessfulCreate / SuccessfulDelete events.

A node should run the daemon pod when the template's nodeSelector and
required node affinity match it and the pod tolerates its NoSchedule and
NoExecute taints; a pod already there may stay while it tolerates the
NoExecute ones. Daemon pods tolerate what a node-level agent must: not-ready
and unreachable (NoExecute, forever), memory, disk and PID pressure and
unschedulable (NoSchedule), and network-unavailable for host-network pods.

`sync(key)` claims the pods, makes sure the current template has a
ControllerRevision (`<name>-<hash>`, data `{"spec": {"template": ...,
"$patch": "replace"}}`, so `kubectl rollout history|undo daemonset` work;
revisions beyond `revisionHistoryLimit` that no pod uses are deleted),
then per node creates the missing pod, deletes extra or misplaced ones and
failed ones (recreated on the next sync). RollingUpdate replaces pods whose
`controller-revision-hash` label is old: unavailable ones at once, available
ones while fewer than `maxUnavailable` daemon pods are unavailable.
OnDelete leaves old pods alone. Creates and deletes are guarded by
`Expectations`.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import defaultdict
from typing import Any

from pyk8s.api.selectors import selector_from_object
from pyk8s.client import (
    NORMAL,
    WARNING,
    EventRecorder,
    RequestError,
    by_owner_uid,
    is_already_exists,
    is_conflict,
    is_not_found,
    object_key,
    split_key,
)
from pyk8s.controllers import controller_ref
from pyk8s.controllers.context import Controller, ControllerContext, by_namespace, deep_copy
from pyk8s.controllers.deployment_util import template_hash
from pyk8s.controllers.expectations import Expectations
from pyk8s.controllers.pods import is_available, is_ready, pod_from_template
from pyk8s.controllers.replicaset import namespace_terminating
from pyk8s.scheduler.matching import required_node_affinity, tolerates

log = logging.getLogger(__name__)

Obj = dict[str, Any]
APPS = "apps/v1"
HASH_LABEL = "controller-revision-hash"
DAEMON_TOLERATIONS = (
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "NoSchedule"),
)
NETWORK_UNAVAILABLE = ("node.kubernetes.io/network-unavailable", "NoSchedule")



def daemon_pod_spec(ds: Obj) -> Obj:
    """The template's pod spec with the tolerations every daemon pod gets."""
    spec = deep_copy(((ds.get("spec") or {}).get("template") or {}).get("spec") or {})
    tolerations = list(spec.get("tolerations") or [])
    wanted = list(DAEMON_TOLERATIONS)
    if spec.get("hostNetwork"):
        wanted.append(NETWORK_UNAVAILABLE)
    for key, effect in wanted:
        taint = {"key": key, "effect": effect}
        if not tolerates(tolerations, taint):
            tolerations.append({"key": key, "operator": "Exists", "effect": effect})
    spec["tolerations"] = tolerations
    return spec


def pinned_node(pod: Obj) -> str | None:
    """The node a daemon pod is for: bound, or named by its node affinity."""
    spec = pod.get("spec") or {}
    if spec.get("nodeName"):
        return str(spec["nodeName"])
    required = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    for term in required.get("nodeSelectorTerms") or []:
        for field in term.get("matchFields") or []:
            if field.get("key") == "metadata.name" and field.get("operator") == "In" and \
                    field.get("values"):
                return str(field["values"][0])
    return None


class DaemonSetController(Controller):
    name = "daemonset-controller"
    alias = "daemonset"
    component = "daemonset-controller"
    workers = 2

    def __init__(self, ctx: ControllerContext, recorder: EventRecorder) -> None:
        super().__init__(ctx, recorder)
        self.expectations = Expectations()
        self.sets = self.watch(ctx.informers.informer(APPS, "daemonsets"))
        self.nodes = self.watch(ctx.informers.informer("v1", "nodes"))
        self.pods = self.watch(ctx.pods())
        self.pods.store.add_indexer("owner", by_owner_uid)
        self.revisions = self.watch(ctx.informers.informer(
            APPS, "controllerrevisions", indexers={"namespace": by_namespace}))
        self.revisions.store.add_indexer("owner", by_owner_uid)
        self.sets.add_handlers(self.enqueue, lambda old, new: self.enqueue(new),
                               lambda ds: self.expectations.forget(object_key(ds)))
        all_sets = lambda *_: self.enqueue_all(self.sets.store.list())  # noqa: E731
        self.nodes.add_handlers(all_sets, all_sets, all_sets)
        self.pods.add_handlers(self._pod_added, lambda old, new: self._pod_changed(new),
                               self._pod_deleted)

    def _owner(self, pod: Obj) -> Obj | None:
        ref = controller_ref.controller_ref(pod)
        if ref is None or ref.get("kind") != "DaemonSet":
            return None
        ds = self.sets.store.get(f"{pod['metadata']['namespace']}/{ref['name']}")
        return ds if ds is not None and ds["metadata"]["uid"] == ref.get("uid") else None

    def _pod_added(self, pod: Obj) -> None:
        if (ds := self._owner(pod)) is not None:
            self.expectations.creation_observed(object_key(ds))
            self.enqueue(ds)

    def _pod_changed(self, pod: Obj) -> None:
        if pod["metadata"].get("deletionTimestamp"):
            self._pod_deleted(pod)
        elif (ds := self._owner(pod)) is not None:
            self.enqueue(ds)

    def _pod_deleted(self, pod: Obj) -> None:
        if (ds := self._owner(pod)) is not None:
            self.expectations.deletion_observed(object_key(ds), object_key(pod))
            self.enqueue(ds)

    # Placement --------------------------------------------------------------

    def placement(self, ds: Obj, node: Obj) -> tuple[bool, bool]:
        """(should run a pod there, may keep one running there)."""
        spec = daemon_pod_spec(ds)
        affinity = required_node_affinity({"spec": spec})
        if affinity is not None and not affinity(node):
            return False, False
        taints = (node.get("spec") or {}).get("taints") or []
        tolerations = spec["tolerations"]
        keep = all(tolerates(tolerations, t) for t in taints if t.get("effect") == "NoExecute")
        run = keep and all(tolerates(tolerations, t) for t in taints
                           if t.get("effect") == "NoSchedule")
        return run, keep

    # Sync -------------------------------------------------------------------

    async def sync(self, key: str) -> None:
        cached = self.sets.store.get(key)
        if cached is None:
            self.expectations.forget(key)
            return
        ds = deep_copy(cached)
        namespace, _ = split_key(key)
        selector = selector_from_object((ds.get("spec") or {}).get("selector"))
        candidates = [p for p in self.pods.store.by_index("namespace", namespace or "")
                      if not p["metadata"].get("deletionTimestamp")]
        pods = await controller_ref.claim(
            self.client, ds, candidates,
            lambda p: not selector.empty and selector.matches(p["metadata"].get("labels")),
            api_version="v1", plural="pods", owner_plural="daemonsets")
        current = await self._revisions(ds, pods)
        by_node: dict[str, list[Obj]] = defaultdict(list)
        for pod in pods:
            by_node[pinned_node(pod) or ""].append(pod)
        if self.expectations.satisfied(key) and not ds["metadata"].get("deletionTimestamp"):
            create, delete = self._plan(ds, by_node, current)
            await self._act(key, ds, create, delete, current)
        await self._write_status(ds, by_node, current)

    def _plan(self, ds: Obj, by_node: dict[str, list[Obj]], current: str
              ) -> tuple[list[str], list[Obj]]:
        create: list[str] = []
        delete: list[Obj] = []
        names = {n["metadata"]["name"] for n in self.nodes.store.list()}
        for node_name in by_node:
            if node_name not in names:
                delete += by_node[node_name]
        wanted = 0
        unavailable = 0
        old_available: list[Obj] = []
        min_ready = int((ds.get("spec") or {}).get("minReadySeconds") or 0)
        for node in self.nodes.store.list():
            node_name = node["metadata"]["name"]
            run, keep = self.placement(ds, node)
            pods = sorted(by_node.get(node_name, []),
                          key=lambda p: p["metadata"].get("creationTimestamp") or "")
            failed = [p for p in pods if (p.get("status") or {}).get("phase") == "Failed"]
            delete += failed
            pods = [p for p in pods if p not in failed]
            if not run and not (keep and pods):
                delete += pods
                continue
            if not run:
                continue
            wanted += 1
            if not pods:
                create.append(node_name)
                unavailable += 1
                continue
            delete += pods[1:]
            pod = pods[0]
            if not is_available(pod, min_ready):
                unavailable += 1
            if pod["metadata"].get("labels", {}).get(HASH_LABEL) != current:
                if is_available(pod, min_ready):
                    old_available.append(pod)
                elif self._rolling(ds):
                    delete.append(pod)
        if self._rolling(ds):
            budget = self._max_unavailable(ds, wanted) - unavailable
            delete += old_available[:max(budget, 0)]
        return create, delete

    def _rolling(self, ds: Obj) -> bool:
        strategy = (ds.get("spec") or {}).get("updateStrategy") or {}
        return strategy.get("type", "RollingUpdate") == "RollingUpdate"

    def _max_unavailable(self, ds: Obj, wanted: int) -> int:
        rolling = (((ds.get("spec") or {}).get("updateStrategy") or {})
                   .get("rollingUpdate") or {})
        value = rolling.get("maxUnavailable", 1)
        if isinstance(value, str) and value.endswith("%"):
            result = math.ceil(float(value[:-1]) * wanted / 100)
        else:
            result = int(value)
        return max(result, 1)

    async def _act(self, key: str, ds: Obj, create: list[str], delete: list[Obj],
                   current: str) -> None:
        self.expectations.expect(key, adds=len(create),
                                 deletions=[object_key(p) for p in delete])
        template = (ds.get("spec") or {}).get("template") or {}
        spec = daemon_pod_spec(ds)

        async def create_on(node_name: str) -> None:
            pod = pod_from_template({**template, "spec": deep_copy(spec)}, ds,
                                    extra_labels={HASH_LABEL: current})
            affinity = pod["spec"].setdefault("affinity", {}).setdefault("nodeAffinity", {})
            affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": [
                {"matchFields": [{"key": "metadata.name", "operator": "In",
                                  "values": [node_name]}]}]}
            try:
                created = await self.client.create("v1", "pods", pod)
            except RequestError as e:
                self.expectations.creation_observed(key)
                if namespace_terminating(e):
                    return
                self.recorder.event(ds, WARNING, "FailedCreate", f"Error creating: {e}")
                raise
            self.recorder.event(ds, NORMAL, "SuccessfulCreate",
                                f"Created pod: {created['metadata']['name']}")

        async def remove(pod: Obj) -> None:
            md = pod["metadata"]
            try:
                await self.client.delete("v1", "pods", md["name"], md["namespace"],
                                         preconditions={"uid": md["uid"]})
            except RequestError as e:
                self.expectations.deletion_observed(key, object_key(pod))
                if is_not_found(e) or is_conflict(e):
                    return
                raise
            self.recorder.event(ds, NORMAL, "SuccessfulDelete", f"Deleted pod: {md['name']}")

        results = await asyncio.gather(*(create_on(n) for n in create),
                                       *(remove(p) for p in delete), return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            raise errors[0]

    # Revisions and status -----------------------------------------------------

    async def _revisions(self, ds: Obj, pods: list[Obj]) -> str:
        """The current revision's hash, its ControllerRevision made; old ones trimmed."""
        spec = ds.get("spec") or {}
        template = spec.get("template") or {}
        collisions = (ds.get("status") or {}).get("collisionCount") or None
        current = template_hash(template, collisions)
        md = ds["metadata"]
        owned = [r for r in self.revisions.store.by_index("owner", md["uid"])
                 if controller_ref.is_controlled_by(r, ds)]
        name = f"{md['name']}-{current}"
        number = max((int(r.get("revision") or 0) for r in owned), default=0)
        mine = next((r for r in owned if r["metadata"]["name"] == name), None)
        if mine is None:
            try:
                await self.client.create(APPS, "controllerrevisions", {
                    "apiVersion": APPS, "kind": "ControllerRevision",
                    "metadata": {"name": name, "namespace": md["namespace"],
                                 "labels": {**(template.get("metadata") or {}).get("labels", {}),
                                            HASH_LABEL: current},
                                 "ownerReferences": [controller_ref.new_controller_ref(ds)]},
                    "data": {"spec": {"template": {**template, "$patch": "replace"}}},
                    "revision": number + 1})
            except RequestError as e:
                if not is_already_exists(e):
                    raise
        elif int(mine.get("revision") or 0) < number:
            await self.client.patch(APPS, "controllerrevisions", name,
                                    {"revision": number + 1}, md["namespace"])
        in_use = {p["metadata"].get("labels", {}).get(HASH_LABEL) for p in pods}
        limit = int(spec.get("revisionHistoryLimit", 10))
        old = sorted((r for r in owned if r["metadata"]["name"] != name
                      and r["metadata"].get("labels", {}).get(HASH_LABEL) not in in_use),
                     key=lambda r: int(r.get("revision") or 0))
        for r in old[:max(len(old) - limit, 0)]:
            try:
                await self.client.delete(APPS, "controllerrevisions", r["metadata"]["name"],
                                         md["namespace"])
            except RequestError as e:
                if not is_not_found(e):
                    raise
        return current

    async def _write_status(self, ds: Obj, by_node: dict[str, list[Obj]], current: str
                            ) -> None:
        min_ready = int((ds.get("spec") or {}).get("minReadySeconds") or 0)
        counts = dict.fromkeys(("desiredNumberScheduled", "currentNumberScheduled",
                                "numberMisscheduled", "numberReady", "updatedNumberScheduled",
                                "numberAvailable"), 0)
        for node in self.nodes.store.list():
            run, _ = self.placement(ds, node)
            pods = [p for p in by_node.get(node["metadata"]["name"], [])
                    if (p.get("status") or {}).get("phase") != "Failed"]
            if not run:
                counts["numberMisscheduled"] += bool(pods)
                continue
            counts["desiredNumberScheduled"] += 1
            if not pods:
                continue
            counts["currentNumberScheduled"] += 1
            pod = pods[0]
            counts["numberReady"] += is_ready(pod)
            counts["numberAvailable"] += is_available(pod, min_ready)
            counts["updatedNumberScheduled"] += \
                pod["metadata"].get("labels", {}).get(HASH_LABEL) == current
        status: Obj = {**counts,
                       "numberUnavailable": counts["desiredNumberScheduled"] -
                       counts["numberAvailable"],
                       "observedGeneration": int(ds["metadata"].get("generation") or 0)}
        status = {k: v for k, v in status.items() if v or k in (
            "desiredNumberScheduled", "currentNumberScheduled", "numberMisscheduled",
            "numberReady")}
        if (ds.get("status") or {}).get("collisionCount") is not None:
            status["collisionCount"] = ds["status"]["collisionCount"]
        if status == (ds.get("status") or {}):
            return
        try:
            await self.client.update_status(APPS, "daemonsets", {**ds, "status": status})
        except RequestError as e:
            if not is_not_found(e):
                raise
