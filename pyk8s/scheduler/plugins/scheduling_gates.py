"""SchedulingGates (PreEnqueue): a pod with `spec.schedulingGates` is not tried until they are
all removed (each removal is a pod update, which queues it again)."""

from __future__ import annotations

from pyk8s.scheduler.framework import Plugin, Status, unresolvable
from pyk8s.scheduler.nodeinfo import PodInfo


class SchedulingGates(Plugin):
    name = "SchedulingGates"

    def pre_enqueue(self, pod: PodInfo) -> Status | None:
        gates = [g.get("name", "") for g in pod.pod["spec"].get("schedulingGates") or []]
        if gates:
            return unresolvable(f"waiting for scheduling gates: [{' '.join(gates)}]")
        return None
