"""The arithmetic of Deployments, free of I/O (Kubernetes' deploymentutil).

- revisions: each ReplicaSet of a Deployment carries
  `deployment.kubernetes.io/revision`; the new one gets the highest old one
  plus 1, and a ReplicaSet that becomes new again (a rollback) keeps its
  earlier numbers in `deployment.kubernetes.io/revision-history`;
- the new ReplicaSet is the one whose pod template equals the Deployment's,
  ignoring the `pod-template-hash` label; its name is `<deployment>-<hash>`,
  the hash an FNV-1a of the template (and of `status.collisionCount`, bumped
  when a name is taken by something else), spelled in the vowel-free
  alphabet of generated names;
- maxSurge (rounded up) and maxUnavailable (rounded down) resolved against
  `spec.replicas`, never both zero;
- how far a rolling update may scale the new ReplicaSet up, how a scaled
  Deployment spreads new replicas over its ReplicaSets in proportion to
  their size (`deployment.kubernetes.io/max-replicas` remembers the size they
  were made for), and the status and conditions (Available, Progressing
  with its deadline) computed from the ReplicaSets.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

import orjson

from pyk8s.controllers.conditions import (
    format_time,
    get_condition,
    now,
    parse_time,
    replace_condition,
)

Obj = dict[str, Any]

REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
HASH_LABEL = "pod-template-hash"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
NOT_COPIED = frozenset({LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS,
                        MAX_REPLICAS, "deprecated.deployment.rollback.to"})
MAX_INT32 = 2**31 - 1
_SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"

# Progressing / Available reasons, as kubectl and people read them.
NEW_RS_CREATED = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
RS_UPDATED = "ReplicaSetUpdated"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"


def replicas(obj: Obj) -> int:
    return int((obj.get("spec") or {}).get("replicas", 1) or 0)


def status_count(obj: Obj | None, field: str) -> int:
    return int(((obj or {}).get("status") or {}).get(field) or 0)


def revision(rs: Obj) -> int:
    try:
        return int((rs["metadata"].get("annotations") or {}).get(REVISION, 0))
    except ValueError:
        return 0


def created(rs: Obj) -> tuple[str, str]:
    return (rs["metadata"].get("creationTimestamp") or "", rs["metadata"]["name"])


# Hashing and the new ReplicaSet ---------------------------------------------------


def template_hash(template: Obj, collision_count: int | None) -> str:
    data = orjson.dumps(template, option=orjson.OPT_SORT_KEYS)
    if collision_count is not None:
        data += str(collision_count).encode()
    h = 0x811C9DC5
    for byte in data:
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return "".join(_SAFE_ALPHABET[ord(c) % len(_SAFE_ALPHABET)] for c in str(h))


def _without_hash(template: Obj) -> Obj:
    copy = orjson.loads(orjson.dumps(template or {}))
    md = copy.get("metadata") or {}
    if md.get("creationTimestamp", "") is None:  # kubectl rollout undo sends a null one
        del md["creationTimestamp"]
    labels = md.get("labels") or {}
    labels.pop(HASH_LABEL, None)
    if not labels:
        md.pop("labels", None)
    if not md:
        copy.pop("metadata", None)
    result: Obj = copy
    return result


def equal_ignore_hash(a: Obj, b: Obj) -> bool:
    return _without_hash(a) == _without_hash(b)


def find_new_replicaset(d: Obj, rss: list[Obj]) -> Obj | None:
    """The oldest ReplicaSet whose template is the Deployment's."""
    template = (d.get("spec") or {}).get("template") or {}
    for rs in sorted(rss, key=created):
        if equal_ignore_hash((rs.get("spec") or {}).get("template") or {}, template):
            return rs
    return None


# maxSurge and maxUnavailable --------------------------------------------------


def _resolve(value: Any, total: int, round_up: bool) -> int:
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.endswith("%"):
        try:
            fraction = float(value[:-1]) * total / 100
        except ValueError:
            return 0
        return math.ceil(fraction) if round_up else math.floor(fraction)
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def fenceposts(d: Obj) -> tuple[int, int]:
    """(maxSurge, maxUnavailable) of a RollingUpdate Deployment, never both 0."""
    rolling = ((d.get("spec") or {}).get("strategy") or {}).get("rollingUpdate") or {}
    desired = replicas(d)
    surge = _resolve(rolling.get("maxSurge", "25%"), desired, True)
    unavailable = _resolve(rolling.get("maxUnavailable", "25%"), desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def is_rolling(d: Obj) -> bool:
    return ((d.get("spec") or {}).get("strategy") or {}).get("type", "RollingUpdate") == \
        "RollingUpdate"


def max_surge(d: Obj) -> int:
    return fenceposts(d)[0] if is_rolling(d) else 0


def max_unavailable(d: Obj) -> int:
    if not is_rolling(d) or replicas(d) == 0:
        return 0
    return min(fenceposts(d)[1], replicas(d))


def new_rs_new_replicas(d: Obj, all_rss: list[Obj], new_rs: Obj) -> int:
    """What a rolling update may scale the new ReplicaSet to now."""
    if not is_rolling(d):
        return replicas(d)
    current = sum(replicas(rs) for rs in all_rss)
    max_total = replicas(d) + max_surge(d)
    if current >= max_total:
        return replicas(new_rs)
    return replicas(new_rs) + min(max_total - current, replicas(d) - replicas(new_rs))


def is_saturated(d: Obj, rs: Obj | None) -> bool:
    if rs is None:
        return False
    desired = (rs["metadata"].get("annotations") or {}).get(DESIRED_REPLICAS)
    return replicas(rs) == replicas(d) and desired == str(replicas(d)) and \
        status_count(rs, "availableReplicas") == replicas(d)


def replicas_annotations_changed(rs: Obj, desired: int, max_replicas: int) -> bool:
    """Set desired-replicas and max-replicas on `rs`; True if they changed."""
    annotations = rs["metadata"].setdefault("annotations", {})
    wanted = {DESIRED_REPLICAS: str(desired), MAX_REPLICAS: str(max_replicas)}
    if all(annotations.get(k) == v for k, v in wanted.items()):
        return False
    annotations.update(wanted)
    return True


def copy_deployment_annotations(d: Obj, rs: Obj) -> bool:
    """Copy the Deployment's own annotations onto `rs`; True if any changed."""
    annotations = rs["metadata"].setdefault("annotations", {})
    changed = False
    for key, value in (d["metadata"].get("annotations") or {}).items():
        if key not in NOT_COPIED and annotations.get(key) != value:
            annotations[key] = value
            changed = True
    return changed


def set_revision(rs: Obj, new_revision: int) -> bool:
    """Raise `rs`'s revision to `new_revision`, keeping the old one in the history."""
    annotations = rs["metadata"].setdefault("annotations", {})
    old = revision(rs)
    if old >= new_revision:
        return False
    if old:
        history = [h for h in annotations.get(REVISION_HISTORY, "").split(",") if h]
        annotations[REVISION_HISTORY] = ",".join([*history, str(old)])
    annotations[REVISION] = str(new_revision)
    return True


# Proportional scaling ---------------------------------------------------------


def find_active_or_latest(new_rs: Obj | None, old_rss: list[Obj]) -> Obj | None:
    everything = [rs for rs in [new_rs, *old_rss] if rs is not None]
    active = [rs for rs in everything if replicas(rs) > 0]
    if not active:
        if new_rs is not None:
            return new_rs
        return max(old_rss, key=created) if old_rss else None
    return active[0] if len(active) == 1 else None


def proportional_sizes(d: Obj, active: list[Obj]) -> dict[str, int]:
    """New sizes for the active ReplicaSets of a RollingUpdate Deployment being scaled."""
    allowed = replicas(d) + max_surge(d) if replicas(d) > 0 else 0
    to_add = allowed - sum(replicas(rs) for rs in active)
    # Bigger first; among equals newer first when adding, older first when removing.
    active = sorted(active, key=created, reverse=to_add > 0)
    active.sort(key=lambda rs: -replicas(rs))
    sizes: dict[str, int] = {}
    added = 0
    for rs in active:
        share = 0
        if to_add != 0 and replicas(rs) > 0 and added != to_add:
            share = _fraction(rs, d)
            left = to_add - added
            share = min(share, left) if to_add > 0 else max(share, left)
        sizes[rs["metadata"]["name"]] = replicas(rs) + share
        added += share
    if active and to_add != 0:
        first = active[0]["metadata"]["name"]
        sizes[first] = max(sizes[first] + to_add - added, 0)
    return sizes


def _fraction(rs: Obj, d: Obj) -> int:
    if replicas(d) == 0:
        return -replicas(rs)
    target = replicas(d) + max_surge(d)
    try:
        annotated = int((rs["metadata"].get("annotations") or {})[MAX_REPLICAS])
    except (KeyError, ValueError):
        annotated = status_count(d, "replicas")
    if annotated <= 0:
        return 0
    return round(replicas(rs) * target / annotated) - replicas(rs)


# Status and conditions ----------------------------------------------------------


def new_condition(type_: str, status: str, reason: str, message: str) -> Obj:
    t = format_time()
    return {"type": type_, "status": status, "lastUpdateTime": t, "lastTransitionTime": t,
            "reason": reason, "message": message}


def set_deployment_condition(status: Obj, cond: Obj) -> None:
    """Replace the condition of cond's type, unless status and reason are unchanged."""
    current = get_condition(status, cond["type"])
    if current is not None and current.get("status") == cond["status"] and \
            current.get("reason") == cond["reason"]:
        return
    if current is not None and current.get("status") == cond["status"]:
        cond = {**cond, "lastTransitionTime": current.get("lastTransitionTime")}
    replace_condition(status, cond)


def calculate_status(all_rss: list[Obj], new_rs: Obj | None, d: Obj) -> Obj:
    available = sum(status_count(rs, "availableReplicas") for rs in all_rss)
    old = d.get("status") or {}
    counts = {
        "observedGeneration": int(d["metadata"].get("generation") or 0),
        "replicas": sum(status_count(rs, "replicas") for rs in all_rss),
        "updatedReplicas": status_count(new_rs, "replicas"),
        "readyReplicas": sum(status_count(rs, "readyReplicas") for rs in all_rss),
        "availableReplicas": available,
        "unavailableReplicas": max(sum(replicas(rs) for rs in all_rss) - available, 0),
        "collisionCount": old.get("collisionCount"),
    }
    status: Obj = {k: v for k, v in counts.items() if v}
    if old.get("conditions"):
        status["conditions"] = [dict(c) for c in old["conditions"]]
    if available >= replicas(d) - max_unavailable(d):
        cond = new_condition("Available", "True", "MinimumReplicasAvailable",
                             "Deployment has minimum availability.")
    else:
        cond = new_condition("Available", "False", "MinimumReplicasUnavailable",
                             "Deployment does not have minimum availability.")
    set_deployment_condition(status, cond)
    return status


def has_progress_deadline(d: Obj) -> bool:
    deadline = (d.get("spec") or {}).get("progressDeadlineSeconds")
    return deadline is not None and deadline != MAX_INT32


def complete(d: Obj, status: Obj) -> bool:
    want = replicas(d)
    return status.get("updatedReplicas", 0) == want and status.get("replicas", 0) == want and \
        status.get("availableReplicas", 0) == want and \
        status.get("observedGeneration", 0) >= int(d["metadata"].get("generation") or 0)


def progressing(d: Obj, status: Obj) -> bool:
    old = d.get("status") or {}
    old_old = old.get("replicas", 0) - old.get("updatedReplicas", 0)
    new_old = status.get("replicas", 0) - status.get("updatedReplicas", 0)
    return status.get("updatedReplicas", 0) > old.get("updatedReplicas", 0) or \
        new_old < old_old or \
        status.get("readyReplicas", 0) > old.get("readyReplicas", 0) or \
        status.get("availableReplicas", 0) > old.get("availableReplicas", 0)


def deadline_left(d: Obj, status: Obj) -> float | None:
    """Seconds until the progress deadline passes (<= 0: passed); None: no deadline runs."""
    if not has_progress_deadline(d):
        return None
    cond = get_condition(status, "Progressing")
    if cond is None or cond.get("reason") == NEW_RS_AVAILABLE:
        return None
    if cond.get("reason") == TIMED_OUT:
        return 0.0
    since = parse_time(cond.get("lastUpdateTime"))
    if since is None:
        return None
    deadline = since + datetime.timedelta(seconds=int(d["spec"]["progressDeadlineSeconds"]))
    return (deadline - now()).total_seconds()
