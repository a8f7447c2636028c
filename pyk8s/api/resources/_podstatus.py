"""A pod's READY, STATUS and RESTARTS cells, as kubectl's pod printer derives them.

`kubectl get pods` shows a one-word summary of a pod that is not stored
anywhere: `Init:0/2` while init containers run, a waiting container's reason
(`ContainerCreating`, `CrashLoopBackOff`, `ImagePullBackOff`), a terminated
one's (`Completed`, `Error`, `ExitCode:2`), `Terminating` while being deleted.
`pod_summary` follows Kubernetes' `printPod` step by step, sidecar (restartable
init) containers included, and also counts ready containers and restarts;
RESTARTS reads `2 (5m ago)` when the last restart's time is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyk8s.api.resource import Obj
from pyk8s.api.resources._common import age, dicts, dig, mapping, number, text


@dataclass(frozen=True, slots=True)
class PodSummary:
    """What kubectl's pod printer derives from a pod's status."""

    ready: int
    total: int
    reason: str
    restarts: int
    last_restart: str  # finishedAt of the latest restarted container, "" if none


def _condition_true(status: Obj, kind: str) -> bool:
    return any(c.get("type") == kind and c.get("status") == "True"
               for c in dicts(status, "conditions"))


def _finished_at(container_status: Obj) -> str:
    return text(container_status, "lastState", "terminated", "finishedAt")


def _terminated_reason(terminated: Obj, prefix: str) -> str:
    if terminated.get("reason"):
        return prefix + str(terminated["reason"])
    if number(terminated, "signal"):
        return f"{prefix}Signal:{number(terminated, 'signal')}"
    return f"{prefix}ExitCode:{number(terminated, 'exitCode')}"


def pod_summary(pod: Obj) -> PodSummary:
    spec, status = mapping(pod, "spec"), mapping(pod, "status")
    inits = dicts(spec, "initContainers")
    sidecars = {text(c, "name") for c in inits if c.get("restartPolicy") == "Always"}
    total = len(dicts(spec, "containers")) + sum(c.get("restartPolicy") == "Always"
                                                  for c in inits)
    phase = text(status, "phase")
    reason = text(status, "reason") or phase
    if any(c.get("type") == "PodScheduled" and c.get("reason") == "SchedulingGated"
           for c in dicts(status, "conditions")):
        reason = "SchedulingGated"
    ready = restarts = sidecar_restarts = 0
    last = sidecar_last = ""
    initializing = False
    for i, cs in enumerate(dicts(status, "initContainerStatuses")):
        restarts += number(cs, "restartCount")
        last = max(last, _finished_at(cs))
        sidecar = text(cs, "name") in sidecars
        if sidecar:
            sidecar_restarts += number(cs, "restartCount")
            sidecar_last = max(sidecar_last, _finished_at(cs))
        terminated = dig(cs, "state", "terminated")
        waiting = text(cs, "state", "waiting", "reason")
        if isinstance(terminated, dict) and number(terminated, "exitCode") == 0:
            continue
        if sidecar and cs.get("started") is True:
            ready += cs.get("ready") is True
            continue
        if isinstance(terminated, dict):
            reason = _terminated_reason(terminated, "Init:")
        elif waiting and waiting != "PodInitializing":
            reason = "Init:" + waiting
        else:
            reason = f"Init:{i}/{len(inits)}"
        initializing = True
        break
    if not initializing or _condition_true(status, "Initialized"):
        restarts, last = sidecar_restarts, sidecar_last
        running = False
        for cs in reversed(dicts(status, "containerStatuses")):
            restarts += number(cs, "restartCount")
            last = max(last, _finished_at(cs))
            terminated = dig(cs, "state", "terminated")
            waiting = text(cs, "state", "waiting", "reason")
            if waiting:
                reason = waiting
            elif isinstance(terminated, dict):
                reason = _terminated_reason(terminated, "")
            elif cs.get("ready") is True and isinstance(dig(cs, "state", "running"), dict):
                running = True
                ready += 1
        if reason == "Completed" and running:
            reason = "Running" if _condition_true(status, "Ready") else "NotReady"
    if text(pod, "metadata", "deletionTimestamp"):
        if text(status, "reason") == "NodeLost":
            reason = "Unknown"
        elif phase not in ("Succeeded", "Failed"):
            reason = "Terminating"
    return PodSummary(ready, total, reason, restarts, last)


def pod_ready(pod: Obj) -> str:
    summary = pod_summary(pod)
    return f"{summary.ready}/{summary.total}"


def pod_status(pod: Obj) -> str:
    return pod_summary(pod).reason


def pod_restarts(pod: Obj) -> str:
    summary = pod_summary(pod)
    if summary.restarts and summary.last_restart:
        return f"{summary.restarts} ({age(summary.last_restart)} ago)"
    return str(summary.restarts)


def pod_ip(pod: Obj) -> str:
    return text(pod, "status", "podIPs", 0, "ip") or text(pod, "status", "podIP") or "<none>"


def pod_readiness_gates(pod: Obj) -> str:
    gates = dicts(pod, "spec", "readinessGates")
    if not gates:
        return "<none>"
    conditions: dict[str, Any] = {}
    for condition in dicts(pod, "status", "conditions"):
        conditions.setdefault(text(condition, "type"), condition.get("status"))
    true = sum(conditions.get(text(g, "conditionType")) == "True" for g in gates)
    return f"{true}/{len(gates)}"
