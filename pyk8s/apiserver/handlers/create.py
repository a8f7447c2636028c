"""POST: create an object (201), honouring dryRun and fieldValidation."""

from __future__ import annotations

from aiohttp import web

from pyk8s.api.fieldmanager import request_manager
from pyk8s.apiserver.context import RequestContext


async def handle(ctx: RequestContext) -> web.StreamResponse:
    manager = request_manager(ctx.query("fieldManager"),
                              ctx.request.headers.get("User-Agent", ""), "CreateOptions")
    body = await ctx.body(validate_fields=True)
    obj = await ctx.storage.create(ctx.r, ctx.info.namespace, body, user=ctx.user.name,
                                   dry_run=ctx.dry_run, manager=manager)
    return ctx.respond(obj, 201)
