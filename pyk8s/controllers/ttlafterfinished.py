"""TTL-after-finished controller: finished Jobs with `ttlSecondsAfterFinished` go away.

In: Jobs. Out: deletes (background propagation, so their pods follow) of
Jobs that have been Complete or Failed for `spec.ttlSecondsAfterFinished`
seconds, counted from the finishing condition's lastTransitionTime. A Job
not yet due is queued again for the moment it will be.
"""

from __future__ import annotations

import datetime
from typing import Any

from pyk8s.client import EventRecorder, RequestError, is_conflict, is_not_found
from pyk8s.controllers.conditions import now, parse_time
from pyk8s.controllers.context import Controller, ControllerContext
from pyk8s.controllers.job import BATCH

Obj = dict[str, Any]


def finished_at(job: Obj) -> datetime.datetime | None:
    for cond in (job.get("status") or {}).get("conditions") or []:
        if cond.get("type") in ("Complete", "Failed") and cond.get("status") == "True":
            return parse_time(cond.get("lastTransitionTime")) or \
                parse_time((job.get("status") or {}).get("completionTime"))
    return None


class TTLAfterFinishedController(Controller):
    name = "ttl-after-finished-controller"
    alias = "ttl-after-finished"
    component = "ttl-after-finished-controller"
    workers = 2

    def __init__(self, ctx: ControllerContext, recorder: EventRecorder) -> None:
        super().__init__(ctx, recorder)
        self.jobs = self.watch(ctx.informers.informer(BATCH, "jobs"))
        self.jobs.add_handlers(self._changed, lambda old, new: self._changed(new))

    def _changed(self, job: Obj) -> None:
        if (job.get("spec") or {}).get("ttlSecondsAfterFinished") is not None and \
                not job["metadata"].get("deletionTimestamp"):
            self.enqueue(job)

    async def sync(self, key: str) -> None:
        job = self.jobs.store.get(key)
        if job is None or job["metadata"].get("deletionTimestamp"):
            return
        ttl = (job.get("spec") or {}).get("ttlSecondsAfterFinished")
        done = finished_at(job)
        if ttl is None or done is None:
            return
        left = (done + datetime.timedelta(seconds=int(ttl)) - now()).total_seconds()
        if left > 0:
            self.queue.add_after(key, left + 0.1)
            return
        md = job["metadata"]
        try:
            await self.client.delete(BATCH, "jobs", md["name"], md["namespace"],
                                     propagation_policy="Background",
                                     preconditions={"uid": md["uid"]})
        except RequestError as e:
            if not (is_not_found(e) or is_conflict(e)):
                raise
