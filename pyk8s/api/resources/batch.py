"""batch/v1: Jobs and CronJobs.

A Job's selector is normally not written by its author: on creation the API
server labels the pod template with the Job's uid and name
(`batch.kubernetes.io/controller-uid`, `batch.kubernetes.io/job-name` and
their legacy unprefixed twins) and selects on the uid. The server sets
`metadata.uid` before defaulting, so `default_job` generates them there.

Job pods must say `restartPolicy: OnFailure` or `Never`; pod-spec defaulting
fills `Always` when they say nothing, which Job validation then rejects with
Kubernetes' `Required value: valid values: "OnFailure", "Never"`, exactly
like kube-apiserver. A CronJob's job template follows the same Job rules
(except that its selector is always generated) and its schedule must parse
as standard cron (see `_cron`).
"""

from __future__ import annotations

import copy
import re
import zoneinfo
from functools import cache
from typing import Any

from pyk8s.api import validation as v
from pyk8s.api.errors import Cause
from pyk8s.api.resource import Obj, ResourceType
from pyk8s.api.resources._common import (
    age,
    column,
    container_columns,
    dicts,
    duration,
    ensure,
    format_selector,
    go_map,
    go_selector,
    immutable,
    invalid_shown,
    is_int,
    items,
    mapping,
    number,
    one_of,
    set_default,
    text,
)
from pyk8s.api.resources._cron import schedule_error
from pyk8s.api.resources._podspec import default_pod_template, validate_pod_template
from pyk8s.api.resources._workloads import object_selector, template_mismatch
from pyk8s.api.tables import AGE

ALL = ("all",)
UID_LABELS = ("batch.kubernetes.io/controller-uid", "controller-uid")
NAME_LABELS = ("batch.kubernetes.io/job-name", "job-name")
MAX_INT32 = 2**31 - 1
COMPLETION_MODES = ["NonIndexed", "Indexed"]
REPLACEMENT_POLICIES = ["Failed", "TerminatingOrFailed"]
CONCURRENCY_POLICIES = ["Allow", "Forbid", "Replace"]
# Template fields a suspended Job that never started may still change.
SCHEDULING_DIRECTIVES = ("nodeSelector", "tolerations", "affinity", "schedulingGates")


# Job defaulting ---------------------------------------------------------------


def default_job(obj: Obj) -> None:
    spec = ensure(obj, "spec")
    if spec is None:
        return
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    set_default(spec, "parallelism", 1)
    if spec.get("backoffLimit") is None:
        spec["backoffLimit"] = MAX_INT32 if spec.get("backoffLimitPerIndex") is not None else 6
    set_default(spec, "completionMode", "NonIndexed")
    set_default(spec, "suspend", False)
    failure_policy = spec.get("podFailurePolicy")
    set_default(spec, "podReplacementPolicy",
                "Failed" if failure_policy is not None else "TerminatingOrFailed")
    for rule in dicts(failure_policy, "rules"):
        for pattern in dicts(rule, "onPodConditions"):
            set_default(pattern, "status", "True")
    if spec.get("manualSelector") is not True:
        _generate_selector(obj, spec)
    labels = mapping(spec, "template", "metadata").get("labels")
    metadata = ensure(obj, "metadata")
    if isinstance(labels, dict) and labels and metadata is not None and \
            not metadata.get("labels"):
        metadata["labels"] = dict(labels)
    default_pod_template(spec.get("template"))


def _generate_selector(obj: Obj, spec: Obj) -> None:
    """Label the template with the Job's uid and name, and select on the uid."""
    uid, name = text(obj, "metadata", "uid"), text(obj, "metadata", "name")
    if not uid:
        return
    template = ensure(spec, "template")
    metadata = ensure(template, "metadata") if template is not None else None
    labels = ensure(metadata, "labels") if metadata is not None else None
    selector = ensure(spec, "selector")
    match_labels = ensure(selector, "matchLabels") if selector is not None else None
    if labels is None or match_labels is None:
        return
    for key in NAME_LABELS:
        labels.setdefault(key, name)
    for key in UID_LABELS:
        labels.setdefault(key, uid)
    match_labels.setdefault(UID_LABELS[0], uid)


# Job validation ---------------------------------------------------------------


def job_spec_causes(spec: Obj, path: str) -> list[Cause]:
    """What a Job spec and a CronJob's job template share (validateJobSpec)."""
    out: list[Cause] = []
    for name in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit",
                 "ttlSecondsAfterFinished", "backoffLimitPerIndex"):
        out += v.non_negative(f"{path}.{name}", spec.get(name))
    mode = spec.get("completionMode")
    out += one_of(f"{path}.completionMode", mode, COMPLETION_MODES, required=False)
    if mode == "Indexed" and spec.get("completions") is None:
        out.append(v.required(f"{path}.completions", "when completion mode is Indexed"))
    out += one_of(f"{path}.podReplacementPolicy", spec.get("podReplacementPolicy"),
                  REPLACEMENT_POLICIES, required=False)
    template = spec.get("template")
    out += validate_pod_template(template, f"{path}.template")
    return out + _job_restart_policy(spec, f"{path}.template.spec.restartPolicy")


def _job_restart_policy(spec: Obj, path: str) -> list[Cause]:
    policy = text(spec, "template", "spec", "restartPolicy")
    if policy in ("Always", ""):
        return [v.required(path, 'valid values: "OnFailure", "Never"')]
    if policy not in ("OnFailure", "Never"):
        return [v.not_supported(path, policy, ["OnFailure", "Never"])]
    if spec.get("podFailurePolicy") is not None and policy != "Never":
        return [v.invalid(path, policy, 'only "Never" is supported when podFailurePolicy is '
                          "specified")]
    return []


def validate_job(obj: Obj) -> list[Cause]:
    spec = mapping(obj, "spec")
    out = _generated_selector_causes(obj, spec)
    out += job_spec_causes(spec, "spec")
    selector = spec.get("selector")
    if selector is None:
        out.append(v.required("spec.selector"))
    else:
        out += v.label_selector("spec.selector", selector)
    return out + template_mismatch("spec.template", object_selector(selector),
                                   spec.get("template"))


def _generated_selector_causes(obj: Obj, spec: Obj) -> list[Cause]:
    """Unless the selector is manual, it and the template carry the uid and name labels."""
    if spec.get("manualSelector") is True or spec.get("selector") is None:
        return []
    uid, name = text(obj, "metadata", "uid"), text(obj, "metadata", "name")
    out = [] if uid else [v.required("metadata.uid")]
    labels = mapping(spec, "template", "metadata", "labels")
    expected = {**dict.fromkeys(UID_LABELS, uid), **dict.fromkeys(NAME_LABELS, name)}
    for key, value in expected.items():
        path = f"spec.template.metadata.labels[{key}]"
        if key not in labels:
            out.append(v.required(path, value))
        elif labels[key] != value:
            out.append(invalid_shown(path, go_map(labels), f"must be '{value}'"))
    selector = object_selector(spec.get("selector"))
    if selector is not None and not selector.matches(expected):
        out.append(invalid_shown("spec.selector", go_selector(spec.get("selector")),
                                 "`selector` not auto-generated"))
    return out


def validate_job_update(new: Obj, old: Obj) -> list[Cause]:
    spec, old_spec = mapping(new, "spec"), mapping(old, "spec")
    out = immutable("spec.selector", spec.get("selector"), old_spec.get("selector"),
                    go_selector(spec.get("selector")))
    template, old_template = spec.get("template"), old_spec.get("template")
    if spec.get("suspend") is True and not text(old, "status", "startTime"):
        template, old_template = _without_scheduling(template), _without_scheduling(old_template)
    out += immutable("spec.template", template, old_template, "core.PodTemplateSpec{...}")
    for name in ("completionMode", "podFailurePolicy", "backoffLimitPerIndex", "managedBy",
                 "successPolicy"):
        out += immutable(f"spec.{name}", spec.get(name), old_spec.get(name))
    if spec.get("completionMode") != "Indexed":
        out += immutable("spec.completions", spec.get("completions"),
                         old_spec.get("completions"))
    elif spec.get("completions") != old_spec.get("completions") and \
            spec.get("completions") != spec.get("parallelism"):
        out.append(v.invalid("spec.completions", spec.get("completions"),
                             "can only be modified in tandem with spec.parallelism"))
    return out


def _without_scheduling(template: Any) -> Any:
    """A template minus what a suspended, never-started Job may still change."""
    if not isinstance(template, dict):
        return template
    stripped = copy.deepcopy(template)
    metadata = mapping(stripped, "metadata")
    for key in ("labels", "annotations"):
        metadata.pop(key, None)
    pod_spec = mapping(stripped, "spec")
    for key in SCHEDULING_DIRECTIVES:
        pod_spec.pop(key, None)
    return stripped


# Job printing -----------------------------------------------------------------


def _condition_true(obj: Obj, kind: str) -> bool:
    """hasJobCondition: the first condition of that type decides."""
    for condition in dicts(obj, "status", "conditions"):
        if condition.get("type") == kind:
            return condition.get("status") == "True"
    return False


def job_status(obj: Obj) -> str:
    if _condition_true(obj, "Complete"):
        return "Complete"
    if _condition_true(obj, "Failed"):
        return "Failed"
    if text(obj, "metadata", "deletionTimestamp"):
        return "Terminating"
    if _condition_true(obj, "Suspended"):
        return "Suspended"
    if _condition_true(obj, "FailureTarget"):
        return "FailureTarget"
    return "Running"


def job_completions(obj: Obj) -> str:
    succeeded = number(obj, "status", "succeeded")
    completions = mapping(obj, "spec").get("completions")
    if is_int(completions):
        return f"{succeeded}/{completions}"
    parallelism = number(obj, "spec", "parallelism")
    return f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"


def job_duration(obj: Obj) -> str:
    return duration(text(obj, "status", "startTime"),
                    text(obj, "status", "completionTime") or None)


JOB = ResourceType(
    group="batch", version="v1", kind="Job", plural="jobs",
    categories=ALL, subresources=("status",),
    columns=(
        column("Status", job_status, description="Status of the job."),
        column("Completions", job_completions),
        column("Duration", job_duration, description="Time required to complete the job."),
        AGE,
        *container_columns("spec", "template", "spec"),
        column("Selector", lambda o: format_selector(mapping(o, "spec").get("selector")),
               priority=1),
    ),
    default=default_job,
    validate=validate_job,
    validate_update=validate_job_update,
    field_selectors={"status.successful": lambda o: str(number(o, "status", "succeeded"))},
)


# CronJobs ---------------------------------------------------------------------

# Jobs the CronJob creates are named `<cronjob>-<11 digits>`, within 63 characters.
MAX_CRONJOB_NAME = 52
_TIME_ZONE_PART = re.compile(r"^[A-Za-z.\-_0-9+]{1,14}$")


def cronjob_name_errors(name: str) -> list[str]:
    """A CronJob's name: a DNS subdomain short enough to name its Jobs."""
    errs = v.dns1123_subdomain_errors(name)
    if len(name) > MAX_CRONJOB_NAME:
        errs.append(f"must be no more than {MAX_CRONJOB_NAME} characters")
    return errs


def default_cronjob(obj: Obj) -> None:
    spec = ensure(obj, "spec")
    if spec is None:
        return
    set_default(spec, "concurrencyPolicy", "Allow")
    set_default(spec, "suspend", False)
    set_default(spec, "successfulJobsHistoryLimit", 3)
    set_default(spec, "failedJobsHistoryLimit", 1)
    default_pod_template(mapping(spec, "jobTemplate", "spec").get("template"))


def validate_cronjob(obj: Obj) -> list[Cause]:
    spec = mapping(obj, "spec")
    out = _schedule_causes(spec.get("schedule"))
    out += v.non_negative("spec.startingDeadlineSeconds", spec.get("startingDeadlineSeconds"))
    out += _time_zone_causes(spec.get("timeZone"))
    out += one_of("spec.concurrencyPolicy", spec.get("concurrencyPolicy"), CONCURRENCY_POLICIES)
    job_spec = mapping(spec, "jobTemplate", "spec")
    out += job_spec_causes(job_spec, "spec.jobTemplate.spec")
    if job_spec.get("selector") is not None:
        out.append(invalid_shown("spec.jobTemplate.spec.selector",
                                 go_selector(job_spec["selector"]),
                                 "`selector` will be auto-generated"))
    if job_spec.get("manualSelector") is True:
        out.append(v.not_supported("spec.jobTemplate.spec.manualSelector", True,
                                   ["nil", "false"]))
    for name in ("successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
        out += v.non_negative(f"spec.{name}", spec.get(name))
    return out


def _schedule_causes(schedule: Any) -> list[Cause]:
    path = "spec.schedule"
    if not isinstance(schedule, str) or not schedule:
        return [v.required(path)]
    out: list[Cause] = []
    error = schedule_error(schedule)
    if error:
        out.append(v.invalid(path, schedule, error))
    if "TZ" in schedule:
        out.append(v.invalid(path, schedule,
                             "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
    return out


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _time_zone_causes(zone: Any) -> list[Cause]:
    path = "spec.timeZone"
    if zone is None:
        return []
    if not isinstance(zone, str) or not zone:
        return [v.invalid(path, zone, "timeZone must be nil or non-empty string")]
    unknown = [v.invalid(path, zone, f"unknown time zone {zone}")]
    for part in zone.split("/"):
        if part in (".", "..") or part.startswith("-") or not _TIME_ZONE_PART.match(part):
            return unknown
    if zone.lower() == "local":
        return [v.invalid(path, zone, "timeZone must be an explicit time zone as defined in "
                          "https://www.iana.org/time-zones")]
    # Without a zone database (no tzdata) every zone would look unknown: trust the client.
    if _known_zones() and zone != "UTC" and zone not in _known_zones():
        return unknown
    return []


def _suspend_cell(obj: Obj) -> str:
    suspend = mapping(obj, "spec").get("suspend")
    if not isinstance(suspend, bool):
        return "<unset>"
    return "True" if suspend else "False"


def _last_schedule(obj: Obj) -> str:
    last = text(obj, "status", "lastScheduleTime")
    return age(last) if last else "<none>"


CRONJOB = ResourceType(
    group="batch", version="v1", kind="CronJob", plural="cronjobs",
    short_names=("cj",), categories=ALL, subresources=("status",),
    columns=(
        column("Schedule", lambda o: text(o, "spec", "schedule")),
        column("Timezone", lambda o: text(o, "spec", "timeZone") or "<none>"),
        column("Suspend", _suspend_cell, type="boolean"),
        column("Active", lambda o: len(items(o, "status", "active")), type="integer"),
        column("Last Schedule", _last_schedule),
        AGE,
        *container_columns("spec", "jobTemplate", "spec", "template", "spec"),
        column("Selector",
               lambda o: format_selector(mapping(o, "spec", "jobTemplate", "spec")
                                         .get("selector")),
               priority=1),
    ),
    default=default_cronjob,
    validate=validate_cronjob,
)

RESOURCES: list[ResourceType] = [CRONJOB, JOB]
