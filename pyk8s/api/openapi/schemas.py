"""JSON schemas of the API types, derived from their declarations in `pyk8s.api.types`.

One function turns a declared `Struct` into the schema Kubernetes publishes
for it, in either dialect: OpenAPI v3 (`#/components/schemas/...`, a
reference with a description of its own is wrapped in `allOf`, as
kube-openapi does) or Swagger 2.0 (`#/definitions/...`, where `$ref`
siblings are allowed). Everything `kubectl` reads from a schema comes from
the declaration: descriptions (`explain`), required members, enums,
`x-kubernetes-patch-strategy` / `-patch-merge-key` (client-side `apply`
computes its strategic merge patches from them), list and map types
(server-side apply) and `x-kubernetes-group-version-kind` (how a client finds
the schema of a kind).

A document carries only the definitions it needs: `closure()` walks the
references out from its kinds. Custom resources bring their own
`openAPIV3Schema`; `custom_resource()` completes it with the members every
object has (apiVersion, kind, metadata) the way kube-apiserver does for a CRD.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any, Literal

from pyk8s.api.resource import ResourceType
from pyk8s.api.types import (
    GVK,
    Field,
    FieldType,
    ListOf,
    MapOf,
    Ref,
    Scalar,
    Struct,
    all_structs,
    kind_schema,
    struct,
)
from pyk8s.api.types._dsl import (
    FIELDS_V1,
    INT_OR_STRING,
    MICRO_TIME,
    QUANTITY,
    RAW_EXTENSION,
    TIME,
)

Obj = dict[str, Any]
Dialect = Literal["v2", "v3"]

OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
LIST_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"
STATUS = "io.k8s.apimachinery.pkg.apis.meta.v1.Status"
DELETE_OPTIONS = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"
WATCH_EVENT = "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent"
PATCH = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch"

# The scalars Kubernetes publishes a definition of their own for.
SCALAR_DOCS: dict[Scalar, str] = {
    QUANTITY: "A fixed-point number with an optional unit suffix, such as 500m, 2Gi or 1e3.",
    INT_OR_STRING: "Either an integer or a string, such as 80 or \"http\", or \"25%\".",
    TIME: "A point in time, written as an RFC 3339 timestamp with second precision.",
    MICRO_TIME: "A point in time, written as an RFC 3339 timestamp with microseconds.",
    RAW_EXTENSION: "An embedded object of any kind, kept as given.",
    FIELDS_V1: "A set of field paths, in the fieldsV1 format of server-side apply.",
}
SCALARS_BY_REF = {s.ref: s for s in SCALAR_DOCS}


def ref_path(name: str, dialect: Dialect) -> str:
    return f"#/components/schemas/{name}" if dialect == "v3" else f"#/definitions/{name}"


def gvk_extension(gvk: GVK) -> list[Obj]:
    return [{"group": gvk.group, "kind": gvk.kind, "version": gvk.version}]


def _reference(name: str, dialect: Dialect, doc: str, *, struct_default: bool) -> Obj:
    if dialect == "v2":
        out: Obj = {"$ref": ref_path(name, dialect)}
        if doc:
            out["description"] = doc
        return out
    if not doc and not struct_default:
        return {"$ref": ref_path(name, dialect)}
    out = {"allOf": [{"$ref": ref_path(name, dialect)}]}
    if doc:
        out["description"] = doc
    if struct_default:
        out["default"] = {}
    return out


def type_schema(t: FieldType, dialect: Dialect, doc: str = "") -> Obj:
    """The schema of a value of type `t` (a member's or a list item's)."""
    if isinstance(t, Scalar):
        if t.ref:
            return _reference(t.ref, dialect, doc, struct_default=False)
        out: Obj = {"type": t.json_type}
        if t.format:
            out["format"] = t.format
        if doc:
            out["description"] = doc
        return out
    if isinstance(t, Ref):
        return _reference(t.name, dialect, doc, struct_default=True)
    if isinstance(t, ListOf):
        out = {"type": "array", "items": type_schema(t.item, dialect)}
        if doc:
            out["description"] = doc
        if t.list_type:
            out["x-kubernetes-list-type"] = t.list_type
        if t.keys:
            out["x-kubernetes-list-map-keys"] = list(t.keys)
        return out
    out = {"type": "object", "additionalProperties": type_schema(t.value, dialect)}
    if doc:
        out["description"] = doc
    if t.map_type:
        out["x-kubernetes-map-type"] = t.map_type
    return out


def field_schema(f: Field, dialect: Dialect) -> Obj:
    out = type_schema(f.type, dialect, f.doc)
    if f.enum:
        out["enum"] = list(f.enum)
    if f.strategy:
        out["x-kubernetes-patch-strategy"] = f.strategy
    if f.merge_key:
        out["x-kubernetes-patch-merge-key"] = f.merge_key
    return out


def struct_schema(s: Struct, dialect: Dialect) -> Obj:
    """The definition of one declared struct."""
    members = s.json_fields()
    out: Obj = {"description": s.doc, "type": "object"}
    required = [name for name, f in members.items() if f.required]
    if required:
        out["required"] = required
    out["properties"] = {name: field_schema(f, dialect) for name, f in members.items()}
    if s.gvk is not None:
        out["x-kubernetes-group-version-kind"] = gvk_extension(s.gvk)
    if s.atomic:
        out["x-kubernetes-map-type"] = "atomic"
    return out


# In OpenAPI v3 these two say which JSON types they take (v2 calls both strings).
V3_ONE_OF = {QUANTITY: ("string", "number"), INT_OR_STRING: ("integer", "string")}


def scalar_schema(s: Scalar, dialect: Dialect) -> Obj:
    out: Obj = {"description": SCALAR_DOCS[s]}
    if dialect == "v3" and s in V3_ONE_OF:
        out["oneOf"] = [{"type": t} for t in V3_ONE_OF[s]]
    else:
        out["type"] = s.json_type
    if s.format:
        out["format"] = s.format
    return out


def definition(name: str, dialect: Dialect) -> Obj:
    """The published definition named `name`: a declared struct or a named scalar."""
    if name in SCALARS_BY_REF:
        return scalar_schema(SCALARS_BY_REF[name], dialect)
    if name == WATCH_EVENT:
        return _watch_event(dialect)
    if name == PATCH:
        return {"description": "A patch document, in the format its content type names.",
                "type": "object"}
    return struct_schema(struct(name), dialect)


def _watch_event(dialect: Dialect) -> Obj:
    return {
        "description": "One change in a watch stream.",
        "type": "object",
        "required": ["type", "object"],
        "properties": {
            "type": {"type": "string",
                     "description": "ADDED, MODIFIED, DELETED, BOOKMARK or ERROR."},
            "object": type_schema(RAW_EXTENSION, dialect,
                                  "The object as it is after the change; a Status for ERROR."),
        },
    }


def _references(t: FieldType) -> Iterable[str]:
    while isinstance(t, ListOf | MapOf):
        t = t.item if isinstance(t, ListOf) else t.value
    if isinstance(t, Ref):
        yield t.name
    elif isinstance(t, Scalar) and t.ref:
        yield t.ref


def closure(roots: Iterable[str]) -> list[str]:
    """`roots` and every definition they reference, in the order first reached."""
    seen: dict[str, None] = {}
    stack = list(roots)
    while stack:
        name = stack.pop(0)
        if name in seen:
            continue
        seen[name] = None
        if name in SCALARS_BY_REF or name in (WATCH_EVENT, PATCH):
            continue
        for f in struct(name).json_fields().values():
            stack.extend(r for r in _references(f.type) if r not in seen)
    return list(seen)


def builtin_names() -> set[str]:
    return {s.name for s in all_structs()}


# ---------------------------------------------------------------------------
# Custom resources

def custom_resource_name(r: ResourceType, kind: str = "") -> str:
    """The definition name kube-apiserver gives a CRD's kind: the group reversed."""
    group = ".".join(reversed(r.group.split("."))) if r.group else "core"
    return f"{group}.{r.version}.{kind or r.kind}"


def add_kind_schemas(r: ResourceType, declared: set[str], dialect: Dialect,
                     roots: list[str], own: dict[str, Obj]) -> None:
    """What a resource's kind and list need in a document, v2 or v3 alike.

    Declared built-in definitions go to `roots` (the document pulls in their
    closure); a custom resource's schema, or an open object for a kind with
    no declaration, goes to `own` under the kind's definition name.
    """
    kind, kind_list = schema_of(r), list_schema_of(r)
    if r.openapi_schema is not None:
        own[kind] = custom_resource(r, dialect)
        own[kind_list] = custom_resource_list(r, dialect)
        roots += [OBJECT_META, LIST_META]
        return
    for name, k in ((kind, r.kind), (kind_list, r.list_kind)):
        if k == r.list_kind and "list" not in r.verbs:
            continue
        if name in declared:
            roots.append(name)
        else:
            own[name] = open_kind(r, k)


def custom_resource(r: ResourceType, dialect: Dialect) -> Obj:
    """A custom resource's schema: its openAPIV3Schema plus apiVersion, kind, metadata."""
    schema: Obj = copy.deepcopy(r.openapi_schema or {})
    if dialect == "v2":
        schema = to_v2(schema)
    schema.setdefault("type", "object")
    props = schema.setdefault("properties", {})
    props.setdefault("apiVersion", {"type": "string", "description": (
        "Versioned schema of this representation, as group/version.")})
    props.setdefault("kind", {"type": "string", "description": (
        "Name of the type of this object, in CamelCase.")})
    props["metadata"] = _reference(OBJECT_META, dialect, "Standard object metadata.",
                                   struct_default=False)
    schema["x-kubernetes-group-version-kind"] = gvk_extension(GVK(r.group, r.version, r.kind))
    return schema


def custom_resource_list(r: ResourceType, dialect: Dialect) -> Obj:
    return {
        "description": f"A list of {r.kind} objects.",
        "type": "object",
        "required": ["items"],
        "properties": {
            "apiVersion": {"type": "string", "description": (
                "Versioned schema of this representation, as group/version.")},
            "kind": {"type": "string",
                     "description": "Name of the type of this object, in CamelCase."},
            "metadata": _reference(LIST_META, dialect, "Standard list metadata.",
                                   struct_default=False),
            "items": {"type": "array", "description": f"The {r.kind} objects.",
                      "items": {"$ref": ref_path(custom_resource_name(r), dialect)}},
        },
        "x-kubernetes-group-version-kind": gvk_extension(GVK(r.group, r.version, r.list_kind)),
    }


# Members of a structural schema that Swagger 2.0 cannot say.
_NOT_V2 = frozenset({"nullable", "anyOf", "oneOf", "not", "x-kubernetes-validations"})


def to_v2(schema: Any) -> Any:
    """A CRD's v3 schema said in Swagger 2.0 terms (what v2 cannot say is dropped)."""
    if isinstance(schema, list):
        return [to_v2(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: Obj = {}
    for key, value in schema.items():
        if key in _NOT_V2:
            continue
        if key in ("properties", "patternProperties", "definitions") and isinstance(value, dict):
            out[key] = {k: to_v2(v) for k, v in value.items()}
        elif key in ("items", "additionalProperties", "allOf"):
            out[key] = to_v2(value)
        else:
            out[key] = value
    return out


# ---------------------------------------------------------------------------
# What a resource's paths answer with

def schema_of(r: ResourceType) -> str:
    """The definition name of a served resource's kind."""
    if r.openapi_schema is not None:
        return custom_resource_name(r)
    s = kind_schema(r.group, r.version, r.kind)
    return s.name if s is not None else custom_resource_name(r)


def list_schema_of(r: ResourceType) -> str:
    if r.openapi_schema is not None:
        return custom_resource_name(r, r.list_kind)
    s = kind_schema(r.group, r.version, r.list_kind)
    return s.name if s is not None else custom_resource_name(r, r.list_kind)


def open_kind(r: ResourceType, kind: str) -> Obj:
    """A kind served without any declared schema: an object that takes anything."""
    return {
        "description": f"{kind} ({r.api_version}).",
        "type": "object",
        "x-kubernetes-group-version-kind": gvk_extension(GVK(r.group, r.version, kind)),
        "x-kubernetes-preserve-unknown-fields": True,
    }
