"""Deployment controller: roll a pod template out through ReplicaSets, and back.

In: Deployments, ReplicaSets and pods (shared informers). Out: ReplicaSets
created, scaled and deleted, the Deployment's revision annotation and
status, ScalingReplicaSet events. The arithmetic lives in
`deployment_util`; this module is the control flow of Kubernetes'
deployment controller:

`sync(key)` claims the ReplicaSets the selector matches (adopting orphans,
releasing ones that no longer match), then

- a Deployment being deleted only gets its status refreshed;
- paused (`kubectl rollout pause`), or scaled (`kubectl scale`: some active
  ReplicaSet's desired-replicas annotation differs from spec.replicas): the
  ReplicaSets are resized, proportionally while a rollout is in flight, and
  old ones beyond `revisionHistoryLimit` deleted; no rollout progresses;
- Recreate: every old ReplicaSet is scaled to 0, and only once none of their
  pods is left does the new ReplicaSet appear at full size;
- RollingUpdate: the new ReplicaSet grows while the total stays within
  replicas + maxSurge; old ones shrink (unhealthy replicas first, then the
  oldest ReplicaSets) while available pods stay at or above replicas -
  maxUnavailable. Each sync takes one step; ReplicaSet and pod status
  changes bring the next.

The new ReplicaSet is `<name>-<pod-template-hash>`, its template and
selector carrying that label, its revision one above the highest old one.
`kubectl rollout undo` simply puts an old template back: the ReplicaSet with
that template becomes the new one again under a new revision. Status follows
every step: replicas, updated, ready, available, unavailable, Available
(at least replicas - maxUnavailable available) and Progressing
(NewReplicaSetCreated, ReplicaSetUpdated, NewReplicaSetAvailable, or False
ProgressDeadlineExceeded once no progress was seen for
progressDeadlineSeconds; the key is requeued for that moment).
"""

from __future__ import annotations

import logging
from typing import Any

from pyk8s.api.selectors import LabelSelector, selector_from_object
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
from pyk8s.controllers import deployment_util as du
from pyk8s.controllers.conditions import get_condition, replace_condition
from pyk8s.controllers.context import Controller, ControllerContext, by_namespace, deep_copy

log = logging.getLogger(__name__)

Obj = dict[str, Any]
APPS = "apps/v1"



class DeploymentController(Controller):
    name = "deployment-controller"
    alias = "deployment"
    component = "deployment-controller"
    workers = 5

    def __init__(self, ctx: ControllerContext, recorder: EventRecorder) -> None:
        super().__init__(ctx, recorder)
        self.deployments = self.watch(ctx.informers.informer(
            APPS, "deployments", indexers={"namespace": by_namespace}))
        self.sets = self.watch(ctx.informers.informer(
            APPS, "replicasets", indexers={"namespace": by_namespace}))
        self.pods = self.watch(ctx.pods())
        self.pods.store.add_indexer("owner", by_owner_uid)
        self.deployments.add_handlers(self.enqueue, lambda old, new: self.enqueue(new),
                                      self.enqueue)
        self.sets.add_handlers(self._rs_changed, self._rs_updated, self._rs_changed)
        self.pods.add_handlers(on_delete=self._pod_deleted)

    # Event routing ----------------------------------------------------------

    def _owner(self, rs: Obj) -> Obj | None:
        ref = controller_ref.controller_ref(rs)
        if ref is None or ref.get("kind") != "Deployment":
            return None
        d = self.deployments.store.get(f"{rs['metadata']['namespace']}/{ref['name']}")
        return d if d is not None and d["metadata"].get("uid") == ref.get("uid") else None

    def _rs_changed(self, rs: Obj) -> None:
        owner = self._owner(rs)
        if owner is not None:
            self.enqueue(owner)
        elif controller_ref.controller_ref(rs) is None:
            labels = rs["metadata"].get("labels") or {}
            for d in self.deployments.store.by_index("namespace", rs["metadata"]["namespace"]):
                selector = _selector(d)
                if not selector.empty and selector.matches(labels):
                    self.enqueue(d)

    def _rs_updated(self, old: Obj, new: Obj) -> None:
        if controller_ref.controller_ref(old) != controller_ref.controller_ref(new):
            self._rs_changed(old)
        self._rs_changed(new)

    def _pod_deleted(self, pod: Obj) -> None:
        ref = controller_ref.controller_ref(pod)
        if ref is None or ref.get("kind") != "ReplicaSet":
            return
        rs = self.sets.store.get(f"{pod['metadata']['namespace']}/{ref['name']}")
        d = self._owner(rs) if rs is not None else None
        if d is not None and not du.is_rolling(d):
            self.enqueue(d)  # Recreate waits for the old pods to be gone

    # Sync -------------------------------------------------------------------

    async def sync(self, key: str) -> None:
        cached = self.deployments.store.get(key)
        if cached is None:
            return
        d = deep_copy(cached)
        namespace, _ = split_key(key)
        selector = _selector(d)
        if selector.empty:
            self.recorder.event(d, WARNING, "SelectingAll",
                                "This deployment is selecting all pods. A non-empty selector "
                                "is required.")
            return
        rss = await controller_ref.claim(
            self.client, d, self.sets.store.by_index("namespace", namespace or ""),
            lambda rs: selector.matches(rs["metadata"].get("labels")),
            api_version=APPS, plural="replicasets", owner_plural="deployments")
        rss = [deep_copy(rs) for rs in rss]
        if d["metadata"].get("deletionTimestamp"):
            new_rs, old_rss = await self._replicasets(d, rss, create=False)
            await self._write_status(d, du.calculate_status(_all(new_rs, old_rss), new_rs, d))
            return
        d = await self._check_paused(d)
        if (d.get("spec") or {}).get("paused") or await self._is_scaling_event(d, rss):
            await self._sync_scaled(d, rss)
        elif du.is_rolling(d):
            await self._rollout_rolling(d, rss)
        else:
            await self._rollout_recreate(d, rss)

    # ReplicaSets and revisions -----------------------------------------------

    async def _replicasets(self, d: Obj, rss: list[Obj], *, create: bool
                           ) -> tuple[Obj | None, list[Obj]]:
        """(new ReplicaSet or None, old ones), revisions brought up to date."""
        new_rs = du.find_new_replicaset(d, rss)
        old_rss = [rs for rs in rss if rs is not new_rs]
        new_revision = max((du.revision(rs) for rs in old_rss), default=0) + 1
        if new_rs is not None:
            changed = du.copy_deployment_annotations(d, new_rs)
            changed |= du.set_revision(new_rs, new_revision)
            min_ready = (d.get("spec") or {}).get("minReadySeconds", 0)
            if (new_rs.get("spec") or {}).get("minReadySeconds", 0) != min_ready:
                new_rs["spec"]["minReadySeconds"] = min_ready
                changed = True
            if changed:
                md = new_rs["metadata"]
                new_rs = await self.client.patch(
                    APPS, "replicasets", md["name"],
                    {"metadata": {"annotations": md["annotations"]},
                     "spec": {"minReadySeconds": min_ready}}, md["namespace"])
            await self._set_deployment_revision(d, du.revision(new_rs))
            if du.has_progress_deadline(d) and \
                    get_condition(d.get("status"), "Progressing") is None:
                status = deep_copy(d.get("status") or {})
                du.set_deployment_condition(status, du.new_condition(
                    "Progressing", "True", du.FOUND_NEW_RS,
                    f'Found new replica set "{new_rs["metadata"]["name"]}"'))
                await self._write_status(d, status)
            return new_rs, old_rss
        if not create:
            return None, old_rss
        new_rs = await self._create_replicaset(d, old_rss, new_revision)
        return new_rs, old_rss

    async def _create_replicaset(self, d: Obj, old_rss: list[Obj], new_revision: int) -> Obj:
        spec = d["spec"]
        collisions = (d.get("status") or {}).get("collisionCount")
        template = deep_copy(spec.get("template") or {})
        pod_hash = du.template_hash(template, collisions)
        template.setdefault("metadata", {}).setdefault("labels", {})[du.HASH_LABEL] = pod_hash
        selector = deep_copy(spec.get("selector") or {})
        selector.setdefault("matchLabels", {})[du.HASH_LABEL] = pod_hash
        rs: Obj = {
            "apiVersion": APPS, "kind": "ReplicaSet",
            "metadata": {
                "name": f"{d['metadata']['name']}-{pod_hash}",
                "namespace": d["metadata"]["namespace"],
                "labels": dict(template["metadata"]["labels"]),
                "annotations": {},
                "ownerReferences": [controller_ref.new_controller_ref(d)],
            },
            "spec": {"replicas": 0, "minReadySeconds": spec.get("minReadySeconds", 0),
                     "selector": selector, "template": template},
        }
        du.copy_deployment_annotations(d, rs)
        du.set_revision(rs, new_revision)
        size = du.new_rs_new_replicas(d, [*old_rss, rs], rs)
        rs["spec"]["replicas"] = size
        du.replicas_annotations_changed(rs, du.replicas(d), du.replicas(d) + du.max_surge(d))
        try:
            created: Obj = await self.client.create(APPS, "replicasets", rs)
        except RequestError as e:
            if not is_already_exists(e):
                raise
            existing = await self.client.get(APPS, "replicasets", rs["metadata"]["name"],
                                             rs["metadata"]["namespace"])
            if controller_ref.is_controlled_by(existing, d) and du.equal_ignore_hash(
                    existing["spec"]["template"], spec.get("template") or {}):
                return existing
            # Someone else's object has our name: hash again with a new collision count.
            status = deep_copy(d.get("status") or {})
            status["collisionCount"] = int(collisions or 0) + 1
            await self._write_status(d, status)
            raise RuntimeError(f"hash collision for replica set {rs['metadata']['name']}"
                               ) from None
        if size > 0:
            self.recorder.event(d, NORMAL, "ScalingReplicaSet",
                                f"Scaled up replica set {rs['metadata']['name']} to {size} "
                                f"from 0")
        await self._set_deployment_revision(d, new_revision)
        if du.has_progress_deadline(d):
            status = deep_copy(d.get("status") or {})
            du.set_deployment_condition(status, du.new_condition(
                "Progressing", "True", du.NEW_RS_CREATED,
                f'Created new replica set "{rs["metadata"]["name"]}"'))
            await self._write_status(d, status)
        return created

    async def _set_deployment_revision(self, d: Obj, rev: int) -> None:
        annotations = d["metadata"].get("annotations") or {}
        if annotations.get(du.REVISION) == str(rev):
            return
        md = d["metadata"]
        patched = await self.client.patch(APPS, "deployments", md["name"],
                                          {"metadata": {"annotations": {du.REVISION: str(rev)}}},
                                          md["namespace"])
        md["annotations"] = patched["metadata"].get("annotations")
        md["resourceVersion"] = patched["metadata"]["resourceVersion"]

    async def _scale(self, d: Obj, rs: Obj, size: int) -> Obj:
        """Set rs's replicas (and desired/max annotations); records ScalingReplicaSet."""
        before = du.replicas(rs)
        changed = du.replicas_annotations_changed(rs, du.replicas(d),
                                                  du.replicas(d) + du.max_surge(d))
        if before == size and not changed:
            return rs
        md = rs["metadata"]
        # A patch, not an update: the ReplicaSet controller writes status all the time.
        updated: Obj = await self.client.patch(
            APPS, "replicasets", md["name"],
            {"metadata": {"annotations": md["annotations"]}, "spec": {"replicas": size}},
            md["namespace"])
        if before != size:
            direction = "up" if size > before else "down"
            self.recorder.event(d, NORMAL, "ScalingReplicaSet",
                                f"Scaled {direction} replica set {rs['metadata']['name']} to "
                                f"{size} from {before}")
        rs.clear()
        rs.update(updated)
        return rs

    async def _cleanup(self, d: Obj, old_rss: list[Obj]) -> None:
        limit = (d.get("spec") or {}).get("revisionHistoryLimit")
        if limit is None:
            return
        cleanable = [rs for rs in old_rss
                     if du.replicas(rs) == 0 and du.status_count(rs, "replicas") == 0
                     and int(rs["metadata"].get("generation") or 0)
                     <= du.status_count(rs, "observedGeneration")
                     and not rs["metadata"].get("deletionTimestamp")]
        excess = len(cleanable) - int(limit)
        for rs in sorted(cleanable, key=du.revision)[:max(excess, 0)]:
            md = rs["metadata"]
            try:
                await self.client.delete(APPS, "replicasets", md["name"], md["namespace"],
                                         preconditions={"uid": md["uid"]})
            except RequestError as e:
                if not (is_not_found(e) or is_conflict(e)):
                    raise

    # Paused and scaled ------------------------------------------------------

    async def _check_paused(self, d: Obj) -> Obj:
        cond = get_condition(d.get("status"), "Progressing")
        if cond is not None and cond.get("reason") == du.TIMED_OUT:
            return d
        paused_cond = cond is not None and cond.get("reason") == du.PAUSED
        paused = bool((d.get("spec") or {}).get("paused"))
        if paused and not paused_cond:
            new = du.new_condition("Progressing", "Unknown", du.PAUSED, "Deployment is paused")
        elif not paused and paused_cond:
            new = du.new_condition("Progressing", "Unknown", du.RESUMED,
                                   "Deployment is resumed")
        else:
            return d
        status = deep_copy(d.get("status") or {})
        du.set_deployment_condition(status, new)
        return await self._write_status(d, status)

    async def _is_scaling_event(self, d: Obj, rss: list[Obj]) -> bool:
        new_rs, old_rss = await self._replicasets(d, rss, create=False)
        for rs in _all(new_rs, old_rss):
            desired = (rs["metadata"].get("annotations") or {}).get(du.DESIRED_REPLICAS)
            if du.replicas(rs) > 0 and desired is not None and desired != str(du.replicas(d)):
                return True
        return False

    async def _sync_scaled(self, d: Obj, rss: list[Obj]) -> None:
        new_rs, old_rss = await self._replicasets(d, rss, create=False)
        await self._scale_all(d, new_rs, old_rss)
        if (d.get("spec") or {}).get("paused"):
            await self._cleanup(d, old_rss)
        await self._write_status(d, du.calculate_status(_all(new_rs, old_rss), new_rs, d))

    async def _scale_all(self, d: Obj, new_rs: Obj | None, old_rss: list[Obj]) -> None:
        target = du.find_active_or_latest(new_rs, old_rss)
        if target is not None:
            await self._scale(d, target, du.replicas(d))
            return
        if du.is_saturated(d, new_rs):
            for rs in old_rss:
                if du.replicas(rs) > 0:
                    await self._scale(d, rs, 0)
            return
        if du.is_rolling(d):
            active = [rs for rs in _all(new_rs, old_rss) if du.replicas(rs) > 0]
            sizes = du.proportional_sizes(d, active)
            for rs in active:
                await self._scale(d, rs, sizes[rs["metadata"]["name"]])

    # Rollouts ---------------------------------------------------------------

    async def _rollout_rolling(self, d: Obj, rss: list[Obj]) -> None:
        new_rs, old_rss = await self._replicasets(d, rss, create=True)
        assert new_rs is not None
        all_rss = _all(new_rs, old_rss)
        if await self._reconcile_new(d, all_rss, new_rs) or \
                await self._reconcile_old(d, all_rss, old_rss, new_rs):
            await self._sync_rollout_status(d, all_rss, new_rs)
            return
        if du.complete(d, du.calculate_status(all_rss, new_rs, d)):
            await self._cleanup(d, old_rss)
        await self._sync_rollout_status(d, all_rss, new_rs)

    async def _reconcile_new(self, d: Obj, all_rss: list[Obj], new_rs: Obj) -> bool:
        want = du.replicas(d)
        if du.replicas(new_rs) == want:
            return False
        size = want if du.replicas(new_rs) > want else du.new_rs_new_replicas(d, all_rss,
                                                                              new_rs)
        before = du.replicas(new_rs)
        await self._scale(d, new_rs, size)
        return size != before

    async def _reconcile_old(self, d: Obj, all_rss: list[Obj], old_rss: list[Obj],
                             new_rs: Obj) -> bool:
        if sum(du.replicas(rs) for rs in old_rss) == 0:
            return False
        min_available = du.replicas(d) - du.max_unavailable(d)
        new_unavailable = du.replicas(new_rs) - du.status_count(new_rs, "availableReplicas")
        budget = sum(du.replicas(rs) for rs in all_rss) - min_available - new_unavailable
        if budget <= 0:
            return False
        old_rss = sorted(old_rss, key=du.created)
        scaled = 0
        # First the old replicas that are not available anyway.
        for rs in old_rss:
            if scaled >= budget:
                break
            unhealthy = du.replicas(rs) - du.status_count(rs, "availableReplicas")
            if du.replicas(rs) == 0 or unhealthy <= 0:
                continue
            cut = min(unhealthy, budget - scaled)
            await self._scale(d, rs, du.replicas(rs) - cut)
            scaled += cut
        # Then healthy ones, oldest first, keeping min_available available.
        available = sum(du.status_count(rs, "availableReplicas") for rs in all_rss)
        room = min(available - min_available, budget - scaled)
        for rs in old_rss:
            if room <= 0:
                break
            if du.replicas(rs) == 0:
                continue
            cut = min(du.replicas(rs), room)
            await self._scale(d, rs, du.replicas(rs) - cut)
            scaled += cut
            room -= cut
        return scaled > 0

    async def _rollout_recreate(self, d: Obj, rss: list[Obj]) -> None:
        new_rs, old_rss = await self._replicasets(d, rss, create=False)
        active_old = [rs for rs in old_rss if du.replicas(rs) > 0]
        if active_old:
            for rs in active_old:
                await self._scale(d, rs, 0)
            await self._sync_rollout_status(d, _all(new_rs, old_rss), new_rs)
            return
        if self._old_pods_running(new_rs, old_rss):
            await self._sync_rollout_status(d, _all(new_rs, old_rss), new_rs)
            return
        if new_rs is None:
            new_rs, old_rss = await self._replicasets(d, rss, create=True)
            assert new_rs is not None
        await self._scale(d, new_rs, du.replicas(d))
        all_rss = _all(new_rs, old_rss)
        if du.complete(d, du.calculate_status(all_rss, new_rs, d)):
            await self._cleanup(d, old_rss)
        await self._sync_rollout_status(d, all_rss, new_rs)

    def _old_pods_running(self, new_rs: Obj | None, old_rss: list[Obj]) -> bool:
        if sum(du.status_count(rs, "replicas") for rs in old_rss) > 0:
            return True
        for rs in old_rss:
            for pod in self.pods.store.by_index("owner", rs["metadata"]["uid"]):
                if (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed"):
                    return True
        return False

    # Status -----------------------------------------------------------------

    async def _sync_rollout_status(self, d: Obj, all_rss: list[Obj], new_rs: Obj | None
                                   ) -> None:
        status = du.calculate_status(all_rss, new_rs, d)
        if not du.has_progress_deadline(d):
            status["conditions"] = [c for c in status.get("conditions") or []
                                    if c.get("type") != "Progressing"]
        cond = get_condition(d.get("status"), "Progressing")
        rs_name = new_rs["metadata"]["name"] if new_rs is not None else ""
        finished = status.get("replicas", 0) == status.get("updatedReplicas", 0) and \
            cond is not None and cond.get("reason") == du.NEW_RS_AVAILABLE
        if du.has_progress_deadline(d) and not finished:
            if du.complete(d, status):
                du.set_deployment_condition(status, du.new_condition(
                    "Progressing", "True", du.NEW_RS_AVAILABLE,
                    f'ReplicaSet "{rs_name}" has successfully progressed.'))
            elif du.progressing(d, status):
                new = du.new_condition("Progressing", "True", du.RS_UPDATED,
                                       f'ReplicaSet "{rs_name}" is progressing.')
                if cond is not None and cond.get("status") == "True":
                    new["lastTransitionTime"] = cond.get("lastTransitionTime")
                # Same reason, fresh lastUpdateTime: progress restarts the deadline.
                replace_condition(status, new)
            elif (left := du.deadline_left(d, status)) is not None and left <= 0:
                du.set_deployment_condition(status, du.new_condition(
                    "Progressing", "False", du.TIMED_OUT,
                    f'ReplicaSet "{rs_name}" has timed out progressing.'))
        d = await self._write_status(d, status)
        left = du.deadline_left(d, status)
        if left is not None and left > 0 and not du.complete(d, status):
            self.queue.add_after(object_key(d), left + 1)

    async def _write_status(self, d: Obj, status: Obj) -> Obj:
        """Write `status` if it differs; `d` becomes the object the server returned."""
        if (d.get("status") or {}) == status:
            return d
        try:
            updated: Obj = await self.client.update_status(APPS, "deployments",
                                                           {**d, "status": status})
        except RequestError as e:
            if is_not_found(e):
                return d
            raise
        d.clear()
        d.update(updated)
        return d


def _selector(d: Obj) -> LabelSelector:
    return selector_from_object((d.get("spec") or {}).get("selector"))


def _all(new_rs: Obj | None, old_rss: list[Obj]) -> list[Obj]:
    return [*old_rss, new_rs] if new_rs is not None else list(old_rss)
