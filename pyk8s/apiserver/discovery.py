"""Discovery: how clients learn which resources exist, in both forms kubectl knows.

Legacy discovery is a tree of documents: `/api` (APIVersions), `/apis`
(APIGroupList), then one APIResourceList per group-version, subresources
spelled `pods/log`. Aggregated discovery (`apidiscovery.k8s.io/v2`) answers
`/api` and `/apis` with everything in one document when the client's Accept
asks for it, which saves kubectl a request per group-version. Both are built
from the registry, so they always agree; the documents are rebuilt only when
the registry changes (custom resources): `Discovery` keeps them, keyed by a
fingerprint of everything discovery shows about each resource.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyk8s.api.registry import Registry
from pyk8s.api.resource import ResourceType

Obj = dict[str, Any]
AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
AGGREGATED_V2BETA1 = (
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
)

# subresource -> (group, version, kind of what it answers with; None = the resource's own),
# verbs
SUBRESOURCES: dict[str, tuple[tuple[str, str, str] | None, list[str]]] = {
    "status": (None, ["get", "patch", "update"]),
    "scale": (("autoscaling", "v1", "Scale"), ["get", "patch", "update"]),
    "binding": (("", "v1", "Binding"), ["create"]),
    "finalize": (None, ["update"]),
    "log": (None, ["get"]),
    "exec": (("", "v1", "PodExecOptions"), ["create", "get"]),
    "attach": (("", "v1", "PodAttachOptions"), ["create", "get"]),
    "portforward": (("", "v1", "PodPortForwardOptions"), ["create", "get"]),
    "proxy": (("", "v1", "PodProxyOptions"), ["create", "delete", "get", "patch", "update"]),
    "eviction": (("policy", "v1", "Eviction"), ["create"]),
    "ephemeralcontainers": (None, ["get", "patch", "update"]),
    "token": (("authentication.k8s.io", "v1", "TokenRequest"), ["create"]),
}
PROXY_KINDS = {"Service": "ServiceProxyOptions", "Node": "NodeProxyOptions"}


def _sub_kind(r: ResourceType, sub: str) -> tuple[str, str, str]:
    target, _ = SUBRESOURCES.get(sub, (None, []))
    if sub == "proxy" and r.kind in PROXY_KINDS:
        return ("", "v1", PROXY_KINDS[r.kind])
    return target or (r.group, r.version, r.kind)


def _sub_verbs(sub: str) -> list[str]:
    return SUBRESOURCES.get(sub, (None, ["get"]))[1]


def resource_list(registry: Registry, group: str, version: str) -> Obj:
    resources: list[Obj] = []
    for r in registry.in_group_version(group, version):
        entry: Obj = {
            "name": r.plural,
            "singularName": r.singular,
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": list(r.verbs),
        }
        if r.short_names:
            entry["shortNames"] = list(r.short_names)
        if r.categories:
            entry["categories"] = list(r.categories)
        resources.append(entry)
        for sub in r.subresources:
            g, v, kind = _sub_kind(r, sub)
            sub_entry: Obj = {
                "name": f"{r.plural}/{sub}",
                "singularName": "",
                "namespaced": r.namespaced,
                "kind": kind,
                "verbs": _sub_verbs(sub),
            }
            if (g, v) != (r.group, r.version):
                sub_entry["group"], sub_entry["version"] = g, v
            resources.append(sub_entry)
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": resources,
    }


def api_versions(server_address: str) -> Obj:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
        ],
    }


def _group(name: str, versions: list[str]) -> Obj:
    gvs = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": gvs, "preferredVersion": gvs[0]}


def api_group_list(registry: Registry) -> Obj:
    return {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [_group(g, vs) for g, vs in registry.groups().items() if g],
    }


def api_group(registry: Registry, name: str) -> Obj | None:
    versions = registry.groups().get(name)
    if not versions or not name:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group(name, versions)}


def _aggregated_resource(r: ResourceType) -> Obj:
    entry: Obj = {
        "resource": r.plural,
        "responseKind": {"group": r.group, "version": r.version, "kind": r.kind},
        "scope": "Namespaced" if r.namespaced else "Cluster",
        "singularResource": r.singular,
        "verbs": list(r.verbs),
    }
    if r.short_names:
        entry["shortNames"] = list(r.short_names)
    if r.categories:
        entry["categories"] = list(r.categories)
    if r.subresources:
        entry["subresources"] = []
        for sub in r.subresources:
            g, v, kind = _sub_kind(r, sub)
            entry["subresources"].append({
                "subresource": sub,
                "responseKind": {"group": g, "version": v, "kind": kind},
                "verbs": _sub_verbs(sub),
            })
    return entry


def aggregated(registry: Registry, *, core: bool, api_version: str) -> Obj:
    items = []
    for group, versions in registry.groups().items():
        if (group == "") != core:
            continue
        items.append({
            "metadata": {"name": group} if group else {},
            "versions": [
                {
                    "version": v,
                    "resources": [_aggregated_resource(r)
                                  for r in registry.in_group_version(group, v)],
                    "freshness": "Current",
                }
                for v in versions
            ],
        })
    return {"kind": "APIGroupDiscoveryList", "apiVersion": api_version, "metadata": {},
            "items": items}


def wants_aggregated(accept: str) -> str | None:
    """The aggregated media type the client prefers, if any (first match wins)."""
    for part in accept.split(","):
        part = part.strip().replace(" ", "")
        if "as=APIGroupDiscoveryList" in part and "g=apidiscovery.k8s.io" in part:
            if "v=v2beta1" in part:
                return AGGREGATED_V2BETA1
            if "v=v2" in part:
                return AGGREGATED_V2
        elif part.startswith(("application/json", "*/*")):
            return None
    return None


def fingerprint(registry: Registry) -> tuple[Any, ...]:
    """What discovery shows of the registry; equal fingerprints, equal documents."""
    return tuple((id(r), r.plural, r.singular, r.kind, r.namespaced, r.verbs, r.short_names,
                  r.categories, r.subresources) for r in registry)


class Discovery:
    """The discovery documents of one registry, built once per registry change."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._fingerprint: tuple[Any, ...] | None = None
        self._docs: dict[tuple[str, ...], Obj | None] = {}

    def _cached(self, key: tuple[str, ...], build: Callable[[], Obj | None]) -> Obj | None:
        current = fingerprint(self.registry)
        if current != self._fingerprint:
            self._fingerprint = current
            self._docs = {}
        if key not in self._docs:
            self._docs[key] = build()
        return self._docs[key]

    def aggregated(self, *, core: bool, api_version: str) -> Obj:
        doc = self._cached(("aggregated", str(core), api_version),
                           lambda: aggregated(self.registry, core=core,
                                              api_version=api_version))
        assert doc is not None
        return doc

    def api_group_list(self) -> Obj:
        doc = self._cached(("groups",), lambda: api_group_list(self.registry))
        assert doc is not None
        return doc

    def api_group(self, name: str) -> Obj | None:
        return self._cached(("group", name), lambda: api_group(self.registry, name))

    def resource_list(self, group: str, version: str) -> Obj | None:
        """The APIResourceList of a group-version, or None if it is not served."""
        def build() -> Obj | None:
            if version not in self.registry.groups().get(group, []):
                return None
            return resource_list(self.registry, group, version)
        return self._cached(("resources", group, version), build)
