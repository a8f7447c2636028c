"""DELETE of one object, and deletecollection.

Options come from the body (DeleteOptions) or the query string:
gracePeriodSeconds, propagationPolicy (or the older orphanDependents),
preconditions, dryRun. An object that is gone answers with a Status (or
the object, for pods); one still held by finalizers or a grace period
answers with its current state, now carrying deletionTimestamp.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from pyk8s.api import errors
from pyk8s.apiserver.context import RequestContext, decode_body, status_success
from pyk8s.apiserver.handlers.list import list_options
from pyk8s.apiserver.rest import RETURN_DELETED, DeleteOptions

POLICIES = ("Orphan", "Background", "Foreground")


async def delete_options(ctx: RequestContext) -> DeleteOptions:
    raw = await ctx.raw_body()
    body: dict[str, Any] = {}
    if raw.strip():
        parsed = decode_body(raw, ctx.request.content_type)
        if not isinstance(parsed, dict):
            raise errors.bad_request("DeleteOptions must be a JSON object")
        body = parsed
    orphan = ctx.flag("orphanDependents") if ctx.query("orphanDependents") else None
    return options_from(body, dry_run=ctx.dry_run, grace=ctx.int_query("gracePeriodSeconds"),
                        policy=ctx.query("propagationPolicy") or None, orphan=orphan)


def options_from(body: dict[str, Any], *, dry_run: bool = False, grace: int | None = None,
                 policy: str | None = None, orphan: bool | None = None) -> DeleteOptions:
    """DeleteOptions from a body (which wins) and the query string's values."""
    if body.get("gracePeriodSeconds") is not None:
        grace = body["gracePeriodSeconds"]
    policy = body.get("propagationPolicy") or policy
    if body.get("orphanDependents") is not None:
        orphan = body["orphanDependents"]
    if orphan is not None and policy is None:
        policy = "Orphan" if orphan else "Background"
    if policy is not None and policy not in POLICIES:
        raise errors.bad_request(
            f'propagationPolicy must be one of Orphan, Background or Foreground, not "{policy}"')
    pre = body.get("preconditions") or {}
    dry_run = dry_run or body.get("dryRun") == ["All"]
    if grace is not None and not isinstance(grace, int):
        raise errors.bad_request("gracePeriodSeconds must be an integer")
    return DeleteOptions(grace, policy, pre.get("uid"), pre.get("resourceVersion"), dry_run)


async def handle(ctx: RequestContext) -> web.StreamResponse:
    opts = await delete_options(ctx)
    result = await ctx.storage.delete(ctx.r, ctx.namespace, ctx.info.name, opts,
                                      user=ctx.user.name)
    if not result.deleted or ctx.r.kind in RETURN_DELETED:
        return ctx.respond(result.obj)
    md = result.obj["metadata"]
    details: dict[str, Any] = {"name": md["name"], "kind": ctx.r.plural, "uid": md.get("uid")}
    if ctx.r.group:
        details["group"] = ctx.r.group
    return ctx.respond(status_success(details))


async def handle_collection(ctx: RequestContext) -> web.StreamResponse:
    opts = await delete_options(ctx)
    listed = await ctx.storage.list(ctx.r, ctx.namespace, list_options(ctx))
    deleted = []
    for obj in listed.items:
        md = obj["metadata"]
        try:
            result = await ctx.storage.delete(ctx.r, md.get("namespace", ""), md["name"], opts,
                                              user=ctx.user.name)
        except errors.APIError as e:
            if e.code == 404:
                continue
            raise
        deleted.append(result.obj)
    return ctx.respond({
        "kind": ctx.r.list_kind,
        "apiVersion": ctx.r.api_version,
        "metadata": {"resourceVersion": listed.resource_version},
        "items": deleted,
    })
