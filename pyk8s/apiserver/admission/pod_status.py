"""A new pod's starting status.

A pod is created Pending with its QoS class (Guaranteed, Burstable,
BestEffort: the kubelet and the scheduler both read it). The tolerations
every pod gets are the DefaultTolerationSeconds plugin's.
"""

from __future__ import annotations

from typing import Any

from pyk8s.apiserver.admission import AdmissionPlugin, Attributes, Obj


def qos_class(spec: Obj) -> str:
    containers: list[Any] = [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]
    requests: dict[str, str] = {}
    limits: dict[str, str] = {}
    guaranteed = True
    for c in containers:
        res = c.get("resources") or {}
        lim = {k: v for k, v in (res.get("limits") or {}).items() if k in ("cpu", "memory")}
        req = {k: v for k, v in (res.get("requests") or {}).items() if k in ("cpu", "memory")}
        requests.update(req)
        limits.update(lim)
        if set(lim) != {"cpu", "memory"} or any(req.get(k, lim[k]) != lim[k] for k in lim):
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


class PodStatus(AdmissionPlugin):
    async def create(self, a: Attributes, obj: Obj) -> None:
        if a.resource.kind != "Pod":
            return
        spec = obj.setdefault("spec", {})
        obj["status"] = {"phase": "Pending", "qosClass": qos_class(spec)}
