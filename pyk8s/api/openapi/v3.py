"""OpenAPI v3: one document per group-version, as `/openapi/v3/apis/<group>/<version>`.

A document holds the paths of the group-version's resources (see `paths`)
and, under `components.schemas`, the definitions they reach: the kinds'
schemas derived from `pyk8s.api.types` (or a custom resource's own
openAPIV3Schema) and everything those refer to, ObjectMeta included, so a
client never needs another document to resolve a reference.
"""

from __future__ import annotations

from typing import Any

from pyk8s.api.openapi import paths, schemas
from pyk8s.api.resource import ResourceType

Obj = dict[str, Any]
INFO = {"title": "Kubernetes", "version": "v1.32.0"}
BEARER = {"BearerToken": {"type": "apiKey", "name": "authorization", "in": "header",
                          "description": "Bearer token authentication."}}


def _ref(name: str) -> Obj:
    return {"$ref": schemas.ref_path(name, "v3")}


def _query(name: str) -> Obj:
    type_, doc = paths.QUERY_PARAMETERS[name]
    return {"name": name, "in": "query", "description": doc,
            "schema": {"type": type_, "uniqueItems": True}}


def _path_parameters(item: paths.PathItem) -> list[Obj]:
    out = [{"name": n, "in": "path", "description": paths.PATH_PARAMETERS[n],
            "required": True, "schema": {"type": "string", "uniqueItems": True}}
           for n in item.parameters]
    out.append({"name": "pretty", "in": "query", "description": paths.PRETTY[1],
                "schema": {"type": "string", "uniqueItems": True}})
    return out


def _content(name: str, media_types: tuple[str, ...]) -> Obj:
    return {t: {"schema": _ref(name)} for t in media_types}


def operation(op: paths.Operation, tag: str) -> Obj:
    ok = {"description": "OK", "content": _content(op.response, paths.MEDIA_TYPES)}
    responses: Obj = {"200": ok}
    if op.created:
        responses["201"] = {"description": "Created",
                            "content": _content(op.response, paths.MEDIA_TYPES)}
    responses["401"] = {"description": "Unauthorized"}
    out: Obj = {
        "tags": [tag],
        "description": f"{op.action} {op.gvk.kind}",
        "operationId": op.operation_id,
        "parameters": [_query(n) for n in op.query],
    }
    if op.body:
        out["requestBody"] = {"content": _content(op.body, op.consumes),
                              "required": op.method != "delete"}
    out["responses"] = responses
    out["x-kubernetes-action"] = op.action
    out["x-kubernetes-group-version-kind"] = op.gvk._asdict()
    return out


def document(resources: list[ResourceType], group: str, version: str) -> Obj:
    """The document of one group-version, serving `resources`."""
    tag = paths.tag(group, version)
    doc_paths: dict[str, Obj] = {}
    builtin_roots = [schemas.STATUS, schemas.DELETE_OPTIONS, schemas.PATCH]
    own: dict[str, Obj] = {}
    names = schemas.builtin_names()
    for r in resources:
        for item in paths.resource_paths(r):
            entry: Obj = {"parameters": _path_parameters(item)}
            for op in item.operations:
                entry[op.method] = operation(op, tag)
            doc_paths[item.path] = entry
        if "scale" in r.subresources:
            builtin_roots.append(paths.SCALE_SCHEMA)
        schemas.add_kind_schemas(r, names, "v3", builtin_roots, own)
    components = {name: schemas.definition(name, "v3")
                  for name in schemas.closure(builtin_roots)}
    components.update(own)
    return {
        "openapi": "3.0.0",
        "info": INFO,
        "paths": doc_paths,
        "components": {"schemas": dict(sorted(components.items())),
                       "securitySchemes": BEARER},
    }
