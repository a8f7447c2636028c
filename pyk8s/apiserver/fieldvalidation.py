"""Server-side field validation (`?fieldValidation=Strict|Warn|Ignore`).

kubectl sends `fieldValidation=Strict` with `create -f`, `apply` and
`replace` and relies on the server to reject typos: a 400 naming every
unknown or duplicated field (`strict decoding error: unknown field
"spec.replica"`). Warn (the default) accepts the object and reports the same
findings as `Warning` headers; Ignore says nothing.

What is known: the top-level fields of each kind and ObjectMeta's fields.
Deeper schemas arrive with the typed declarations of `pyk8s/api/types/`.
Duplicate keys can only be seen in the raw JSON, so that (slower) scan runs
only under Strict.
"""

from __future__ import annotations

import json
from typing import Any

from pyk8s.api import errors
from pyk8s.api.resource import ResourceType

OBJECT_META = frozenset({
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
    "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
    "annotations", "ownerReferences", "finalizers", "managedFields",
})
STANDARD = frozenset({"apiVersion", "kind", "metadata", "spec", "status"})
TYPE_META = frozenset({"apiVersion", "kind", "metadata"})

# Kinds whose top level is not spec/status.
TOP_LEVEL: dict[str, frozenset[str]] = {
    "ConfigMap": TYPE_META | {"data", "binaryData", "immutable"},
    "Secret": TYPE_META | {"data", "stringData", "type", "immutable"},
    "Endpoints": TYPE_META | {"subsets"},
    "ServiceAccount": TYPE_META | {"secrets", "imagePullSecrets",
                                   "automountServiceAccountToken"},
    "Role": TYPE_META | {"rules"},
    "ClusterRole": TYPE_META | {"rules", "aggregationRule"},
    "RoleBinding": TYPE_META | {"subjects", "roleRef"},
    "ClusterRoleBinding": TYPE_META | {"subjects", "roleRef"},
    "EndpointSlice": TYPE_META | {"addressType", "endpoints", "ports"},
    "StorageClass": TYPE_META | {"provisioner", "parameters", "reclaimPolicy", "mountOptions",
                                 "allowVolumeExpansion", "volumeBindingMode",
                                 "allowedTopologies"},
    "PriorityClass": TYPE_META | {"value", "globalDefault", "description", "preemptionPolicy"},
    "ControllerRevision": TYPE_META | {"data", "revision"},
    "Binding": TYPE_META | {"target"},
    "PodTemplate": TYPE_META | {"template"},
    "Event": TYPE_META | {
        "involvedObject", "reason", "message", "source", "firstTimestamp", "lastTimestamp",
        "count", "type", "eventTime", "series", "action", "related", "reportingComponent",
        "reportingInstance", "regarding", "note", "reportingController",
        "deprecatedSource", "deprecatedFirstTimestamp", "deprecatedLastTimestamp",
        "deprecatedCount",
    },
}


def _duplicates(raw: bytes) -> list[str]:
    found: list[str] = []

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen:
                found.append(k)
            seen.add(k)
        return dict(pairs)

    try:
        json.loads(raw, object_pairs_hook=hook)
    except ValueError:
        return []
    return [f'duplicate field "{k}"' for k in found]


def _unknown(obj: Any, r: ResourceType) -> list[str]:
    if not isinstance(obj, dict):
        return []
    known = TOP_LEVEL.get(r.kind, STANDARD)
    out = [f'unknown field "{k}"' for k in obj if k not in known]
    md = obj.get("metadata")
    if isinstance(md, dict):
        out += [f'unknown field "metadata.{k}"' for k in md if k not in OBJECT_META]
    return out


def check_fields(raw: bytes | None, obj: Any, r: ResourceType, mode: str) -> list[str]:
    """Warnings to send (Warn), or raise 400 (Strict); Ignore finds nothing."""
    if mode == "Ignore":
        return []
    if mode not in ("", "Warn", "Strict"):
        raise errors.bad_request(
            f"fieldValidation must be one of Ignore, Warn or Strict, not {mode!r}")
    problems = _unknown(obj, r)
    if mode == "Strict":
        if raw is not None:
            problems = _duplicates(raw) + problems
        if problems:
            raise errors.bad_request("strict decoding error: " + ", ".join(problems))
    return problems
