"""NamespaceLifecycle: objects live only in namespaces that exist and are not ending.

Creating a namespaced object in a namespace that does not exist is a 404
(`namespaces "x" not found`); in one that is Terminating, a 403 whose cause
is NamespaceTerminating, so that nothing new appears while the namespace
controller empties it. The namespaces every cluster relies on (default,
kube-system, kube-public) cannot be deleted.
"""

from __future__ import annotations

from pyk8s.api import errors
from pyk8s.apiserver.admission import AdmissionPlugin, Attributes, Obj

IMMORTAL = frozenset({"default", "kube-system", "kube-public"})


class NamespaceLifecycle(AdmissionPlugin):
    async def _namespace(self, name: str) -> Obj | None:
        namespaces = self.storages.of("namespaces")
        found = namespaces.cache.get(namespaces.key("", name))
        if found is None:  # the cache may lag a namespace created a moment ago
            kv = await namespaces.datastore.get(namespaces.key("", name))
            found = namespaces.decode(kv.value, kv.revision) if kv else None
        return found

    async def create(self, a: Attributes, obj: Obj) -> None:
        if not a.resource.namespaced:
            return
        ns = await self._namespace(a.namespace)
        if ns is None:
            raise errors.not_found("namespaces", a.namespace)
        if ns.get("metadata", {}).get("deletionTimestamp") or \
                ns.get("status", {}).get("phase") == "Terminating":
            err = errors.forbidden_message(
                f"{a.resource.plural} \"{obj['metadata'].get('name', '')}\" is forbidden: "
                f"unable to create new content in namespace {a.namespace} because it is being "
                f"terminated",
                a.resource.plural, a.resource.group, obj["metadata"].get("name", ""))
            err.details["causes"] = [{
                "reason": "NamespaceTerminating",
                "message": f"namespace {a.namespace} is being terminated",
                "field": "metadata.namespace",
            }]
            raise err

    async def delete(self, a: Attributes, obj: Obj) -> None:
        name = obj["metadata"]["name"]
        if a.resource.kind == "Namespace" and name in IMMORTAL:
            raise errors.forbidden_message(
                f'namespaces "{name}" is forbidden: this namespace may not be deleted',
                "namespaces", "", name)
