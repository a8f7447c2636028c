"""pods/binding: how the scheduler assigns a pod to a node.

POST a Binding (`target: {kind: Node, name: N}`) to `pods/P/binding` (or
to `bindings` with the pod's name): the pod gets `spec.nodeName` and a
PodScheduled=True condition. A pod already bound is a 409; so is a pod
being deleted.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from pyk8s.api import errors, meta
from pyk8s.apiserver.context import RequestContext, status_success

Obj = dict[str, Any]


async def handle(ctx: RequestContext) -> web.StreamResponse:
    body = await ctx.body()
    if not isinstance(body, dict):
        raise errors.bad_request("a Binding object is required")
    name = ctx.info.name or (body.get("metadata") or {}).get("name", "")
    node = (body.get("target") or {}).get("name")
    if not node:
        raise errors.invalid("Binding", name, "", [errors.Cause(
            "FieldValueRequired", "Required value", "target.name")])
    pods = ctx.storages.of("pods")
    pod_type = pods.hub

    def bind(pod: Obj) -> Obj:
        current = pod.get("spec", {}).get("nodeName")
        if pod["metadata"].get("deletionTimestamp"):
            raise errors.conflict("pods", name, "", f"pod {name} is being deleted, cannot be "
                                  f"assigned to a host")
        if current:
            raise errors.conflict("pods", name, "", f"pod {name} is already assigned to node "
                                  f'"{current}"')
        pod["spec"]["nodeName"] = node
        return pod

    def schedule_status(pod: Obj) -> Obj:
        conditions = pod.setdefault("status", {}).setdefault("conditions", [])
        conditions[:] = [c for c in conditions if c.get("type") != "PodScheduled"]
        conditions.append({"type": "PodScheduled", "status": "True",
                           "lastProbeTime": None, "lastTransitionTime": meta.now()})
        return pod

    # Binding writes spec (normally immutable on pods) and then status: both
    # through the storage, which allows nodeName to go from "" to a node.
    await pods.patch(pod_type, ctx.info.namespace, name, bind, user=ctx.user.name,
                     subresource="binding", dry_run=ctx.dry_run)
    await pods.patch(pod_type, ctx.info.namespace, name, schedule_status, user=ctx.user.name,
                     subresource="status", dry_run=ctx.dry_run)
    return ctx.respond(status_success(), 201)
