"""PATCH with JSON patch (RFC 6902) or JSON merge patch (RFC 7386).

The patch is applied to the current object inside the storage's
read-modify-write loop, so concurrent writers cause a retry, not a lost
update. Unknown patch types are 415.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from pyk8s.api import errors
from pyk8s.api.patch import json_patch, merge_patch
from pyk8s.apiserver.context import RequestContext, decode_json
from pyk8s.apiserver.fieldvalidation import check_fields

Obj = dict[str, Any]

PATCHERS: dict[str, Callable[[Obj, Any], Obj]] = {
    "application/json-patch+json": json_patch,
    "application/merge-patch+json": merge_patch,
}


def patcher(ctx: RequestContext, content_type: str, body: Any) -> Callable[[Obj], Obj]:
    try:
        apply = PATCHERS[content_type]
    except KeyError:
        raise errors.unsupported_media_type(content_type) from None
    mode = ctx.query("fieldValidation")

    def run(current: Obj) -> Obj:
        patched = apply(current, body)
        ctx.warnings[:] = check_fields(None, patched, ctx.r, mode)
        return patched

    return run


async def handle(ctx: RequestContext) -> web.StreamResponse:
    content_type = ctx.request.content_type
    if content_type not in PATCHERS:
        raise errors.unsupported_media_type(content_type)
    body = decode_json(await ctx.raw_body())
    obj = await ctx.storage.patch(
        ctx.r, ctx.namespace, ctx.info.name, patcher(ctx, content_type, body),
        user=ctx.user.name, subresource=ctx.info.subresource, dry_run=ctx.dry_run)
    return ctx.respond(obj)
