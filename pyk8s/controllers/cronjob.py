"""CronJob controller: a Job for each time the schedule fires.

In: CronJobs and Jobs (Jobs indexed by owner). Out: Jobs created from
`spec.jobTemplate` (named `<cronjob>-<minutes since the epoch>` of the
scheduled time, so a time is never run twice), old finished Jobs deleted,
and the CronJob's status (active, lastScheduleTime, lastSuccessfulTime).
Events: SuccessfulCreate, SawCompletedJob, SuccessfulDelete, JobAlreadyActive,
MissSchedule.

`sync(key)` finds the most recent time the schedule (`cron.Schedule`, in
`spec.timeZone`) fired since the last scheduled time (or since creation).
Unless suspended, or that time is older than `startingDeadlineSeconds`, it
starts a Job, as `concurrencyPolicy` allows: Allow always, Forbid not while
one is active, Replace after deleting the active ones. Finished Jobs beyond
`successfulJobsHistoryLimit` (3) and `failedJobsHistoryLimit` (1) are
deleted, oldest first. The key is queued again for the next firing time.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from pyk8s.client import (
    NORMAL,
    WARNING,
    EventRecorder,
    RequestError,
    by_owner_uid,
    is_already_exists,
    is_not_found,
)
from pyk8s.controllers import controller_ref
from pyk8s.controllers.conditions import format_time, now, parse_time
from pyk8s.controllers.context import Controller, ControllerContext, deep_copy
from pyk8s.controllers.cron import Schedule
from pyk8s.controllers.job import BATCH, finished

log = logging.getLogger(__name__)

Obj = dict[str, Any]
SCHEDULED = "batch.kubernetes.io/cronjob-scheduled-timestamp"
MAX_MISSED = 100



def job_succeeded(job: Obj) -> bool:
    return any(c.get("type") == "Complete" and c.get("status") == "True"
               for c in (job.get("status") or {}).get("conditions") or [])


def job_ref(job: Obj) -> Obj:
    md = job["metadata"]
    return {"apiVersion": BATCH, "kind": "Job", "name": md["name"],
            "namespace": md["namespace"], "uid": md["uid"],
            "resourceVersion": md.get("resourceVersion", "")}


class CronJobController(Controller):
    name = "cronjob-controller"
    alias = "cronjob"
    component = "cronjob-controller"
    workers = 2

    def __init__(self, ctx: ControllerContext, recorder: EventRecorder) -> None:
        super().__init__(ctx, recorder)
        self.cronjobs = self.watch(ctx.informers.informer(BATCH, "cronjobs"))
        self.jobs = self.watch(ctx.informers.informer(BATCH, "jobs"))
        self.jobs.store.add_indexer("owner", by_owner_uid)
        self.cronjobs.add_handlers(self.enqueue, lambda old, new: self.enqueue(new))
        self.jobs.add_handlers(self._job_changed, lambda old, new: self._job_changed(new),
                               self._job_changed)

    def _job_changed(self, job: Obj) -> None:
        ref = controller_ref.controller_ref(job)
        if ref is not None and ref.get("kind") == "CronJob":
            self.queue.add(f"{job['metadata']['namespace']}/{ref['name']}")

    async def sync(self, key: str) -> None:
        cached = self.cronjobs.store.get(key)
        if cached is None:
            return
        cj = deep_copy(cached)
        spec = cj.get("spec") or {}
        status = deep_copy(cj.get("status") or {})
        old_status = deep_copy(status)
        jobs = [j for j in self.jobs.store.by_index("owner", cj["metadata"]["uid"])
                if controller_ref.is_controlled_by(j, cj)]
        active = [j for j in jobs if not finished(j)]
        for job in jobs:
            if finished(job) and any(r.get("uid") == job["metadata"]["uid"]
                                     for r in status.get("active") or []):
                self.recorder.event(cj, NORMAL, "SawCompletedJob",
                                    f"Saw completed job: {job['metadata']['name']}, "
                                    f"condition: {'Complete' if job_succeeded(job) else 'Failed'}")
            if job_succeeded(job):
                done = (job.get("status") or {}).get("completionTime")
                if done and (not status.get("lastSuccessfulTime")
                             or done > status["lastSuccessfulTime"]):
                    status["lastSuccessfulTime"] = done
        await self._cleanup(cj, [j for j in jobs if finished(j)])
        schedule = Schedule.parse(spec.get("schedule", ""), spec.get("timeZone"))
        at = now()
        scheduled = self._most_recent(cj, schedule, status, at)
        if scheduled is not None and not spec.get("suspend"):
            deadline = spec.get("startingDeadlineSeconds")
            if deadline is not None and \
                    at - scheduled > datetime.timedelta(seconds=int(deadline)):
                self.recorder.event(cj, WARNING, "MissSchedule",
                                    f"Missed scheduled time to start a job: "
                                    f"{format_time(scheduled)}")
            else:
                active = await self._start(cj, scheduled, active, status)
        status["active"] = [job_ref(j) for j in sorted(active, key=lambda j: j["metadata"]
                                                        ["name"])] or None
        if not status["active"]:
            status.pop("active")
        if status != old_status:
            try:
                await self.client.update_status(BATCH, "cronjobs", {**cj, "status": status})
            except RequestError as e:
                if not is_not_found(e):
                    raise
        following = schedule.next(at)
        if following is not None:
            self.queue.add_after(key, (following - at).total_seconds() + 0.1)

    def _most_recent(self, cj: Obj, schedule: Schedule, status: Obj,
                     at: datetime.datetime) -> datetime.datetime | None:
        since = parse_time(status.get("lastScheduleTime")) or \
            parse_time(cj["metadata"].get("creationTimestamp")) or at
        deadline = (cj.get("spec") or {}).get("startingDeadlineSeconds")
        if deadline is not None:
            since = max(since, at - datetime.timedelta(seconds=int(deadline)))
        found = None
        t = schedule.next(since)
        for _ in range(MAX_MISSED * 10):
            if t is None or t > at:
                break
            found = t
            t = schedule.next(t)
        else:
            # So many missed times that counting them is pointless: the latest will do.
            t = schedule.next(at - datetime.timedelta(hours=1))
            while t is not None and (n := schedule.next(t)) is not None and n <= at:
                t = n
            found = t if t is not None and t <= at else found
        return found

    async def _start(self, cj: Obj, scheduled: datetime.datetime, active: list[Obj],
                     status: Obj) -> list[Obj]:
        policy = (cj.get("spec") or {}).get("concurrencyPolicy", "Allow")
        if active and policy == "Forbid":
            self.recorder.event(cj, NORMAL, "JobAlreadyActive",
                                "Not starting job because prior execution is running and "
                                "concurrency policy is Forbid")
            return active
        if active and policy == "Replace":
            for running in active:
                await self._delete(cj, running)
            active = []
        template = (cj.get("spec") or {}).get("jobTemplate") or {}
        md = template.get("metadata") or {}
        name = f"{cj['metadata']['name']}-{int(scheduled.timestamp() // 60)}"
        job: Obj = {
            "apiVersion": BATCH, "kind": "Job",
            "metadata": {
                "name": name, "namespace": cj["metadata"]["namespace"],
                "labels": dict(md.get("labels") or {}),
                "annotations": {**(md.get("annotations") or {}),
                                SCHEDULED: format_time(scheduled)},
                "ownerReferences": [controller_ref.new_controller_ref(cj)],
            },
            "spec": deep_copy(template.get("spec") or {}),
        }
        try:
            created = await self.client.create(BATCH, "jobs", job)
        except RequestError as e:
            if not is_already_exists(e):
                self.recorder.event(cj, WARNING, "FailedCreate", f"Error creating job: {e}")
                raise
        else:
            self.recorder.event(cj, NORMAL, "SuccessfulCreate", f"Created job {name}")
            active = [*active, created]
        status["lastScheduleTime"] = format_time(scheduled)
        return active

    async def _cleanup(self, cj: Obj, done: list[Obj]) -> None:
        spec = cj.get("spec") or {}
        for succeeded, limit in ((True, spec.get("successfulJobsHistoryLimit", 3)),
                                 (False, spec.get("failedJobsHistoryLimit", 1))):
            if limit is None:
                continue
            mine = sorted((j for j in done if job_succeeded(j) == succeeded
                           and not j["metadata"].get("deletionTimestamp")),
                          key=lambda j: j["metadata"].get("creationTimestamp") or "")
            for job in mine[:max(len(mine) - int(limit), 0)]:
                await self._delete(cj, job)

    async def _delete(self, cj: Obj, job: Obj) -> None:
        md = job["metadata"]
        try:
            await self.client.delete(BATCH, "jobs", md["name"], md["namespace"],
                                     propagation_policy="Background",
                                     preconditions={"uid": md["uid"]})
        except RequestError as e:
            if not is_not_found(e):
                raise
        self.recorder.event(cj, NORMAL, "SuccessfulDelete", f"Deleted job {md['name']}")
