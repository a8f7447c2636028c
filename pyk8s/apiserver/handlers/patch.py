"""PATCH: JSON patch, JSON merge patch, strategic merge patch, and server-side apply.

The patch is applied to the current object inside the storage's
read-modify-write loop, so concurrent writers cause a retry, not a lost
update. Strategic merge patch needs the kind's declared schema
(`pyk8s.api.types`); kinds without one (custom resources) get 415 for it, as
kube-apiserver answers for them. Unknown patch types are 415.

Every patch is recorded in managedFields for its manager (`fieldManager`,
else the client's User-Agent). `application/apply-patch+yaml` is
server-side apply (`pyk8s.api.fieldmanager`): the body is the applier's
whole configuration, `fieldManager` is required, `force=true` takes fields
over from other managers instead of failing with 409, and applying an
object that does not exist creates it (201). `force` on any other patch
type is refused (422), as kube-apiserver refuses it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml
from aiohttp import web

from pyk8s.api import errors
from pyk8s.api.errors import APIError, Cause
from pyk8s.api.fieldmanager import field_manager, request_manager
from pyk8s.api.patch import json_patch, merge_patch
from pyk8s.api.resource import ResourceType
from pyk8s.api.strategicpatch import strategic_merge_patch
from pyk8s.api.types import kind_schema
from pyk8s.apiserver.context import YAML_LOADER, RequestContext, decode_json
from pyk8s.apiserver.fieldvalidation import check_fields, check_patched_fields

Obj = dict[str, Any]

Patcher = Callable[[Obj, Any], Obj]

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"
PATCHERS: dict[str, Patcher] = {
    JSON_PATCH: json_patch,
    MERGE_PATCH: merge_patch,
}


def patch_function(group: str, version: str, kind: str, content_type: str) -> Patcher:
    """How to apply a patch of this content type to an object of this kind; 415 if unknown."""
    if content_type in PATCHERS:
        return PATCHERS[content_type]
    schema = kind_schema(group, version, kind)
    if content_type == STRATEGIC and schema is not None:
        return lambda current, body: strategic_merge_patch(current, body, schema)
    accepted = (JSON_PATCH, MERGE_PATCH, APPLY) if schema is None else \
        (JSON_PATCH, MERGE_PATCH, STRATEGIC, APPLY)
    raise errors.unsupported_media_type(content_type, accepted)


def patcher(ctx: RequestContext, content_type: str, body: Any) -> Callable[[Obj], Obj]:
    r = ctx.r
    apply = patch_function(r.group, r.version, r.kind, content_type)
    mode = ctx.query("fieldValidation")
    earlier = list(ctx.warnings)  # e.g. a deprecated version's

    def run(current: Obj) -> Obj:
        patched = _without_unchanged_version(current, apply(current, body))
        ctx.warnings[:] = [*earlier, *check_patched_fields(body, current, patched, ctx.r, mode)]
        return patched

    return run


def _without_unchanged_version(current: Obj, patched: Any) -> Any:
    """Drop a resourceVersion the patch left as it was: it is no precondition.

    (A patch naming the current version still gets one: after a concurrent
    write, the retry patches a newer object and the versions differ.)
    """
    md = patched.get("metadata") if isinstance(patched, dict) else None
    if isinstance(md, dict) and md.get("resourceVersion") == \
            current.get("metadata", {}).get("resourceVersion"):
        md.pop("resourceVersion", None)
    return patched


async def handle(ctx: RequestContext) -> web.StreamResponse:
    content_type = ctx.request.content_type
    r = ctx.r
    is_apply = content_type == APPLY
    if not is_apply:
        patch_function(r.group, r.version, r.kind, content_type)  # 415 before the body
        if "force" in ctx.request.query:
            raise errors.invalid("PatchOptions", "", "meta.k8s.io", [Cause(
                "FieldValueForbidden", "Forbidden: may not be specified for non-apply patch",
                "force")])
    manager = request_manager(ctx.query("fieldManager"),
                              ctx.request.headers.get("User-Agent", ""), "PatchOptions",
                              apply=is_apply)
    raw = await ctx.raw_body()
    if is_apply:
        return await _apply(ctx, raw, manager)
    obj = await ctx.storage.patch(
        r, ctx.namespace, ctx.info.name, patcher(ctx, content_type, decode_json(raw)),
        user=ctx.user.name, subresource=ctx.info.subresource, dry_run=ctx.dry_run,
        manager=manager)
    return ctx.respond(obj)


def _decode_config(raw: bytes) -> Obj:
    try:
        config = yaml.load(raw, Loader=YAML_LOADER)
    except yaml.YAMLError as e:
        raise errors.bad_request(f"error decoding YAML: {e}") from None
    if not isinstance(config, dict):
        raise errors.bad_request("error decoding YAML: the applied configuration must be an "
                                 "object")
    return config


def _check_names(config: Obj, r: ResourceType, name: str, namespace: str) -> None:
    md = config.setdefault("metadata", {})
    if not isinstance(md, dict):
        raise errors.bad_request("metadata must be an object")
    if md.get("name", name) != name:
        raise errors.bad_request(f"the name of the object ({md.get('name')}) does not match "
                                 f"the name on the URL ({name})")
    if r.namespaced and md.get("namespace", namespace) != namespace:
        raise errors.bad_request(f"the namespace of the object ({md.get('namespace')}) does "
                                 f"not match the namespace on the URL ({namespace})")
    md["name"] = name


def _object_missing(e: APIError, r: ResourceType, name: str) -> bool:
    return e.code == 404 and e.details.get("name") == name and \
        e.details.get("kind") == r.plural


async def _apply(ctx: RequestContext, raw: bytes, manager: str) -> web.StreamResponse:
    """Server-side apply: patch the live object, or create it."""
    r, name, sub = ctx.r, ctx.info.name, ctx.info.subresource
    config = _decode_config(raw)
    _check_names(config, r, name, ctx.namespace)
    fm = field_manager(r, ctx.storages.registry)
    fm.check(config)  # undeclared fields fail here, whatever fieldValidation says
    ctx.warnings += check_fields(raw, config, r, ctx.query("fieldValidation"))
    force = ctx.flag("force")

    def run(current: Obj) -> Obj:
        return _without_unchanged_version(
            current, fm.apply(current, config, manager, force=force, subresource=sub))

    async def patch_live() -> Obj:
        return await ctx.storage.patch(r, ctx.namespace, name, run, user=ctx.user.name,
                                       subresource=sub, dry_run=ctx.dry_run)

    try:
        return ctx.respond(await patch_live())
    except APIError as e:
        if sub or not _object_missing(e, r, name):
            raise
    try:
        created = await ctx.storage.create(
            r, ctx.info.namespace, fm.apply(None, config, manager, force=force),
            user=ctx.user.name, dry_run=ctx.dry_run)
        return ctx.respond(created, 201)
    except APIError as e:
        if e.reason != "AlreadyExists":
            raise
    return ctx.respond(await patch_live())  # someone created it meanwhile
