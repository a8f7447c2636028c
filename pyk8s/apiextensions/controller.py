"""The CRD controller: serves what CustomResourceDefinitions declare, inside the API server.

It is the one component that cannot work through the API like the others:
serving a new resource means changing the API server itself (its registry
and its storages). So it runs in the server process and follows CRDs
through the storage layer, from the CRD watch cache, with a work queue of
CRD names and one worker (name conflicts are decided one CRD at a time).

`sync(name)` is level-triggered, reading the CRD's current state:

- a live CRD whose names are free (no other CRD, nor a built-in resource,
  holds the plural, singular, short names, kind or list kind in its group)
  is installed: a `ResourceStorage` for `<plural>.<group>` (its watch cache
  starts before the resource is routable) and one `ResourceType` per served
  version in the registry, replacing the previous ones when the CRD changed.
  Discovery and OpenAPI are built from the registry, so they follow. Status
  says NamesAccepted and Established, with acceptedNames and storedVersions;
- a CRD whose names conflict gets NamesAccepted False (and is not served if
  it never was); it is retried whenever another CRD goes away;
- a CRD being deleted (which refuses new objects, see `cleanup`) has every
  custom resource deleted (objects with finalizers are waited for), then loses its
  `customresourcecleanup.apiextensions.k8s.io` finalizer, which lets the
  store delete it; when it is gone, its types and storage are removed,
  ending their watches.

`start()` installs every existing CRD before it returns, so the server turns
ready only once the custom resources of a previous run are served again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from pyk8s.api import errors
from pyk8s.api.meta import now
from pyk8s.api.registry import Registry
from pyk8s.api.resource import ResourceType
from pyk8s.api.resources._common import dicts, items, mapping, text
from pyk8s.api.resources.apiextensions import CUSTOMRESOURCEDEFINITION, validate_crd
from pyk8s.apiextensions.cleanup import FINALIZER
from pyk8s.apiextensions.customresource import served
from pyk8s.apiserver.rest import DeleteOptions, Storages
from pyk8s.client.workqueue import WorkQueue, run_workers

log = logging.getLogger(__name__)

Obj = dict[str, Any]
USER = "system:apiserver"
RETRY_DELETION = 0.5  # seconds between checks for custom resources held by finalizers


@dataclass
class Installed:
    crd_uid: str
    generation: int  # of the CRD the types were built from
    storage: str
    types: list[ResourceType]


def _condition(type_: str, ok: bool, reason: str, message: str) -> Obj:
    return {"type": type_, "status": "True" if ok else "False", "reason": reason,
            "message": message}


def _with_conditions(old: list[Obj], new: list[Obj]) -> list[Obj]:
    """`old` updated by `new`, keeping lastTransitionTime where the status is unchanged."""
    by_type = {c.get("type"): c for c in old}
    for c in new:
        prev = by_type.get(c["type"])
        c["lastTransitionTime"] = prev["lastTransitionTime"] if prev and \
            prev.get("status") == c["status"] and prev.get("lastTransitionTime") else now()
        by_type[c["type"]] = c
    return list(by_type.values())


def _names(crd: Obj) -> Obj:
    names = dict(mapping(crd, "spec", "names"))
    names.setdefault("singular", text(names, "kind").lower())
    return names


class CRDController:
    def __init__(self, storages: Storages, registry: Registry) -> None:
        self.storages = storages
        self.registry = registry
        self.crds = storages.for_resource(CUSTOMRESOURCEDEFINITION)
        self.installed: dict[str, Installed] = {}
        self.queue = WorkQueue("crd-controller")
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        found, revision = self.crds.cache.snapshot(self.crds.prefix, lambda o: True)
        # Older CRDs keep names they share with newer ones, as on the first run.
        for crd in sorted(found, key=lambda o: text(o, "metadata", "creationTimestamp")):
            try:
                await self.sync(crd["metadata"]["name"])
            except Exception:
                log.exception("serving CRD %s failed; retrying", crd["metadata"]["name"])
                self.queue.add(crd["metadata"]["name"])
        self._task = asyncio.create_task(self._run(revision), name="crd-controller")

    async def stop(self) -> None:
        self.queue.shutdown()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self, revision: int) -> None:
        while True:
            try:
                async with asyncio.TaskGroup() as tg:
                    tg.create_task(self._follow(revision))
                    tg.create_task(run_workers(self.queue, self.sync))
                return  # the queue was shut down
            except Exception:
                log.exception("CRD controller failed; restarting it in 1s")
            await asyncio.sleep(1.0)
            revision = self.crds.cache.revision
            for name in self._all_names():
                self.queue.add(name)

    async def _follow(self, revision: int) -> None:
        """Queue the name of every CRD that changes after `revision`."""
        while True:
            with contextlib.suppress(errors.APIError):  # 410: history gone, start over
                async with self.crds.cache.watch(self.crds.prefix, lambda o: True,
                                                 revision) as (initial, watcher):
                    for ev in initial:
                        revision = ev.revision
                        self.queue.add(ev.obj["metadata"]["name"])
                    while (live := await watcher.queue.get()) is not None:
                        revision = live.revision
                        self.queue.add(live.obj["metadata"]["name"])
            # The watch ended (the cache reloaded): everything may have changed.
            revision = self.crds.cache.revision
            for name in {*self.installed, *self._all_names()}:
                self.queue.add(name)

    def _all_names(self) -> list[str]:
        found, _ = self.crds.cache.snapshot(self.crds.prefix, lambda o: True)
        return [o["metadata"]["name"] for o in found]

    # Reconciling one CRD ---------------------------------------------------

    async def sync(self, name: str) -> None:
        crd = self.crds.cache.get(self.crds.key("", name))
        current = self.installed.get(name)
        if crd is None or (current and current.crd_uid != text(crd, "metadata", "uid")):
            if current is not None:
                await self._uninstall(name)
                for other in self._all_names():  # names may be free now
                    if other not in self.installed:
                        self.queue.add(other)
            if crd is None:
                return
        if validate_crd(crd):
            return  # stored before a rule existed; nothing sensible to serve
        if crd["metadata"].get("deletionTimestamp"):
            await self._terminate(crd)
            return
        conflict = self._conflict(crd)
        if conflict is None:
            await self._install(crd)
        await self._write_status(crd, conflict)

    def _conflict(self, crd: Obj) -> tuple[str, str] | None:
        """(reason, message) when another resource of the group holds one of the names."""
        names, group = _names(crd), text(crd, "spec", "group")
        mine = self.installed.get(crd["metadata"]["name"])
        taken_plural: set[str] = set()
        taken_kinds: set[str] = set()
        # The registry holds the built-in resources and every CRD served so far.
        for r in self.registry:
            if r.group != group or (mine is not None and r.storage == mine.storage):
                continue
            taken_plural |= {r.plural, r.singular, *r.short_names}
            taken_kinds |= {r.kind, r.list_kind}
        checks = [("PluralConflict", [names.get("plural")], taken_plural),
                  ("SingularConflict", [names.get("singular")], taken_plural),
                  ("ShortNamesConflict", items(names, "shortNames"), taken_plural),
                  ("KindConflict", [names.get("kind")], taken_kinds),
                  ("ListKindConflict", [names.get("listKind")], taken_kinds)]
        for reason, wanted, taken in checks:
            for n in wanted:
                if n and n in taken:
                    return reason, f'"{n}" is already in use'
        return None

    async def _install(self, crd: Obj) -> None:
        name = crd["metadata"]["name"]
        uid, generation = text(crd, "metadata", "uid"), crd["metadata"].get("generation", 0)
        old = self.installed.get(name)
        if old is not None and (old.crd_uid, old.generation) == (uid, generation):
            return  # only the status or metadata changed: the types stand
        result = served(crd)
        types = result.versions
        await self.storages.add(result.storage)
        # No await between removing the old types and adding the new: no
        # request ever finds the resource missing during an update.
        for r in old.types if old else []:
            self.registry.remove(r)
        for r in types:
            self.registry.add(r)
        self.installed[name] = Installed(uid, generation, result.storage.storage, types)

    async def _uninstall(self, name: str) -> None:
        inst = self.installed.pop(name)
        for r in inst.types:
            self.registry.remove(r)
        await self.storages.remove(inst.storage)
        log.info("stopped serving %s", inst.storage)

    async def _write_status(self, crd: Obj, conflict: tuple[str, str] | None) -> None:
        status = dict(crd.get("status") or {})
        spec_names = _names(crd)
        if conflict is None:
            accepted = _condition("NamesAccepted", True, "NoConflicts", "no conflicts found")
            status["acceptedNames"] = spec_names
        else:
            accepted = _condition("NamesAccepted", False, *conflict)
        served_now = crd["metadata"]["name"] in self.installed
        established = _condition("Established", True, "InitialNamesAccepted",
                                 "the initial names have been accepted") if served_now else \
            _condition("Established", False, "NotAccepted", "not all names are accepted")
        status["conditions"] = _with_conditions(dicts(crd, "status", "conditions"),
                                                [accepted, established])
        status.setdefault("acceptedNames", {"plural": "", "kind": ""})
        stored = list(items(crd, "status", "storedVersions"))
        storage = next(x["name"] for x in dicts(crd, "spec", "versions") if x.get("storage"))
        if storage not in stored:
            stored.append(storage)
        status["storedVersions"] = stored
        await self._put_status(crd, status)

    async def _put_status(self, crd: Obj, status: Obj) -> None:
        if status == crd.get("status"):
            return
        new = {**crd, "status": status}
        try:
            await self.crds.update(self.crds.hub, "", crd["metadata"]["name"], new, user=USER,
                                   subresource="status")
        except errors.APIError as e:
            if e.code not in (404, 409):
                raise
            self.queue.add_after(crd["metadata"]["name"], 0.05)  # a newer version is coming

    # Deletion ---------------------------------------------------------------

    async def _terminate(self, crd: Obj) -> None:
        name = crd["metadata"]["name"]
        if FINALIZER not in (crd["metadata"].get("finalizers") or []):
            return  # cleaned up; the store deletes it once other finalizers go
        inst = self.installed.get(name)
        if inst is not None:
            storage = self.storages.of(inst.storage)
            remaining, _ = storage.cache.snapshot(storage.prefix, lambda o: True)
            for obj in remaining:
                md = obj["metadata"]
                if md.get("deletionTimestamp"):
                    continue
                with contextlib.suppress(errors.APIError):
                    await storage.delete(storage.hub, md.get("namespace", ""), md["name"],
                                         DeleteOptions(), user=USER)
            left, _ = storage.cache.snapshot(storage.prefix, lambda o: True)
            if left or remaining:
                # Deletions reach the cache a moment later; objects with
                # finalizers take as long as their controllers do.
                await self._put_status(crd, {**(crd.get("status") or {}), "conditions":
                                             _with_conditions(dicts(crd, "status", "conditions"), [
                                                 _condition("Terminating", True,
                                                            "InstanceDeletionInProgress",
                                                            "CustomResource deletion is in "
                                                            "progress")])})
                self.queue.add_after(name, RETRY_DELETION)
                return
        new = {**crd, "metadata": {**crd["metadata"], "finalizers": [
            f for f in crd["metadata"].get("finalizers") or [] if f != FINALIZER]}}
        try:
            await self.crds.update(self.crds.hub, "", name, new, user=USER)
        except errors.APIError as e:
            if e.code not in (404, 409):
                raise
            self.queue.add_after(name, 0.05)
