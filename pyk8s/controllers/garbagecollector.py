"""Garbage collector: objects whose owners are gone go too, as their owners were deleted.

In: every listable, watchable, deletable resource the API serves
(`discovery`, refreshed every `rediscover_period` so that custom resources
join), through shared informers indexed by uid and by owner uid. Out:
deletes of dependents, ownerReference patches, finalizer removals.

Keys are object uids. `sync(uid)` looks at one object:

- being deleted with the `orphan` finalizer (propagationPolicy=Orphan):
  the owner's reference is patched out of every dependent, then the
  finalizer removed, so the owner goes and the dependents stay;
- being deleted with `foregroundDeletion` (propagationPolicy=Foreground):
  each dependent not yet being deleted is queued (it will find its owner
  "waiting" and be deleted); once no dependent whose reference says
  `blockOwnerDeletion` remains, the finalizer is removed and the owner goes;
- having ownerReferences: each owner is looked up, in the caches first and
  then, if absent there, with a live GET (a cache may not yet have an owner
  created a moment ago; uids of owners found absent are remembered, since a
  uid never comes back). With at least one owner still there, references to
  absent or waiting owners are patched out; otherwise the object is deleted:
  in the foreground if an owner waits for it and it has dependents of its
  own, else by the finalizer it already carries, else in the background
  (propagationPolicy=Background: its own dependents then follow the same way).

Deletes carry a uid precondition, so an object recreated under the same
name is never taken for the one that lost its owner. Events route keys:
an object with owners or with a deletion finalizer is queued when it changes;
when one is deleted, its dependents (now dangling) and its owners (which may
be waiting for it) are queued.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from pyk8s.client import (
    EventRecorder,
    Informer,
    RequestError,
    by_owner_uid,
    is_conflict,
    is_not_found,
    object_key,
)
from pyk8s.controllers.context import Controller, ControllerContext
from pyk8s.controllers.discovery import APIResource, discover

log = logging.getLogger(__name__)

Obj = dict[str, Any]
ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"
ABSENT_CACHE_SIZE = 10000


def by_uid(obj: Obj) -> list[str]:
    uid = obj["metadata"].get("uid")
    return [uid] if uid else []


def _refs(obj: Obj) -> list[Obj]:
    return list(obj["metadata"].get("ownerReferences") or [])


def _finalizers(obj: Obj) -> list[str]:
    return list(obj["metadata"].get("finalizers") or [])


def _deleting(obj: Obj) -> bool:
    return bool(obj["metadata"].get("deletionTimestamp"))


class GarbageCollector(Controller):
    name = "garbage-collector-controller"
    alias = "garbagecollector"
    component = "garbage-collector-controller"
    workers = 5
    rediscover_period = 30.0

    def __init__(self, ctx: ControllerContext, recorder: EventRecorder) -> None:
        super().__init__(ctx, recorder)
        # One informer ("monitor") per resource, keyed by (apiVersion, plural).
        self.monitors: dict[tuple[str, str], Informer] = {}
        self.kinds: dict[tuple[str, str], APIResource] = {}  # (group, kind) -> resource
        self._absent: OrderedDict[str, None] = OrderedDict()

    async def run(self) -> None:
        await self._discover()
        await super().run()

    async def periodic(self) -> None:
        while True:
            await asyncio.sleep(self.rediscover_period)
            try:
                await self._discover()
            except RequestError as e:
                log.warning("garbage collector: discovery failed: %s", e)

    async def _discover(self) -> None:
        for r in await discover(self.client):
            group = r.resource.group
            self.kinds.setdefault((group, r.kind), r)
            if not r.can("list", "watch", "delete") or (r.api_version, r.plural) in \
                    self.monitors or r.plural == "events":
                continue
            informer = self.ctx.informers.informer(
                r.api_version, r.plural, indexers={"uid": by_uid, "owner": by_owner_uid})
            informer.add_handlers(self._added, self._updated, self._deleted)
            self.monitors[(r.api_version, r.plural)] = informer
            self.synced.append(informer)

    # Event routing ----------------------------------------------------------

    def _interesting(self, obj: Obj) -> bool:
        return bool(_refs(obj)) or (_deleting(obj) and bool(
            {ORPHAN, FOREGROUND} & set(_finalizers(obj))))

    def _added(self, obj: Obj) -> None:
        if self._interesting(obj):
            self.queue.add(obj["metadata"]["uid"])

    def _updated(self, old: Obj, new: Obj) -> None:
        if self._interesting(new):
            self.queue.add(new["metadata"]["uid"])
        if _refs(old) != _refs(new):
            self._enqueue_uids(ref.get("uid") for ref in _refs(old))

    def _deleted(self, obj: Obj) -> None:
        uid = obj["metadata"].get("uid")
        self._enqueue_uids(d["metadata"]["uid"] for _, d in self.dependents(uid))
        self._enqueue_uids(ref.get("uid") for ref in _refs(obj))

    def _enqueue_uids(self, uids: Iterable[str | None]) -> None:
        for uid in uids:
            if uid:
                self.queue.add(uid)

    # Lookups ----------------------------------------------------------------

    def cached(self, uid: str) -> tuple[Informer, Obj] | None:
        for informer in self.monitors.values():
            found = informer.store.by_index("uid", uid)
            if found:
                return informer, found[0]
        return None

    def dependents(self, uid: str | None) -> list[tuple[Informer, Obj]]:
        if not uid:
            return []
        return [(informer, obj) for informer in self.monitors.values()
                for obj in informer.store.by_index("owner", uid)]

    async def _owner(self, ref: Obj, namespace: str | None) -> Obj | None:
        """The owner a reference names, or None if it is gone (or never existed)."""
        uid = ref.get("uid", "")
        found = self.cached(uid)
        if found is not None:
            return found[1]
        if uid in self._absent:
            return None
        group = str(ref.get("apiVersion", "")).rpartition("/")[0]
        r = self.kinds.get((group, str(ref.get("kind", ""))))
        if r is None:
            raise RuntimeError(f"owner kind {ref.get('kind')} in {ref.get('apiVersion')} "
                               f"is not served")
        owner: Obj | None = None
        if not r.namespaced or namespace:
            try:
                owner = await self.client.get(r.api_version, r.plural, ref["name"],
                                              namespace if r.namespaced else None)
            except RequestError as e:
                if not is_not_found(e):
                    raise
        if owner is None or owner["metadata"].get("uid") != uid:
            self._absent[uid] = None
            while len(self._absent) > ABSENT_CACHE_SIZE:
                self._absent.popitem(last=False)
            return None
        return owner

    # Sync -------------------------------------------------------------------

    async def sync(self, key: str) -> None:
        found = self.cached(key)
        if found is None:
            return
        informer, obj = found
        finalizers = _finalizers(obj)
        if _deleting(obj):
            if ORPHAN in finalizers:
                await self._orphan_dependents(obj)
                await self._remove_finalizer(informer, obj, ORPHAN)
            elif FOREGROUND in finalizers:
                await self._delete_dependents(informer, obj)
            return
        if _refs(obj):
            await self._attempt_to_delete(informer, obj)

    async def _attempt_to_delete(self, informer: Informer, obj: Obj) -> None:
        md = obj["metadata"]
        solid, dangling, waiting = [], [], []
        for ref in _refs(obj):
            owner = await self._owner(ref, md.get("namespace"))
            if owner is None:
                dangling.append(ref)
            elif _deleting(owner) and FOREGROUND in _finalizers(owner):
                waiting.append(ref)
            else:
                solid.append(ref)
        if solid:
            if dangling or waiting:
                gone = {ref.get("uid") for ref in [*dangling, *waiting]}
                await self._patch_refs(informer, obj,
                                       [r for r in _refs(obj) if r.get("uid") not in gone])
            return
        if waiting and self.dependents(md["uid"]):
            policy = "Foreground"
        elif ORPHAN in _finalizers(obj):
            policy = "Orphan"
        elif FOREGROUND in _finalizers(obj):
            policy = "Foreground"
        else:
            policy = "Background"
        log.info("garbage collector: deleting %s %s (owners gone), propagation %s",
                 informer.kind, object_key(obj), policy)
        try:
            await self.client.delete(informer.api_version, informer.plural, md["name"],
                                     md.get("namespace"), propagation_policy=policy,
                                     preconditions={"uid": md["uid"]})
        except RequestError as e:
            if not (is_not_found(e) or is_conflict(e)):
                raise

    async def _delete_dependents(self, informer: Informer, owner: Obj) -> None:
        uid = owner["metadata"]["uid"]
        blocking = 0
        for _, dep in self.dependents(uid):
            if any(r.get("uid") == uid and r.get("blockOwnerDeletion") for r in _refs(dep)):
                blocking += 1
            if not _deleting(dep):
                self.queue.add(dep["metadata"]["uid"])
        if blocking == 0:
            await self._remove_finalizer(informer, owner, FOREGROUND)

    async def _orphan_dependents(self, owner: Obj) -> None:
        uid = owner["metadata"]["uid"]
        for dep_informer, dep in self.dependents(uid):
            await self._patch_refs(dep_informer, dep,
                                   [r for r in _refs(dep) if r.get("uid") != uid])

    async def _patch_refs(self, informer: Informer, obj: Obj, refs: list[Obj]) -> None:
        md = obj["metadata"]
        try:
            await self.client.patch(informer.api_version, informer.plural, md["name"],
                                    {"metadata": {"ownerReferences": refs or None,
                                                  "resourceVersion": md["resourceVersion"]}},
                                    md.get("namespace"))
        except RequestError as e:
            if not is_not_found(e):
                raise  # a conflict is retried with the newer object

    async def _remove_finalizer(self, informer: Informer, obj: Obj, finalizer: str) -> None:
        md = obj["metadata"]
        remaining = [f for f in _finalizers(obj) if f != finalizer]
        try:
            await self.client.patch(informer.api_version, informer.plural, md["name"],
                                    {"metadata": {"finalizers": remaining or None,
                                                  "resourceVersion": md["resourceVersion"]}},
                                    md.get("namespace"))
        except RequestError as e:
            if not is_not_found(e):
                raise
