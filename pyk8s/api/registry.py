"""The set of resources the API server serves, looked up every way a request needs.

Resource declarations live in `pyk8s/api/resources/<group>.py`, each module
exposing `RESOURCES: list[ResourceType]`. The registry indexes them by
group/version/plural (routing), by kind (decoding bodies), by short name
(discovery) and by stored resource (watch caches, conversions). Custom
resources are added and removed at run time with `add()` and `remove()`.
"""

from __future__ import annotations

from collections.abc import Iterator

from pyk8s.api.resource import ResourceType


class Registry:
    def __init__(self, resources: list[ResourceType] | None = None) -> None:
        self._by_path: dict[tuple[str, str, str], ResourceType] = {}
        self._by_kind: dict[tuple[str, str, str], ResourceType] = {}
        self._order: list[ResourceType] = []
        for r in resources or []:
            self.add(r)

    def add(self, r: ResourceType) -> None:
        self._by_path[(r.group, r.version, r.plural)] = r
        self._by_kind[(r.group, r.version, r.kind)] = r
        self._order.append(r)

    def remove(self, r: ResourceType) -> None:
        self._by_path.pop((r.group, r.version, r.plural), None)
        self._by_kind.pop((r.group, r.version, r.kind), None)
        self._order.remove(r)

    def __iter__(self) -> Iterator[ResourceType]:
        return iter(list(self._order))

    def lookup(self, group: str, version: str, plural: str) -> ResourceType | None:
        return self._by_path.get((group, version, plural))

    def by_kind(self, api_version: str, kind: str) -> ResourceType | None:
        group, _, version = api_version.rpartition("/")
        return self._by_kind.get((group, version, kind))

    def hub(self, r: ResourceType) -> ResourceType:
        """The version a resource is stored as."""
        if r.is_hub:
            return r
        for other in self._order:
            if other.storage == r.storage and other.is_hub:
                return other
        raise LookupError(f"no storage version for {r.storage}")

    def versions_of(self, storage: str) -> list[ResourceType]:
        return [r for r in self._order if r.storage == storage]

    def groups(self) -> dict[str, list[str]]:
        """group -> versions, in declaration order (the first is preferred)."""
        out: dict[str, list[str]] = {}
        for r in self._order:
            versions = out.setdefault(r.group, [])
            if r.version not in versions:
                versions.append(r.version)
        return out

    def in_group_version(self, group: str, version: str) -> list[ResourceType]:
        return [r for r in self._order if r.group == group and r.version == version]


def builtin() -> Registry:
    """A registry holding every built-in resource."""
    from pyk8s.api.resources import ALL

    return Registry(list(ALL))
