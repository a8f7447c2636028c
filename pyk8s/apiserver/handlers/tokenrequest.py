"""POST serviceaccounts/<name>/token: issue a bound service-account token (TokenRequest).

The body is an authentication.k8s.io/v1 TokenRequest (JSON or protobuf, as
`kubectl create token` sends it). Its spec is defaulted as Kubernetes does
(the API server's audience, one hour) and checked (at least ten minutes, a
bound object of kind Pod or Secret that exists in the service account's
namespace with the uid given); the reply, 201, is the TokenRequest with its
`status.token` and `status.expirationTimestamp`. Nothing is stored: the
token's signature is its proof.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from pyk8s.api import errors, meta
from pyk8s.api import validation as v
from pyk8s.api.errors import Cause
from pyk8s.apiserver.context import RequestContext
from pyk8s.apiserver.serviceaccount.tokens import API_AUDIENCES, TOKENS, rfc3339

Obj = dict[str, Any]
GROUP = "authentication.k8s.io"
DEFAULT_SECONDS = 3600
MIN_SECONDS = 600
MAX_SECONDS = 1 << 32
BOUND_KINDS = {"Pod": "pods", "Secret": "secrets"}


def _spec_causes(spec: Obj) -> list[Cause]:
    out: list[Cause] = []
    seconds = spec.get("expirationSeconds")
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        out.append(v.invalid("spec.expirationSeconds", seconds, "must be an integer"))
    elif seconds < MIN_SECONDS:
        out.append(v.invalid("spec.expirationSeconds", seconds,
                             "may not specify a duration less than 10 minutes"))
    elif seconds > MAX_SECONDS:
        out.append(v.invalid("spec.expirationSeconds", seconds,
                             "may not specify a duration larger than 2^32 seconds"))
    audiences = spec.get("audiences")
    if not isinstance(audiences, list) or not all(isinstance(a, str) for a in audiences):
        out.append(v.invalid("spec.audiences", audiences, "must be a list of strings"))
    ref = spec.get("boundObjectRef")
    if ref is not None:
        kind = ref.get("kind") if isinstance(ref, dict) else None
        if kind not in BOUND_KINDS:
            out.append(v.not_supported("spec.boundObjectRef.kind", kind or "",
                                       list(BOUND_KINDS)))
        elif not isinstance(ref.get("name"), str) or not ref["name"]:
            out.append(v.required("spec.boundObjectRef.name"))
    return out


async def handle(ctx: RequestContext) -> web.StreamResponse:
    namespace, name = ctx.info.namespace, ctx.info.name
    body = await ctx.body()
    if not isinstance(body, dict):
        raise errors.bad_request("the body of a token request must be a TokenRequest object")
    given = body.get("spec")
    spec: Obj = dict(given) if isinstance(given, dict) else {}
    spec["audiences"] = spec.get("audiences") or list(API_AUDIENCES)
    spec["expirationSeconds"] = spec.get("expirationSeconds") or DEFAULT_SECONDS
    causes = _spec_causes(spec)
    if causes:
        raise errors.invalid("TokenRequest", name, GROUP, causes)
    accounts = ctx.storages.of("serviceaccounts")
    sa = await accounts.get(accounts.hub, namespace, name)
    bound = None
    ref = spec.get("boundObjectRef")
    if ref is not None:
        s = ctx.storages.of(BOUND_KINDS[ref["kind"]])
        bound = await s.get(s.hub, namespace, ref["name"])
        uid = bound["metadata"]["uid"]
        if ref.get("uid") and ref["uid"] != uid:
            raise errors.conflict(s.hub.plural, ref["name"], "", (
                f"the UID in the bound object reference ({ref['uid']}) does not match the UID "
                f"in record ({uid}). The object might have been deleted and then recreated"))
        bound = {**bound, "kind": ref["kind"]}
        spec["boundObjectRef"] = {**ref, "uid": uid,
                                  "apiVersion": ref.get("apiVersion") or "v1"}
    tokens = ctx.request.app[TOKENS]
    token, expires = tokens.issue(sa, spec["audiences"], spec["expirationSeconds"], bound)
    return ctx.respond({
        "kind": "TokenRequest", "apiVersion": f"{GROUP}/v1",
        "metadata": {"name": name, "namespace": namespace, "creationTimestamp": meta.now()},
        "spec": spec,
        "status": {"token": token, "expirationTimestamp": rfc3339(expires)},
    }, 201)
