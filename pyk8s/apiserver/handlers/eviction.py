"""pods/eviction: delete a pod only if its PodDisruptionBudget allows it.

`kubectl drain` POSTs a policy/v1 Eviction for each pod on the node. The pod
is deleted (with the Eviction's deleteOptions) when no budget covers it, when
it does not count towards one (already terminating, Pending, or finished),
or when the one budget whose selector matches it has a disruption left; the
budget's status then records the pod under `disruptedPods` and allows one
disruption less, so two evictions racing each other cannot both spend the
last one (the status write is optimistic: a concurrent change retries).

Otherwise the answer is 429 TooManyRequests, which kubectl drain retries
every few seconds while the disruption controller recomputes the budget.
A pod matched by several budgets cannot be evicted (500, as Kubernetes).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from pyk8s.api import errors, meta
from pyk8s.api.selectors import selector_from_object
from pyk8s.apiserver.context import RequestContext, status_success
from pyk8s.apiserver.handlers.delete import options_from
from pyk8s.apiserver.rest import DeleteOptions, ListOptions

Obj = dict[str, Any]

VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget."


def _too_many(cause: str) -> errors.APIError:
    return errors.APIError(429, "TooManyRequests", VIOLATION, {"causes": [
        {"reason": "DisruptionBudget", "message": cause}]})


def _ignores_budgets(pod: Obj) -> bool:
    phase = (pod.get("status") or {}).get("phase")
    return bool(pod["metadata"].get("deletionTimestamp")) or phase in (
        "Pending", "Succeeded", "Failed")


async def _budget_for(ctx: RequestContext, pod: Obj) -> Obj | None:
    budgets = ctx.storages.of("poddisruptionbudgets.policy")
    found = await budgets.list(budgets.hub, ctx.namespace, ListOptions())
    labels = pod["metadata"].get("labels") or {}
    matching = [b for b in found.items
                if (sel := (b.get("spec") or {}).get("selector")) is not None
                and not selector_from_object(sel).empty
                and selector_from_object(sel).matches(labels)]
    if len(matching) > 1:
        raise errors.internal("This pod has more than one PodDisruptionBudget, which the "
                              "eviction subresource does not support.")
    return matching[0] if matching else None


async def _spend_disruption(ctx: RequestContext, budget: Obj, pod_name: str) -> None:
    budgets = ctx.storages.of("poddisruptionbudgets.policy")
    name = budget["metadata"]["name"]

    def spend(current: Obj) -> Obj:
        status = current.setdefault("status", {})
        if status.get("observedGeneration", 0) < current["metadata"].get("generation", 0):
            raise _too_many(f"The disruption budget {name} is still being processed by the "
                            f"server.")
        allowed = status.get("disruptionsAllowed", 0)
        if allowed <= 0:
            raise _too_many(
                f"The disruption budget {name} needs {status.get('desiredHealthy', 0)} "
                f"healthy pods and has {status.get('currentHealthy', 0)} currently")
        status["disruptionsAllowed"] = allowed - 1
        status.setdefault("disruptedPods", {})[pod_name] = meta.now()
        return current

    await budgets.patch(budgets.hub, ctx.namespace, name, spend, user=ctx.user.name,
                        subresource="status", dry_run=ctx.dry_run)


async def handle(ctx: RequestContext) -> web.StreamResponse:
    body = await ctx.body()
    if not isinstance(body, dict):
        raise errors.bad_request("an Eviction object is required")
    name = ctx.info.name
    wanted = (body.get("metadata") or {}).get("name")
    if wanted and wanted != name:
        raise errors.bad_request(f"name in URL does not match name in Eviction object: "
                                 f"{name} != {wanted}")
    opts = options_from(body.get("deleteOptions") or {}, dry_run=ctx.dry_run)
    pods = ctx.storages.of("pods")
    pod = await pods.get(pods.hub, ctx.namespace, name)
    if not _ignores_budgets(pod):
        budget = await _budget_for(ctx, pod)
        if budget is not None:
            await _spend_disruption(ctx, budget, name)
    await pods.delete(pods.hub, ctx.namespace, name, _with_uid(opts, pod), user=ctx.user.name)
    return ctx.respond(status_success(), 201)


def _with_uid(opts: DeleteOptions, pod: Obj) -> DeleteOptions:
    """Delete the pod the budget was checked for, not a namesake created since."""
    if opts.precondition_uid:
        return opts
    return DeleteOptions(opts.grace_period_seconds, opts.propagation_policy,
                         pod["metadata"].get("uid"), opts.precondition_rv, opts.dry_run)
