"""events.k8s.io/v1: Event (the newer form of the core Event).

Declared in the vocabulary of `pyk8s.api.types._dsl`; facts (JSON names, protobuf
numbers, list and patch semantics, required members) follow Kubernetes 1.32, the
descriptions are our own. Members are listed in Kubernetes' declaration order.
"""

from __future__ import annotations

from pyk8s.api.types import core_v1, meta_v1
from pyk8s.api.types._dsl import INT32, MICRO_TIME, STRING, TIME, Field, Package

PKG = Package("io.k8s.api.events.v1", "events.k8s.io", "v1")
_ref = PKG.ref
_core = core_v1.PKG.ref
_meta = meta_v1.PKG.ref


PKG.kind("Event", "A report of something that happened in the cluster.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("eventTime", MICRO_TIME, 2, "When the event was first observed.", required=True),
    Field("series", _ref("EventSeries"), 3, "Data about a series of recurring events."),
    Field("reportingController", STRING, 4, "Controller that emitted the event."),
    Field("reportingInstance", STRING, 5, "ID of the controller instance that emitted the event."),
    Field("action", STRING, 6, "What was done, or failed, about the object."),
    Field("reason", STRING, 7, "Short CamelCase reason for the event."),
    Field("regarding", _core("ObjectReference"), 8, "Object the event is about."),
    Field("related", _core("ObjectReference"), 9, "A secondary object involved in the event."),
    Field("note", STRING, 10, "Human-readable description of the event."),
    Field("type", STRING, 11, "Event type: Normal or Warning."),
    Field("deprecatedSource", _core("EventSource"), 12,
          "Reporting component, as in the core group event."),
    Field("deprecatedFirstTimestamp", TIME, 13,
          "When the event was first seen, as in the core group event."),
    Field("deprecatedLastTimestamp", TIME, 14,
          "When the event was most recently seen, as in the core group event."),
    Field("deprecatedCount", INT32, 15, "Number of occurrences, as in the core group event."),
])

PKG.struct("EventSeries", "A series of recurring events.", [
    Field("count", INT32, 1, "Number of occurrences so far.", required=True),
    Field("lastObservedTime", MICRO_TIME, 2, "When the last occurrence was observed.",
          required=True),
])
