"""Serving `metrics.k8s.io/v1beta1` from the scraper's latest window.

`GET .../nodes[/NAME]` and `GET .../namespaces/NS/pods[/NAME]` (or `/pods`
across all namespaces). Lists take `labelSelector` (matched against the
node's or pod's labels) and `fieldSelector` on `metadata.name` and
`metadata.namespace`; anything else is a 400, as for stored kinds. An object
the window holds no metrics for is a 404 NotFound, which is what
metrics-server answers for a pod it has not scraped yet.
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from pyk8s.api import errors
from pyk8s.api.resources.metrics import GROUP
from pyk8s.api.selectors import parse_field_selector, parse_label_selector
from pyk8s.apiserver.context import RequestContext
from pyk8s.metrics.scraper import MetricsScraper, Obj

__all__ = ["GROUP", "handle"]

FIELDS = frozenset({"metadata.name", "metadata.namespace"})


def _field_getter(metrics: Obj) -> Callable[[str], str | None]:
    def get(field: str) -> str | None:
        value = metrics["metadata"].get(field.removeprefix("metadata."))
        return value if isinstance(value, str) else None
    return get


async def handle(ctx: RequestContext, scraper: MetricsScraper) -> web.StreamResponse:
    if ctx.info.verb not in ctx.r.verbs:
        raise errors.method_not_allowed()
    window: dict[str, Obj] = {name: m for name, m in scraper.nodes.items()} \
        if ctx.r.kind == "NodeMetrics" else \
        {f"{ns}/{name}": m for (ns, name), m in scraper.pods.items()
         if not ctx.namespace or ns == ctx.namespace}
    if ctx.info.verb == "get":
        key = f"{ctx.namespace}/{ctx.info.name}" if ctx.r.namespaced else ctx.info.name
        found = window.get(key)
        if found is None:
            raise errors.not_found(ctx.r.plural, ctx.info.name, ctx.r.group)
        return ctx.respond_objects([found], "", single=True)
    labels = parse_label_selector(ctx.query("labelSelector"))
    fields = parse_field_selector(ctx.query("fieldSelector"))
    unsupported = sorted(fields.fields - FIELDS)
    if unsupported:
        raise errors.bad_request(f'field label not supported: {unsupported[0]}')
    items = [m for _, m in sorted(window.items())
             if labels.matches(m["metadata"].get("labels"))
             and fields.matches(_field_getter(m))]
    return ctx.respond_objects(items, "")
