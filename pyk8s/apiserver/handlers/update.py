"""PUT: replace an object (or its status / finalize subresource).

Answers 200, or 201 for the kinds that PUT may create (Endpoints, Lease...).
"""

from __future__ import annotations

from aiohttp import web

from pyk8s.api.fieldmanager import request_manager
from pyk8s.apiserver.context import RequestContext


async def handle(ctx: RequestContext) -> web.StreamResponse:
    manager = request_manager(ctx.query("fieldManager"),
                              ctx.request.headers.get("User-Agent", ""), "UpdateOptions")
    body = await ctx.body(validate_fields=True)
    obj, created = await ctx.storage.update(
        ctx.r, ctx.namespace, ctx.info.name, body, user=ctx.user.name,
        subresource=ctx.info.subresource, dry_run=ctx.dry_run, manager=manager)
    return ctx.respond(obj, 201 if created else 200)
