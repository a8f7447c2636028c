"""events.k8s.io/v1 Events: the same stored objects as core/v1 Events, renamed.

Kubernetes keeps one store of events and serves it in two shapes. The core
v1 Event is the hub (stored form); this version converts field by field:
`regarding` is `involvedObject`, `note` is `message`, `reportingController`
is `reportingComponent`, and the `deprecated*` fields are core's `source`,
`firstTimestamp`, `lastTimestamp` and `count`. Everything else (`eventTime`,
`series`, `related`, `action`, `reason`, `type`, `reportingInstance`,
metadata, unknown fields) has the same name in both and is copied, so the
conversions are exact inverses. Validation, printing and field selection are
the core Event's, applied through the conversion.
"""

from __future__ import annotations

import copy

from pyk8s.api.resource import Obj, ResourceType
from pyk8s.api.resources._common import converted_columns, text
from pyk8s.api.resources.core import EVENT_COLUMNS, INVOLVED_FIELDS, involved_field

API_VERSION = "events.k8s.io/v1"
# events.k8s.io/v1 field -> core/v1 field
TO_CORE = {
    "regarding": "involvedObject",
    "note": "message",
    "reportingController": "reportingComponent",
    "deprecatedSource": "source",
    "deprecatedFirstTimestamp": "firstTimestamp",
    "deprecatedLastTimestamp": "lastTimestamp",
    "deprecatedCount": "count",
}
FROM_CORE = {core: new for new, core in TO_CORE.items()}


def _renamed(event: Obj, names: dict[str, str], api_version: str) -> Obj:
    out = {names.get(key, key): copy.deepcopy(value) for key, value in event.items()}
    out["apiVersion"] = api_version
    out["kind"] = "Event"
    return out


def to_core(event: Obj) -> Obj:
    return _renamed(event, TO_CORE, "v1")


def from_core(event: Obj) -> Obj:
    return _renamed(event, FROM_CORE, API_VERSION)


EVENT = ResourceType(
    group="events.k8s.io", version="v1", kind="Event", plural="events", short_names=("ev",),
    columns=converted_columns(EVENT_COLUMNS, to_core),
    # Field selectors are matched against the stored (core) form, under this
    # version's names (Kubernetes' field label conversion for events.k8s.io).
    field_selectors={
        **{f"regarding.{f}": involved_field(f) for f in INVOLVED_FIELDS},
        "reason": lambda stored: text(stored, "reason"),
        "reportingController": lambda stored: text(stored, "reportingComponent"),
        "type": lambda stored: text(stored, "type"),
    },
    storage="events",
    to_hub=to_core,
    from_hub=from_core,
)

RESOURCES: list[ResourceType] = [EVENT]
