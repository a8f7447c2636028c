"""batch/v1: Job and CronJob.

Declared in the vocabulary of `pyk8s.api.types._dsl`; facts (JSON names, protobuf
numbers, list and patch semantics, required members) follow Kubernetes 1.32, the
descriptions are our own. Members are listed in Kubernetes' declaration order.
"""

from __future__ import annotations

from pyk8s.api.types import core_v1, meta_v1
from pyk8s.api.types._dsl import BOOLEAN, INT32, INT64, STRING, TIME, Field, ListOf, Package

PKG = Package("io.k8s.api.batch.v1", "batch", "v1")
_ref = PKG.ref
_core = core_v1.PKG.ref
_meta = meta_v1.PKG.ref


PKG.kind("Job", "Runs pods until a number of them complete successfully.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("spec", _ref("JobSpec"), 2, "Desired state, as written by the user."),
    Field("status", _ref("JobStatus"), 3,
          "Most recently observed state, written by the system; read-only for users."),
])

PKG.kind("CronJob", "Runs a job on a repeating schedule.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("spec", _ref("CronJobSpec"), 2, "Desired state, as written by the user."),
    Field("status", _ref("CronJobStatus"), 3,
          "Most recently observed state, written by the system; read-only for users."),
])

PKG.struct("JobSpec", "Desired state of a job.", [
    Field("parallelism", INT32, 1, "Most pods the job runs at once.", keep_zero=True),
    Field("completions", INT32, 2, "Number of successful pods needed; any one success when unset.",
          keep_zero=True),
    Field("activeDeadlineSeconds", INT64, 3, "Seconds the job may be active before it is failed.",
          keep_zero=True),
    Field("podFailurePolicy", _ref("PodFailurePolicy"), 11, "Rules on how pod failures count."),
    Field("successPolicy", _ref("SuccessPolicy"), 16,
          "Rules deciding when an indexed job has succeeded."),
    Field("backoffLimit", INT32, 7, "Number of retries before the job is failed.", keep_zero=True),
    Field("backoffLimitPerIndex", INT32, 12, "Number of retries per index, for indexed jobs.",
          keep_zero=True),
    Field("maxFailedIndexes", INT32, 13, "Number of failed indexes after which the job is failed.",
          keep_zero=True),
    Field("selector", _meta("LabelSelector"), 4,
          "Label query over the job's pods; normally generated."),
    Field("manualSelector", BOOLEAN, 5,
          "Whether the selector is written by the user instead of generated.", keep_zero=True),
    Field("template", _core("PodTemplateSpec"), 6, "Template of the pods to create.",
          required=True),
    Field("ttlSecondsAfterFinished", INT32, 8,
          "Seconds after it finishes before the job is deleted.", keep_zero=True),
    Field("completionMode", STRING, 9, "NonIndexed or Indexed.", enum=("NonIndexed", "Indexed"),
          keep_zero=True),
    Field("suspend", BOOLEAN, 10, "Whether the job is suspended; no pods run while it is.",
          keep_zero=True),
    Field("podReplacementPolicy", STRING, 14,
          "When failed pods get replacements: TerminatingOrFailed or Failed.",
          enum=("TerminatingOrFailed", "Failed"), keep_zero=True),
    Field("managedBy", STRING, 15,
          "Controller that reconciles the job; the built-in one when empty.", keep_zero=True),
])

PKG.struct("JobStatus", "Observed state of a job.", [
    Field("conditions", ListOf(_ref("JobCondition"), "atomic"), 1,
          "Latest observations about the job.", strategy="merge", merge_key="type"),
    Field("startTime", TIME, 2, "When the job started being processed.", keep_zero=True),
    Field("completionTime", TIME, 3, "When the job completed.", keep_zero=True),
    Field("active", INT32, 4, "Number of running pods."),
    Field("succeeded", INT32, 5, "Number of pods that succeeded."),
    Field("failed", INT32, 6, "Number of pods that failed."),
    Field("terminating", INT32, 11, "Number of pods being terminated.", keep_zero=True),
    Field("completedIndexes", STRING, 7, "Completed indexes, as a list of ranges like 1,3-5."),
    Field("failedIndexes", STRING, 10, "Failed indexes, as a list of ranges like 1,3-5.",
          keep_zero=True),
    Field("uncountedTerminatedPods", _ref("UncountedTerminatedPods"), 8,
          "Finished pods not yet counted in the status."),
    Field("ready", INT32, 9, "Number of ready pods.", keep_zero=True),
])

PKG.struct("CronJobSpec", "Desired state of a cron job.", [
    Field("schedule", STRING, 1, "Schedule in cron format.", required=True),
    Field("timeZone", STRING, 8, "Time zone of the schedule; the controller's when unset.",
          keep_zero=True),
    Field("startingDeadlineSeconds", INT64, 2,
          "Seconds after a missed start time that the job may still start.", keep_zero=True),
    Field("concurrencyPolicy", STRING, 3,
          "What to do when runs overlap: Allow, Forbid or Replace.",
          enum=("Allow", "Forbid", "Replace")),
    Field("suspend", BOOLEAN, 4, "Whether new runs are suspended.", keep_zero=True),
    Field("jobTemplate", _ref("JobTemplateSpec"), 5, "Template of the jobs to create.",
          required=True),
    Field("successfulJobsHistoryLimit", INT32, 6, "How many successful jobs are kept.",
          keep_zero=True),
    Field("failedJobsHistoryLimit", INT32, 7, "How many failed jobs are kept.", keep_zero=True),
])

PKG.struct("CronJobStatus", "Observed state of a cron job.", [
    Field("active", ListOf(_core("ObjectReference"), "atomic"), 1, "Jobs currently running."),
    Field("lastScheduleTime", TIME, 4, "When a job was last scheduled.", keep_zero=True),
    Field("lastSuccessfulTime", TIME, 5, "When a job last completed successfully.",
          keep_zero=True),
])

PKG.struct("PodFailurePolicy", "Rules on how pod failures count.", [
    Field("rules", ListOf(_ref("PodFailurePolicyRule"), "atomic"), 1,
          "Rules, applied in order; the first match wins.", required=True),
])

PKG.struct("SuccessPolicy", "Rules deciding when an indexed job has succeeded.", [
    Field("rules", ListOf(_ref("SuccessPolicyRule"), "atomic"), 1,
          "Rules; the job succeeds when any is met.", required=True),
])

PKG.struct("JobCondition", "One observation about a job.", [
    Field("type", STRING, 1, "Kind of condition.", required=True),
    Field("status", STRING, 2, "Whether the condition holds: True, False or Unknown.",
          required=True),
    Field("lastProbeTime", TIME, 3, "When the condition was last checked."),
    Field("lastTransitionTime", TIME, 4, "When the condition last changed status."),
    Field("reason", STRING, 5, "Machine-readable CamelCase cause of the last transition."),
    Field("message", STRING, 6, "Human-readable details about the last transition."),
])

PKG.struct("UncountedTerminatedPods", "Finished pods the job controller has not counted yet.", [
    Field("succeeded", ListOf(STRING, "set"), 1, "UIDs of succeeded pods."),
    Field("failed", ListOf(STRING, "set"), 2, "UIDs of failed pods."),
])

PKG.struct("JobTemplateSpec", "Template of jobs created by a cron job.", [
    Field("metadata", _meta("ObjectMeta"), 1, "Metadata of the created jobs."),
    Field("spec", _ref("JobSpec"), 2, "Spec of the created jobs."),
])

PKG.struct("PodFailurePolicyRule", "A rule on a pod failure.", [
    Field("action", STRING, 1, "What to do on a match: FailJob, FailIndex, Ignore or Count.",
          required=True, enum=("FailJob", "FailIndex", "Ignore", "Count")),
    Field("onExitCodes", _ref("PodFailurePolicyOnExitCodesRequirement"), 2,
          "Container exit codes to match."),
    Field("onPodConditions", ListOf(_ref("PodFailurePolicyOnPodConditionsPattern"), "atomic"), 3,
          "Pod conditions to match."),
])

PKG.struct("SuccessPolicyRule", "A success rule.", [
    Field("succeededIndexes", STRING, 1,
          "Indexes that must succeed, as a list of ranges like 1,3-5.", keep_zero=True),
    Field("succeededCount", INT32, 2, "Number of indexes that must succeed.", keep_zero=True),
])

PKG.struct("PodFailurePolicyOnExitCodesRequirement", "A requirement on container exit codes.", [
    Field("containerName", STRING, 1, "Container whose exit code is checked; all when empty.",
          keep_zero=True),
    Field("operator", STRING, 2, "In or NotIn.", required=True, enum=("In", "NotIn")),
    Field("values", ListOf(INT32, "set"), 3, "Exit codes to compare with.", required=True),
])

PKG.struct("PodFailurePolicyOnPodConditionsPattern", "A pod condition to match.", [
    Field("type", STRING, 1, "Condition type.", required=True),
    Field("status", STRING, 2, "Condition status.", required=True),
])
