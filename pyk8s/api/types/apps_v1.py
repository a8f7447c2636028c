"""apps/v1: Deployment, ReplicaSet, DaemonSet, StatefulSet and ControllerRevision.

Declared in the vocabulary of `pyk8s.api.types._dsl`; facts (JSON names, protobuf
numbers, list and patch semantics, required members) follow Kubernetes 1.32, the
descriptions are our own. Members are listed in Kubernetes' declaration order.
"""

from __future__ import annotations

from pyk8s.api.types import core_v1, meta_v1
from pyk8s.api.types._dsl import (
    BOOLEAN,
    INT32,
    INT64,
    INT_OR_STRING,
    RAW_EXTENSION,
    STRING,
    TIME,
    Field,
    ListOf,
    Package,
)

PKG = Package("io.k8s.api.apps.v1", "apps", "v1")
_ref = PKG.ref
_core = core_v1.PKG.ref
_meta = meta_v1.PKG.ref


PKG.kind("Deployment", "Declarative updates for pods through replica sets.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("spec", _ref("DeploymentSpec"), 2, "Desired state, as written by the user."),
    Field("status", _ref("DeploymentStatus"), 3,
          "Most recently observed state, written by the system; read-only for users."),
])

PKG.kind("ReplicaSet", "Keeps a number of pod replicas running.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("spec", _ref("ReplicaSetSpec"), 2, "Desired state, as written by the user."),
    Field("status", _ref("ReplicaSetStatus"), 3,
          "Most recently observed state, written by the system; read-only for users."),
])

PKG.kind("DaemonSet", "Runs a copy of a pod on every eligible node.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("spec", _ref("DaemonSetSpec"), 2, "Desired state, as written by the user."),
    Field("status", _ref("DaemonSetStatus"), 3,
          "Most recently observed state, written by the system; read-only for users."),
])

PKG.kind("StatefulSet", "Runs pods with stable identities and storage.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("spec", _ref("StatefulSetSpec"), 2, "Desired state, as written by the user."),
    Field("status", _ref("StatefulSetStatus"), 3,
          "Most recently observed state, written by the system; read-only for users."),
])

PKG.kind("ControllerRevision", "An immutable snapshot of a controller's state, for rollback.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("data", RAW_EXTENSION, 2, "The serialized state."),
    Field("revision", INT64, 3, "Revision number of the snapshot.", required=True),
])

PKG.struct("DeploymentSpec", "Desired state of a deployment.", [
    Field("replicas", INT32, 1, "Desired number of pods.", keep_zero=True),
    Field("selector", _meta("LabelSelector"), 2,
          "Label query over the pods the deployment manages; must match the template.",
          required=True),
    Field("template", _core("PodTemplateSpec"), 3, "Template of the pods to create.",
          required=True),
    Field("strategy", _ref("DeploymentStrategy"), 4, "How old pods are replaced by new ones.",
          strategy="retainKeys"),
    Field("minReadySeconds", INT32, 5,
          "Seconds a new pod must be ready before it counts as available."),
    Field("revisionHistoryLimit", INT32, 6, "How many old replica sets are kept for rollback.",
          keep_zero=True),
    Field("paused", BOOLEAN, 7, "Whether the deployment is paused."),
    Field("progressDeadlineSeconds", INT32, 9,
          "Seconds a rollout may go without progress before it is reported failed.",
          keep_zero=True),
])

PKG.struct("DeploymentStatus", "Observed state of a deployment.", [
    Field("observedGeneration", INT64, 1, "Generation of the deployment last acted upon."),
    Field("replicas", INT32, 2, "Number of pods targeted by the deployment."),
    Field("updatedReplicas", INT32, 3, "Number of pods with the current template."),
    Field("readyReplicas", INT32, 7, "Number of ready pods."),
    Field("availableReplicas", INT32, 4, "Number of available pods."),
    Field("unavailableReplicas", INT32, 5, "Number of pods still needed for full availability."),
    Field("conditions", ListOf(_ref("DeploymentCondition"), "map", ("type",)), 6,
          "Latest observations about the deployment.", strategy="merge", merge_key="type"),
    Field("collisionCount", INT32, 8, "Count of hash collisions, used to name new replica sets.",
          keep_zero=True),
])

PKG.struct("ReplicaSetSpec", "Desired state of a replica set.", [
    Field("replicas", INT32, 1, "Desired number of pods.", keep_zero=True),
    Field("minReadySeconds", INT32, 4,
          "Seconds a new pod must be ready before it counts as available."),
    Field("selector", _meta("LabelSelector"), 2,
          "Label query over the pods the replica set manages; must match the template.",
          required=True),
    Field("template", _core("PodTemplateSpec"), 3, "Template of the pods to create."),
])

PKG.struct("ReplicaSetStatus", "Observed state of a replica set.", [
    Field("replicas", INT32, 1, "Number of pods that exist.", required=True),
    Field("fullyLabeledReplicas", INT32, 2,
          "Number of pods carrying all of the template's labels."),
    Field("readyReplicas", INT32, 4, "Number of ready pods."),
    Field("availableReplicas", INT32, 5, "Number of available pods."),
    Field("observedGeneration", INT64, 3, "Generation of the replica set last acted upon."),
    Field("conditions", ListOf(_ref("ReplicaSetCondition"), "map", ("type",)), 6,
          "Latest observations about the replica set.", strategy="merge", merge_key="type"),
])

PKG.struct("DaemonSetSpec", "Desired state of a daemon set.", [
    Field("selector", _meta("LabelSelector"), 1,
          "Label query over the pods the daemon set manages; must match the template.",
          required=True),
    Field("template", _core("PodTemplateSpec"), 2, "Template of the pods to create.",
          required=True),
    Field("updateStrategy", _ref("DaemonSetUpdateStrategy"), 3,
          "How pods are replaced when the template changes."),
    Field("minReadySeconds", INT32, 4,
          "Seconds a new pod must be ready before it counts as available."),
    Field("revisionHistoryLimit", INT32, 6, "How many old revisions are kept for rollback.",
          keep_zero=True),
])

PKG.struct("DaemonSetStatus", "Observed state of a daemon set.", [
    Field("currentNumberScheduled", INT32, 1, "Nodes running at least one daemon pod that should.",
          required=True),
    Field("numberMisscheduled", INT32, 2, "Nodes running a daemon pod that should not.",
          required=True),
    Field("desiredNumberScheduled", INT32, 3, "Nodes that should run the daemon pod.",
          required=True),
    Field("numberReady", INT32, 4, "Nodes whose daemon pod is ready.", required=True),
    Field("observedGeneration", INT64, 5, "Generation of the daemon set last acted upon."),
    Field("updatedNumberScheduled", INT32, 6, "Nodes running the current template."),
    Field("numberAvailable", INT32, 7, "Nodes whose daemon pod is available."),
    Field("numberUnavailable", INT32, 8, "Nodes whose daemon pod is not yet available."),
    Field("collisionCount", INT32, 9, "Count of hash collisions, used to name new revisions.",
          keep_zero=True),
    Field("conditions", ListOf(_ref("DaemonSetCondition"), "map", ("type",)), 10,
          "Latest observations about the daemon set.", strategy="merge", merge_key="type"),
])

PKG.struct("StatefulSetSpec", "Desired state of a stateful set.", [
    Field("replicas", INT32, 1, "Desired number of pods.", keep_zero=True),
    Field("selector", _meta("LabelSelector"), 2,
          "Label query over the pods the stateful set manages; must match the template.",
          required=True),
    Field("template", _core("PodTemplateSpec"), 3, "Template of the pods to create.",
          required=True),
    Field("volumeClaimTemplates", ListOf(_core("PersistentVolumeClaim"), "atomic"), 4,
          "Claims created for each pod, giving it its own storage."),
    Field("serviceName", STRING, 5, "Headless service that gives the pods their network identity.",
          required=True),
    Field("podManagementPolicy", STRING, 6,
          "How pods are created and removed: OrderedReady or Parallel.",
          enum=("OrderedReady", "Parallel")),
    Field("updateStrategy", _ref("StatefulSetUpdateStrategy"), 7,
          "How pods are replaced when the template changes."),
    Field("revisionHistoryLimit", INT32, 8, "How many old revisions are kept for rollback.",
          keep_zero=True),
    Field("minReadySeconds", INT32, 9,
          "Seconds a new pod must be ready before it counts as available."),
    Field("persistentVolumeClaimRetentionPolicy",
          _ref("StatefulSetPersistentVolumeClaimRetentionPolicy"), 10,
          "What happens to the claims when the set is deleted or scaled down."),
    Field("ordinals", _ref("StatefulSetOrdinals"), 11, "Numbering of the pods."),
])

PKG.struct("StatefulSetStatus", "Observed state of a stateful set.", [
    Field("observedGeneration", INT64, 1, "Generation of the stateful set last acted upon."),
    Field("replicas", INT32, 2, "Number of pods that exist.", required=True),
    Field("readyReplicas", INT32, 3, "Number of ready pods."),
    Field("currentReplicas", INT32, 4, "Number of pods at the current revision."),
    Field("updatedReplicas", INT32, 5, "Number of pods at the update revision."),
    Field("currentRevision", STRING, 6, "Revision of the pods before the update."),
    Field("updateRevision", STRING, 7, "Revision the pods are updated to."),
    Field("collisionCount", INT32, 9, "Count of hash collisions, used to name new revisions.",
          keep_zero=True),
    Field("conditions", ListOf(_ref("StatefulSetCondition"), "map", ("type",)), 10,
          "Latest observations about the stateful set.", strategy="merge", merge_key="type"),
    Field("availableReplicas", INT32, 11, "Number of available pods."),
])

PKG.struct("DeploymentStrategy", "How a deployment replaces pods.", [
    Field("type", STRING, 1, "Recreate or RollingUpdate.", enum=("Recreate", "RollingUpdate")),
    Field("rollingUpdate", _ref("RollingUpdateDeployment"), 2, "Settings of a rolling update."),
])

PKG.struct("DeploymentCondition", "One observation about a deployment.", [
    Field("type", STRING, 1, "Kind of condition.", required=True),
    Field("status", STRING, 2, "Whether the condition holds: True, False or Unknown.",
          required=True),
    Field("lastUpdateTime", TIME, 6, "When the condition was last updated."),
    Field("lastTransitionTime", TIME, 7, "When the condition last changed status."),
    Field("reason", STRING, 4, "Machine-readable CamelCase cause of the last transition."),
    Field("message", STRING, 5, "Human-readable details about the last transition."),
])

PKG.struct("ReplicaSetCondition", "One observation about a replica set.", [
    Field("type", STRING, 1, "Kind of condition.", required=True),
    Field("status", STRING, 2, "Whether the condition holds: True, False or Unknown.",
          required=True),
    Field("lastTransitionTime", TIME, 3, "When the condition last changed status."),
    Field("reason", STRING, 4, "Machine-readable CamelCase cause of the last transition."),
    Field("message", STRING, 5, "Human-readable details about the last transition."),
])

PKG.struct("DaemonSetUpdateStrategy", "How a daemon set replaces pods.", [
    Field("type", STRING, 1, "RollingUpdate or OnDelete.", enum=("RollingUpdate", "OnDelete")),
    Field("rollingUpdate", _ref("RollingUpdateDaemonSet"), 2, "Settings of a rolling update."),
])

PKG.struct("DaemonSetCondition", "One observation about a daemon set.", [
    Field("type", STRING, 1, "Kind of condition.", required=True),
    Field("status", STRING, 2, "Whether the condition holds: True, False or Unknown.",
          required=True),
    Field("lastTransitionTime", TIME, 3, "When the condition last changed status."),
    Field("reason", STRING, 4, "Machine-readable CamelCase cause of the last transition."),
    Field("message", STRING, 5, "Human-readable details about the last transition."),
])

PKG.struct("StatefulSetUpdateStrategy", "How a stateful set replaces pods.", [
    Field("type", STRING, 1, "RollingUpdate or OnDelete.", enum=("RollingUpdate", "OnDelete")),
    Field("rollingUpdate", _ref("RollingUpdateStatefulSetStrategy"), 2,
          "Settings of a rolling update."),
])

PKG.struct("StatefulSetPersistentVolumeClaimRetentionPolicy",
           "What happens to a stateful set's claims.", [
    Field("whenDeleted", STRING, 1, "On deletion of the set: Retain or Delete.",
          enum=("Retain", "Delete")),
    Field("whenScaled", STRING, 2, "On scale-down: Retain or Delete.", enum=("Retain", "Delete")),
])

PKG.struct("StatefulSetOrdinals", "Numbering of a stateful set's pods.", [
    Field("start", INT32, 1, "Ordinal of the first pod."),
])

PKG.struct("StatefulSetCondition", "One observation about a stateful set.", [
    Field("type", STRING, 1, "Kind of condition.", required=True),
    Field("status", STRING, 2, "Whether the condition holds: True, False or Unknown.",
          required=True),
    Field("lastTransitionTime", TIME, 3, "When the condition last changed status."),
    Field("reason", STRING, 4, "Machine-readable CamelCase cause of the last transition."),
    Field("message", STRING, 5, "Human-readable details about the last transition."),
])

PKG.struct("RollingUpdateDeployment", "Settings of a rolling deployment update.", [
    Field("maxUnavailable", INT_OR_STRING, 1,
          "Pods (count or percentage) that may be unavailable during the update.", keep_zero=True),
    Field("maxSurge", INT_OR_STRING, 2,
          "Pods (count or percentage) that may be created above the desired number.",
          keep_zero=True),
])

PKG.struct("RollingUpdateDaemonSet", "Settings of a rolling daemon set update.", [
    Field("maxUnavailable", INT_OR_STRING, 1,
          "Nodes (count or percentage) whose pod may be unavailable during the update.",
          keep_zero=True),
    Field("maxSurge", INT_OR_STRING, 2,
          "Nodes (count or percentage) that may run an extra new pod during the update.",
          keep_zero=True),
])

PKG.struct("RollingUpdateStatefulSetStrategy", "Settings of a rolling stateful set update.", [
    Field("partition", INT32, 1, "Only pods with an ordinal at or above this number are updated.",
          keep_zero=True),
    Field("maxUnavailable", INT_OR_STRING, 2,
          "Pods (count or percentage) that may be unavailable during the update.", keep_zero=True),
])
