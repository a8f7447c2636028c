"""POST tokenreviews: does a bearer token authenticate, and as whom? (TokenReview)

Webhook token authenticators and the kubelet ask this. The token goes
through the same authenticator as a request's own bearer token, checked
against the audiences the review names (the API server's own when none).
The reply, 201, is the review with `status.authenticated`, `status.user`
and `status.audiences`, or `authenticated: false` and an `error`; it is never
stored.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from pyk8s.api import errors
from pyk8s.apiserver.authn import AUTHENTICATOR
from pyk8s.apiserver.context import RequestContext, User
from pyk8s.apiserver.serviceaccount.tokens import API_AUDIENCES

Obj = dict[str, Any]


def user_info(user: User) -> Obj:
    info: Obj = {"username": user.name, "groups": list(user.groups)}
    if user.uid:
        info["uid"] = user.uid
    if user.extra:
        info["extra"] = user.extra
    return info


async def handle(ctx: RequestContext) -> web.StreamResponse:
    body = await ctx.body(validate_fields=True)
    spec = body.get("spec") if isinstance(body, dict) else None
    if not isinstance(spec, dict) or not isinstance(spec.get("token"), str) or \
            not spec["token"]:
        raise errors.invalid("TokenReview", "", "authentication.k8s.io", [
            errors.Cause("FieldValueRequired", "Required value", "spec.token")])
    audiences = [a for a in spec.get("audiences") or [] if isinstance(a, str)] or \
        list(API_AUDIENCES)
    user = await ctx.request.app[AUTHENTICATOR].authenticate_token(spec["token"], audiences)
    status: Obj = {"authenticated": False, "error": "invalid bearer token"} if user is None \
        else {"authenticated": True, "user": user_info(user), "audiences": audiences}
    return ctx.respond({"kind": "TokenReview", "apiVersion": "authentication.k8s.io/v1",
                        "metadata": body.get("metadata") or {}, "spec": spec,
                        "status": status}, 201)
