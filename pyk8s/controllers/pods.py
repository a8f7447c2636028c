"""What controllers need to know about pods: active, ready, available, and which to delete.

- active: not Succeeded or Failed and not being deleted; only active pods
  count towards a controller's replicas;
- ready: condition Ready is True; available: ready for at least
  `minReadySeconds`;
- `deletion_order`: the pods a controller scaling down should remove first,
  as Kubernetes ranks them: unscheduled before scheduled, Pending before
  Unknown before Running, not ready before ready, pods sharing a node with
  more of their siblings first, ready for less time first, more container
  restarts first, newer before older;
- `pod_from_template`: a new pod stamped from a controller's template, with a
  controller ownerReference (blockOwnerDeletion) to its owner and a
  generateName of `<owner>-`.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable
from typing import Any

from pyk8s.controllers.conditions import get_condition, now, parse_time
from pyk8s.controllers.controller_ref import new_controller_ref

Obj = dict[str, Any]
_PHASE_RANK = {"Pending": 0, "Unknown": 1, "Running": 2}
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def is_terminal(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def is_active(pod: Obj) -> bool:
    return not is_terminal(pod) and not pod["metadata"].get("deletionTimestamp")


def is_ready(pod: Obj) -> bool:
    cond = get_condition(pod.get("status"), "Ready")
    return cond is not None and cond.get("status") == "True"


def ready_since(pod: Obj) -> datetime.datetime | None:
    cond = get_condition(pod.get("status"), "Ready")
    if cond is None or cond.get("status") != "True":
        return None
    return parse_time(cond.get("lastTransitionTime")) or _EPOCH


def is_available(pod: Obj, min_ready_seconds: int,
                 at: datetime.datetime | None = None) -> bool:
    since = ready_since(pod)
    if since is None:
        return False
    if min_ready_seconds <= 0:
        return True
    return since + datetime.timedelta(seconds=min_ready_seconds) <= (at or now())


def restarts(pod: Obj) -> int:
    return sum(int(s.get("restartCount") or 0)
               for s in (pod.get("status") or {}).get("containerStatuses") or [])


def deletion_order(pods: Iterable[Obj], siblings: Iterable[Obj] = ()) -> list[Obj]:
    """`pods` sorted so that the ones to delete first come first.

    `siblings` are the active pods of the same controller (by default `pods`),
    counted per node for the co-location rank.
    """
    pods = list(pods)
    per_node = Counter((p.get("spec") or {}).get("nodeName") for p in (list(siblings) or pods))

    def rank(pod: Obj) -> tuple[Any, ...]:
        node = (pod.get("spec") or {}).get("nodeName")
        phase = (pod.get("status") or {}).get("phase", "Pending")
        since = ready_since(pod)
        created = parse_time(pod["metadata"].get("creationTimestamp")) or _EPOCH
        return (
            bool(node),
            _PHASE_RANK.get(phase, 0),
            is_ready(pod),
            -per_node[node] if node else 0,
            -(since.timestamp()) if since else 0.0,
            -restarts(pod),
            -created.timestamp(),
        )

    return sorted(pods, key=rank)


def pod_from_template(template: Obj, owner: Obj, *, extra_labels: dict[str, str] | None = None
                      ) -> Obj:
    tmd = template.get("metadata") or {}
    md: Obj = {
        "generateName": f"{owner['metadata']['name']}-",
        "namespace": owner["metadata"]["namespace"],
        "labels": {**(tmd.get("labels") or {}), **(extra_labels or {})},
        "ownerReferences": [new_controller_ref(owner)],
    }
    if tmd.get("annotations"):
        md["annotations"] = dict(tmd["annotations"])
    if tmd.get("finalizers"):
        md["finalizers"] = list(tmd["finalizers"])
    return {"apiVersion": "v1", "kind": "Pod", "metadata": md,
            "spec": template.get("spec") or {}}
