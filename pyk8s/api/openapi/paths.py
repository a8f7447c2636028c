"""The REST operations of each served resource, independent of the OpenAPI dialect.

For a resource this lists its collection and item paths (and the
all-namespaces list of a namespaced one, and its status and scale
subresources), each with its operations: the HTTP method, Kubernetes'
action and operation id (`patchAppsV1NamespacedDeployment`), the kind it
is about (`x-kubernetes-group-version-kind`), its query parameters, and the
definitions of its request and response bodies. `v3` and `v2` render the same
model, so both documents always describe the same API.

kubectl reads two things here: the PATCH operation of a kind declaring the
`fieldValidation` parameter (then it leaves validation to the server) and
the operations' kinds (to find a schema for `explain`).
"""

from __future__ import annotations

from dataclasses import dataclass

from pyk8s.api.openapi import schemas
from pyk8s.api.resource import ResourceType
from pyk8s.api.types import GVK

# name -> (type, description)
QUERY_PARAMETERS: dict[str, tuple[str, str]] = {
    "allowWatchBookmarks": ("boolean", "Ask for BOOKMARK events in a watch stream."),
    "continue": ("string", "The token of the page to continue a limited list from."),
    "dryRun": ("string", "All: check and answer as usual but persist nothing."),
    "fieldManager": ("string", "Name of the actor making this change, for managedFields."),
    "fieldSelector": ("string", "Only objects whose fields match, as in metadata.name=x."),
    "fieldValidation": ("string", "How to treat unknown or duplicate fields in the body: "
                                  "Ignore, Warn (the default) or Strict."),
    "force": ("boolean", "Server-side apply: take over fields other managers own."),
    "gracePeriodSeconds": ("integer", "Seconds the object may take to terminate."),
    "labelSelector": ("string", "Only objects whose labels match, as in app=web,tier!=db."),
    "limit": ("integer", "Most objects to return; the rest come with the continue token."),
    "propagationPolicy": ("string", "What happens to dependents: Orphan, Background or "
                                    "Foreground."),
    "resourceVersion": ("string", "The version to read at, or to watch from."),
    "resourceVersionMatch": ("string", "How resourceVersion applies to a list: Exact or "
                                       "NotOlderThan."),
    "sendInitialEvents": ("boolean", "Start a watch with the current objects, then a "
                                     "bookmark."),
    "timeoutSeconds": ("integer", "Seconds after which a list or watch ends."),
    "watch": ("boolean", "Stream changes instead of answering a list."),
}
PATH_PARAMETERS = {
    "name": "Name of the object.",
    "namespace": "Namespace of the objects.",
}
PRETTY = ("string", "Indent the output.")

LIST = ("allowWatchBookmarks", "continue", "fieldSelector", "labelSelector", "limit",
        "resourceVersion", "resourceVersionMatch", "sendInitialEvents", "timeoutSeconds",
        "watch")
WRITE = ("dryRun", "fieldManager", "fieldValidation")
PATCH = (*WRITE, "force")
DELETE = ("dryRun", "gracePeriodSeconds", "propagationPolicy")

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
MEDIA_TYPES = ("application/json", "application/yaml", "application/vnd.kubernetes.protobuf")
SCALE = GVK("autoscaling", "v1", "Scale")


@dataclass(frozen=True, slots=True)
class Operation:
    method: str  # get, put, post, patch, delete
    action: str  # x-kubernetes-action: list, get, post, put, patch, delete, deletecollection
    operation_id: str
    gvk: GVK
    query: tuple[str, ...]
    response: str  # definition name of the 200 reply
    body: str = ""  # definition name of the request body
    consumes: tuple[str, ...] = ()
    created: bool = False  # also answers 201 Created (POST)


@dataclass(frozen=True, slots=True)
class PathItem:
    path: str
    parameters: tuple[str, ...]  # path parameters, in path order
    operations: tuple[Operation, ...]


def camel_group(group: str) -> str:
    """`rbac.authorization.k8s.io` -> `RbacAuthorization`, `` -> `Core`."""
    if not group:
        return "Core"
    return "".join(p[:1].upper() + p[1:] for p in group.removesuffix(".k8s.io").split("."))


def tag(group: str, version: str) -> str:
    base = group.removesuffix(".k8s.io").replace(".", "_") if group else "core"
    return f"{base}_{version}"


def group_version_path(group: str, version: str) -> str:
    return f"/apis/{group}/{version}" if group else f"/api/{version}"


def resource_paths(r: ResourceType) -> list[PathItem]:
    gvk = GVK(r.group, r.version, r.kind)
    base = group_version_path(r.group, r.version)
    prefix = camel_group(r.group) + r.version[:1].upper() + r.version[1:]
    scope = "Namespaced" if r.namespaced else ""
    kind = schemas.schema_of(r)
    kind_list = schemas.list_schema_of(r)
    patch_types = (JSON_PATCH, MERGE_PATCH, APPLY_PATCH) if r.openapi_schema is not None \
        else (JSON_PATCH, MERGE_PATCH, STRATEGIC_PATCH, APPLY_PATCH)
    verbs = set(r.verbs)

    def op(method: str, action: str, verb: str, query: tuple[str, ...], response: str,
           body: str = "", suffix: str = "", target: GVK = gvk, created: bool = False,
           consumes: tuple[str, ...] = ()) -> Operation:
        return Operation(method, action, f"{verb}{prefix}{scope}{r.kind}{suffix}", target,
                         query, response, body, consumes or (MEDIA_TYPES if body else ()),
                         created)

    collection_ops: list[Operation] = []
    if "list" in verbs:
        collection_ops.append(op("get", "list", "list", LIST, kind_list))
    if "create" in verbs:
        collection_ops.append(op("post", "post", "create", WRITE, kind, kind, created=True))
    if "deletecollection" in verbs:
        collection_ops.append(op("delete", "deletecollection", "deleteCollection",
                                 (*DELETE, *LIST), schemas.STATUS, schemas.DELETE_OPTIONS))
    item_ops: list[Operation] = []
    if "get" in verbs:
        item_ops.append(op("get", "get", "read", (), kind))
    if "update" in verbs:
        item_ops.append(op("put", "put", "replace", WRITE, kind, kind))
    if "patch" in verbs:
        item_ops.append(op("patch", "patch", "patch", PATCH, kind, schemas.PATCH,
                           consumes=patch_types))
    if "delete" in verbs:
        item_ops.append(op("delete", "delete", "delete", DELETE, kind, schemas.DELETE_OPTIONS))

    ns_params = ("namespace",) if r.namespaced else ()
    collection = f"{base}/namespaces/{{namespace}}/{r.plural}" if r.namespaced \
        else f"{base}/{r.plural}"
    out: list[PathItem] = []
    if collection_ops:
        out.append(PathItem(collection, ns_params, tuple(collection_ops)))
    if item_ops:
        out.append(PathItem(collection + "/{name}", (*ns_params, "name"), tuple(item_ops)))
    if r.namespaced and "list" in verbs:
        out.append(PathItem(f"{base}/{r.plural}", (), (Operation(
            "get", "list", f"list{prefix}{r.kind}ForAllNamespaces", gvk, LIST, kind_list),)))
    for sub, target, response in (("status", gvk, kind),
                                  ("scale", SCALE, SCALE_SCHEMA)):
        if sub not in r.subresources:
            continue
        suffix = sub.capitalize()
        out.append(PathItem(f"{collection}/{{name}}/{sub}", (*ns_params, "name"), (
            op("get", "get", "read", (), response, suffix=suffix, target=target),
            op("put", "put", "replace", WRITE, response, response, suffix, target),
            op("patch", "patch", "patch", PATCH, response, schemas.PATCH, suffix, target,
               consumes=patch_types),
        )))
    return out


SCALE_SCHEMA = "io.k8s.api.autoscaling.v1.Scale"
