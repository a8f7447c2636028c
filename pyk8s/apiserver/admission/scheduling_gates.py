"""A pod created with `spec.schedulingGates` starts with PodScheduled=False, reason
SchedulingGated, as kube-apiserver marks it: the scheduler will not try it until every
gate is removed (`kubectl get pods` shows SchedulingGated meanwhile)."""

from __future__ import annotations

from pyk8s.api import meta
from pyk8s.apiserver.admission import AdmissionPlugin, Attributes, Obj


class SchedulingGates(AdmissionPlugin):
    async def create(self, a: Attributes, obj: Obj) -> None:
        if a.resource.kind != "Pod" or not (obj.get("spec") or {}).get("schedulingGates"):
            return
        conditions = obj.setdefault("status", {}).setdefault("conditions", [])
        conditions.append({"type": "PodScheduled", "status": "False", "reason": "SchedulingGated",
                           "message": "Scheduling is blocked due to non-empty scheduling gates",
                           "lastProbeTime": None, "lastTransitionTime": meta.now()})
