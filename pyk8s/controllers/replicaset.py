"""ReplicaSet controller: keep `spec.replicas` pods matching the selector alive.

In: ReplicaSets and pods (shared informers, pods indexed by namespace).
Out: pod creates and deletes, adoptions and releases, the ReplicaSet's
status (replicas, fullyLabeledReplicas, readyReplicas, availableReplicas,
observedGeneration, a ReplicaFailure condition when creates fail), and
SuccessfulCreate / SuccessfulDelete / FailedCreate events.

`sync(key)` claims the namespace's active pods (controller_ref.claim), then,
unless earlier requests are still unobserved (`Expectations`), creates or
deletes the difference: at most `burst_replicas` per sync, creates in
"slow start" batches of 1, 2, 4, ... that stop at the first failure (a
quota or admission refusal fails fast instead of a thousand times), and
deletes the pods `deletion_order` ranks first (unscheduled, unready,
newer). A pod counts as gone for expectations as soon as it has a
deletionTimestamp, as in Kubernetes.

Pod events are routed to the ReplicaSet that controls the pod, or, for an
orphan, to every ReplicaSet in its namespace whose selector matches (which
may adopt it). When `minReadySeconds` is set, a ReplicaSet with ready but
not yet available pods is synced again once they would be available.

ReplicationControllers are the same controller with another kind and a map
selector (`replication.py`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from pyk8s.api.selectors import LabelSelector, selector_from_object
from pyk8s.client import (
    NORMAL,
    WARNING,
    APIStatusError,
    EventRecorder,
    RequestError,
    is_conflict,
    is_not_found,
    object_key,
    split_key,
)
from pyk8s.controllers import controller_ref
from pyk8s.controllers.conditions import format_time, get_condition
from pyk8s.controllers.context import Controller, ControllerContext, by_namespace
from pyk8s.controllers.expectations import Expectations
from pyk8s.controllers.pods import (
    deletion_order,
    is_active,
    is_available,
    is_ready,
    pod_from_template,
)

log = logging.getLogger(__name__)

Obj = dict[str, Any]
BURST_REPLICAS = 500


def namespace_terminating(e: BaseException) -> bool:
    """A create refused because the namespace is being deleted."""
    if not isinstance(e, APIStatusError) or e.code != 403:
        return False
    causes = (e.status.get("details") or {}).get("causes") or []
    return any(c.get("reason") == "NamespaceTerminating" for c in causes)


async def slow_start(count: int, create: Callable[[], Awaitable[None]]) -> tuple[int, list[
        BaseException]]:
    """Call `create` `count` times in doubling batches; stop after a batch with failures.

    Returns (successes, errors); calls never made are neither.
    """
    done, batch = 0, 1
    errors: list[BaseException] = []
    remaining = count
    while remaining > 0:
        size = min(batch, remaining)
        results = await asyncio.gather(*(create() for _ in range(size)), return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        done += size - len(errors)
        remaining -= size
        if errors:
            break
        batch *= 2
    return done, errors


class ReplicaSetController(Controller):
    name = "replicaset-controller"
    alias = "replicaset"
    component = "replicaset-controller"
    api_version = "apps/v1"
    plural = "replicasets"
    kind = "ReplicaSet"
    workers = 5
    burst_replicas = BURST_REPLICAS

    def __init__(self, ctx: ControllerContext, recorder: EventRecorder) -> None:
        super().__init__(ctx, recorder)
        self.expectations = Expectations()
        self.sets = self.watch(ctx.informers.informer(
            self.api_version, self.plural, indexers={"namespace": by_namespace}))
        self.pods = self.watch(ctx.pods())
        self.sets.add_handlers(self.enqueue, lambda old, new: self.enqueue(new),
                               self._set_deleted)
        self.pods.add_handlers(self._pod_added, self._pod_updated, self._pod_deleted)

    def selector(self, rs: Obj) -> LabelSelector:
        return selector_from_object((rs.get("spec") or {}).get("selector"))

    # Event routing ----------------------------------------------------------

    def _set_deleted(self, rs: Obj) -> None:
        self.expectations.forget(object_key(rs))

    def _owner(self, pod: Obj) -> Obj | None:
        """The controlling object of this kind, if in the cache."""
        ref = controller_ref.controller_ref(pod)
        if ref is None or ref.get("kind") != self.kind:
            return None
        owner = self.sets.store.get(f"{pod['metadata']['namespace']}/{ref['name']}")
        if owner is None or owner["metadata"].get("uid") != ref.get("uid"):
            return None
        return owner

    def _matching(self, pod: Obj) -> list[Obj]:
        labels = pod["metadata"].get("labels") or {}
        return [rs for rs in self.sets.store.by_index("namespace", pod["metadata"]["namespace"])
                if not self.selector(rs).empty and self.selector(rs).matches(labels)]

    def _pod_added(self, pod: Obj) -> None:
        if pod["metadata"].get("deletionTimestamp"):
            self._pod_deleted(pod)
            return
        owner = self._owner(pod)
        if owner is not None:
            self.expectations.creation_observed(object_key(owner))
            self.enqueue(owner)
        elif controller_ref.controller_ref(pod) is None:
            self.enqueue_all(self._matching(pod))

    def _pod_updated(self, old: Obj, new: Obj) -> None:
        if old["metadata"].get("resourceVersion") == new["metadata"].get("resourceVersion"):
            return
        labels_changed = old["metadata"].get("labels") != new["metadata"].get("labels")
        if new["metadata"].get("deletionTimestamp"):
            self._pod_deleted(new)
            if labels_changed:
                self._pod_deleted(old)
            return
        old_ref, new_ref = controller_ref.controller_ref(old), controller_ref.controller_ref(new)
        if old_ref != new_ref and old_ref is not None and (owner := self._owner(old)):
            self.enqueue(owner)
        owner = self._owner(new)
        if owner is not None:
            self.enqueue(owner)
            min_ready = int((owner.get("spec") or {}).get("minReadySeconds") or 0)
            if min_ready > 0 and not is_ready(old) and is_ready(new):
                self.queue.add_after(object_key(owner), min_ready)
        elif new_ref is None and (labels_changed or old_ref != new_ref):
            self.enqueue_all(self._matching(new))

    def _pod_deleted(self, pod: Obj) -> None:
        owner = self._owner(pod)
        if owner is not None:
            key = object_key(owner)
            self.expectations.deletion_observed(key, object_key(pod))
            self.enqueue(owner)

    # Sync -------------------------------------------------------------------

    async def sync(self, key: str) -> None:
        rs = self.sets.store.get(key)
        if rs is None:
            self.expectations.forget(key)
            return
        namespace, _ = split_key(key)
        selector = self.selector(rs)
        needs_sync = self.expectations.satisfied(key)
        active = [p for p in self.pods.store.by_index("namespace", namespace or "")
                  if is_active(p)]
        pods = await controller_ref.claim(
            self.client, rs, active,
            lambda p: not selector.empty and selector.matches(p["metadata"].get("labels")),
            api_version="v1", plural="pods", owner_plural=self.plural)
        failure: tuple[str, str] | None = None
        if needs_sync and not rs["metadata"].get("deletionTimestamp"):
            failure = await self._manage_replicas(key, rs, pods)
        status = self._status(rs, pods, failure)
        await self._write_status(rs, status)
        spec = rs.get("spec") or {}
        min_ready = int(spec.get("minReadySeconds") or 0)
        wanted = int(spec.get("replicas", 1))
        if min_ready > 0 and status.get("readyReplicas", 0) == wanted and \
                status.get("availableReplicas", 0) != wanted:
            self.queue.add_after(key, min_ready)
        if failure is not None:
            raise RuntimeError(f"{self.kind} {key}: {failure[1]}")

    async def _manage_replicas(self, key: str, rs: Obj, pods: list[Obj]
                               ) -> tuple[str, str] | None:
        """Create or delete the difference; (reason, message) of a failure, or None."""
        diff = len(pods) - int((rs.get("spec") or {}).get("replicas", 1))
        if diff < 0:
            count = min(-diff, self.burst_replicas)
            self.expectations.expect(key, adds=count)
            template = (rs.get("spec") or {}).get("template") or {}

            async def create() -> None:
                try:
                    pod = await self.client.create("v1", "pods", pod_from_template(template, rs))
                except RequestError as e:
                    self.expectations.creation_observed(key)
                    if namespace_terminating(e):
                        return
                    self.recorder.event(rs, WARNING, "FailedCreate", f"Error creating: {e}")
                    raise
                self.recorder.event(rs, NORMAL, "SuccessfulCreate",
                                    f"Created pod: {pod['metadata']['name']}")

            done, errors = await slow_start(count, create)
            skipped = count - done - len(errors)
            if skipped:
                self.expectations.creation_observed(key, skipped)
            if errors:
                return "FailedCreate", str(errors[0])
            return None
        if diff > 0:
            victims = deletion_order(pods)[:min(diff, self.burst_replicas)]
            self.expectations.expect(key, deletions=[object_key(p) for p in victims])
            results = await asyncio.gather(*(self._delete(key, rs, p) for p in victims),
                                           return_exceptions=True)
            errors = [r for r in results if isinstance(r, BaseException)]
            if errors:
                return "FailedDelete", str(errors[0])
        return None

    async def _delete(self, key: str, rs: Obj, pod: Obj) -> None:
        md = pod["metadata"]
        try:
            await self.client.delete("v1", "pods", md["name"], md["namespace"],
                                     preconditions={"uid": md["uid"]})
        except RequestError as e:
            self.expectations.deletion_observed(key, object_key(pod))
            if is_not_found(e) or is_conflict(e):
                return
            self.recorder.event(rs, WARNING, "FailedDelete", f"Error deleting: {e}")
            raise
        self.recorder.event(rs, NORMAL, "SuccessfulDelete", f"Deleted pod: {md['name']}")

    # Status -----------------------------------------------------------------

    def _status(self, rs: Obj, pods: list[Obj], failure: tuple[str, str] | None) -> Obj:
        spec = rs.get("spec") or {}
        template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") \
            or {}
        min_ready = int(spec.get("minReadySeconds") or 0)
        counts = {
            "fullyLabeledReplicas": sum(
                1 for p in pods
                if template_labels.items() <= (p["metadata"].get("labels") or {}).items()),
            "readyReplicas": sum(1 for p in pods if is_ready(p)),
            "availableReplicas": sum(1 for p in pods if is_available(p, min_ready)),
            "observedGeneration": int(rs["metadata"].get("generation") or 0),
        }
        status: Obj = {"replicas": len(pods), **{k: v for k, v in counts.items() if v}}
        if failure is not None:
            cond = get_condition(rs.get("status"), "ReplicaFailure")
            if cond is None or cond.get("reason") != failure[0]:
                cond = {"type": "ReplicaFailure", "status": "True", "reason": failure[0],
                        "message": failure[1], "lastTransitionTime": format_time()}
            status["conditions"] = [cond]
        return status

    async def _write_status(self, rs: Obj, status: Obj) -> None:
        for _ in range(3):
            if rs.get("status") == status:
                return
            try:
                await self.client.update_status(self.api_version, self.plural,
                                                {**rs, "status": status})
                return
            except RequestError as e:
                if is_not_found(e):
                    return
                if not is_conflict(e):
                    raise
            md = rs["metadata"]
            try:
                rs = await self.client.get(self.api_version, self.plural, md["name"],
                                           md["namespace"])
            except RequestError as e:
                if is_not_found(e):
                    return
                raise
