"""The field manager: server-side apply, and managedFields kept on every write.

Every write records who changed what. `FieldManager.update` is called for
creates, updates and non-apply patches with the new object and the live one
(None on create): the fields the write added or changed now belong to its
manager's `Update` entry and to nobody else; fields it removed belong to
nobody. `FieldManager.apply` serves `application/apply-patch+yaml`:

1. the configuration's field set becomes the applier's `Apply` entry;
2. the configuration is merged over the live object (`typed.merge`);
3. what the applier set last time and no manager sets now is removed
   (`typed.prune`), so dropping a field from a manifest removes it;
4. fields whose value this changes and that other managers own are
   conflicts (409, `conflicts.Conflicts`) unless `force`, which takes them
   over.

Ownership leaves out what only the server sets (name, namespace, uid,
resourceVersion, generation, creationTimestamp, managedFields, apiVersion,
kind) and what the write's endpoint resets: status on the main resource of a
kind with a status subresource, everything but status on /status.

Client-side apply meets server-side apply in three places, as Kubernetes
1.32 and kubectl 1.32 arrange it:

* an object without managedFields that is applied first gets a
  `before-first-apply` Update entry owning all it holds, so what was there
  is kept and conflicts are reported;
* for the manager `kubectl`, conflicts over fields whose values still match
  the `kubectl.kubernetes.io/last-applied-configuration` annotation are
  allowed (kubectl owned them by client-side apply), and that annotation, if
  present, is rewritten to the new configuration;
* kubectl then applies the annotation alone as `kubectl-last-applied` and
  moves the client-side entries into its own with a JSON patch of
  managedFields, which a write may do: managedFields in a request replace
  the stored ones (`[]` clears them; an absent or malformed list keeps
  them).

Managers that wrote through another version of the resource (autoscaling/v1
and v2 HorizontalPodAutoscalers, core and events.k8s.io Events) keep their
entries in that version: a write's changes are converted to it (through the
stored version) to transfer ownership and find conflicts.
"""

from __future__ import annotations

import copy
import logging
import weakref
from typing import Any, Protocol

import orjson

from pyk8s.api import errors, meta
from pyk8s.api.errors import APIError, Cause
from pyk8s.api.fieldmanager import managedfields
from pyk8s.api.fieldmanager.conflicts import Conflict, Conflicts
from pyk8s.api.fieldmanager.fieldpath import FieldSet
from pyk8s.api.fieldmanager.managedfields import APPLY, UPDATE, Entry, Managed, entry_key
from pyk8s.api.fieldmanager.schema import TypedError, for_resource
from pyk8s.api.fieldmanager.typed import MISSING, compare, field_set, merge, prune
from pyk8s.api.resource import ResourceType

__all__ = ["FieldManager", "field_manager", "manager_name", "record_write",
           "request_manager", "validate_field_manager"]

log = logging.getLogger(__name__)
Obj = dict[str, Any]

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
KUBECTL = "kubectl"
BEFORE_FIRST_APPLY = "before-first-apply"
MAX_MANAGER_LENGTH = 128
MAX_ANNOTATIONS_SIZE = 256 * 1024

_SERVER_SET = FieldSet.of(
    ("f:apiVersion",), ("f:kind",), ("f:metadata",),
    *(("f:metadata", f"f:{name}") for name in (
        "name", "namespace", "creationTimestamp", "selfLink", "uid", "clusterName",
        "generation", "managedFields", "resourceVersion")))
_STATUS = FieldSet.of(("f:status",))


def manager_name(field_manager: str, user_agent: str) -> str:
    """The `fieldManager` asked for, else the User-Agent's product (`kubectl/v1.32` -> kubectl)."""
    if field_manager:
        return field_manager
    product = user_agent.split("/", 1)[0]
    return "".join(ch for ch in product if ch.isprintable())[:MAX_MANAGER_LENGTH]


def request_manager(field_manager: str, user_agent: str, options_kind: str, *,
                    apply: bool = False) -> str:
    """The manager a request writes as; 422 on its `options_kind` for a bad fieldManager."""
    validate_field_manager(field_manager, options_kind, apply=apply)
    return manager_name(field_manager, user_agent)


def validate_field_manager(value: str, options_kind: str, *, apply: bool = False) -> None:
    """422 on `CreateOptions`/`UpdateOptions`/`PatchOptions` for a bad fieldManager."""
    causes: list[Cause] = []
    if apply and not value:
        causes.append(Cause("FieldValueRequired", "Required value: is required for apply patch",
                            "fieldManager"))
    if len(value.encode()) > MAX_MANAGER_LENGTH:
        causes.append(Cause("FieldValueTooLong",
                            f"Too long: may not be more than {MAX_MANAGER_LENGTH} bytes",
                            "fieldManager"))
    for i, ch in enumerate(value):
        if not ch.isprintable():
            shown = orjson.dumps(value).decode()
            causes.append(Cause("FieldValueInvalid", f"Invalid value: {shown}: invalid "
                                f"characters at position {i}", "fieldManager"))
            break
    if causes:
        raise errors.invalid(options_kind, "", "meta.k8s.io", causes)


class Versions(Protocol):
    """Finds the other versions of a resource (the API registry)."""

    def by_kind(self, api_version: str, kind: str) -> ResourceType | None: ...


class _Diffs:
    """A write's changed and removed fields, in each API version a manager used."""

    def __init__(self, fm: FieldManager, old: Any, new: Any, subresource: str) -> None:
        self.fm, self.old, self.new, self.subresource = fm, old, new, subresource
        diff = compare(old, new, fm.node)
        self.changed = fm._owned(diff.changed(), subresource)
        self.by_version: dict[str, tuple[FieldSet, FieldSet] | None] = {
            fm.api_version: (self.changed, fm._owned(diff.removed, subresource))}

    def get(self, api_version: str) -> tuple[FieldSet, FieldSet] | None:
        """(changed, removed) as that version's paths; None if it cannot be converted."""
        if api_version not in self.by_version:
            self.by_version[api_version] = self.fm._diff_as(api_version, self.old, self.new,
                                                            self.subresource)
        return self.by_version[api_version]


class FieldManager:
    """Managed fields and server-side apply for objects of one resource version."""

    def __init__(self, r: ResourceType, versions: Versions | None = None) -> None:
        self.r = r
        self.node = for_resource(r)
        self.api_version = r.api_version
        self.versions = versions

    def _diff_as(self, api_version: str, old: Any, new: Any, subresource: str
                 ) -> tuple[FieldSet, FieldSet] | None:
        """A write's fields in another version of the resource, for its managers there."""
        other = self.versions.by_kind(api_version, self.r.kind) if self.versions else None
        if other is None or other.storage != self.r.storage:
            return None
        fm = field_manager(other, self.versions)

        def convert(obj: Any) -> Any:
            if obj is MISSING:
                return obj
            hub = self.r.to_hub(copy.deepcopy(obj)) if self.r.to_hub else obj
            return other.from_hub(copy.deepcopy(hub)) if other.from_hub else hub

        try:
            diff = compare(convert(old), convert(new), fm.node)
        except (TypedError, APIError, KeyError, TypeError, ValueError):
            return None
        return fm._owned(diff.changed(), subresource), fm._owned(diff.removed, subresource)

    # Ownership ---------------------------------------------------------

    def _owned(self, fields: FieldSet, subresource: str) -> FieldSet:
        """What a write through this endpoint can own (see the module docstring)."""
        fields = fields.difference(_SERVER_SET)
        if subresource == "status":
            status = FieldSet()
            if "f:status" in fields.members:
                status.members.add("f:status")
            if "f:status" in fields.children:
                status.children["f:status"] = fields.children["f:status"]
            return status
        if self.r.has_status:
            return fields.recursive_difference(_STATUS)
        return fields

    def _decode(self, obj: Obj | None) -> Managed:
        """The managedFields of a stored object."""
        if obj is None:
            return Managed()
        return managedfields.decode((obj.get("metadata") or {}).get("managedFields"),
                                    trusted=True)

    def _store(self, obj: Obj, managed: Managed) -> None:
        obj.setdefault("metadata", {})["managedFields"] = managedfields.encode(managed)

    # Updates -----------------------------------------------------------

    def _managed_for_update(self, live: Obj | None, new: Obj, subresource: str) -> Managed:
        """The request's managedFields if it sets valid ones, else the live object's."""
        if not subresource:
            requested = (new.get("metadata") or {}).get("managedFields")
            if managedfields.is_reset(requested):
                return Managed()
            if live is not None and requested == (live.get("metadata") or {}).get(
                    "managedFields"):
                return self._decode(live)
            try:
                managed = managedfields.decode(requested)
                if managed.entries:
                    return managed
            except ValueError:
                pass
        try:
            return self._decode(live)
        except ValueError:
            return Managed()

    def update(self, live: Obj | None, new: Obj, manager: str, subresource: str = "") -> None:
        """Record in `new` that `manager` wrote it over `live` (None: a create)."""
        try:
            managed = self._managed_for_update(live, new, subresource)
            diffs = _Diffs(self, live if live is not None else MISSING, new, subresource)
        except TypedError as e:
            log.warning("managedFields of %s %s dropped: %s", self.r.kind,
                        (new.get("metadata") or {}).get("name"), e)
            new.setdefault("metadata", {}).pop("managedFields", None)
            return
        changed = diffs.changed
        key = entry_key(manager, UPDATE, self.api_version, subresource)
        for entry in managed:
            found = diffs.get(entry.api_version)
            if found is None or not entry.overlaps(found[0].union(found[1])):
                continue
            entry.fields = entry.fields.difference(found[1])
            if entry.key != key:
                entry.fields = entry.fields.difference(found[0])
            managed.put(entry)
        if changed:
            own = managed.get(key)
            fields = own.fields.union(changed) if own is not None else changed
            managed.put(Entry(manager, UPDATE, self.api_version, fields, meta.now(),
                              subresource))
        self._store(new, managed)

    # Apply -------------------------------------------------------------

    def _check_config(self, config: Any) -> Obj:
        if not isinstance(config, dict):
            raise errors.bad_request("the applied configuration must be an object")
        group_version = config.get("apiVersion") or ""
        kind = config.get("kind") or ""
        if group_version != self.api_version or kind != self.r.kind:
            group, _, version = str(group_version).rpartition("/")
            raise errors.bad_request(f"invalid object type: {group}/{version}, Kind={kind}")
        md = config.get("metadata")
        if md is not None and not isinstance(md, dict):
            raise errors.bad_request("metadata must be an object")
        if isinstance(md, dict) and md.get("managedFields") is not None:
            raise errors.bad_request("metadata.managedFields must be nil")
        return config

    def _describe(self, obj: Obj) -> str:
        """Kubernetes' name for an object in typed errors: `ns/name; group/version, Kind=K`."""
        md = obj.get("metadata")
        if not isinstance(md, dict):
            md = {}
        return f"{md.get('namespace', '')}/{md.get('name', '')}; " \
            f"{self.r.group}/{self.r.version}, Kind={self.r.kind}"

    def check(self, config: Any) -> None:
        """Refuse a configuration that does not fit the schema (500, as kube-apiserver)."""
        config = self._check_config(config)
        try:
            field_set(config, self.node)
        except TypedError as e:
            raise APIError(500, "", f"failed to create typed patch object "
                           f"({self._describe(config)}): {e}") from None

    def apply(self, live: Obj | None, config: Any, manager: str, *, force: bool,
              subresource: str = "") -> Obj:
        """The object after `manager` applied `config` to `live` (None: it does not exist)."""
        config = self._check_config(config)
        try:
            managed = self._decode(live)
        except ValueError as e:
            raise APIError(500, "", f"failed to decode managed fields: {e}") from None
        try:
            if live is not None and not managed.entries:
                before = self._owned(compare(MISSING, live, self.node).changed(), subresource)
                if before:
                    managed.put(Entry(BEFORE_FIRST_APPLY, UPDATE, self.api_version, before,
                                      meta.now(), subresource))
            try:
                obj, managed = self._apply(live, config, managed, manager, force, subresource)
            except Conflicts as c:
                if manager != KUBECTL or live is None:
                    raise c.error() from None
                allowed = self._allowed_by_last_applied(live)
                remaining = [x for x in c.conflicts
                             if allowed is None or not allowed.has(x.path)]
                if remaining:
                    raise Conflicts(remaining).error() from None
                obj, managed = self._apply(live, config, managed, manager, True, subresource)
        except TypedError as e:
            raise APIError(500, "", f"failed to create typed live object "
                           f"({self._describe(live or config)}): {e}") from None
        if manager == KUBECTL:
            _update_last_applied(obj, config)
        self._store(obj, managed)
        return obj

    def _apply(self, live: Obj | None, config: Obj, managed: Managed, manager: str,
               force: bool, subresource: str) -> tuple[Obj, Managed]:
        try:
            configured = field_set(config, self.node)
        except TypedError as e:
            raise APIError(500, "", f"failed to create typed patch object "
                           f"({self._describe(config)}): {e}") from None
        applied = self._owned(configured, subresource)
        current = live if live is not None else MISSING
        obj = merge(current, config, self.node)
        managed = managed.copy()
        key = entry_key(manager, APPLY, "", subresource)
        last = managed.get(key)
        mine = Entry(manager, APPLY, self.api_version, applied,
                     last.time if last is not None else None, subresource)
        managed.entries[key] = mine
        if last is not None and last.fields:
            # What the configuration names is kept even where nobody can own it
            # (metadata.name): it holds the fields below it.
            keep = configured.union(_SERVER_SET)
            for entry in managed:
                if entry.api_version == self.api_version:
                    keep = keep.union(entry.fields)
            obj = prune(obj, self.node, last.fields, keep)
        diffs = _Diffs(self, current, obj, subresource)
        conflicts: list[Conflict] = []
        others: list[tuple[Entry, FieldSet, FieldSet]] = []
        for entry in managed:
            found = diffs.get(entry.api_version) if entry.key != key else None
            if found is not None and entry.overlaps(found[0].union(found[1])):
                others.append((entry, *found))
                conflicts += [Conflict(entry, p)
                              for p in entry.fields.intersection(found[0]).paths()]
        if conflicts and not force:
            raise Conflicts(conflicts)
        for entry, changed, removed in others:
            entry.fields = entry.fields.difference(changed).difference(removed)
            managed.put(entry)
        if obj != (live if live is not None else {}):
            mine.time = meta.now()
        managed.put(mine)
        return obj, managed

    def _allowed_by_last_applied(self, live: Obj) -> FieldSet | None:
        """Fields kubectl owned by client-side apply: in the annotation, with live's value."""
        text = ((live.get("metadata") or {}).get("annotations") or {}).get(LAST_APPLIED)
        if not text:
            return None
        try:
            last = orjson.loads(text)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(last, dict) or last.get("apiVersion") != self.api_version:
            return None
        try:
            owned = field_set(last, self.node)
            diff = compare(last, live, self.node)
        except TypedError:
            return None
        return owned.difference(diff.modified).difference(diff.added).difference(diff.removed)


def _update_last_applied(obj: Obj, config: Obj) -> None:
    """kubectl's server-side apply keeps an existing last-applied annotation current."""
    annotations = (obj.get("metadata") or {}).get("annotations")
    if not isinstance(annotations, dict) or not annotations.get(LAST_APPLIED):
        return
    shown = orjson.loads(orjson.dumps(config))
    md = shown.get("metadata")
    if isinstance(md, dict) and isinstance(md.get("annotations"), dict):
        md["annotations"].pop(LAST_APPLIED, None)
    annotations = dict(annotations)
    annotations[LAST_APPLIED] = _go_json(shown) + "\n"
    if sum(len(k) + len(v) for k, v in annotations.items() if isinstance(v, str)) > \
            MAX_ANNOTATIONS_SIZE:
        annotations.pop(LAST_APPLIED)
    obj["metadata"]["annotations"] = annotations


_GO_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                             "\u2028": "\\u2028", "\u2029": "\\u2029"})


def _go_json(value: Any) -> str:
    """JSON as Go's encoder writes it: sorted keys, HTML characters escaped."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode().translate(_GO_ESCAPES)


_MANAGERS: weakref.WeakKeyDictionary[ResourceType, FieldManager] = weakref.WeakKeyDictionary()


def field_manager(r: ResourceType, versions: Versions | None = None) -> FieldManager:
    """The field manager of a resource version; `versions` finds its other versions."""
    fm = _MANAGERS.get(r)
    if fm is None or (versions is not None and fm.versions is not versions):
        fm = _MANAGERS[r] = FieldManager(r, versions)
    return fm


def record_write(r: ResourceType, old: Obj | None, new: Obj, manager: str | None,
                 subresource: str = "", versions: Versions | None = None) -> None:
    """The storage's hook: account a write of `new` over `old` (None: a create).

    With a manager, the write is an Update of that manager. Without one (the
    server's own writes, or an apply that already did its accounting) the
    managedFields in `new` stand, and `old`'s are kept if `new` has none.
    """
    md = new.setdefault("metadata", {})
    if manager is not None:
        field_manager(r, versions).update(old, new, manager, subresource)
    elif "managedFields" not in md and old is not None:
        previous = (old.get("metadata") or {}).get("managedFields")
        if previous:
            md["managedFields"] = previous
    if not md.get("managedFields"):
        md.pop("managedFields", None)
