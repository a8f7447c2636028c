"""apps/v1: Deployments, ReplicaSets, DaemonSets, StatefulSets, ControllerRevisions.

Each workload is declared as Kubernetes serves it: its printer columns
(`READY 2/3  UP-TO-DATE  AVAILABLE` ...), the defaults `SetDefaults_*` fills
(replicas 1, RollingUpdate 25%/25%, revisionHistoryLimit 10 ...), its
validation and its scale subresource. The pod template, selector and
restart-policy rules all four share come from `_podspec` and `_workloads`;
this module holds only what differs between the kinds: update strategies,
StatefulSet claim templates, and which fields an update may touch.
"""

from __future__ import annotations

from pyk8s.api import validation as v
from pyk8s.api.errors import Cause
from pyk8s.api.resource import Obj, ResourceType, ScaleSpec
from pyk8s.api.resources._common import (
    column,
    container_columns,
    dicts,
    ensure,
    format_labels,
    format_selector,
    immutable,
    int_or_percent,
    int_or_percent_value,
    invalid_shown,
    is_int,
    mapping,
    number,
    selector_text,
    set_default,
    show_int_or_string,
    text,
)
from pyk8s.api.resources._podspec import default_pod_template
from pyk8s.api.resources._workloads import pod_controller_causes, selector_unchanged
from pyk8s.api.tables import AGE

ALL = ("all",)
STATUS_SCALE = ("scale", "status")


def _ready_of_desired(obj: Obj) -> str:
    return f"{number(obj, 'status', 'readyReplicas')}/{number(obj, 'spec', 'replicas')}"


def _nonnegative(spec: Obj, *fields: str) -> list[Cause]:
    out: list[Cause] = []
    for name in fields:
        out += v.non_negative(f"spec.{name}", spec.get(name))
    return out


# Deployments ------------------------------------------------------------------


def default_deployment(obj: Obj) -> None:
    spec = ensure(obj, "spec")
    if spec is None:
        return
    set_default(spec, "replicas", 1)
    strategy = ensure(spec, "strategy")
    if strategy is not None:
        set_default(strategy, "type", "RollingUpdate")
        rolling = ensure(strategy, "rollingUpdate") if strategy["type"] == "RollingUpdate" \
            else None
        if rolling is not None:
            set_default(rolling, "maxUnavailable", "25%")
            set_default(rolling, "maxSurge", "25%")
    set_default(spec, "revisionHistoryLimit", 10)
    set_default(spec, "progressDeadlineSeconds", 600)
    default_pod_template(spec.get("template"))


def validate_deployment(obj: Obj) -> list[Cause]:
    spec = mapping(obj, "spec")
    out = _nonnegative(spec, "replicas")
    out += pod_controller_causes(spec, empty_kind="deployment", controller="ReplicaSet")
    out += _deployment_strategy(mapping(spec, "strategy"))
    out += _nonnegative(spec, "minReadySeconds", "revisionHistoryLimit",
                        "progressDeadlineSeconds")
    deadline = spec.get("progressDeadlineSeconds")
    if is_int(deadline) and deadline <= number(spec, "minReadySeconds"):
        out.append(v.invalid("spec.progressDeadlineSeconds", deadline,
                             "must be greater than minReadySeconds"))
    return out


def _deployment_strategy(strategy: Obj) -> list[Cause]:
    path = "spec.strategy"
    kind = strategy.get("type")
    if kind == "Recreate":
        if strategy.get("rollingUpdate") is not None:
            return [v.forbidden(f"{path}.rollingUpdate",
                                "may not be specified when strategy `type` is 'Recreate'")]
        return []
    if kind != "RollingUpdate":
        return [v.not_supported(path, kind, ["Recreate", "RollingUpdate"])]
    rolling = strategy.get("rollingUpdate")
    if not isinstance(rolling, dict):
        return [v.required(f"{path}.rollingUpdate", "this should be defaulted and never be nil")]
    unavailable, surge = rolling.get("maxUnavailable"), rolling.get("maxSurge")
    out = int_or_percent(f"{path}.rollingUpdate.maxUnavailable", unavailable, max_100=True)
    out += int_or_percent(f"{path}.rollingUpdate.maxSurge", surge)
    if int_or_percent_value(unavailable) == 0 and int_or_percent_value(surge) == 0:
        out.append(invalid_shown(f"{path}.rollingUpdate.maxUnavailable",
                                 show_int_or_string(unavailable),
                                 "may not be 0 when `maxSurge` is 0"))
    return out


DEPLOYMENT = ResourceType(
    group="apps", version="v1", kind="Deployment", plural="deployments",
    short_names=("deploy",), categories=ALL, subresources=STATUS_SCALE,
    columns=(
        column("Ready", _ready_of_desired, description="Number of the pod with ready state"),
        column("Up-to-date", lambda o: number(o, "status", "updatedReplicas"), type="integer"),
        column("Available", lambda o: number(o, "status", "availableReplicas"),
               type="integer"),
        AGE,
        *container_columns("spec", "template", "spec"),
        column("Selector", lambda o: selector_text(mapping(o, "spec").get("selector")),
               priority=1),
    ),
    default=default_deployment,
    validate=validate_deployment,
    validate_update=selector_unchanged,
    scale=ScaleSpec(),
)


# ReplicaSets ------------------------------------------------------------------


def default_replicaset(obj: Obj) -> None:
    spec = ensure(obj, "spec")
    if spec is not None:
        set_default(spec, "replicas", 1)
        default_pod_template(spec.get("template"))


def validate_replicaset(obj: Obj) -> list[Cause]:
    spec = mapping(obj, "spec")
    out = _nonnegative(spec, "replicas", "minReadySeconds")
    # ("deployment" is what Kubernetes says for ReplicaSets too.)
    return out + pod_controller_causes(spec, empty_kind="deployment", controller="ReplicaSet")


REPLICA_COLUMNS = (
    column("Desired", lambda o: number(o, "spec", "replicas"), type="integer"),
    column("Current", lambda o: number(o, "status", "replicas"), type="integer"),
    column("Ready", lambda o: number(o, "status", "readyReplicas"), type="integer"),
    AGE,
)

REPLICASET = ResourceType(
    group="apps", version="v1", kind="ReplicaSet", plural="replicasets",
    short_names=("rs",), categories=ALL, subresources=STATUS_SCALE,
    columns=(
        *REPLICA_COLUMNS,
        *container_columns("spec", "template", "spec"),
        column("Selector", lambda o: format_selector(mapping(o, "spec").get("selector")),
               priority=1),
    ),
    default=default_replicaset,
    validate=validate_replicaset,
    validate_update=selector_unchanged,
    field_selectors={"status.replicas": lambda o: str(number(o, "status", "replicas"))},
    scale=ScaleSpec(),
)


# DaemonSets -------------------------------------------------------------------


def default_daemonset(obj: Obj) -> None:
    spec = ensure(obj, "spec")
    if spec is None:
        return
    strategy = ensure(spec, "updateStrategy")
    if strategy is not None:
        set_default(strategy, "type", "RollingUpdate")
        rolling = ensure(strategy, "rollingUpdate") if strategy["type"] == "RollingUpdate" \
            else None
        if rolling is not None:
            set_default(rolling, "maxUnavailable", 1)
            set_default(rolling, "maxSurge", 0)
    set_default(spec, "revisionHistoryLimit", 10)
    default_pod_template(spec.get("template"))


def validate_daemonset(obj: Obj) -> list[Cause]:
    spec = mapping(obj, "spec")
    out = pod_controller_causes(spec, empty_kind="daemonset", controller="DaemonSet",
                                selector_required=False)
    out += _nonnegative(spec, "minReadySeconds", "revisionHistoryLimit")
    return out + _daemonset_strategy(mapping(spec, "updateStrategy"))


def _daemonset_strategy(strategy: Obj) -> list[Cause]:
    path = "spec.updateStrategy"
    kind = strategy.get("type")
    if kind == "OnDelete":
        return []
    if kind != "RollingUpdate":
        return [v.not_supported(path, kind, ["RollingUpdate", "OnDelete"])]
    rolling = strategy.get("rollingUpdate")
    if not isinstance(rolling, dict):
        return [v.required(f"{path}.rollingUpdate")]
    unavailable, surge = rolling.get("maxUnavailable"), rolling.get("maxSurge")
    out = int_or_percent(f"{path}.rollingUpdate.maxUnavailable", unavailable, max_100=True)
    out += int_or_percent(f"{path}.rollingUpdate.maxSurge", surge, max_100=True)
    has_unavailable = int_or_percent_value(unavailable) != 0
    has_surge = int_or_percent_value(surge) != 0
    if has_unavailable and has_surge:
        out.append(invalid_shown(f"{path}.rollingUpdate.maxSurge", show_int_or_string(surge),
                                 "may not be set when maxUnavailable is non-zero"))
    elif not has_unavailable and not has_surge:
        out.append(v.required(f"{path}.rollingUpdate.maxUnavailable",
                              "cannot be 0 when maxSurge is 0"))
    return out


DAEMONSET = ResourceType(
    group="apps", version="v1", kind="DaemonSet", plural="daemonsets",
    short_names=("ds",), categories=ALL, subresources=("status",),
    columns=(
        column("Desired", lambda o: number(o, "status", "desiredNumberScheduled"),
               type="integer"),
        column("Current", lambda o: number(o, "status", "currentNumberScheduled"),
               type="integer"),
        column("Ready", lambda o: number(o, "status", "numberReady"), type="integer"),
        column("Up-to-date", lambda o: number(o, "status", "updatedNumberScheduled"),
               type="integer"),
        column("Available", lambda o: number(o, "status", "numberAvailable"),
               type="integer"),
        column("Node Selector",
               lambda o: format_labels(mapping(o, "spec", "template", "spec")
                                       .get("nodeSelector"))),
        AGE,
        *container_columns("spec", "template", "spec"),
        column("Selector", lambda o: format_selector(mapping(o, "spec").get("selector")),
               priority=1),
    ),
    default=default_daemonset,
    validate=validate_daemonset,
    validate_update=selector_unchanged,
)


# StatefulSets -----------------------------------------------------------------

RETENTION_POLICIES = ["Retain", "Delete"]
# What a StatefulSet update may change; the rest of its spec is fixed at creation.
STATEFULSET_MUTABLE = ("replicas", "ordinals", "template", "updateStrategy",
                       "persistentVolumeClaimRetentionPolicy", "minReadySeconds")


def default_statefulset(obj: Obj) -> None:
    spec = ensure(obj, "spec")
    if spec is None:
        return
    set_default(spec, "podManagementPolicy", "OrderedReady")
    strategy = ensure(spec, "updateStrategy")
    if strategy is not None:
        if not strategy.get("type"):
            strategy["type"] = "RollingUpdate"
            ensure(strategy, "rollingUpdate")
        rolling = strategy.get("rollingUpdate")
        if strategy["type"] == "RollingUpdate" and isinstance(rolling, dict):
            set_default(rolling, "partition", 0)
    policy = ensure(spec, "persistentVolumeClaimRetentionPolicy")
    if policy is not None:
        set_default(policy, "whenDeleted", "Retain")
        set_default(policy, "whenScaled", "Retain")
    set_default(spec, "replicas", 1)
    set_default(spec, "revisionHistoryLimit", 10)
    default_pod_template(spec.get("template"))
    for claim in dicts(spec, "volumeClaimTemplates"):
        claim.setdefault("apiVersion", "v1")
        claim.setdefault("kind", "PersistentVolumeClaim")
        if (claim_spec := ensure(claim, "spec")) is not None:
            set_default(claim_spec, "volumeMode", "Filesystem")
        if (claim_status := ensure(claim, "status")) is not None:
            set_default(claim_status, "phase", "Pending")


def validate_statefulset(obj: Obj) -> list[Cause]:
    spec = mapping(obj, "spec")
    out = _statefulset_policies(spec)
    out += _nonnegative(spec, "replicas", "minReadySeconds")
    claims = [text(c, "metadata", "name") for c in dicts(spec, "volumeClaimTemplates")]
    return out + pod_controller_causes(spec, empty_kind="statefulset", controller="StatefulSet",
                                       extra_volumes=claims)


def _statefulset_policies(spec: Obj) -> list[Cause]:
    out: list[Cause] = []
    management = spec.get("podManagementPolicy")
    if not management:
        out.append(v.required("spec.podManagementPolicy"))
    elif management not in ("OrderedReady", "Parallel"):
        out.append(v.invalid("spec.podManagementPolicy", management,
                             "must be 'OrderedReady' or 'Parallel'"))
    out += _statefulset_strategy(mapping(spec, "updateStrategy"))
    policy = mapping(spec, "persistentVolumeClaimRetentionPolicy")
    for when in ("whenDeleted", "whenScaled"):
        if when in policy and policy[when] not in RETENTION_POLICIES:
            out.append(v.not_supported(f"spec.persistentVolumeClaimRetentionPolicy.{when}",
                                       policy[when], RETENTION_POLICIES))
    return out


def _statefulset_strategy(strategy: Obj) -> list[Cause]:
    path = "spec.updateStrategy"
    kind, rolling = strategy.get("type"), strategy.get("rollingUpdate")
    if not kind:
        return [v.required(path)]
    if kind == "OnDelete":
        if rolling is not None:
            return [v.invalid(f"{path}.rollingUpdate", rolling,
                              "only allowed for updateStrategy 'RollingUpdate'")]
        return []
    if kind != "RollingUpdate":
        return [v.invalid(path, strategy, "must be 'RollingUpdate' or 'OnDelete'")]
    if not isinstance(rolling, dict):
        return []
    out = v.non_negative(f"{path}.rollingUpdate.partition", rolling.get("partition"))
    unavailable = rolling.get("maxUnavailable")
    if unavailable is not None:
        out += int_or_percent(f"{path}.rollingUpdate.maxUnavailable", unavailable,
                              max_100=True)
        if int_or_percent_value(unavailable) == 0:
            out.append(invalid_shown(f"{path}.rollingUpdate.maxUnavailable",
                                     show_int_or_string(unavailable), "cannot be 0"))
    return out


def validate_statefulset_update(new: Obj, old: Obj) -> list[Cause]:
    new_spec, old_spec = mapping(new, "spec"), mapping(old, "spec")
    fixed = {k: val for k, val in new_spec.items() if k not in STATEFULSET_MUTABLE}
    old_fixed = {k: val for k, val in old_spec.items() if k not in STATEFULSET_MUTABLE}
    if fixed == old_fixed:
        return []
    return [v.forbidden("spec", "updates to statefulset spec for fields other than 'replicas', "
                        "'ordinals', 'template', 'updateStrategy', "
                        "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are "
                        "forbidden")]


STATEFULSET = ResourceType(
    group="apps", version="v1", kind="StatefulSet", plural="statefulsets",
    short_names=("sts",), categories=ALL, subresources=STATUS_SCALE,
    columns=(
        column("Ready", _ready_of_desired, description="Number of the pod with ready state"),
        AGE,
        *container_columns("spec", "template", "spec"),
    ),
    default=default_statefulset,
    validate=validate_statefulset,
    validate_update=validate_statefulset_update,
    scale=ScaleSpec(),
)


# ControllerRevisions ----------------------------------------------------------


def _controller(obj: Obj) -> str:
    """`statefulset.apps/web`: the revision's controlling owner."""
    for ref in dicts(obj, "metadata", "ownerReferences"):
        if ref.get("controller") is True:
            group = text(ref, "apiVersion").rpartition("/")[0]
            kind = text(ref, "kind")
            group_kind = f"{kind}.{group}" if group else kind
            name = text(ref, "name")
            return f"{group_kind.lower()}/{name}" if group_kind else name
    return "<none>"


def validate_controllerrevision(obj: Obj) -> list[Cause]:
    out = [] if obj.get("data") is not None else [v.required("data", "data is mandatory")]
    return out + v.non_negative("revision", obj.get("revision"))


CONTROLLERREVISION = ResourceType(
    group="apps", version="v1", kind="ControllerRevision", plural="controllerrevisions",
    columns=(
        column("Controller", _controller, description="Controller of the object"),
        column("Revision", lambda o: number(o, "revision"), type="integer"),
        AGE,
    ),
    validate=validate_controllerrevision,
    validate_update=lambda new, old: immutable("data", new.get("data"), old.get("data")),
)

RESOURCES: list[ResourceType] = [
    CONTROLLERREVISION, DAEMONSET, DEPLOYMENT, REPLICASET, STATEFULSET,
]
