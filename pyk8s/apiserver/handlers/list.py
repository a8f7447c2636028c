"""LIST with label/field selectors and limit/continue pagination.

A list across all namespaces is the same call without a namespace. Options
are parsed here once, then shared with the watch handler.
"""

from __future__ import annotations

from aiohttp import web

from pyk8s.api.selectors import FieldSelector, parse_field_selector, parse_label_selector
from pyk8s.apiserver.context import RequestContext
from pyk8s.apiserver.rest import ListOptions


def list_options(ctx: RequestContext) -> ListOptions:
    limit = ctx.int_query("limit") or 0
    fields = parse_field_selector(ctx.query("fieldSelector"))
    if ctx.info.name:  # GET .../pods/web?watch=1 watches one object
        fields = FieldSelector((*fields.requirements, ("metadata.name", "=", ctx.info.name)))
    return ListOptions(
        label_selector=parse_label_selector(ctx.query("labelSelector")),
        field_selector=fields,
        limit=max(limit, 0),
        continue_token=ctx.query("continue"),
        resource_version=ctx.query("resourceVersion"),
        resource_version_match=ctx.query("resourceVersionMatch"),
    )


async def handle(ctx: RequestContext) -> web.StreamResponse:
    result = await ctx.storage.list(ctx.r, ctx.namespace, list_options(ctx))
    return ctx.respond_objects(result.items, result.resource_version,
                               continue_token=result.continue_token,
                               remaining=result.remaining)
