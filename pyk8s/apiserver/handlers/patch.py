"""PATCH with JSON patch (RFC 6902), JSON merge patch (RFC 7386) or strategic merge patch.

The patch is applied to the current object inside the storage's
read-modify-write loop, so concurrent writers cause a retry, not a lost
update. Strategic merge patch needs the kind's declared schema
(`pyk8s.api.types`); kinds without one (custom resources) get 415 for it, as
kube-apiserver answers for them. Unknown patch types are 415.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from pyk8s.api import errors
from pyk8s.api.patch import json_patch, merge_patch
from pyk8s.api.strategicpatch import strategic_merge_patch
from pyk8s.api.types import kind_schema
from pyk8s.apiserver.context import RequestContext, decode_json
from pyk8s.apiserver.fieldvalidation import check_fields

Obj = dict[str, Any]

Patcher = Callable[[Obj, Any], Obj]

STRATEGIC = "application/strategic-merge-patch+json"
PATCHERS: dict[str, Patcher] = {
    "application/json-patch+json": json_patch,
    "application/merge-patch+json": merge_patch,
}


def patch_function(group: str, version: str, kind: str, content_type: str) -> Patcher:
    """How to apply a patch of this content type to an object of this kind; 415 if unknown."""
    if content_type in PATCHERS:
        return PATCHERS[content_type]
    if content_type == STRATEGIC:
        schema = kind_schema(group, version, kind)
        if schema is not None:
            return lambda current, body: strategic_merge_patch(current, body, schema)
    raise errors.unsupported_media_type(content_type)


def patcher(ctx: RequestContext, content_type: str, body: Any) -> Callable[[Obj], Obj]:
    r = ctx.r
    apply = patch_function(r.group, r.version, r.kind, content_type)
    mode = ctx.query("fieldValidation")

    def run(current: Obj) -> Obj:
        patched = apply(current, body)
        ctx.warnings[:] = check_fields(None, patched, ctx.r, mode)
        return patched

    return run


async def handle(ctx: RequestContext) -> web.StreamResponse:
    content_type = ctx.request.content_type
    r = ctx.r
    patch_function(r.group, r.version, r.kind, content_type)  # 415 before reading the body
    body = decode_json(await ctx.raw_body())
    obj = await ctx.storage.patch(
        ctx.r, ctx.namespace, ctx.info.name, patcher(ctx, content_type, body),
        user=ctx.user.name, subresource=ctx.info.subresource, dry_run=ctx.dry_run)
    return ctx.respond(obj)
