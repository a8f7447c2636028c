"""Namespace controller: a namespace being deleted is emptied, then let go.

In: namespaces (informer) and, per deletion, discovery of every namespaced
resource. Out: deletes of everything in the namespace, status conditions
saying what is left, and finally the namespace's `finalize` subresource.

`kubectl delete namespace x` only marks it: the API server sets
deletionTimestamp and phase Terminating, and the `kubernetes` entry in
`spec.finalizers` holds it. `sync(name)` then deletes every namespaced
resource that can be deleted there (deletecollection where served, else one
by one; background propagation), lists again, and:

- if anything is left (pods finishing their grace period, objects held by
  finalizers), records NamespaceContentRemaining / NamespaceFinalizersRemaining
  conditions and looks again after `recheck_delay`;
- if nothing is left, PUTs `namespaces/x/finalize` without `kubernetes`;
  with no other finalizer the API server then deletes the namespace.

New content cannot appear meanwhile: the NamespaceLifecycle admission
plugin refuses creates in a Terminating namespace.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from typing import Any

from pyk8s.client import EventRecorder, RequestError, is_conflict, is_not_found
from pyk8s.controllers.conditions import format_time
from pyk8s.controllers.context import Controller, ControllerContext
from pyk8s.controllers.discovery import APIResource, discover

log = logging.getLogger(__name__)

Obj = dict[str, Any]
FINALIZER = "kubernetes"
DISCOVERY_TTL = 30.0
CONDITION_TYPES = ("NamespaceDeletionDiscoveryFailure", "NamespaceDeletionContentFailure",
                   "NamespaceContentRemaining", "NamespaceFinalizersRemaining")


class NamespaceController(Controller):
    name = "namespace-controller"
    alias = "namespace"
    component = "namespace-controller"
    workers = 5
    recheck_delay = 1.0

    def __init__(self, ctx: ControllerContext, recorder: EventRecorder) -> None:
        super().__init__(ctx, recorder)
        self.namespaces = self.watch(ctx.informers.informer("v1", "namespaces"))
        self.namespaces.add_handlers(self._changed, lambda old, new: self._changed(new))
        self._resources: list[APIResource] = []
        self._discovered_at = -DISCOVERY_TTL

    def _changed(self, ns: Obj) -> None:
        if ns["metadata"].get("deletionTimestamp"):
            self.enqueue(ns)

    async def _namespaced_resources(self) -> list[APIResource]:
        if time.monotonic() - self._discovered_at > DISCOVERY_TTL:
            self._resources = [r for r in await discover(self.client)
                               if r.namespaced and r.can("list", "delete")]
            self._discovered_at = time.monotonic()
        return self._resources

    async def sync(self, key: str) -> None:
        ns = self.namespaces.store.get(key)
        if ns is None or not ns["metadata"].get("deletionTimestamp"):
            return
        if FINALIZER not in ((ns.get("spec") or {}).get("finalizers") or []):
            return
        left: Counter[str] = Counter()
        held: Counter[str] = Counter()
        for r in await self._namespaced_resources():
            remaining = await self._delete_all(r, key)
            for obj in remaining:
                left[f"{r.plural}.{r.resource.group}" if r.resource.group else r.plural] += 1
                for finalizer in obj["metadata"].get("finalizers") or []:
                    held[finalizer] += 1
        if left:
            await self._write_conditions(ns, left, held)
            self.queue.add_after(key, self.recheck_delay)
            return
        finalizers = [f for f in ns["spec"]["finalizers"] if f != FINALIZER]
        try:
            await self.client.update("v1", "namespaces",
                                     {**ns, "spec": {**ns["spec"], "finalizers": finalizers}},
                                     subresource="finalize")
        except RequestError as e:
            if not (is_not_found(e) or is_conflict(e)):
                raise
            if is_conflict(e):
                self.queue.add_after(key, self.recheck_delay)

    async def _delete_all(self, r: APIResource, namespace: str) -> list[Obj]:
        """Delete everything of `r` in `namespace`; what is still there afterwards."""
        items = (await self.client.list(r.api_version, r.plural, namespace)).get("items") or []
        live = [o for o in items if not o["metadata"].get("deletionTimestamp")]
        if live:
            if r.can("deletecollection"):
                await self.client.request(
                    "DELETE", r.resource.path(namespace),
                    body={"kind": "DeleteOptions", "apiVersion": "v1",
                          "propagationPolicy": "Background"})
            else:
                await asyncio.gather(*(self._delete(r, o) for o in live))
            items = (await self.client.list(r.api_version, r.plural, namespace)).get(
                "items") or []
        return list(items)

    async def _delete(self, r: APIResource, obj: Obj) -> None:
        md = obj["metadata"]
        try:
            await self.client.delete(r.api_version, r.plural, md["name"], md["namespace"],
                                     propagation_policy="Background")
        except RequestError as e:
            if not is_not_found(e):
                raise

    async def _write_conditions(self, ns: Obj, left: Counter[str], held: Counter[str]) -> None:
        t = format_time()
        content = ", ".join(f"{plural} has {n} resource instances" for plural, n in
                            sorted(left.items()))
        finalizers = ", ".join(f"{f} in {n} resource instances" for f, n in
                               sorted(held.items()))
        wanted = {
            "NamespaceContentRemaining": ("True", "SomeResourcesRemain",
                                          f"Some resources are remaining: {content}"),
            "NamespaceFinalizersRemaining": (
                ("True", "SomeFinalizersRemain", f"Some content in the namespace has "
                                                 f"finalizers remaining: {finalizers}")
                if held else ("False", "ContentHasNoFinalizers",
                              "All content-preserving finalizers finished")),
        }
        old = {c.get("type"): c for c in (ns.get("status") or {}).get("conditions") or []}
        conditions = []
        for type_ in CONDITION_TYPES:
            if type_ not in wanted:
                if type_ in old:
                    conditions.append(old[type_])
                continue
            status, reason, message = wanted[type_]
            prev = old.get(type_)
            if prev and (prev.get("status"), prev.get("reason"), prev.get("message")) == \
                    (status, reason, message):
                conditions.append(prev)
            else:
                conditions.append({"type": type_, "status": status, "reason": reason,
                                   "message": message, "lastTransitionTime": t})
        if conditions == (ns.get("status") or {}).get("conditions"):
            return
        try:
            await self.client.update_status("v1", "namespaces", {
                **ns, "status": {**(ns.get("status") or {}), "conditions": conditions}})
        except RequestError as e:
            if not (is_not_found(e) or is_conflict(e)):
                raise
