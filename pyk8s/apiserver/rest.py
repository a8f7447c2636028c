"""Generic REST semantics for every resource: create, get, list, update, patch, delete.

One `ResourceStorage` exists per stored resource (all versions of a resource
share it). It knows nothing about HTTP; handlers call it with a
`ResourceType` (the version the client spoke), plain dicts and options, and
get dicts back or an `APIError`. What happens on each verb is what the
Kubernetes generic registry does:

- create: metadata filled (uid, timestamps, generateName), status cleared for
  kinds with a status subresource, defaulting, admission, validation, then a
  datastore create (409 AlreadyExists on a taken key);
- update: optimistic concurrency on `metadata.resourceVersion` (409 Conflict),
  server-owned metadata carried over, status writes only through /status and
  spec writes only through the main resource, `generation` bumped on spec
  change, a no-op update writes nothing;
- patch: read, patch, then the update path; retried on conflict unless the
  patch itself names a resourceVersion;
- delete: preconditions, propagation finalizers (orphan, foregroundDeletion),
  graceful deletion of pods, finalizers keep an object (with
  deletionTimestamp) until the last one is removed by an update.

Objects are stored as JSON without `metadata.resourceVersion`: the
datastore's revision is the resourceVersion, filled in on read.
"""

from __future__ import annotations

import base64
import binascii
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from pyk8s.api import errors, meta
from pyk8s.api import validation as v
from pyk8s.api.errors import APIError
from pyk8s.api.fieldmanager import record_write
from pyk8s.api.registry import Registry
from pyk8s.api.resource import ResourceType
from pyk8s.api.selectors import FieldSelector, LabelSelector
from pyk8s.apiserver.admission import AdmissionPlugin, Attributes
from pyk8s.apiserver.watchcache import WatchCache
from pyk8s.storage.interface import (
    CompactedError,
    Datastore,
    KeyExistsError,
    KeyNotFoundError,
    KeyValue,
    RevisionConflictError,
)

Obj = dict[str, Any]
NameRule = Callable[[str], list[str]]

# Kinds whose PUT may create the object (Kubernetes' AllowCreateOnUpdate).
CREATE_ON_UPDATE = frozenset({"Endpoints", "Lease", "Event", "EndpointSlice"})
# Kinds whose DELETE answers with the deleted object rather than a Status.
RETURN_DELETED = frozenset({"Pod", "Namespace"})
# Kinds whose status a create may set (everything else starts with an empty status).
KEEP_STATUS_ON_CREATE = frozenset({"Node", "Namespace", "PersistentVolume",
                                   "PersistentVolumeClaim"})
MAX_RETRIES = 16


def finalizers_pending(obj: Obj) -> bool:
    """Does something still hold this object back from deletion?"""
    if obj.get("metadata", {}).get("finalizers"):
        return True
    return obj.get("kind") == "Namespace" and bool(obj.get("spec", {}).get("finalizers"))


def clone(obj: Obj) -> Obj:
    result: Obj = orjson.loads(orjson.dumps(obj))
    return result


@dataclass(frozen=True, slots=True)
class ListOptions:
    label_selector: LabelSelector | None = None
    field_selector: FieldSelector | None = None
    limit: int = 0
    continue_token: str = ""
    resource_version: str = ""
    resource_version_match: str = ""


@dataclass(frozen=True, slots=True)
class DeleteOptions:
    grace_period_seconds: int | None = None
    propagation_policy: str | None = None
    precondition_uid: str | None = None
    precondition_rv: str | None = None
    dry_run: bool = False


@dataclass(slots=True)
class ListResult:
    items: list[Obj]
    resource_version: str
    continue_token: str = ""
    remaining: int | None = None


@dataclass(slots=True)
class DeleteResult:
    obj: Obj  # the deleted object, or its state with deletionTimestamp while pending
    deleted: bool  # gone from the store now (False: waiting for finalizers/grace)


@dataclass
class Storages:
    """Every ResourceStorage by stored-resource name, plus shared context."""

    datastore: Datastore
    registry: Registry
    name_rules: dict[str, NameRule] = field(default_factory=dict)
    by_storage: dict[str, ResourceStorage] = field(default_factory=dict)
    admission: list[AdmissionPlugin] = field(default_factory=list)

    def for_resource(self, r: ResourceType) -> ResourceStorage:
        return self.by_storage[r.storage]

    def of(self, storage: str) -> ResourceStorage:
        return self.by_storage[storage]

    async def start(self) -> None:
        for r in self.registry:
            if r.storage not in self.by_storage:
                s = ResourceStorage(self, self.registry.hub(r))
                self.by_storage[r.storage] = s
                await s.cache.start()

    async def stop(self) -> None:
        for s in self.by_storage.values():
            await s.cache.stop()

    async def add(self, hub: ResourceType) -> ResourceStorage:
        """Serve a stored resource from now on (custom resources), or re-type it."""
        s = self.by_storage.get(hub.storage)
        if s is not None:
            s.hub = hub
            return s
        s = ResourceStorage(self, hub)
        await s.cache.start()
        self.by_storage[hub.storage] = s
        return s

    async def remove(self, storage: str) -> None:
        """Stop serving a stored resource; its watches end."""
        s = self.by_storage.pop(storage, None)
        if s is not None:
            await s.cache.stop()


def _encode_continue(revision: int, key: str) -> str:
    raw = orjson.dumps({"v": "meta.k8s.io/v1", "rv": revision, "start": key})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_continue(token: str) -> tuple[int, str]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = orjson.loads(raw)
        return int(data["rv"]), str(data["start"])
    except (binascii.Error, ValueError, KeyError, TypeError) as e:
        raise errors.bad_request(f"continue key is not valid: {e}") from None


def _parse_rv(value: str, what: str = "resourceVersion") -> int:
    try:
        rv = int(value)
    except ValueError:
        raise errors.bad_request(f"invalid {what}: {value!r}") from None
    if rv < 0:
        raise errors.bad_request(f"invalid {what}: {value!r}")
    return rv


class ResourceStorage:
    def __init__(self, storages: Storages, hub: ResourceType) -> None:
        self.storages = storages
        self.hub = hub
        self.datastore = storages.datastore
        self.prefix = f"/registry/{hub.storage}/"
        self.cache = WatchCache(self.datastore, self.prefix, self.decode)

    # Keys and codec -------------------------------------------------------

    def key(self, namespace: str, name: str) -> str:
        if self.hub.namespaced:
            return f"{self.prefix}{namespace}/{name}"
        return f"{self.prefix}{name}"

    def namespace_prefix(self, namespace: str) -> str:
        return f"{self.prefix}{namespace}/" if namespace and self.hub.namespaced else self.prefix

    @staticmethod
    def decode(value: bytes, revision: int) -> Obj:
        obj: Obj = orjson.loads(value)
        obj.setdefault("metadata", {})["resourceVersion"] = str(revision)
        return obj

    @staticmethod
    def encode(obj: Obj) -> bytes:
        md = obj.setdefault("metadata", {})
        rv = md.pop("resourceVersion", None)
        try:
            return orjson.dumps(obj)
        finally:
            if rv is not None:
                md["resourceVersion"] = rv

    def _in(self, r: ResourceType, obj: Obj) -> Obj:
        """Client version -> stored form."""
        return obj if r.to_hub is None else r.to_hub(obj)

    def _out(self, r: ResourceType, obj: Obj) -> Obj:
        """Stored form -> client version."""
        return obj if r.from_hub is None else r.from_hub(obj)

    def matcher(self, opts: ListOptions) -> Callable[[Obj], bool]:
        ls, fs = opts.label_selector, opts.field_selector
        if fs is not None:
            for f in fs.fields:
                if f not in ("metadata.name", "metadata.namespace") and \
                        f not in self.hub.field_selectors:
                    raise errors.bad_request(f'field label not supported: {f}')
        getters = self.hub.field_selectors
        if (ls is None or ls.empty) and (fs is None or not fs.requirements):
            return lambda obj: True

        def get_field(obj: Obj, f: str) -> str:
            md = obj.get("metadata", {})
            if f == "metadata.name":
                return str(md.get("name", ""))
            if f == "metadata.namespace":
                return str(md.get("namespace", ""))
            return getters[f](obj)

        def match(obj: Obj) -> bool:
            if ls is not None and not ls.matches(obj.get("metadata", {}).get("labels")):
                return False
            return fs is None or fs.matches(lambda f: get_field(obj, f))

        return match

    def _not_found(self, r: ResourceType, name: str) -> APIError:
        return errors.not_found(r.plural, name, r.group)

    # Reads ----------------------------------------------------------------

    async def get(self, r: ResourceType, namespace: str, name: str,
                  resource_version: str = "") -> Obj:
        key = self.key(namespace, name)
        if resource_version == "0":
            obj = self.cache.get(key)
        else:
            kv = await self.datastore.get(key)
            obj = self.decode(kv.value, kv.revision) if kv else None
        if obj is None:
            raise self._not_found(r, name)
        return self._out(r, obj)

    async def list(self, r: ResourceType, namespace: str, opts: ListOptions) -> ListResult:
        match = self.matcher(opts)
        prefix = self.namespace_prefix(namespace)
        if opts.continue_token:
            revision, start = _decode_continue(opts.continue_token)
            return await self._list_paged(r, prefix, match, opts.limit, revision, start)
        rv = opts.resource_version
        if rv == "0" or (rv and opts.resource_version_match in ("", "NotOlderThan")):
            # Any recent state will do: serve from memory.
            if rv != "0":
                await self.cache.wait_for(_parse_rv(rv))
            items, revision = self.cache.snapshot(prefix, match)
            return ListResult([self._out(r, o) for o in items], str(revision))
        if opts.resource_version_match not in ("", "Exact", "NotOlderThan"):
            raise errors.bad_request(
                f"invalid resourceVersionMatch: {opts.resource_version_match!r}")
        revision = _parse_rv(rv) if rv else 0
        return await self._list_paged(r, prefix, match, opts.limit, revision, None)

    async def _list_paged(self, r: ResourceType, prefix: str, match: Callable[[Obj], bool],
                          limit: int, revision: int, start: str | None) -> ListResult:
        items: list[Obj] = []
        last_key = start
        more = True
        try:
            while more and (limit <= 0 or len(items) < limit):
                want = 0 if limit <= 0 else max(limit - len(items), 64)
                page = await self.datastore.list(prefix, limit=want, start_after=last_key,
                                                 revision=revision)
                revision = page.revision
                more = page.more
                for kv in page.items:
                    last_key = kv.key
                    obj = self.decode(kv.value, kv.revision)
                    if match(obj):
                        items.append(self._out(r, obj))
                        if 0 < limit == len(items):
                            break
                if 0 < limit == len(items) and last_key != page.items[-1].key:
                    more = True
        except CompactedError as e:
            if start is not None:
                raise errors.gone(
                    "The provided continue parameter is too old to display a consistent list "
                    "result. You can start a new list without the continue parameter."
                ) from None
            raise errors.gone(f"too old resource version: {e.requested} ({e.compacted})"
                              ) from None
        token = _encode_continue(revision, last_key) if more and last_key else ""
        return ListResult(items, str(revision), token)

    # Writes ---------------------------------------------------------------

    def _attrs(self, namespace: str, user: str, dry_run: bool, sub: str = "") -> Attributes:
        return Attributes(self.hub, namespace, user, dry_run, sub)

    def _validate(self, obj: Obj, old: Obj | None, subresource: str = "",
                  spoken: ResourceType | None = None) -> None:
        """Validate the stored form by the hub's rules, or by those of the version the
        client spoke when it has its own (each version of a custom resource has a schema)."""
        r = spoken if spoken is not None and spoken.validate is not None else self.hub
        rule = self.storages.name_rules.get(r.storage, v.dns1123_subdomain_errors)
        causes = meta.validate(obj.get("metadata"), namespaced=r.namespaced, name_rule=rule,
                               kube_finalizers=r.kube_finalizers)
        if r.validate:
            causes += r.validate(obj)
        if old is not None:
            # pods/binding is the one write allowed to set an immutable spec field.
            if r.validate_update and subresource != "binding":
                causes += r.validate_update(obj, old)
            md, omd = obj.get("metadata", {}), old.get("metadata", {})
            if omd.get("deletionTimestamp"):
                added = set(md.get("finalizers") or []) - set(omd.get("finalizers") or [])
                if added:
                    causes.append(v.forbidden(
                        "metadata.finalizers",
                        f"no new finalizers can be added if the object is being deleted, "
                        f"found new finalizers {sorted(added)}"))
        if causes:
            name = obj.get("metadata", {}).get("name") or \
                obj.get("metadata", {}).get("generateName", "")
            raise errors.invalid(r.kind, name, r.group, causes)

    def _check_type(self, r: ResourceType, obj: Any) -> Obj:
        if not isinstance(obj, dict):
            raise errors.bad_request("the request body must be a JSON or YAML object")
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if api_version and api_version != r.api_version:
            raise errors.bad_request(
                f"the API version in the data ({api_version}) does not match the expected "
                f"API version ({r.api_version})")
        if kind and kind != r.kind:
            raise errors.bad_request(
                f"the kind in the data ({kind}) does not match the expected kind ({r.kind})")
        obj["apiVersion"], obj["kind"] = r.api_version, r.kind
        if not isinstance(obj.setdefault("metadata", {}), dict):
            raise errors.bad_request("metadata must be an object")
        return obj

    async def create(self, r: ResourceType, namespace: str, obj: Any, *, user: str,
                     dry_run: bool = False, manager: str | None = None) -> Obj:
        obj = self._check_type(r, obj)
        md = obj["metadata"]
        if r.namespaced:
            if md.get("namespace") and md["namespace"] != namespace:
                raise errors.bad_request(
                    "the namespace of the provided object does not match the namespace sent "
                    "on the request")
            md["namespace"] = namespace
        else:
            md.pop("namespace", None)
        if not md.get("name") and isinstance(md.get("generateName"), str) and md["generateName"]:
            md["name"] = meta.generate_name(md["generateName"])
        for f in ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds",
                  "selfLink"):
            md.pop(f, None)
        md["uid"] = meta.new_uid()
        md["creationTimestamp"] = meta.now()
        if r.tracks_generation:
            md["generation"] = 1
        else:
            md.pop("generation", None)
        if r.has_status and r.kind not in KEEP_STATUS_ON_CREATE:
            obj.pop("status", None)
        if r.default:
            r.default(obj)
        record_write(r, None, obj, manager, versions=self.storages.registry)
        stored = self._in(r, obj)
        attrs = self._attrs(namespace, user, dry_run)
        for plugin in self.storages.admission:
            await plugin.create(attrs, stored)
        self._validate(stored, None, spoken=r)
        name = stored["metadata"]["name"]
        key = self.key(namespace, name)
        if dry_run:
            if await self.datastore.get(key) is not None:
                raise errors.already_exists(r.plural, name, r.group)
            return self._out(r, stored)
        try:
            rev = await self.datastore.create(key, self.encode(stored))
        except KeyExistsError:
            raise errors.already_exists(r.plural, name, r.group) from None
        stored["metadata"]["resourceVersion"] = str(rev)
        return self._out(r, stored)

    async def _current(self, r: ResourceType, namespace: str, name: str) -> KeyValue:
        kv = await self.datastore.get(self.key(namespace, name))
        if kv is None:
            raise self._not_found(r, name)
        return kv

    async def update(self, r: ResourceType, namespace: str, name: str, obj: Any, *,
                     user: str, subresource: str = "", dry_run: bool = False,
                     manager: str | None = None) -> tuple[Obj, bool]:
        """PUT. Returns (object, created)."""
        obj = self._check_type(r, obj)
        md = obj["metadata"]
        if md.get("name") and md["name"] != name:
            raise errors.bad_request(
                f"the name of the object ({md['name']}) does not match the name on the URL "
                f"({name})")
        if r.namespaced and md.get("namespace") and md["namespace"] != namespace:
            raise errors.bad_request(
                "the namespace of the provided object does not match the namespace sent on "
                "the request")
        md["name"] = name
        wanted_rv = md.get("resourceVersion") or ""
        for _ in range(MAX_RETRIES):
            kv = await self.datastore.get(self.key(namespace, name))
            if kv is None:
                if r.kind in CREATE_ON_UPDATE and not subresource:
                    return await self.create(r, namespace, obj, user=user, dry_run=dry_run,
                                             manager=manager), True
                raise self._not_found(r, name)
            if wanted_rv and wanted_rv != str(kv.revision):
                raise errors.conflict(r.plural, name, r.group)
            try:
                return await self._write_update(r, kv, clone(obj), user=user,
                                                subresource=subresource, dry_run=dry_run,
                                                manager=manager), False
            except RevisionConflictError:
                if wanted_rv:
                    raise errors.conflict(r.plural, name, r.group) from None
        raise errors.conflict(r.plural, name, r.group, "too many concurrent updates")

    async def patch(self, r: ResourceType, namespace: str, name: str,
                    apply_patch: Callable[[Obj], Obj], *, user: str, subresource: str = "",
                    dry_run: bool = False, manager: str | None = None) -> Obj:
        for _ in range(MAX_RETRIES):
            kv = await self._current(r, namespace, name)
            current = self._out(r, self.decode(kv.value, kv.revision))
            patched = apply_patch(current)
            if not isinstance(patched, dict):
                raise errors.bad_request("the patch did not produce a JSON object")
            patched = self._check_type(r, patched)
            wanted_rv = patched["metadata"].get("resourceVersion") or ""
            if wanted_rv and wanted_rv != str(kv.revision):
                raise errors.conflict(r.plural, name, r.group)
            if patched["metadata"].get("name", name) != name:
                raise errors.bad_request("metadata.name cannot be changed by a patch")
            try:
                return await self._write_update(r, kv, patched, user=user,
                                                subresource=subresource, dry_run=dry_run,
                                                manager=manager)
            except RevisionConflictError:
                if wanted_rv:
                    raise errors.conflict(r.plural, name, r.group) from None
        raise errors.conflict(r.plural, name, r.group, "too many concurrent updates")

    async def _write_update(self, r: ResourceType, kv: KeyValue, new: Obj, *, user: str,
                            subresource: str, dry_run: bool, manager: str | None = None) -> Obj:
        """Apply update rules to `new` (client version) against the stored `kv`.

        `manager` is the field manager the write is recorded for; None keeps the
        managedFields `new` carries (the server's own writes, server-side apply).
        """
        old_stored = self.decode(kv.value, kv.revision)
        old = self._out(r, clone(old_stored))
        if subresource == "status":
            status = new.get("status")
            managed = new.get("metadata", {}).get("managedFields")
            new = clone(old)
            if status is None:
                new.pop("status", None)
            else:
                new["status"] = status
            if manager is None and managed is not None:  # server-side apply's accounting
                new["metadata"]["managedFields"] = managed
        elif subresource == "finalize":
            finalizers = (new.get("spec") or {}).get("finalizers")
            new = clone(old)
            new.setdefault("spec", {})["finalizers"] = finalizers or []
        else:
            if r.has_status:
                if "status" in old:
                    new["status"] = old["status"]
                else:
                    new.pop("status", None)
            if r.kind == "Namespace":
                new.setdefault("spec", {})["finalizers"] = old.get("spec", {}).get(
                    "finalizers", [])
        meta.carry_over(new, old)
        new["metadata"]["resourceVersion"] = str(kv.revision)
        if r.default:
            r.default(new)
        if r.tracks_generation and meta.spec_changed(new, old):
            new["metadata"]["generation"] = int(old["metadata"].get("generation", 0)) + 1
        record_write(r, old, new, manager, subresource, self.storages.registry)
        stored = self._in(r, new)
        namespace = stored["metadata"].get("namespace", "")
        attrs = self._attrs(namespace, user, dry_run, subresource)
        for plugin in self.storages.admission:
            await plugin.update(attrs, stored, old_stored)
        self._validate(stored, old_stored, subresource, spoken=r)
        if stored == old_stored:
            return self._out(r, old_stored)
        smd = stored["metadata"]
        if smd.get("deletionTimestamp") and not finalizers_pending(stored) and \
                not smd.get("deletionGracePeriodSeconds"):
            if dry_run:
                return self._out(r, stored)
            try:
                deleted = await self.datastore.delete(kv.key, kv.revision)
            except KeyNotFoundError:
                raise self._not_found(r, smd["name"]) from None
            stored["metadata"]["resourceVersion"] = str(deleted.revision)
            return self._out(r, stored)
        if dry_run:
            return self._out(r, stored)
        try:
            rev = await self.datastore.update(kv.key, self.encode(stored), kv.revision)
        except KeyNotFoundError:
            raise self._not_found(r, smd["name"]) from None
        stored["metadata"]["resourceVersion"] = str(rev)
        return self._out(r, stored)

    async def delete(self, r: ResourceType, namespace: str, name: str, opts: DeleteOptions,
                     *, user: str) -> DeleteResult:
        for _ in range(MAX_RETRIES):
            kv = await self._current(r, namespace, name)
            obj = self.decode(kv.value, kv.revision)
            md = obj["metadata"]
            if opts.precondition_uid and opts.precondition_uid != md.get("uid"):
                raise errors.conflict(
                    r.plural, name, r.group,
                    f"Precondition failed: UID in precondition: {opts.precondition_uid}, "
                    f"UID in object meta: {md.get('uid')}")
            if opts.precondition_rv and opts.precondition_rv != md.get("resourceVersion"):
                raise errors.conflict(
                    r.plural, name, r.group,
                    f"Precondition failed: ResourceVersion in precondition: "
                    f"{opts.precondition_rv}, ResourceVersion in object meta: "
                    f"{md.get('resourceVersion')}")
            attrs = self._attrs(namespace, user, opts.dry_run)
            for plugin in self.storages.admission:
                await plugin.delete(attrs, obj)
            try:
                return await self._delete_once(r, kv, obj, opts)
            except RevisionConflictError:
                continue
        raise errors.conflict(r.plural, name, r.group, "too many concurrent updates")

    def _grace_period(self, obj: Obj, opts: DeleteOptions) -> int:
        if self.hub.kind != "Pod":
            return 0
        spec, status = obj.get("spec", {}), obj.get("status", {})
        if not spec.get("nodeName") or status.get("phase") in ("Succeeded", "Failed"):
            return 0  # nothing runs it: no one would finish a graceful deletion
        if opts.grace_period_seconds is not None:
            return max(opts.grace_period_seconds, 0)
        return int(spec.get("terminationGracePeriodSeconds", 30))

    async def _delete_once(self, r: ResourceType, kv: KeyValue, obj: Obj, opts: DeleteOptions
                           ) -> DeleteResult:
        md = obj["metadata"]
        finalizers = list(md.get("finalizers") or [])
        policy = opts.propagation_policy
        if policy == "Orphan" and "orphan" not in finalizers:
            finalizers.append("orphan")
        elif policy == "Foreground" and "foregroundDeletion" not in finalizers:
            finalizers.append("foregroundDeletion")
        grace = self._grace_period(obj, opts)
        pending_grace = md.get("deletionGracePeriodSeconds")
        held = bool(finalizers) or (self.hub.kind == "Namespace" and finalizers_pending(obj))
        if md.get("deletionTimestamp") and (held or pending_grace) and \
                finalizers == (md.get("finalizers") or []) and \
                (not pending_grace or grace >= pending_grace):
            # Already being deleted; only a shorter grace period changes anything.
            return DeleteResult(self._out(r, obj), False)
        if held or grace > 0:
            now = datetime.datetime.now(datetime.UTC)
            md["deletionTimestamp"] = (now + datetime.timedelta(seconds=grace)
                                       ).strftime("%Y-%m-%dT%H:%M:%SZ")
            md["deletionGracePeriodSeconds"] = grace
            if finalizers:
                md["finalizers"] = finalizers
            if r.tracks_generation:
                md["generation"] = int(md.get("generation", 0)) + 1
            if self.hub.kind == "Namespace":
                obj.setdefault("status", {})["phase"] = "Terminating"
            if opts.dry_run:
                return DeleteResult(self._out(r, obj), False)
            rev = await self.datastore.update(kv.key, self.encode(obj), kv.revision)
            md["resourceVersion"] = str(rev)
            return DeleteResult(self._out(r, obj), False)
        if opts.dry_run:
            return DeleteResult(self._out(r, obj), True)
        try:
            deleted = await self.datastore.delete(kv.key, kv.revision)
        except KeyNotFoundError:
            raise self._not_found(r, md["name"]) from None
        md["resourceVersion"] = str(deleted.revision)
        return DeleteResult(self._out(r, obj), True)
