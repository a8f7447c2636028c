"""A new pod's starting status and the tolerations every pod gets.

A pod is created Pending with its QoS class (Guaranteed, Burstable,
BestEffort: the kubelet and the scheduler both read it). Like Kubernetes'
DefaultTolerationSeconds plugin, every pod that does not say otherwise
tolerates `not-ready` and `unreachable` nodes for 300 s before eviction.
"""

from __future__ import annotations

from typing import Any

from pyk8s.apiserver.admission import AdmissionPlugin, Attributes, Obj

DEFAULT_TOLERATION_SECONDS = 300
NODE_TAINTS = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")


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


def add_default_tolerations(spec: Obj) -> None:
    tolerations = spec.setdefault("tolerations", [])
    for taint in NODE_TAINTS:
        if any((t.get("key") == taint and t.get("effect") in (None, "", "NoExecute"))
               or (t.get("operator") == "Exists" and not t.get("key"))
               for t in tolerations):
            continue
        tolerations.append({
            "key": taint,
            "operator": "Exists",
            "effect": "NoExecute",
            "tolerationSeconds": DEFAULT_TOLERATION_SECONDS,
        })


class PodStatus(AdmissionPlugin):
    async def create(self, a: Attributes, obj: Obj) -> None:
        if a.resource.kind != "Pod":
            return
        spec = obj.setdefault("spec", {})
        obj["status"] = {"phase": "Pending", "qosClass": qos_class(spec)}
        add_default_tolerations(spec)
