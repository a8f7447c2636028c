"""StatefulSet controller: pods with stable names and storage, started and stopped in order.

In: StatefulSets, pods (indexed by owner), ControllerRevisions and
PersistentVolumeClaims. Out: pods `<name>-<ordinal>` (hostname the pod name,
subdomain `spec.serviceName`, labels `statefulset.kubernetes.io/pod-name`,
`apps.kubernetes.io/pod-index`, `controller-revision-hash`), a claim
`<template>-<name>-<ordinal>` per volumeClaimTemplate (kept when pods go,
unless `persistentVolumeClaimRetentionPolicy.whenDeleted: Delete`, which
gives claims the StatefulSet as owner), ControllerRevisions (as for
DaemonSets, so `kubectl rollout history|undo statefulset` work), status and
SuccessfulCreate / SuccessfulDelete events.

`sync(key)`, with `podManagementPolicy: OrderedReady` (the default):

1. failed pods are deleted, to be made again;
2. ordinals 0..replicas-1 are created lowest first, each only once every
   lower one is Running and Ready;
3. ordinals beyond replicas are deleted highest first, one at a time, only
   while all the others are Running and Ready;
4. RollingUpdate: once all of that is done, the highest pod (at or above
   `partition`) on an old revision is deleted, and made again on the new
   one; one at a time, each waiting for the previous to be Ready.

`Parallel` does steps 2 and 3 all at once, without waiting. Pods below the
partition are recreated from the current revision's template. When every
pod is on the update revision, it becomes the current revision.
"""

from __future__ import annotations

import logging
import re
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
    split_key,
)
from pyk8s.controllers import controller_ref
from pyk8s.controllers.context import Controller, ControllerContext, by_namespace, deep_copy
from pyk8s.controllers.deployment_util import template_hash
from pyk8s.controllers.pods import is_available, is_ready, pod_from_template
from pyk8s.controllers.replicaset import namespace_terminating

log = logging.getLogger(__name__)

Obj = dict[str, Any]
APPS = "apps/v1"
HASH_LABEL = "controller-revision-hash"
POD_NAME = "statefulset.kubernetes.io/pod-name"
POD_INDEX = "apps.kubernetes.io/pod-index"



def _running_ready(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") == "Running" and is_ready(pod) and \
        not pod["metadata"].get("deletionTimestamp")


class StatefulSetController(Controller):
    name = "statefulset-controller"
    alias = "statefulset"
    component = "statefulset-controller"
    workers = 2

    def __init__(self, ctx: ControllerContext, recorder: EventRecorder) -> None:
        super().__init__(ctx, recorder)
        self.sets = self.watch(ctx.informers.informer(APPS, "statefulsets"))
        self.pods = self.watch(ctx.pods())
        self.pods.store.add_indexer("owner", by_owner_uid)
        self.revisions = self.watch(ctx.informers.informer(
            APPS, "controllerrevisions", indexers={"namespace": by_namespace}))
        self.revisions.store.add_indexer("owner", by_owner_uid)
        self.claims = self.watch(ctx.informers.informer("v1", "persistentvolumeclaims"))
        self.sets.add_handlers(self.enqueue, lambda old, new: self.enqueue(new))
        self.pods.add_handlers(self._pod_changed, lambda old, new: self._pod_changed(new),
                               self._pod_changed)

    def _pod_changed(self, pod: Obj) -> None:
        ref = controller_ref.controller_ref(pod)
        if ref is not None and ref.get("kind") == "StatefulSet":
            self.queue.add(f"{pod['metadata']['namespace']}/{ref['name']}")

    async def sync(self, key: str) -> None:
        cached = self.sets.store.get(key)
        if cached is None:
            return
        sts = deep_copy(cached)
        namespace, name = split_key(key)
        spec = sts.get("spec") or {}
        selector = selector_from_object(spec.get("selector"))
        candidates = self.pods.store.by_index("namespace", namespace or "")
        claimed = await controller_ref.claim(
            self.client, sts, candidates,
            lambda p: not selector.empty and selector.matches(p["metadata"].get("labels")),
            api_version="v1", plural="pods", owner_plural="statefulsets")
        pattern = re.compile(rf"^{re.escape(name)}-(\d+)$")
        pods: dict[int, Obj] = {}
        for pod in claimed:
            if m := pattern.match(pod["metadata"]["name"]):
                pods[int(m.group(1))] = pod
        update, templates = await self._revisions(sts, claimed)
        current = (sts.get("status") or {}).get("currentRevision") or update
        if current not in templates:
            current = update
        if not sts["metadata"].get("deletionTimestamp"):
            await self._step(sts, pods, update, current, templates)
        await self._write_status(sts, pods, update, current)

    async def _step(self, sts: Obj, pods: dict[int, Obj], update: str, current: str,
                    templates: dict[str, Obj]) -> None:
        spec = sts.get("spec") or {}
        start = int((spec.get("ordinals") or {}).get("start", 0))
        wanted = range(start, start + int(spec.get("replicas", 1)))
        parallel = spec.get("podManagementPolicy") == "Parallel"
        strategy = spec.get("updateStrategy") or {}
        partition = int((strategy.get("rollingUpdate") or {}).get("partition") or 0)
        for _, existing in sorted(pods.items()):
            if (existing.get("status") or {}).get("phase") == "Failed" and \
                    not existing["metadata"].get("deletionTimestamp"):
                await self._delete(sts, existing)
                return
        for ordinal in wanted:
            pod = pods.get(ordinal)
            if pod is None:
                revision = current if ordinal < start + partition else update
                await self._create(sts, ordinal, revision, templates[revision])
                if not parallel:
                    return
            elif not _running_ready(pod) and not parallel:
                return
        condemned = sorted((o for o in pods if o not in wanted), reverse=True)
        for ordinal in condemned:
            pod = pods[ordinal]
            if pod["metadata"].get("deletionTimestamp"):
                if not parallel:
                    return
                continue
            await self._delete(sts, pod)
            if not parallel:
                return
        if condemned or strategy.get("type", "RollingUpdate") != "RollingUpdate":
            return
        for ordinal in reversed(wanted):
            if ordinal < start + partition:
                break
            pod = pods.get(ordinal)
            if pod is None or pod["metadata"].get("deletionTimestamp"):
                return
            if pod["metadata"].get("labels", {}).get(HASH_LABEL) != update:
                await self._delete(sts, pod)
                return
            if not _running_ready(pod):
                return

    async def _create(self, sts: Obj, ordinal: int, revision: str, template: Obj) -> None:
        md, spec = sts["metadata"], sts.get("spec") or {}
        pod_name = f"{md['name']}-{ordinal}"
        pod = pod_from_template(template, sts, extra_labels={
            POD_NAME: pod_name, POD_INDEX: str(ordinal), HASH_LABEL: revision})
        pod["metadata"].pop("generateName")
        pod["metadata"]["name"] = pod_name
        pod_spec = pod["spec"] = deep_copy(pod["spec"])
        pod_spec["hostname"] = pod_name
        if spec.get("serviceName"):
            pod_spec["subdomain"] = spec["serviceName"]
        volumes = {v["name"]: v for v in pod_spec.get("volumes") or []}
        for claim in spec.get("volumeClaimTemplates") or []:
            claim_name = f"{claim['metadata']['name']}-{pod_name}"
            await self._ensure_claim(sts, claim, claim_name)
            volumes[claim["metadata"]["name"]] = {
                "name": claim["metadata"]["name"],
                "persistentVolumeClaim": {"claimName": claim_name}}
        if volumes:
            pod_spec["volumes"] = list(volumes.values())
        try:
            await self.client.create("v1", "pods", pod)
        except RequestError as e:
            if is_already_exists(e) or namespace_terminating(e):
                return
            self.recorder.event(sts, WARNING, "FailedCreate",
                                f"create Pod {pod_name} in StatefulSet {md['name']} failed "
                                f"error: {e}")
            raise
        self.recorder.event(sts, NORMAL, "SuccessfulCreate",
                            f"create Pod {pod_name} in StatefulSet {md['name']} successful")

    async def _ensure_claim(self, sts: Obj, template: Obj, claim_name: str) -> None:
        md = sts["metadata"]
        if self.claims.store.get(f"{md['namespace']}/{claim_name}") is not None:
            return
        labels = {**((template.get("metadata") or {}).get("labels") or {}),
                  **(((sts.get("spec") or {}).get("selector") or {}).get("matchLabels") or {})}
        claim: Obj = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                      "metadata": {"name": claim_name, "namespace": md["namespace"],
                                   "labels": labels},
                      "spec": deep_copy(template.get("spec") or {})}
        policy = (sts.get("spec") or {}).get("persistentVolumeClaimRetentionPolicy") or {}
        if policy.get("whenDeleted") == "Delete":
            ref = controller_ref.new_controller_ref(sts)
            claim["metadata"]["ownerReferences"] = [{**ref, "controller": False}]
        try:
            await self.client.create("v1", "persistentvolumeclaims", claim)
        except RequestError as e:
            if not is_already_exists(e):
                raise

    async def _delete(self, sts: Obj, pod: Obj) -> None:
        md = pod["metadata"]
        try:
            await self.client.delete("v1", "pods", md["name"], md["namespace"],
                                     preconditions={"uid": md["uid"]})
        except RequestError as e:
            if is_not_found(e) or is_conflict(e):
                return
            raise
        self.recorder.event(sts, NORMAL, "SuccessfulDelete",
                            f"delete Pod {md['name']} in StatefulSet "
                            f"{sts['metadata']['name']} successful")

    async def _revisions(self, sts: Obj, pods: list[Obj]) -> tuple[str, dict[str, Obj]]:
        """(update revision hash, template of every known revision by hash)."""
        spec = sts.get("spec") or {}
        template = spec.get("template") or {}
        # A collisionCount of 0 hashes like none, so the first status write changes nothing.
        update = template_hash(template,
                               (sts.get("status") or {}).get("collisionCount") or None)
        md = sts["metadata"]
        owned = [r for r in self.revisions.store.by_index("owner", md["uid"])
                 if controller_ref.is_controlled_by(r, sts)]
        templates: dict[str, Obj] = {}
        for r in owned:
            data = ((r.get("data") or {}).get("spec") or {}).get("template") or {}
            templates[r["metadata"]["name"].rpartition("-")[2]] = {
                k: v for k, v in data.items() if k != "$patch"}
        templates[update] = template
        name = f"{md['name']}-{update}"
        number = max((int(r.get("revision") or 0) for r in owned), default=0)
        mine = next((r for r in owned if r["metadata"]["name"] == name), None)
        if mine is None:
            try:
                await self.client.create(APPS, "controllerrevisions", {
                    "apiVersion": APPS, "kind": "ControllerRevision",
                    "metadata": {"name": name, "namespace": md["namespace"],
                                 "labels": {**(template.get("metadata") or {}).get("labels", {}),
                                            HASH_LABEL: update},
                                 "ownerReferences": [controller_ref.new_controller_ref(sts)]},
                    "data": {"spec": {"template": {**template, "$patch": "replace"}}},
                    "revision": number + 1})
            except RequestError as e:
                if not is_already_exists(e):
                    raise
        elif int(mine.get("revision") or 0) < number:
            await self.client.patch(APPS, "controllerrevisions", name,
                                    {"revision": number + 1}, md["namespace"])
        in_use = {p["metadata"].get("labels", {}).get(HASH_LABEL) for p in pods}
        in_use.add((sts.get("status") or {}).get("currentRevision"))
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
        return update, templates

    async def _write_status(self, sts: Obj, pods: dict[int, Obj], update: str,
                            current: str) -> None:
        spec = sts.get("spec") or {}
        min_ready = int(spec.get("minReadySeconds") or 0)
        live = [p for p in pods.values() if not p["metadata"].get("deletionTimestamp")]

        def on(revision: str) -> int:
            return sum(1 for p in live if p["metadata"].get("labels", {}).get(HASH_LABEL)
                       == revision)

        updated = on(update)
        replicas = int(spec.get("replicas", 1))
        if updated == replicas == len(live) and \
                all(_running_ready(p) for p in live):
            current = update
        status: Obj = {
            "observedGeneration": int(sts["metadata"].get("generation") or 0),
            "replicas": len(live),
            "readyReplicas": sum(1 for p in live if is_ready(p)),
            "availableReplicas": sum(1 for p in live if is_available(p, min_ready)),
            "currentReplicas": on(current),
            "updatedReplicas": updated,
            "currentRevision": current,
            "updateRevision": update,
            "collisionCount": (sts.get("status") or {}).get("collisionCount") or 0,
        }
        status = {k: v for k, v in status.items()
                  if v or k in ("replicas", "availableReplicas", "collisionCount")}
        if status == (sts.get("status") or {}):
            return
        try:
            await self.client.update_status(APPS, "statefulsets", {**sts, "status": status})
        except RequestError as e:
            if not is_not_found(e):
                raise
