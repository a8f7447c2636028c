"""`metadata.managedFields`: who owns which fields, decoded and encoded.

Each entry is one manager's field set (`FieldsV1`) for one operation:
`Apply` entries belong to an applier and are identified by manager name
(and subresource) alone, `Update` entries by manager name, API version and
subresource, so that an updater writing through two versions has two
entries. `time` says when the entry's owner last changed the object.

Encoded entries are sorted as Kubernetes sorts them: Apply before Update,
then by time, manager, API version and subresource. At most
`MAX_UPDATE_MANAGERS` Update entries are kept; the oldest ones are merged
into one `ancient-changes` entry.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pyk8s.api.fieldmanager.fieldpath import FieldSet

__all__ = ["APPLY", "UPDATE", "Entry", "Managed", "decode", "encode"]

APPLY = "Apply"
UPDATE = "Update"
MAX_UPDATE_MANAGERS = 10
ANCIENT = "ancient-changes"

Key = tuple[str, str, str, str]  # manager, operation, apiVersion (Update only), subresource


class Entry:
    """One manager's entry. Its field set is decoded from FieldsV1 only when needed."""

    __slots__ = ("_fields", "_raw", "api_version", "manager", "operation", "subresource",
                 "time")

    def __init__(self, manager: str, operation: str, api_version: str,
                 fields: FieldSet | None, time: str | None = None, subresource: str = "", *,
                 raw: dict[str, Any] | None = None) -> None:
        self.manager = manager
        self.operation = operation
        self.api_version = api_version
        self.time = time
        self.subresource = subresource
        self._fields = fields
        self._raw = raw

    @property
    def key(self) -> Key:
        return entry_key(self.manager, self.operation, self.api_version, self.subresource)

    @property
    def fields(self) -> FieldSet:
        if self._fields is None:
            self._fields = FieldSet.from_fields_v1(self._raw or {})
        return self._fields

    @fields.setter
    def fields(self, value: FieldSet) -> None:
        self._fields = value
        self._raw = None

    def empty(self) -> bool:
        return not self._raw if self._fields is None else not self._fields

    def overlaps(self, paths: FieldSet) -> bool:
        """Does this entry own any of `paths`? (Without decoding it.)"""
        if self._fields is not None:
            return bool(self._fields.intersection(paths))
        return _overlaps(paths, self._raw or {})

    def copy(self) -> Entry:
        return Entry(self.manager, self.operation, self.api_version,
                     self._fields.copy() if self._fields is not None else None, self.time,
                     self.subresource, raw=self._raw)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"manager": self.manager, "operation": self.operation,
                               "apiVersion": self.api_version}
        if self.time is not None:
            out["time"] = self.time
        out["fieldsType"] = "FieldsV1"
        out["fieldsV1"] = self._raw if self._fields is None else self._fields.to_fields_v1()
        if self.subresource:
            out["subresource"] = self.subresource
        return out


def _overlaps(paths: FieldSet, doc: dict[str, Any]) -> bool:
    for pe in paths.members:
        sub = doc.get(pe)
        if isinstance(sub, dict) and (not sub or "." in sub):
            return True
    for pe, child in paths.children.items():
        sub = doc.get(pe)
        if isinstance(sub, dict) and _overlaps(child, sub):
            return True
    return False


def entry_key(manager: str, operation: str, api_version: str, subresource: str) -> Key:
    return (manager, operation, api_version if operation == UPDATE else "", subresource)


@dataclass
class Managed:
    """The decoded entries, by identity."""

    entries: dict[Key, Entry] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Entry]:
        return iter(list(self.entries.values()))

    def get(self, key: Key) -> Entry | None:
        return self.entries.get(key)

    def put(self, entry: Entry) -> None:
        if entry.empty():
            self.entries.pop(entry.key, None)
        else:
            self.entries[entry.key] = entry

    def copy(self) -> Managed:
        return Managed({k: e.copy() for k, e in self.entries.items()})


def decode(value: Any, *, trusted: bool = False) -> Managed:
    """Entries from `metadata.managedFields`; ValueError if they are malformed.

    `trusted` entries (read from storage) have their field sets decoded lazily.
    """
    out = Managed()
    if value is None:
        return out
    if not isinstance(value, list):
        raise ValueError("managedFields must be a list")
    for e in value:
        if not isinstance(e, dict):
            raise ValueError("a managedFields entry must be an object")
        operation = e.get("operation")
        if operation not in (APPLY, UPDATE):
            raise ValueError(f"unsupported operation {operation!r}")
        if e.get("fieldsType", "FieldsV1") != "FieldsV1":
            raise ValueError(f"unsupported fieldsType {e.get('fieldsType')!r}")
        manager, api_version = e.get("manager", ""), e.get("apiVersion", "")
        subresource, time = e.get("subresource", ""), e.get("time")
        if not all(isinstance(x, str) for x in (manager, api_version, subresource)) or \
                not isinstance(time, str | None):
            raise ValueError("malformed managedFields entry")
        raw = e.get("fieldsV1") or {}
        if trusted:
            entry = Entry(manager, operation, api_version, None, time, subresource, raw=raw)
        else:
            entry = Entry(manager, operation, api_version, FieldSet.from_fields_v1(raw),
                          _rfc3339(time), subresource)
        key = entry.key
        if key in out.entries:
            raise ValueError(f"duplicate managedFields entry for {manager!r}")
        out.entries[key] = entry
    return out


def _rfc3339(value: str | None) -> str | None:
    """A time as Kubernetes writes it (clients may send `+00:00` or fractions)."""
    if value is None:
        return None
    try:
        t = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"invalid time {value!r}") from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=datetime.UTC)
    return t.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def is_reset(value: Any) -> bool:
    """An explicit `[]` (or `[{}]`) in a request clears managedFields."""
    return isinstance(value, list) and (value == [] or value == [{}])


def _cap(managed: Managed) -> None:
    updates = sorted((e for e in managed if e.operation == UPDATE),
                     key=lambda e: (e.time or "", e.manager))
    if len(updates) <= MAX_UPDATE_MANAGERS:
        return
    ancient = next((e for e in updates if e.manager == ANCIENT), None)
    excess = [e for e in updates if e is not ancient][:len(updates) - MAX_UPDATE_MANAGERS + (
        0 if ancient is not None else 1)]
    merged = ancient.fields if ancient is not None else FieldSet()
    for e in excess:
        merged = merged.union(e.fields)
        del managed.entries[e.key]
    if ancient is not None:
        del managed.entries[ancient.key]
    last = excess[-1] if excess else ancient
    assert last is not None
    managed.put(Entry(ANCIENT, UPDATE, last.api_version, merged, last.time))


def encode(managed: Managed) -> list[dict[str, Any]]:
    """The managedFields list to store (capped and sorted)."""
    _cap(managed)
    entries = sorted(managed, key=lambda e: (e.operation, e.time or "", e.manager,
                                             e.api_version, e.subresource))
    return [e.to_dict() for e in entries]
