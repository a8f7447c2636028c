"""Swagger 2.0: the single `/openapi/v2` document of every served resource.

The same paths and definitions as the v3 documents (`paths`, `schemas`), said
in the older dialect: references are plain `$ref`s into `#/definitions`,
bodies are `in: body` parameters, media types are `consumes`/`produces`.
kubectl asks for it as protobuf (see `gnostic`) when a server has no v3, and
for `kubectl explain --output plaintext-openapiv2`; other clients read JSON.
"""

from __future__ import annotations

from typing import Any

from pyk8s.api.openapi import paths, schemas
from pyk8s.api.resource import ResourceType

Obj = dict[str, Any]
INFO = {"title": "Kubernetes", "version": "v1.32.0"}


def _ref(name: str) -> Obj:
    return {"$ref": schemas.ref_path(name, "v2")}


def _query(name: str) -> Obj:
    type_, doc = paths.QUERY_PARAMETERS[name]
    return {"uniqueItems": True, "type": type_, "description": doc, "name": name,
            "in": "query"}


def _path_parameters(item: paths.PathItem) -> list[Obj]:
    out = [{"uniqueItems": True, "type": "string", "description": paths.PATH_PARAMETERS[n],
            "name": n, "in": "path", "required": True} for n in item.parameters]
    out.append({"uniqueItems": True, "type": "string", "description": paths.PRETTY[1],
                "name": "pretty", "in": "query"})
    return out


def operation(op: paths.Operation, tag: str) -> Obj:
    params = [_query(n) for n in op.query]
    if op.body:
        params.insert(0, {"name": "body", "in": "body", "required": op.method != "delete",
                          "schema": _ref(op.body)})
    responses: Obj = {"200": {"description": "OK", "schema": _ref(op.response)}}
    if op.created:
        responses["201"] = {"description": "Created", "schema": _ref(op.response)}
    responses["401"] = {"description": "Unauthorized"}
    out: Obj = {"description": f"{op.action} {op.gvk.kind}"}
    if op.consumes:
        out["consumes"] = list(op.consumes)
    out.update({
        "produces": list(paths.MEDIA_TYPES),
        "schemes": ["https"],
        "tags": [tag],
        "operationId": op.operation_id,
        "parameters": params,
        "responses": responses,
        "x-kubernetes-action": op.action,
        "x-kubernetes-group-version-kind": op.gvk._asdict(),
    })
    return out


def document(resources: list[ResourceType]) -> Obj:
    doc_paths: dict[str, Obj] = {}
    roots = [schemas.STATUS, schemas.DELETE_OPTIONS, schemas.PATCH]
    own: dict[str, Obj] = {}
    names = schemas.builtin_names()
    for r in resources:
        tag = paths.tag(r.group, r.version)
        for item in paths.resource_paths(r):
            entry: Obj = {op.method: operation(op, tag) for op in item.operations}
            entry["parameters"] = _path_parameters(item)
            doc_paths[item.path] = entry
        if "scale" in r.subresources:
            roots.append(paths.SCALE_SCHEMA)
        schemas.add_kind_schemas(r, names, "v2", roots, own)
    definitions = {name: schemas.definition(name, "v2") for name in schemas.closure(roots)}
    definitions.update(own)
    return {
        "swagger": "2.0",
        "info": INFO,
        "paths": dict(sorted(doc_paths.items())),
        "definitions": dict(sorted(definitions.items())),
        "securityDefinitions": {"BearerToken": {
            "type": "apiKey", "name": "authorization", "in": "header",
            "description": "Bearer token authentication."}},
        "security": [{"BearerToken": []}],
    }
