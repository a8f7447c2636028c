"""Job controller: run pods until enough of them succeed, or give up.

In: Jobs and pods (shared informers; pods indexed by owner). Out: pods
created and deleted, the Job's status (active, ready, terminating,
succeeded, failed, startTime, completionTime, completedIndexes, conditions)
and SuccessfulCreate / SuccessfulDelete / Completed / BackoffLimitExceeded /
DeadlineExceeded events.

`sync(key)` claims the pods the Job's selector (generated from its uid at
creation) matches, then:

- a finished Job (Complete or Failed) is left alone;
- suspended: its active pods are deleted and it says Suspended;
- failed pods (plus container restarts under `restartPolicy: OnFailure`)
  beyond `backoffLimit`, or running past `activeDeadlineSeconds`: the Job
  fails (FailureTarget, then Failed with BackoffLimitExceeded or
  DeadlineExceeded) and its active pods are deleted;
- enough successes (`completions`; without completions, the first success
  once nothing else runs): SuccessCriteriaMet, then Complete;
- otherwise the active pods are brought to min(parallelism, what is still
  needed). After failures new pods wait an exponential back-off (10 s
  doubling, at most 6 minutes) from the latest failure. `Indexed` Jobs give
  each pod a completion index (annotation, label, `JOB_COMPLETION_INDEX` and
  hostname `<job>-<index>`) and create pods only for indexes neither
  succeeded nor running.

Counts are taken from the pods themselves and never go down, so a finished
pod collected by the pod GC is not forgotten. Creates are guarded by
`Expectations`, as in the ReplicaSet controller.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from pyk8s.api.selectors import selector_from_object
from pyk8s.client import (
    NORMAL,
    WARNING,
    EventRecorder,
    RequestError,
    by_owner_uid,
    is_conflict,
    is_not_found,
    object_key,
    split_key,
)
from pyk8s.controllers import controller_ref
from pyk8s.controllers.conditions import (
    format_time,
    get_condition,
    now,
    parse_time,
    replace_condition,
)
from pyk8s.controllers.context import Controller, ControllerContext, by_namespace, deep_copy
from pyk8s.controllers.expectations import Expectations
from pyk8s.controllers.pods import is_ready, pod_from_template
from pyk8s.controllers.replicaset import namespace_terminating, slow_start

log = logging.getLogger(__name__)

Obj = dict[str, Any]
BATCH = "batch/v1"
INDEX = "batch.kubernetes.io/job-completion-index"
BACKOFF_BASE = 10.0
BACKOFF_MAX = 360.0



def finished(job: Obj) -> bool:
    return any(c.get("type") in ("Complete", "Failed") and c.get("status") == "True"
               for c in (job.get("status") or {}).get("conditions") or [])


def pod_index(pod: Obj) -> int | None:
    try:
        return int((pod["metadata"].get("annotations") or {})[INDEX])
    except (KeyError, ValueError):
        return None


def format_indexes(indexes: set[int]) -> str:
    """{0, 1, 2, 5} -> "0-2,5", as status.completedIndexes spells them."""
    runs: list[list[int]] = []
    for i in sorted(indexes):
        if runs and runs[-1][1] == i - 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def parse_indexes(text: str) -> set[int]:
    found: set[int] = set()
    for part in (text or "").split(","):
        if not part:
            continue
        low, _, high = part.partition("-")
        try:
            found.update(range(int(low), int(high or low) + 1))
        except ValueError:
            continue
    return found


class JobController(Controller):
    name = "job-controller"
    alias = "job"
    component = "job-controller"
    workers = 5

    def __init__(self, ctx: ControllerContext, recorder: EventRecorder) -> None:
        super().__init__(ctx, recorder)
        self.expectations = Expectations()
        self.jobs = self.watch(ctx.informers.informer(
            BATCH, "jobs", indexers={"namespace": by_namespace}))
        self.pods = self.watch(ctx.pods())
        self.pods.store.add_indexer("owner", by_owner_uid)
        self.jobs.add_handlers(self.enqueue, lambda old, new: self.enqueue(new),
                               lambda job: self.expectations.forget(object_key(job)))
        self.pods.add_handlers(self._pod_added, lambda old, new: self._pod_changed(new),
                               self._pod_changed)

    def _owner(self, pod: Obj) -> Obj | None:
        ref = controller_ref.controller_ref(pod)
        if ref is None or ref.get("kind") != "Job":
            return None
        job = self.jobs.store.get(f"{pod['metadata']['namespace']}/{ref['name']}")
        return job if job is not None and job["metadata"]["uid"] == ref.get("uid") else None

    def _pod_added(self, pod: Obj) -> None:
        job = self._owner(pod)
        if job is not None:
            self.expectations.creation_observed(object_key(job))
            self.enqueue(job)

    def _pod_changed(self, pod: Obj) -> None:
        job = self._owner(pod)
        if job is not None:
            self.enqueue(job)

    async def sync(self, key: str) -> None:
        cached = self.jobs.store.get(key)
        if cached is None:
            self.expectations.forget(key)
            return
        if finished(cached):
            return
        job = deep_copy(cached)
        namespace, _ = split_key(key)
        spec = job.get("spec") or {}
        selector = selector_from_object(spec.get("selector"))
        pods = await controller_ref.claim(
            self.client, job, self.pods.store.by_index("namespace", namespace or ""),
            lambda p: not selector.empty and selector.matches(p["metadata"].get("labels")),
            api_version="v1", plural="pods", owner_plural="jobs")
        status = deep_copy(job.get("status") or {})
        old_status = deep_copy(status)
        active = [p for p in pods if _phase(p) not in ("Succeeded", "Failed")
                  and not p["metadata"].get("deletionTimestamp")]
        succeeded = [p for p in pods if _phase(p) == "Succeeded"]
        failed = [p for p in pods if _phase(p) == "Failed"]
        status["succeeded"] = max(len(succeeded), int(status.get("succeeded") or 0))
        status["failed"] = max(len(failed), int(status.get("failed") or 0))
        status["terminating"] = sum(1 for p in pods if p["metadata"].get("deletionTimestamp")
                                    and _phase(p) not in ("Succeeded", "Failed"))
        indexed = spec.get("completionMode") == "Indexed"
        done_indexes = parse_indexes(status.get("completedIndexes", "")) | {
            i for p in succeeded if (i := pod_index(p)) is not None}
        if indexed:
            status["completedIndexes"] = format_indexes(done_indexes)
            status["succeeded"] = max(len(done_indexes), int(status.get("succeeded") or 0))
        if spec.get("suspend"):
            await self._delete_pods(job, active)
            _set(status, "Suspended", "True", "JobSuspended", "Job suspended")
            active = []
        else:
            if get_condition(status, "Suspended"):
                _set(status, "Suspended", "False", "JobResumed", "Job resumed")
            status.setdefault("startTime", format_time())
            active = await self._reconcile(key, job, status, active, failed, done_indexes)
        status["active"] = len(active)
        status["ready"] = sum(1 for p in active if is_ready(p))
        for field in ("active", "ready", "succeeded", "failed", "terminating"):
            if not status.get(field) and field not in ("ready", "terminating"):
                status.pop(field, None)
        status.setdefault("uncountedTerminatedPods", {})
        if status != old_status:
            try:
                await self.client.update_status(BATCH, "jobs", {**job, "status": status})
            except RequestError as e:
                if not is_not_found(e):
                    raise

    async def _reconcile(self, key: str, job: Obj, status: Obj, active: list[Obj],
                         failed: list[Obj], done_indexes: set[int]) -> list[Obj]:
        """Decide the Job's fate or its next pods; returns the pods still active."""
        spec = job.get("spec") or {}
        restarts = 0
        if (((spec.get("template") or {}).get("spec") or {}).get("restartPolicy")
                == "OnFailure"):
            restarts = sum(int(s.get("restartCount") or 0) for p in active
                           for s in (p.get("status") or {}).get("containerStatuses") or [])
        started = parse_time(status.get("startTime")) or now()
        deadline = spec.get("activeDeadlineSeconds")
        failure: tuple[str, str] | None = None
        if int(status.get("failed") or 0) + restarts > int(spec.get("backoffLimit", 6)):
            failure = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
        elif deadline is not None and now() >= started + datetime.timedelta(seconds=deadline):
            failure = ("DeadlineExceeded", "Job was active longer than specified deadline")
        if failure is not None:
            await self._delete_pods(job, active)
            _set(status, "FailureTarget", "True", failure[0], failure[1])
            _set(status, "Failed", "True", failure[0], failure[1])
            self.recorder.event(job, WARNING, failure[0], failure[1])
            return []
        if deadline is not None:
            left = (started + datetime.timedelta(seconds=deadline) - now()).total_seconds()
            self.queue.add_after(key, max(left, 0) + 0.1)
        completions = spec.get("completions")
        parallelism = int(spec.get("parallelism", 1))
        succeeded = int(status.get("succeeded") or 0)
        if completions is None:
            complete = succeeded > 0 and not active
            wanted = 0 if succeeded > 0 else parallelism
        else:
            complete = succeeded >= int(completions)
            wanted = min(parallelism, int(completions) - succeeded)
        if complete:
            await self._delete_pods(job, active)
            message = "Reached expected number of succeeded pods"
            _set(status, "SuccessCriteriaMet", "True", "CompletionsReached", message)
            _set(status, "Complete", "True", "CompletionsReached", message)
            status["completionTime"] = format_time()
            self.recorder.event(job, NORMAL, "Completed", "Job completed")
            return []
        if not self.expectations.satisfied(key):
            return active
        if len(active) > wanted:
            extra = sorted(active, key=lambda p: p["metadata"].get("creationTimestamp") or "",
                           reverse=True)[:len(active) - wanted]
            await self._delete_pods(job, extra)
            return [p for p in active if p not in extra]
        missing = wanted - len(active)
        if missing <= 0:
            return active
        wait = self._backoff_left(status, failed)
        if wait > 0:
            self.queue.add_after(key, wait)
            return active
        indexes: list[int | None] = [None] * missing
        if spec.get("completionMode") == "Indexed":
            running = {pod_index(p) for p in active}
            free = [i for i in range(int(completions or 0))
                    if i not in done_indexes and i not in running]
            indexes = list(free[:missing])
        await self._create_pods(key, job, indexes)
        return active

    def _backoff_left(self, status: Obj, failed: list[Obj]) -> float:
        count = int(status.get("failed") or 0)
        if count == 0 or not failed:
            return 0.0
        times = [t for p in failed if (t := _finished_at(p)) is not None]
        if not times:
            return 0.0
        last = max(times)
        delay = min(BACKOFF_BASE * 2 ** (count - 1), BACKOFF_MAX)
        return (last + datetime.timedelta(seconds=delay) - now()).total_seconds()

    async def _create_pods(self, key: str, job: Obj, indexes: list[int | None]) -> None:
        template = (job.get("spec") or {}).get("template") or {}
        pending = list(indexes)
        self.expectations.expect(key, adds=len(pending))

        async def create() -> None:
            index = pending.pop(0)
            pod = pod_from_template(template, job)
            if index is not None:
                pod["metadata"].setdefault("annotations", {})[INDEX] = str(index)
                pod["metadata"]["labels"][INDEX] = str(index)
                pod["metadata"]["generateName"] = f"{job['metadata']['name']}-{index}-"
                pod["spec"] = deep_copy(pod["spec"])
                pod["spec"].setdefault("hostname", f"{job['metadata']['name']}-{index}")
                for c in pod["spec"].get("containers") or []:
                    c["env"] = [*(c.get("env") or []),
                                {"name": "JOB_COMPLETION_INDEX", "value": str(index)}]
            try:
                created = await self.client.create("v1", "pods", pod)
            except RequestError as e:
                self.expectations.creation_observed(key)
                if namespace_terminating(e):
                    return
                self.recorder.event(job, WARNING, "FailedCreate", f"Error creating: {e}")
                raise
            self.recorder.event(job, NORMAL, "SuccessfulCreate",
                                f"Created pod: {created['metadata']['name']}")

        done, errors = await slow_start(len(indexes), create)
        skipped = len(indexes) - done - len(errors)
        if skipped:
            self.expectations.creation_observed(key, skipped)
        if errors:
            raise errors[0]

    async def _delete_pods(self, job: Obj, pods: list[Obj]) -> None:
        for pod in pods:
            md = pod["metadata"]
            try:
                await self.client.delete("v1", "pods", md["name"], md["namespace"],
                                         preconditions={"uid": md["uid"]})
            except RequestError as e:
                if is_not_found(e) or is_conflict(e):
                    continue
                raise
            self.recorder.event(job, NORMAL, "SuccessfulDelete", f"Deleted pod: {md['name']}")


def _phase(pod: Obj) -> str:
    return str((pod.get("status") or {}).get("phase") or "Pending")


def _finished_at(pod: Obj) -> datetime.datetime | None:
    times = [parse_time(((s.get("state") or {}).get("terminated") or {}).get("finishedAt"))
             for s in (pod.get("status") or {}).get("containerStatuses") or []]
    found = [t for t in times if t is not None]
    return max(found) if found else parse_time(pod["metadata"].get("creationTimestamp"))


def _set(status: Obj, type_: str, value: str, reason: str, message: str) -> None:
    current = get_condition(status, type_)
    if current is not None and (current.get("status"), current.get("reason")) == (value, reason):
        return
    t = format_time()
    cond = {"type": type_, "status": value, "reason": reason, "message": message,
            "lastProbeTime": t, "lastTransitionTime": t}
    replace_condition(status, cond)
