"""meta/v1 (k8s.io/apimachinery): the metadata every object carries and the shared
request/response types: ObjectMeta, ListMeta, LabelSelector, OwnerReference,
ManagedFieldsEntry, Condition, Status and DeleteOptions.

Declared in the vocabulary of `pyk8s.api.types._dsl`; facts (JSON names, protobuf
numbers, list and patch semantics, required members) follow Kubernetes 1.32, the
descriptions are our own. Members are listed in Kubernetes' declaration order.
"""

from __future__ import annotations

from pyk8s.api.types._dsl import (
    BOOLEAN,
    FIELDS_V1,
    INT32,
    INT64,
    STRING,
    TIME,
    Field,
    ListOf,
    MapOf,
    Package,
)

PKG = Package("io.k8s.apimachinery.pkg.apis.meta.v1", "", "v1")
_ref = PKG.ref


PKG.struct("ObjectMeta", "Metadata every persisted object carries.", [
    Field("name", STRING, 1, "Name of the object, unique within its namespace and kind."),
    Field("generateName", STRING, 2,
          "Prefix the server uses to generate a unique name when name is empty."),
    Field("namespace", STRING, 3, "Namespace of the object; empty for cluster-scoped kinds."),
    Field("selfLink", STRING, 4, "Deprecated and always empty; kept for compatibility."),
    Field("uid", STRING, 5, "Unique ID the server assigns at creation; never reused."),
    Field("resourceVersion", STRING, 6,
          "Opaque version of the object, used for optimistic concurrency and watches."),
    Field("generation", INT64, 7,
          "Sequence number of changes to the desired state, set by the server."),
    Field("creationTimestamp", TIME, 8, "When the object was created, set by the server."),
    Field("deletionTimestamp", TIME, 9,
          "When deletion was requested; the object goes once its finalizers are gone.",
          keep_zero=True),
    Field("deletionGracePeriodSeconds", INT64, 10,
          "Seconds the object is allowed to terminate gracefully once deletion was requested.",
          keep_zero=True),
    Field("labels", MapOf(STRING), 11, "Key-value pairs used to organize and select objects."),
    Field("annotations", MapOf(STRING), 12,
          "Arbitrary non-identifying key-value data kept with the object."),
    Field("ownerReferences", ListOf(_ref("OwnerReference"), "map", ("uid",)), 13,
          "Objects this object depends on; it is garbage-collected when they are all gone.",
          strategy="merge", merge_key="uid"),
    Field("finalizers", ListOf(STRING, "set"), 14,
          "Keys that must all be removed before the object is deleted from storage.",
          strategy="merge"),
    Field("managedFields", ListOf(_ref("ManagedFieldsEntry"), "atomic"), 17,
          "Which manager owns which fields, for server-side apply."),
])

PKG.struct("ListMeta", "Metadata of a list response.", [
    Field("selfLink", STRING, 1, "Deprecated and always empty; kept for compatibility."),
    Field("resourceVersion", STRING, 2,
          "Resource version the list was read at; watches resume from it."),
    Field("continue", STRING, 3, "Token for fetching the next page, when the list was limited."),
    Field("remainingItemCount", INT64, 4, "Estimate of how many items the remaining pages hold.",
          keep_zero=True),
])

PKG.struct("LabelSelector", "A label query; an object matches when all requirements hold.", [
    Field("matchLabels", MapOf(STRING), 1,
          "Labels that must be present with exactly these values."),
    Field("matchExpressions", ListOf(_ref("LabelSelectorRequirement"), "atomic"), 2,
          "Requirements on labels."),
], atomic=True)

PKG.struct("OwnerReference", "Identifies an owning object.", [
    Field("apiVersion", STRING, 5, "API version of the owner.", required=True),
    Field("kind", STRING, 1, "Kind of the owner.", required=True),
    Field("name", STRING, 3, "Name of the owner.", required=True),
    Field("uid", STRING, 4, "UID of the owner.", required=True),
    Field("controller", BOOLEAN, 6,
          "Whether the owner is the managing controller; at most one owner is.", keep_zero=True),
    Field("blockOwnerDeletion", BOOLEAN, 7,
          "Whether foreground deletion of the owner waits for this object.", keep_zero=True),
], atomic=True)

PKG.struct("Condition", "One observation about an object, in the standard form.", [
    Field("type", STRING, 1, "Kind of condition.", required=True),
    Field("status", STRING, 2, "Whether the condition holds: True, False or Unknown.",
          required=True),
    Field("observedGeneration", INT64, 3,
          "The .metadata.generation the condition was computed from."),
    Field("lastTransitionTime", TIME, 4, "When the condition last changed status.", required=True),
    Field("reason", STRING, 5, "Machine-readable CamelCase cause of the last transition.",
          required=True),
    Field("message", STRING, 6, "Human-readable details about the last transition.",
          required=True),
])

PKG.struct("ManagedFieldsEntry", "The set of fields one manager owns through one operation.", [
    Field("manager", STRING, 1, "Name of the manager."),
    Field("operation", STRING, 2, "Operation that set the fields: Apply or Update."),
    Field("apiVersion", STRING, 3, "API version the field set is written in."),
    Field("time", TIME, 4, "When the fields were last changed by this manager.", keep_zero=True),
    Field("fieldsType", STRING, 6, "Format of the field set; always FieldsV1."),
    Field("fieldsV1", FIELDS_V1, 7, "The field set.", keep_zero=True),
    Field("subresource", STRING, 8, "Subresource the operation went through, if any."),
])

PKG.kind("Status", "The result of an operation that returns no object, typically an error.", [
    Field("metadata", _ref("ListMeta"), 1, "Standard list metadata."),
    Field("status", STRING, 2, "Success or Failure."),
    Field("message", STRING, 3, "Human-readable description of the outcome."),
    Field("reason", STRING, 4, "Machine-readable CamelCase reason for a failure."),
    Field("details", _ref("StatusDetails"), 5, "Extra data about the reason."),
    Field("code", INT32, 6, "HTTP status code of the outcome."),
], listable=False)

PKG.kind("DeleteOptions", "Options of a delete request.", [
    Field("gracePeriodSeconds", INT64, 1,
          "Seconds the object may take to terminate; zero deletes at once.", keep_zero=True),
    Field("preconditions", _ref("Preconditions"), 2,
          "Conditions the object must meet to be deleted."),
    Field("orphanDependents", BOOLEAN, 3,
          "Deprecated; whether dependents are orphaned instead of collected.", keep_zero=True),
    Field("propagationPolicy", STRING, 4,
          "How dependents are collected: Orphan, Background or Foreground.", keep_zero=True),
    Field("dryRun", ListOf(STRING, "atomic"), 5,
          "When set to All, validate the request without persisting anything."),
], listable=False)

PKG.struct("LabelSelectorRequirement", "A requirement on one label.", [
    Field("key", STRING, 1, "Label key.", required=True),
    Field("operator", STRING, 2, "In, NotIn, Exists or DoesNotExist.", required=True),
    Field("values", ListOf(STRING, "atomic"), 3,
          "Values to compare with; empty for Exists and DoesNotExist."),
])

PKG.struct("StatusDetails", "Extra data about a failure.", [
    Field("name", STRING, 1, "Name of the object the failure is about."),
    Field("group", STRING, 2, "API group of the object."),
    Field("kind", STRING, 3, "Kind (or resource) of the object."),
    Field("uid", STRING, 6, "UID of the object."),
    Field("causes", ListOf(_ref("StatusCause"), "atomic"), 4,
          "Field-level causes of the failure."),
    Field("retryAfterSeconds", INT32, 5, "Seconds the client should wait before retrying."),
])

PKG.struct("Preconditions", "Conditions an object must meet for an operation to proceed.", [
    Field("uid", STRING, 1, "Required UID of the object.", keep_zero=True),
    Field("resourceVersion", STRING, 2, "Required resource version of the object.",
          keep_zero=True),
])

PKG.struct("StatusCause", "One cause of a failure.", [
    Field("reason", STRING, 1, "Machine-readable kind of cause, e.g. FieldValueInvalid."),
    Field("message", STRING, 2, "Human-readable description of the cause."),
    Field("field", STRING, 3, "Path of the field at fault, e.g. spec.replicas."),
])
