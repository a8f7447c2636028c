"""POST selfsubjectreviews: who am I? (SelfSubjectReview, `kubectl auth whoami`).

The reply, 201, carries the caller's user as the API server authenticated
(or impersonated) it: name, uid, groups and extras. Never stored.
"""

from __future__ import annotations

from aiohttp import web

from pyk8s.apiserver.context import RequestContext
from pyk8s.apiserver.handlers.tokenreview import user_info


async def handle(ctx: RequestContext) -> web.StreamResponse:
    body = await ctx.body(validate_fields=True)
    metadata = body.get("metadata") if isinstance(body, dict) else None
    return ctx.respond({"kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1",
                        "metadata": metadata or {},
                        "status": {"userInfo": user_info(ctx.user)}}, 201)
