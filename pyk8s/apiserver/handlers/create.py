"""POST: create an object (201), honouring dryRun and fieldValidation."""

from __future__ import annotations

from aiohttp import web

from pyk8s.apiserver.context import RequestContext


async def handle(ctx: RequestContext) -> web.StreamResponse:
    body = await ctx.body(validate_fields=True)
    obj = await ctx.storage.create(ctx.r, ctx.info.namespace, body, user=ctx.user.name,
                                   dry_run=ctx.dry_run)
    return ctx.respond(obj, 201)
