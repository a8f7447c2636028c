"""autoscaling/v2 and autoscaling/v1 HorizontalPodAutoscalers (v2 is stored).

autoscaling/v2 is the hub and the preferred version; v1 is converted to and
from it. v1 only knows one target, `targetCPUUtilizationPercentage`, which is
v2's `Resource` metric for `cpu` with a `Utilization` target (and
`currentCPUUtilizationPercentage` its current value). Whatever else v2 holds
(other metrics, their current values, conditions, behavior) travels through
v1 in annotations, as Kubernetes does, so that v2 -> v1 -> v2 loses nothing:

    autoscaling.alpha.kubernetes.io/metrics          other spec.metrics
    autoscaling.alpha.kubernetes.io/current-metrics  other status.currentMetrics
    autoscaling.alpha.kubernetes.io/conditions       status.conditions
    autoscaling.alpha.kubernetes.io/behavior         spec.behavior

(The annotations hold v2-shaped JSON. Only the position of the CPU metric
among several is not kept: it comes back first.)
"""

from __future__ import annotations

import copy
import json
from typing import Any

from pyk8s.api import validation as v
from pyk8s.api.errors import Cause
from pyk8s.api.resource import Obj, ResourceType
from pyk8s.api.resources._common import (
    column,
    converted_columns,
    dicts,
    ensure,
    is_int,
    mapping,
    number,
    one_of,
    required_text,
    set_default,
    text,
)
from pyk8s.api.tables import AGE

ALL = ("all",)
METRICS = "autoscaling.alpha.kubernetes.io/metrics"
CURRENT_METRICS = "autoscaling.alpha.kubernetes.io/current-metrics"
CONDITIONS = "autoscaling.alpha.kubernetes.io/conditions"
BEHAVIOR = "autoscaling.alpha.kubernetes.io/behavior"
METRIC_TYPES = ["ContainerResource", "External", "Object", "Pods", "Resource"]
TARGET_TYPES = ["AverageValue", "Utilization", "Value"]
DEFAULT_CPU_UTILIZATION = 80
SCALE_UP = {"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": [
    {"type": "Pods", "value": 4, "periodSeconds": 15},
    {"type": "Percent", "value": 100, "periodSeconds": 15}]}
SCALE_DOWN = {"selectPolicy": "Max", "policies": [
    {"type": "Percent", "value": 100, "periodSeconds": 15}]}


def cpu_metric(utilization: int) -> Obj:
    return {"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": utilization}}}


# autoscaling/v2 ------------------------------------------------------------------


def default_hpa(obj: Obj) -> None:
    spec = ensure(obj, "spec")
    if spec is None:
        return
    set_default(spec, "minReplicas", 1)
    if not spec.get("metrics"):
        spec["metrics"] = [cpu_metric(DEFAULT_CPU_UTILIZATION)]
    behavior = spec.get("behavior")
    if isinstance(behavior, dict):
        for direction, defaults in (("scaleUp", SCALE_UP), ("scaleDown", SCALE_DOWN)):
            given = mapping(behavior, direction)
            rules = copy.deepcopy(defaults)
            rules.update({k: val for k, val in given.items() if val is not None})
            behavior[direction] = rules


def validate_hpa(obj: Obj) -> list[Cause]:
    spec = mapping(obj, "spec")
    ref = mapping(spec, "scaleTargetRef")
    out = required_text("spec.scaleTargetRef.kind", ref.get("kind"))
    out += required_text("spec.scaleTargetRef.name", ref.get("name"))
    minimum, maximum = spec.get("minReplicas"), spec.get("maxReplicas")
    if minimum is not None and not (is_int(minimum) and minimum >= 1):
        out.append(v.invalid("spec.minReplicas", minimum, "must be greater than or equal to 1"))
    if not is_int(maximum) or maximum < 1:
        out.append(v.invalid("spec.maxReplicas", maximum, "must be greater than 0"))
    elif is_int(minimum) and maximum < minimum:
        out.append(v.invalid("spec.maxReplicas", maximum,
                             "must be greater than or equal to `minReplicas`"))
    for i, metric in enumerate(dicts(spec, "metrics")):
        out += _metric_causes(metric, f"spec.metrics[{i}]")
    return out


def _metric_causes(metric: Obj, path: str) -> list[Cause]:
    kind = metric.get("type")
    out = one_of(f"{path}.type", kind, METRIC_TYPES)
    if kind not in ("Resource", "ContainerResource"):
        return out
    source_path = f"{path}.{'resource' if kind == 'Resource' else 'containerResource'}"
    source = mapping(metric, "resource" if kind == "Resource" else "containerResource")
    out += required_text(f"{source_path}.name", source.get("name"))
    target = mapping(source, "target")
    out += one_of(f"{source_path}.target.type", target.get("type"), TARGET_TYPES)
    if target.get("type") == "Utilization" and target.get("averageUtilization") is None:
        out.append(v.required(f"{source_path}.target.averageUtilization",
                              "must populate information for the given metric source"))
    return out


def _metric_targets(hpa: Obj) -> str:
    """The TARGETS cell: `cpu: 40%/80%, memory: <unknown>/1Gi + 1 more...`."""
    specs = dicts(hpa, "spec", "metrics")
    if not specs:
        return "<none>"
    statuses = dicts(hpa, "status", "currentMetrics")
    shown = [_metric_target(m, statuses[i] if i < len(statuses) else {})
             for i, m in enumerate(specs)]
    if len(shown) > 2:
        return f"{', '.join(shown[:2])} + {len(shown) - 2} more..."
    return ", ".join(shown)


def _metric_target(metric: Obj, status: Obj) -> str:
    kind = text(metric, "type")
    source = {"External": "external", "Pods": "pods", "Object": "object",
              "Resource": "resource", "ContainerResource": "containerResource"}.get(kind)
    if source is None:
        return "<unknown type>"
    target = mapping(metric, source, "target")
    current = mapping(status, source, "current") if isinstance(status.get(source), dict) \
        else None
    prefix = f"{text(metric, source, 'name')}: " if kind in ("Resource",
                                                             "ContainerResource") else ""
    if "averageValue" in target or kind == "Pods":
        avg = " (avg)" if kind in ("External", "Object") else ""
        now = str(current.get("averageValue", "0")) if current is not None else "<unknown>"
        return f"{prefix}{now}/{target.get('averageValue', '0')}{avg}"
    if kind in ("External", "Object"):
        now = str(current.get("value", "0")) if current is not None else "<unknown>"
        return f"{now}/{target.get('value', '0')}"
    utilization = current.get("averageUtilization") if current is not None else None
    now = f"{utilization}%" if utilization is not None else "<unknown>"
    wanted = f"{target['averageUtilization']}%" if "averageUtilization" in target else "<auto>"
    return f"{prefix}{now}/{wanted}"


def _reference(hpa: Obj) -> str:
    return f"{text(hpa, 'spec', 'scaleTargetRef', 'kind')}/" \
        f"{text(hpa, 'spec', 'scaleTargetRef', 'name')}"


def _min_pods(hpa: Obj) -> str:
    minimum = mapping(hpa, "spec").get("minReplicas")
    return str(minimum) if is_int(minimum) else "<unset>"


HPA_COLUMNS = (
    column("Reference", _reference),
    column("Targets", _metric_targets),
    column("MinPods", _min_pods),
    column("MaxPods", lambda o: number(o, "spec", "maxReplicas"), type="integer"),
    column("Replicas", lambda o: number(o, "status", "currentReplicas"), type="integer"),
    AGE,
)

HPA_V2 = ResourceType(
    group="autoscaling", version="v2", kind="HorizontalPodAutoscaler",
    plural="horizontalpodautoscalers", short_names=("hpa",), categories=ALL,
    subresources=("status",), columns=HPA_COLUMNS,
    default=default_hpa, validate=validate_hpa,
)


# autoscaling/v1 <-> v2 ----------------------------------------------------------


def _is_cpu_utilization(metric: Obj) -> bool:
    return metric.get("type") == "Resource" and text(metric, "resource", "name") == "cpu" and \
        text(metric, "resource", "target", "type") == "Utilization" and \
        is_int(mapping(metric, "resource", "target").get("averageUtilization"))


def _is_cpu_current(metric: Obj) -> bool:
    return metric.get("type") == "Resource" and text(metric, "resource", "name") == "cpu" and \
        is_int(mapping(metric, "resource", "current").get("averageUtilization"))


def _copy_keys(src: Obj, keys: tuple[str, ...]) -> Obj:
    return {k: copy.deepcopy(src[k]) for k in keys if k in src}


def _with_annotations(obj: Obj, stash: dict[str, Any]) -> Obj:
    """A copy of `obj`'s metadata with non-empty `stash` values added as JSON annotations."""
    metadata = copy.deepcopy(mapping(obj, "metadata"))
    extra = {k: json.dumps(val, separators=(",", ":")) for k, val in stash.items() if val}
    if extra:
        metadata["annotations"] = {**mapping(metadata, "annotations"), **extra}
    return metadata


def hpa_v2_to_v1(hpa: Obj) -> Obj:
    spec, status = mapping(hpa, "spec"), mapping(hpa, "status")
    metrics = dicts(spec, "metrics")
    cpu = next((m for m in metrics if _is_cpu_utilization(m)), None)
    current = dicts(status, "currentMetrics")
    cpu_now = next((m for m in current if _is_cpu_current(m)), None)
    stash = {METRICS: [m for m in metrics if m is not cpu],
             CURRENT_METRICS: [m for m in current if m is not cpu_now],
             CONDITIONS: status.get("conditions"), BEHAVIOR: spec.get("behavior")}
    out: Obj = {**_copy_keys(hpa, tuple(k for k in hpa if k not in ("spec", "status"))),
                "apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
                "metadata": _with_annotations(hpa, stash)}
    if "spec" in hpa:
        out["spec"] = _copy_keys(spec, ("scaleTargetRef", "minReplicas", "maxReplicas"))
        if cpu is not None:
            out["spec"]["targetCPUUtilizationPercentage"] = \
                cpu["resource"]["target"]["averageUtilization"]
    if "status" in hpa:
        out["status"] = _copy_keys(status, ("observedGeneration", "lastScaleTime",
                                            "currentReplicas", "desiredReplicas"))
        if cpu_now is not None:
            out["status"]["currentCPUUtilizationPercentage"] = \
                cpu_now["resource"]["current"]["averageUtilization"]
    return out


def _unstash(metadata: Obj, key: str) -> Any:
    annotations = mapping(metadata, "annotations")
    raw = annotations.pop(key, None)
    if not annotations:
        metadata.pop("annotations", None)
    try:
        return json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def hpa_v1_to_v2(hpa: Obj) -> Obj:
    spec, status = mapping(hpa, "spec"), mapping(hpa, "status")
    metadata = copy.deepcopy(mapping(hpa, "metadata"))
    others = _unstash(metadata, METRICS) or []
    current_others = _unstash(metadata, CURRENT_METRICS) or []
    conditions, behavior = _unstash(metadata, CONDITIONS), _unstash(metadata, BEHAVIOR)
    out: Obj = {**_copy_keys(hpa, tuple(k for k in hpa if k not in ("spec", "status"))),
                "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                "metadata": metadata}
    if "spec" in hpa:
        out["spec"] = _copy_keys(spec, ("scaleTargetRef", "minReplicas", "maxReplicas"))
        target = spec.get("targetCPUUtilizationPercentage")
        metrics = ([cpu_metric(target)] if is_int(target) else []) + others
        if metrics:
            out["spec"]["metrics"] = metrics
        if behavior is not None:
            out["spec"]["behavior"] = behavior
    if "status" in hpa:
        out["status"] = _copy_keys(status, ("observedGeneration", "lastScaleTime",
                                            "currentReplicas", "desiredReplicas"))
        now = status.get("currentCPUUtilizationPercentage")
        current = ([{"type": "Resource", "resource": {
            "name": "cpu", "current": {"averageUtilization": now}}}] if is_int(now) else []) \
            + current_others
        if current:
            out["status"]["currentMetrics"] = current
        if conditions is not None:
            out["status"]["conditions"] = conditions
    return out


def default_hpa_v1(obj: Obj) -> None:
    spec = ensure(obj, "spec")
    if spec is not None:
        set_default(spec, "minReplicas", 1)


HPA_V1 = ResourceType(
    group="autoscaling", version="v1", kind="HorizontalPodAutoscaler",
    plural="horizontalpodautoscalers", short_names=("hpa",), categories=ALL,
    subresources=("status",), columns=converted_columns(HPA_COLUMNS, hpa_v1_to_v2),
    default=default_hpa_v1,
    storage="horizontalpodautoscalers.autoscaling",
    to_hub=hpa_v1_to_v2,
    from_hub=hpa_v2_to_v1,
)

RESOURCES: list[ResourceType] = [HPA_V2, HPA_V1]
