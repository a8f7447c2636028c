"""Horizontal pod autoscaler: a workload's replicas follow its pods' CPU and memory use.

In: autoscaling/v2 HorizontalPodAutoscalers, the `/scale` subresource of their
targets (Deployment, ReplicaSet, StatefulSet, ReplicationController), the
target's pods (by the selector its Scale reports) and their PodMetrics from
`metrics.k8s.io/v1beta1`. Out: writes to the target's `/scale`, the HPA's
status (currentReplicas, desiredReplicas, currentMetrics, conditions
AbleToScale / ScalingActive / ScalingLimited, lastScaleTime) and events
(`SuccessfulRescale`, `FailedGetScale`, `FailedGetResourceMetric`, ...).

Every HPA is synced each `--horizontal-pod-autoscaler-sync-period` (15 s), as
Kubernetes does, when it is created and when its spec changes (not after the
controller's own status writes). One sync:

1. a target at 0 replicas is left alone (scaling disabled); one outside
   [minReplicas, maxReplicas] is brought inside without reading metrics;
2. otherwise each `Resource` metric proposes a replica count (`ResourceReplicas`,
   Kubernetes' algorithm: `ceil(current * usage / target)` unless the ratio is
   within the 10 % tolerance) and the largest proposal wins;
3. the proposal is stabilized (the highest recommendation of the scale-down
   window, `behavior.scaleDown.stabilizationWindowSeconds` or
   `--horizontal-pod-autoscaler-downscale-stabilization` (5 m); the lowest of
   the scale-up window), then limited by the behavior's policies (by default
   up: 4 pods or 100 % per 15 s, whichever is more; down: 100 % per 15 s)
   and by min/maxReplicas.

Simplifications, stated: pods count as unready for CPU when they are Pending
or not Ready (Kubernetes also keeps a pod that became Ready within the
5-minute CPU initialization period out); an HPA without `behavior` uses the
default policies above (Kubernetes caps such a scale-up at max(2 x current, 4)
per sync instead); only `Resource` metrics are computed: `Pods`, `Object`,
`External` and `ContainerResource` metrics make ScalingActive False. The
recommendation and scale-event histories live in memory, as in Kubernetes:
a restarted controller manager starts them afresh.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pyk8s.api.resources._quantity import parse_quantity
from pyk8s.api.selectors import SelectorError, parse_label_selector
from pyk8s.client import EventRecorder, RequestError, Resource, is_not_found, register
from pyk8s.controllers.conditions import format_time, get_condition, replace_condition
from pyk8s.controllers.context import Controller, ControllerContext

Obj = dict[str, Any]
HPA = "autoscaling/v2"
METRICS = "metrics.k8s.io/v1beta1"
TOLERANCE = 0.1
SCALE_TARGETS = {"Deployment": "deployments", "ReplicaSet": "replicasets",
                 "StatefulSet": "statefulsets", "ReplicationController": "replicationcontrollers"}
CONDITION_ORDER = {"AbleToScale": 0, "ScalingActive": 1, "ScalingLimited": 2}
DEFAULT_SCALE_UP: Obj = {"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": [
    {"type": "Pods", "value": 4, "periodSeconds": 15},
    {"type": "Percent", "value": 100, "periodSeconds": 15}]}
DEFAULT_SCALE_DOWN: Obj = {"selectPolicy": "Max", "policies": [
    {"type": "Percent", "value": 100, "periodSeconds": 15}]}

register(Resource("metrics.k8s.io", "v1beta1", "pods", "PodMetrics"))


class MetricError(Exception):
    """A metric could not be computed; the message is what the HPA's condition says."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


# The replica calculation ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PodSample:
    """What the calculation needs to know of one pod of the target."""

    name: str
    ready: bool = True  # Running and Ready (for CPU) or Running (for memory)
    ignored: bool = False  # being deleted, or Failed
    usage: int | None = None  # milli-units (millicores, millibytes); None: no metrics
    request: int | None = None  # milli-units; None: some container requests nothing


@dataclass(frozen=True, slots=True)
class Proposal:
    replicas: int
    utilization: int | None  # percent of request, for Utilization targets
    average: int  # milli-units per pod with metrics, before rebalancing


def _ratio_of(usage: dict[str, int], requests: dict[str, int], *, utilization: int | None,
              average: int | None) -> tuple[float, int | None, int]:
    total = sum(usage.values())
    mean = total // len(usage)
    if utilization is not None:
        requested = sum(requests[name] for name in usage)
        if requested <= 0:
            raise MetricError("FailedGetResourceMetric", "pods request no resources")
        percent = int(total * 100 / requested)
        return percent / utilization, percent, mean
    assert average is not None
    return total / len(usage) / average, None, mean


def resource_replicas(current: int, pods: list[PodSample], *, resource: str,
                      utilization: int | None = None, average: int | None = None,
                      tolerance: float = TOLERANCE) -> Proposal:
    """Kubernetes' replica count for one resource metric: a target `utilization`
    (percent of request) or `average` (milli-units per pod).

    Pods without metrics (missing) and unready ones change only the size of
    a move, never its direction: on a scale-down a missing pod is assumed to
    use its request (or the target, if higher), on a scale-up nothing;
    unready pods are assumed to use nothing, and only on a scale-up."""
    counted = [p for p in pods if not p.ignored]
    unready = [p for p in counted if not p.ready]
    missing = [p for p in counted if p.ready and p.usage is None]
    usage = {p.name: p.usage for p in counted if p.ready and p.usage is not None}
    if not usage:
        raise MetricError("FailedGetResourceMetric",
                          f"failed to get {resource} utilization: did not receive metrics "
                          "for targeted pods (pods might be unready)")
    requests: dict[str, int] = {}
    if utilization is not None:
        for p in counted:
            if p.request is None or p.request <= 0:
                raise MetricError("FailedGetResourceMetric",
                                  f"failed to get {resource} utilization: missing request "
                                  f"for {resource} in pod {p.name}")
            requests[p.name] = p.request
    ratio, percent, mean = _ratio_of(usage, requests, utilization=utilization,
                                     average=average)
    ready_count = len(counted) - len(unready)
    up_with_unready = bool(unready) and ratio > 1.0
    if not up_with_unready and not missing:
        if abs(1.0 - ratio) <= tolerance:
            return Proposal(current, percent, mean)
        return Proposal(math.ceil(ratio * ready_count), percent, mean)
    if ratio < 1.0:
        for p in missing:
            usage[p.name] = requests[p.name] * max(100, utilization) // 100 \
                if utilization is not None else (average or 0)
    elif ratio > 1.0:
        for p in missing:
            usage[p.name] = 0
    if up_with_unready:
        for p in unready:
            usage[p.name] = 0
    new_ratio, _, _ = _ratio_of(usage, requests, utilization=utilization, average=average)
    if abs(1.0 - new_ratio) <= tolerance or (ratio < 1.0 < new_ratio) or \
            (new_ratio < 1.0 < ratio):
        return Proposal(current, percent, mean)
    replicas = math.ceil(new_ratio * len(usage))
    if (new_ratio < 1.0 and replicas > current) or (new_ratio > 1.0 and replicas < current):
        return Proposal(current, percent, mean)
    return Proposal(replicas, percent, mean)


# Stabilization and rate limits --------------------------------------------------------


@dataclass
class History:
    """One HPA's recent recommendations and scale changes (time, value)."""

    recommendations: list[tuple[float, int]] = field(default_factory=list)
    scale_ups: list[tuple[float, int]] = field(default_factory=list)
    scale_downs: list[tuple[float, int]] = field(default_factory=list)


def _rules(behavior: Obj | None, direction: str, downscale_window: float) -> Obj:
    default = DEFAULT_SCALE_UP if direction == "scaleUp" else DEFAULT_SCALE_DOWN
    rules: Obj = {**default, **{k: v for k, v in ((behavior or {}).get(direction) or {}).items()
                                if v is not None}}
    if rules.get("stabilizationWindowSeconds") is None:
        rules["stabilizationWindowSeconds"] = downscale_window
    return rules


def stabilize(history: History, now: float, current: int, desired: int, *,
              up_window: float, down_window: float) -> int:
    """The recommendation after the stabilization windows; records `desired`."""
    up = down = desired
    for when, value in history.recommendations:
        if when > now - up_window:
            up = min(up, value)
        if when > now - down_window:
            down = max(down, value)
    keep = max(up_window, down_window)
    history.recommendations = [(w, v) for w, v in history.recommendations if w > now - keep]
    history.recommendations.append((now, desired))
    return min(max(current, up), down)


def _changed_within(events: list[tuple[float, int]], now: float, period: float) -> int:
    return sum(change for when, change in events if when > now - period)


def scale_up_limit(current: int, events: list[tuple[float, int]], rules: Obj,
                   now: float) -> int:
    if rules.get("selectPolicy") == "Disabled":
        return current
    pick = min if rules.get("selectPolicy") == "Min" else max
    limits = []
    for policy in rules.get("policies") or []:
        start = current - _changed_within(events, now, policy.get("periodSeconds", 15))
        value = int(policy.get("value", 0))
        limits.append(start + value if policy.get("type") == "Pods"
                      else math.ceil(start * (1 + value / 100)))
    return pick(limits) if limits else current


def scale_down_limit(current: int, events: list[tuple[float, int]], rules: Obj,
                     now: float) -> int:
    if rules.get("selectPolicy") == "Disabled":
        return current
    pick = max if rules.get("selectPolicy") == "Min" else min
    limits = []
    for policy in rules.get("policies") or []:
        start = current + _changed_within(events, now, policy.get("periodSeconds", 15))
        value = int(policy.get("value", 0))
        limits.append(start - value if policy.get("type") == "Pods"
                      else int(start * (1 - value / 100)))
    return pick(limits) if limits else current


# The controller ---------------------------------------------------------------------


def _milli(value: Any) -> int | None:
    q = parse_quantity(value)
    return int(q * Decimal(1000)) if q is not None else None


def _quantity(milli: int) -> str:
    return str(milli // 1000) if milli % 1000 == 0 else f"{milli}m"


def _pod_request(pod: Obj, resource: str) -> int | None:
    total = 0
    for c in (pod.get("spec") or {}).get("containers") or []:
        value = _milli(((c.get("resources") or {}).get("requests") or {}).get(resource))
        if value is None:
            return None
        total += value
    return total


def _pod_usage(metrics: Obj, resource: str) -> int:
    return sum(_milli((c.get("usage") or {}).get(resource)) or 0
               for c in metrics.get("containers") or [])


def _is_ready(pod: Obj) -> bool:
    status = pod.get("status") or {}
    return status.get("phase") == "Running" and any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in status.get("conditions") or [])


def samples(pods: list[Obj], metrics: dict[str, Obj], resource: str) -> list[PodSample]:
    out = []
    for pod in pods:
        name = pod["metadata"]["name"]
        phase = (pod.get("status") or {}).get("phase")
        found = metrics.get(name)
        out.append(PodSample(
            name=name,
            ignored=bool(pod["metadata"].get("deletionTimestamp")) or phase == "Failed",
            ready=phase != "Pending" and (resource != "cpu" or _is_ready(pod)),
            usage=_pod_usage(found, resource) if found is not None else None,
            request=_pod_request(pod, resource)))
    return out


def _condition(type_: str, status: bool, reason: str, message: str) -> Obj:
    return {"type": type_, "status": "True" if status else "False", "reason": reason,
            "message": message}


class HorizontalPodAutoscalerController(Controller):
    name = "horizontal-pod-autoscaler-controller"
    alias = "horizontalpodautoscaling"
    component = "horizontal-pod-autoscaler"
    workers = 2

    def __init__(self, ctx: ControllerContext, recorder: EventRecorder) -> None:
        super().__init__(ctx, recorder)
        self.hpas = self.watch(ctx.informers.informer(HPA, "horizontalpodautoscalers"))
        self.hpas.add_handlers(self.enqueue, self._updated)
        self.pods = self.watch(ctx.pods())
        self.histories: dict[str, History] = {}
        self.sync_period = ctx.options.hpa_sync_period
        self.downscale_window = ctx.options.hpa_downscale_stabilization

    def _updated(self, old: Obj, new: Obj) -> None:
        # Our own status writes come back here too; only a spec change is news.
        if old["metadata"].get("generation") != new["metadata"].get("generation"):
            self.enqueue(new)

    async def periodic(self) -> None:
        while True:
            await asyncio.sleep(self.sync_period)
            self.enqueue_all(self.hpas.store.list())

    async def sync(self, key: str) -> None:
        hpa = self.hpas.store.get(key)
        if hpa is None or hpa["metadata"].get("deletionTimestamp"):
            self.histories.pop(key, None)
            return
        history = self.histories.setdefault(key, History())
        spec = hpa.get("spec") or {}
        ns = hpa["metadata"]["namespace"]
        ref = spec.get("scaleTargetRef") or {}
        status: Obj = {"conditions": [dict(c) for c in
                                      (hpa.get("status") or {}).get("conditions") or []],
                       "currentMetrics": (hpa.get("status") or {}).get("currentMetrics")}
        for k in ("lastScaleTime", "desiredReplicas", "currentReplicas"):
            if k in (hpa.get("status") or {}):
                status[k] = hpa["status"][k]
        try:
            target_api, plural, scale = await self._scale(ns, ref)
        except MetricError as e:
            self.recorder.event(hpa, "Warning", e.reason, str(e))
            self._set(status, _condition("AbleToScale", False, e.reason,
                                         f"the HPA controller was unable to get the target's "
                                         f"current scale: {e}"))
            await self._write(hpa, status)
            return
        current = int((scale.get("spec") or {}).get("replicas") or 0)
        status["currentReplicas"] = int((scale.get("status") or {}).get("replicas") or 0)
        minimum, maximum = int(spec.get("minReplicas") or 1), int(spec["maxReplicas"])
        now = time.time()
        reason = ""
        if current == 0 and minimum != 0:
            desired = 0
            status.pop("currentMetrics", None)
            self._set(status, _condition("ScalingActive", False, "ScalingDisabled",
                                         "scaling is disabled since the replica count of the "
                                         "target is zero"))
        elif current > maximum:
            desired, reason = maximum, "Current number of replicas above Spec.MaxReplicas"
        elif current < minimum:
            desired, reason = minimum, "Current number of replicas below Spec.MinReplicas"
        else:
            try:
                proposal, metric, current_metrics = await self._propose(
                    ns, scale, spec, current)
            except MetricError as e:
                self.recorder.event(hpa, "Warning", e.reason, str(e))
                self._set(status, _condition("ScalingActive", False, e.reason,
                                             f"the HPA was unable to compute the replica "
                                             f"count: {e}"))
                status["currentMetrics"] = None
                status["desiredReplicas"] = current
                await self._write(hpa, status)
                return
            status["currentMetrics"] = current_metrics
            self._set(status, _condition("ScalingActive", True, "ValidMetricFound",
                                         f"the HPA was able to successfully calculate a "
                                         f"replica count from {metric}"))
            desired = self._normalize(history, status, spec, now, current, proposal,
                                      minimum, maximum)
            reason = f"{metric} above target" if desired > current else \
                "All metrics below target"
        status["desiredReplicas"] = desired
        if desired != current:
            try:
                await self.client.patch(target_api, plural, ref["name"],
                                        {"spec": {"replicas": desired}}, ns,
                                        subresource="scale")
            except RequestError as e:
                self.recorder.event(hpa, "Warning", "FailedRescale",
                                    f"New size: {desired}; reason: {reason}; error: {e}")
                self._set(status, _condition("AbleToScale", False, "FailedUpdateScale",
                                             f"the HPA controller was unable to update the "
                                             f"target scale: {e}"))
                await self._write(hpa, status)
                return
            self.recorder.event(hpa, "Normal", "SuccessfulRescale",
                                f"New size: {desired}; reason: {reason}")
            (history.scale_ups if desired > current else history.scale_downs).append(
                (now, abs(desired - current)))
            self._set(status, _condition("AbleToScale", True, "SucceededRescale",
                                         f"the HPA controller was able to update the target "
                                         f"scale to {desired}"))
            status["lastScaleTime"] = format_time()
        await self._write(hpa, status)

    async def _scale(self, ns: str, ref: Obj) -> tuple[str, str, Obj]:
        api_version, kind = ref.get("apiVersion") or "", ref.get("kind") or ""
        plural = SCALE_TARGETS.get(kind)
        group = api_version.rpartition("/")[0]
        if plural is None or group != ("" if kind == "ReplicationController" else "apps"):
            raise MetricError("FailedGetScale",
                              f'no matches for kind "{kind}" in group "{group}"')
        try:
            scale = await self.client.get(api_version, plural, ref.get("name", ""), ns,
                                          subresource="scale")
        except RequestError as e:
            raise MetricError("FailedGetScale", str(e)) from None
        return api_version, plural, scale

    async def _propose(self, ns: str, scale: Obj, spec: Obj, current: int
                       ) -> tuple[int, str, list[Obj]]:
        """The largest proposal over the metrics, the metric that made it, and the
        HPA's currentMetrics."""
        text = (scale.get("status") or {}).get("selector") or ""
        try:
            selector = parse_label_selector(text)
        except (SelectorError, ValueError) as e:
            raise MetricError("InvalidSelector", f"couldn't convert selector into a "
                              f"corresponding internal selector object: {e}") from None
        if not text:
            raise MetricError("InvalidSelector", "selector is required")
        pods = [p for p in self.pods.store.by_index("namespace", ns)
                if selector.matches(p["metadata"].get("labels"))]
        try:
            reply = await self.client.list(METRICS, "pods", ns, label_selector=text)
        except RequestError as e:
            raise MetricError("FailedGetResourceMetric",
                              f"unable to get metrics from resource metrics API: {e}") from None
        metrics = {m["metadata"]["name"]: m for m in reply.get("items") or []}
        best: tuple[int, str] | None = None
        current_metrics: list[Obj] = []
        for metric in spec.get("metrics") or []:
            if metric.get("type") != "Resource":
                raise MetricError("FailedGetMetric",
                                  f"{metric.get('type')} metrics are not supported by pyk8s")
            source = metric.get("resource") or {}
            resource, target = source.get("name", ""), source.get("target") or {}
            if not metrics:
                raise MetricError("FailedGetResourceMetric",
                                  f"failed to get {resource} utilization: unable to get "
                                  f"metrics for resource {resource}: no metrics returned "
                                  "from resource metrics API")
            utilization = target.get("averageUtilization") \
                if target.get("type") == "Utilization" else None
            average = _milli(target.get("averageValue")) if utilization is None else None
            if utilization is None and not average:
                raise MetricError("FailedGetResourceMetric",
                                  f"invalid target for {resource}: {target}")
            proposal = resource_replicas(current, samples(pods, metrics, resource),
                                         resource=resource, utilization=utilization,
                                         average=average)
            now_value: Obj = {"averageValue": _quantity(proposal.average)}
            if proposal.utilization is not None:
                now_value["averageUtilization"] = proposal.utilization
            current_metrics.append({"type": "Resource", "resource": {
                "name": resource, "current": now_value}})
            name = f"{resource} resource utilization (percentage of request)" \
                if utilization is not None else f"{resource} resource"
            if best is None or proposal.replicas > best[0]:
                best = (proposal.replicas, name)
        if best is None:
            raise MetricError("FailedGetResourceMetric", "no metrics to scale on")
        return best[0], best[1], current_metrics

    def _normalize(self, history: History, status: Obj, spec: Obj, now: float, current: int,
                   proposal: int, minimum: int, maximum: int) -> int:
        behavior = spec.get("behavior")
        up = _rules(behavior, "scaleUp", 0)
        down = _rules(behavior, "scaleDown", self.downscale_window)
        stabilized = stabilize(history, now, current, proposal,
                               up_window=float(up["stabilizationWindowSeconds"]),
                               down_window=float(down["stabilizationWindowSeconds"]))
        if stabilized == proposal:
            able = _condition("AbleToScale", True, "ReadyForNewScale",
                              "recommended size matches current size")
        elif stabilized > proposal:
            able = _condition("AbleToScale", True, "ScaleDownStabilized",
                              "recent recommendations were higher than current one, applying "
                              "the highest recent recommendation")
        else:
            able = _condition("AbleToScale", True, "ScaleUpStabilized",
                              "recent recommendations were lower than current one, applying "
                              "the lowest recent recommendation")
        self._set(status, able)
        limited = _condition("ScalingLimited", False, "DesiredWithinRange",
                             "the desired count is within the acceptable range")
        desired = stabilized
        if desired > current:
            rate = max(scale_up_limit(current, history.scale_ups, up, now), current)
            allowed = min(maximum, rate)
            if desired > allowed:
                limited = _condition("ScalingLimited", True, "ScaleUpLimit",
                                     "the desired replica count is increasing faster than "
                                     "the maximum scale rate") if rate < maximum else \
                    _condition("ScalingLimited", True, "TooManyReplicas",
                               "the desired replica count is more than the maximum replica "
                               "count")
                desired = allowed
        elif desired < current:
            rate = min(scale_down_limit(current, history.scale_downs, down, now), current)
            allowed = max(minimum, rate)
            if desired < allowed:
                limited = _condition("ScalingLimited", True, "ScaleDownLimit",
                                     "the desired replica count is decreasing faster than "
                                     "the maximum scale rate") if rate > minimum else \
                    _condition("ScalingLimited", True, "TooFewReplicas",
                               "the desired replica count is less than the minimum replica "
                               "count")
                desired = allowed
        self._set(status, limited)
        keep = max([float(p.get("periodSeconds", 15)) for p in
                    (up.get("policies") or []) + (down.get("policies") or [])] or [0.0])
        history.scale_ups = [(w, c) for w, c in history.scale_ups if w > now - keep]
        history.scale_downs = [(w, c) for w, c in history.scale_downs if w > now - keep]
        return desired

    @staticmethod
    def _set(status: Obj, cond: Obj) -> None:
        old = get_condition(status, cond["type"])
        same = old is not None and old.get("status") == cond["status"]
        cond["lastTransitionTime"] = old.get("lastTransitionTime") if same and old \
            else format_time()
        replace_condition(status, cond)

    async def _write(self, hpa: Obj, status: Obj) -> None:
        new = {k: v for k, v in status.items() if v is not None}
        new["conditions"] = sorted(new.get("conditions") or [],
                                   key=lambda c: CONDITION_ORDER.get(c.get("type"), 9))
        new["observedGeneration"] = hpa["metadata"].get("generation", 1)
        if new == (hpa.get("status") or {}):
            return
        try:
            await self.client.update_status(HPA, "horizontalpodautoscalers",
                                            {**hpa, "status": new})
        except RequestError as e:
            if not is_not_found(e):
                raise
