"""GET of one object: `kubectl get pod web -o yaml`."""

from __future__ import annotations

from aiohttp import web

from pyk8s.apiserver.context import RequestContext


async def handle(ctx: RequestContext) -> web.StreamResponse:
    obj = await ctx.storage.get(ctx.r, ctx.namespace, ctx.info.name,
                                ctx.query("resourceVersion"))
    return ctx.respond_objects([obj], obj["metadata"]["resourceVersion"], single=True)
