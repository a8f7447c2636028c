"""PrioritySort (QueueSort): higher `spec.priority` first; equal priorities by arrival."""

from __future__ import annotations

from pyk8s.scheduler.framework import Plugin
from pyk8s.scheduler.queue import QueuedPod


class PrioritySort(Plugin):
    name = "PrioritySort"

    def less(self, a: QueuedPod, b: QueuedPod) -> bool:
        if a.pod.priority != b.pod.priority:
            return a.pod.priority > b.pod.priority
        return a.timestamp < b.timestamp
