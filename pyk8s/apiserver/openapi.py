"""OpenAPI v3: enough for kubectl's server-side field validation and `explain`.

kubectl 1.32 will not `create -f` or `apply -f` under its default
`--validate=strict` until it has seen, in `/openapi/v3/<group-version>`, a
PATCH operation for the object's group/version/kind that declares the
`fieldValidation` parameter; then it leaves validation to the server.
The index at `/openapi/v3` points at one document per group-version with a
`?hash=` that changes when the document does (kubectl caches by URL).

Each document lists, per resource, its collection and item paths with their
operations (tagged `x-kubernetes-group-version-kind` and
`x-kubernetes-action`) and a schema entry per kind. Full field schemas come
from the typed declarations (`pyk8s/api/types/`) once they exist; until
then schemas are open objects.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from pyk8s.api.registry import Registry
from pyk8s.api.resource import ResourceType

Obj = dict[str, Any]

QUERY_PARAMS = {
    "dryRun": "When present, indicates that modifications should not be persisted.",
    "fieldManager": "A name associated with the actor or entity making these changes.",
    "fieldValidation": "Ignore, Warn or Strict: how to treat unknown or duplicate fields.",
}


def _gvk(r: ResourceType) -> Obj:
    return {"group": r.group, "version": r.version, "kind": r.kind}


def schema_name(r: ResourceType) -> str:
    group = r.group.split(".")[0] if r.group else "core"
    return f"io.k8s.api.{group}.{r.version}.{r.kind}"


def _params(*names: str) -> list[Obj]:
    return [{"name": n, "in": "query", "description": QUERY_PARAMS[n], "schema": {
        "type": "string"}, "uniqueItems": True} for n in names]


def _op(r: ResourceType, action: str, op_id: str, params: list[Obj], body: bool) -> Obj:
    ref = {"$ref": f"#/components/schemas/{schema_name(r)}"}
    op: Obj = {
        "operationId": op_id,
        "parameters": params,
        "responses": {"200": {"description": "OK", "content": {
            "application/json": {"schema": ref}}}},
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": _gvk(r),
    }
    if body:
        types = ["application/json"] if action != "patch" else [
            "application/json-patch+json", "application/merge-patch+json",
            "application/strategic-merge-patch+json", "application/apply-patch+yaml"]
        op["requestBody"] = {"content": {t: {"schema": ref} for t in types}, "required": True}
    return op


def _paths(r: ResourceType) -> dict[str, Obj]:
    base = f"/apis/{r.group}/{r.version}" if r.group else f"/api/{r.version}"
    scope = "/namespaces/{namespace}" if r.namespaced else ""
    collection = f"{base}{scope}/{r.plural}"
    item = collection + "/{name}"
    verb_id = r.kind
    write = _params("dryRun", "fieldManager", "fieldValidation")
    paths: dict[str, Obj] = {
        collection: {
            "get": _op(r, "list", f"list{verb_id}", [], False),
            "post": _op(r, "post", f"create{verb_id}", write, True),
        },
        item: {
            "get": _op(r, "get", f"read{verb_id}", [], False),
            "put": _op(r, "put", f"replace{verb_id}", write, True),
            "patch": _op(r, "patch", f"patch{verb_id}", write, True),
            "delete": _op(r, "delete", f"delete{verb_id}", _params("dryRun"), False),
        },
    }
    if r.has_status:
        paths[item + "/status"] = {
            "get": _op(r, "get", f"read{verb_id}Status", [], False),
            "put": _op(r, "put", f"replace{verb_id}Status", write, True),
            "patch": _op(r, "patch", f"patch{verb_id}Status", write, True),
        }
    return paths


def document(registry: Registry, group: str, version: str) -> Obj:
    paths: dict[str, Obj] = {}
    schemas: dict[str, Obj] = {}
    for r in registry.in_group_version(group, version):
        paths.update(_paths(r))
        schemas[schema_name(r)] = {
            "type": "object",
            "description": f"{r.kind} ({r.api_version}).",
            "x-kubernetes-group-version-kind": [_gvk(r)],
            "x-kubernetes-preserve-unknown-fields": True,
        }
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.32.0"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def path_of(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


class OpenAPI:
    """Rendered documents, cached until the registry changes."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._docs: dict[str, bytes] = {}
        self._index: bytes = b""

    def invalidate(self) -> None:
        self._docs.clear()
        self._index = b""

    def _build(self) -> None:
        index: dict[str, Obj] = {}
        for group, versions in self.registry.groups().items():
            for version in versions:
                path = path_of(group, version)
                body = orjson.dumps(document(self.registry, group, version))
                digest = hashlib.sha512(body).hexdigest()[:32].upper()
                self._docs[path] = body
                index[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={digest}"}
        self._index = orjson.dumps({"paths": index})

    def index(self) -> bytes:
        if not self._index:
            self._build()
        return self._index

    def get(self, path: str) -> bytes | None:
        if not self._index:
            self._build()
        return self._docs.get(path)
