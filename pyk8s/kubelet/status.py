"""Pod status as Kubernetes reports it, computed from what the runtime shows.

In: the pod (spec), the CRI containers seen for it (`ContainerRecord`, newest
attempt per name, plus the one before for `lastState`), the reasons the
kubelet has for containers it could not start (`Waiting`), and the probe
results. Out: the `status` object the kubelet writes to `pods/status`:

- `containerStatuses` / `initContainerStatuses`: state waiting / running /
  terminated (reason, exitCode, startedAt, finishedAt, containerID),
  `lastState`, `restartCount` (the CRI attempt number), `image`, `imageID`,
  `ready`, `started`;
- `conditions`: PodReadyToStartContainers, Initialized, ContainersReady,
  Ready (PodScheduled is the scheduler's and kept as it is);
- `phase`: Pending until every init container succeeded and the app
  containers were started; Succeeded / Failed once every container
  terminated for good under the restart policy; Running otherwise;
- `podIP(s)`, `hostIP(s)`, `startTime`, `qosClass`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

Obj = dict[str, Any]

RUNNING, EXITED, CREATED = "running", "exited", "created"


@dataclass
class ContainerRecord:
    """One CRI container of a pod, as ContainerStatus reported it."""

    id: str
    name: str
    attempt: int
    state: str  # RUNNING | EXITED | CREATED
    created_at: int  # ns since the epoch
    started_at: int
    finished_at: int
    exit_code: int
    reason: str
    message: str
    image: str
    image_ref: str


@dataclass
class Waiting:
    reason: str
    message: str = ""


def rfc3339(ns: int) -> str:
    t = datetime.datetime.fromtimestamp(ns / 1e9, datetime.UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def qos_class(pod: Obj) -> str:
    containers = [*pod["spec"].get("initContainers", []), *pod["spec"].get("containers", [])]
    requests_set = limits_set = False
    guaranteed = True
    for c in containers:
        res = c.get("resources") or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        if req or lim:
            requests_set = True
        if lim:
            limits_set = True
        for r in ("cpu", "memory"):
            if r not in lim or req.get(r, lim[r]) != lim[r]:
                guaranteed = False
    if not requests_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed and limits_set else "Burstable"


def should_restart(policy: str, exit_code: int) -> bool:
    return policy == "Always" or (policy == "OnFailure" and exit_code != 0)


def _state(rec: ContainerRecord) -> Obj:
    if rec.state == RUNNING:
        return {"running": {"startedAt": rfc3339(rec.started_at)}}
    if rec.state == EXITED:
        term: Obj = {"exitCode": rec.exit_code,
                     "reason": rec.reason or ("Completed" if rec.exit_code == 0 else "Error"),
                     "startedAt": rfc3339(rec.started_at) if rec.started_at else None,
                     "finishedAt": rfc3339(rec.finished_at) if rec.finished_at else None,
                     "containerID": f"containerd://{rec.id}"}
        if rec.message:
            term["message"] = rec.message
        return {"terminated": term}
    return {"waiting": {"reason": "ContainerCreating"}}


def container_status(spec: Obj, current: ContainerRecord | None,
                     previous: ContainerRecord | None, waiting: Waiting | None, *,
                     ready: bool, started: bool, init: bool) -> Obj:
    status: Obj = {"name": spec["name"], "image": spec.get("image", ""), "imageID": "",
                   "ready": False, "restartCount": 0, "started": False, "lastState": {}}
    last = current if current is not None and current.state == EXITED else previous
    if current is not None:
        status["containerID"] = f"containerd://{current.id}"
        status["imageID"] = current.image_ref
        status["restartCount"] = current.attempt
    if waiting is not None:
        w: Obj = {"reason": waiting.reason}
        if waiting.message:
            w["message"] = waiting.message
        status["state"] = {"waiting": w}
        if last is not None:
            status["lastState"] = _state(last)
    elif current is None:
        status["state"] = {"waiting": {"reason": "ContainerCreating"}}
    else:
        status["state"] = _state(current)
        if previous is not None:
            status["lastState"] = _state(previous)
        if current.state == RUNNING:
            status["started"] = started
            status["ready"] = ready
    if init and "running" not in status["state"]:
        status.pop("started")
    return status


def condition(type_: str, ok: bool, old: list[Obj], reason: str = "") -> Obj:
    """A condition, keeping lastTransitionTime when its status did not change."""
    value = "True" if ok else "False"
    for c in old:
        if c.get("type") == type_ and c.get("status") == value:
            kept = {"type": type_, "status": value, "lastProbeTime": None,
                    "lastTransitionTime": c.get("lastTransitionTime") or now()}
            if reason and not ok:
                kept["reason"] = reason
            return kept
    cond: Obj = {"type": type_, "status": value, "lastProbeTime": None,
                 "lastTransitionTime": now()}
    if reason and not ok:
        cond["reason"] = reason
    return cond


def phase(pod: Obj, init_statuses: list[Obj], statuses: list[Obj],
          sandbox_ready: bool) -> str:
    policy = pod["spec"].get("restartPolicy", "Always")
    for s in init_statuses:
        term = s["state"].get("terminated")
        if term and term["exitCode"] != 0 and policy == "Never":
            return "Failed"
    if any("terminated" not in s["state"] or s["state"]["terminated"]["exitCode"] != 0
           for s in init_statuses):
        return "Pending"
    running = waiting = succeeded = failed = 0
    for s in statuses:
        state = s["state"]
        if "running" in state:
            running += 1
        elif "terminated" in state:
            if state["terminated"]["exitCode"] == 0:
                succeeded += 1
            else:
                failed += 1
        elif s.get("lastState", {}).get("terminated"):
            running += 1  # waiting to be restarted: the pod is still running
        else:
            waiting += 1
    if waiting:
        return "Pending"
    if running:
        return "Running"
    if policy == "Always" and sandbox_ready:
        return "Running"  # all exited and about to restart
    if failed and policy == "Never":
        return "Failed"
    if failed:
        return "Running"  # OnFailure: restarting
    return "Succeeded" if statuses else "Pending"
