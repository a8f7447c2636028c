"""Every resource the API server serves, as the garbage collector and namespace controller
need to know them.

`discover(client)` reads legacy discovery (`/api/v1`, `/apis`, then each
group's preferred version), keeps top-level resources (no `pods/log`), and
registers each with the client's resource table so that informers and
requests can address it, custom resources included. The result is a list of
`APIResource`s: the client `Resource` plus its verbs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyk8s.client import APIClient, Resource, register

Obj = dict[str, Any]


@dataclass(frozen=True, slots=True)
class APIResource:
    resource: Resource
    verbs: frozenset[str]

    @property
    def api_version(self) -> str:
        return self.resource.api_version

    @property
    def plural(self) -> str:
        return self.resource.plural

    @property
    def kind(self) -> str:
        return self.resource.kind

    @property
    def namespaced(self) -> bool:
        return self.resource.namespaced

    def can(self, *verbs: str) -> bool:
        return all(v in self.verbs for v in verbs)


async def discover(client: APIClient) -> list[APIResource]:
    versions: list[tuple[str, str]] = [("", "v1")]
    groups = await client.request("GET", "/apis")
    for group in groups.get("groups") or []:
        preferred = (group.get("preferredVersion") or {}).get("version") or \
            ((group.get("versions") or [{}])[0]).get("version")
        if preferred:
            versions.append((group["name"], preferred))
    found = []
    for group, version in versions:
        path = f"/apis/{group}/{version}" if group else f"/api/{version}"
        listing = await client.request("GET", path)
        for r in listing.get("resources") or []:
            if "/" in r["name"]:
                continue
            resource = Resource(group, version, r["name"], r["kind"], bool(r.get("namespaced")))
            register(resource)
            found.append(APIResource(resource, frozenset(r.get("verbs") or ())))
    return found
