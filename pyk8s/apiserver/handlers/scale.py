"""The scale subresource: an autoscaling/v1 Scale view of a workload.

`kubectl scale deployment web --replicas=3` PATCHes `.../deployments/web/scale`
with `{"spec":{"replicas":3}}`; the HPA reads and writes the same view. The
Scale shows spec.replicas, status.replicas and the selector as a string;
writing it changes only the workload's spec.replicas.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from pyk8s.api import errors
from pyk8s.api.fieldmanager import request_manager
from pyk8s.api.resource import ResourceType, ScaleSpec
from pyk8s.api.selectors import selector_from_map, to_string
from pyk8s.apiserver.context import RequestContext, decode_body
from pyk8s.apiserver.handlers.patch import patch_function

Obj = dict[str, Any]


def _dig(obj: Obj, path: tuple[str, ...]) -> Any:
    for p in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(p)  # type: ignore[assignment]
    return obj


def to_scale(r: ResourceType, spec: ScaleSpec, obj: Obj) -> Obj:
    md = obj["metadata"]
    selector = _dig(obj, spec.selector) if spec.selector else None
    if isinstance(selector, str):  # a custom resource's labelSelectorPath: already text
        text = selector
    elif isinstance(selector, dict) and ("matchLabels" in selector or
                                         "matchExpressions" in selector):
        text = to_string(selector)
    else:
        text = str(selector_from_map(selector)) if selector else ""
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {k: md[k] for k in ("name", "namespace", "uid", "resourceVersion",
                                         "creationTimestamp") if k in md},
        "spec": {"replicas": _dig(obj, spec.spec_replicas) or 0},
        "status": {"replicas": _dig(obj, spec.status_replicas) or 0, "selector": text},
    }


def _replicas(scale: Any) -> int:
    # Go omits a zero replicas (omitempty), so absence means scale to zero.
    replicas = (scale.get("spec") or {}).get("replicas", 0) if isinstance(scale, dict) else None
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
        raise errors.invalid("Scale", "", "autoscaling",
                             [errors.Cause("FieldValueInvalid",
                                           f"Invalid value: {replicas}: must be greater than "
                                           f"or equal to 0", "spec.replicas")])
    return replicas


async def handle(ctx: RequestContext) -> web.StreamResponse:
    r, spec = ctx.r, ctx.r.scale
    if spec is None:
        raise errors.not_found(f"{r.plural}/scale", ctx.info.name, r.group)
    storage = ctx.storage
    if ctx.info.verb == "get":
        obj = await storage.get(r, ctx.namespace, ctx.info.name)
        return ctx.respond(to_scale(r, spec, obj))
    if ctx.info.verb not in ("update", "patch"):
        raise errors.method_not_allowed()
    patch = None
    if ctx.info.verb == "patch":
        patch = patch_function("autoscaling", "v1", "Scale", ctx.request.content_type)
    body = decode_body(await ctx.raw_body(), ctx.request.content_type)

    named_rv = isinstance(body, dict) and bool(
        (body.get("metadata") or {}).get("resourceVersion"))

    def apply(current: Obj) -> Obj:
        scale = to_scale(r, spec, current)
        new_scale = patch(scale, body) if patch is not None else body
        if not isinstance(new_scale, dict):
            raise errors.bad_request("a Scale object is required")
        wanted_rv = (new_scale.get("metadata") or {}).get("resourceVersion")
        if wanted_rv and wanted_rv != current["metadata"]["resourceVersion"]:
            raise errors.conflict(r.plural, ctx.info.name, r.group)
        if not named_rv:  # no precondition: a concurrent write means a retry, not a 409
            current["metadata"].pop("resourceVersion", None)
        target = current
        for p in spec.spec_replicas[:-1]:
            target = target.setdefault(p, {})
        target[spec.spec_replicas[-1]] = _replicas(new_scale)
        return current

    manager = request_manager(ctx.query("fieldManager"), ctx.request.headers.get(
        "User-Agent", ""), "PatchOptions" if patch is not None else "UpdateOptions")
    obj = await storage.patch(r, ctx.namespace, ctx.info.name, apply, user=ctx.user.name,
                              subresource="scale", dry_run=ctx.dry_run, manager=manager)
    return ctx.respond(to_scale(r, spec, obj))
