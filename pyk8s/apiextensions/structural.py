"""Is a CRD's openAPIV3Schema structural? The checks apiextensions.k8s.io/v1 requires.

A structural schema says, at every node, what type the value has, so that
pruning and defaulting are well defined:

- the root is `type: object`; every node that has `properties`, `items` or
  `additionalProperties` (and every property) names its `type`, unless it is
  `x-kubernetes-int-or-string` (then it must not) or
  `x-kubernetes-preserve-unknown-fields`;
- arrays have `items`; `properties` and `additionalProperties` exclude each
  other and `additionalProperties: false` is not allowed;
- `x-kubernetes-embedded-resource` nodes are objects;
- at the root, `metadata` may only restrict `name` and `generateName`;
- no `$ref`; `default`s must themselves validate against their node.

Each problem is a `Cause` under the path the schema sits at in the CRD
(`spec.versions[0].schema.openAPIV3Schema.properties[spec].type`).
"""

from __future__ import annotations

from typing import Any

from pyk8s.api import validation as v
from pyk8s.api.errors import Cause
from pyk8s.apiextensions.validation import validate_value

Obj = dict[str, Any]
TYPES = ["array", "boolean", "integer", "number", "object", "string"]


def check(schema: Any, path: str) -> list[Cause]:
    """Problems that keep `schema` (a version's openAPIV3Schema) from being structural."""
    if not isinstance(schema, dict):
        return [v.required(path, "schemas are required")]
    out: list[Cause] = []
    if not schema.get("type"):
        out.append(v.required(f"{path}.type", "must not be empty at the root"))
    elif schema["type"] != "object":
        out.append(v.invalid(f"{path}.type", schema["type"], "must be object at the root"))
    md = (schema.get("properties") or {}).get("metadata") if isinstance(
        schema.get("properties"), dict) else None
    if isinstance(md, dict):
        extra = set(md) - {"type", "properties", "description"}
        names = set(md.get("properties") or {}) - {"name", "generateName"}
        if extra or names or md.get("type", "object") != "object":
            out.append(v.forbidden(f"{path}.properties[metadata]",
                                   "must not specify anything other than name and "
                                   "generateName, but metadata is implicitly specified"))
    return out + _node(schema, path, root=True)


def _node(schema: Obj, path: str, *, root: bool = False) -> list[Cause]:
    out: list[Cause] = []
    if "$ref" in schema:
        out.append(v.forbidden(f"{path}.$ref", "$ref is not supported"))
    typ = schema.get("type")
    int_or_string = bool(schema.get("x-kubernetes-int-or-string"))
    preserve = bool(schema.get("x-kubernetes-preserve-unknown-fields"))
    if typ and typ not in TYPES:
        out.append(v.not_supported(f"{path}.type", typ, TYPES))
    if int_or_string and typ:
        out.append(v.invalid(f"{path}.type", typ,
                             "must be empty if x-kubernetes-int-or-string is true"))
    elif not typ and not int_or_string and not preserve and not root:
        out.append(v.required(f"{path}.type", "must not be empty for specified object "
                              "fields"))
    if schema.get("x-kubernetes-embedded-resource") and typ != "object":
        out.append(v.invalid(f"{path}.type", typ,
                             "must be object if x-kubernetes-embedded-resource is true"))
    props = schema.get("properties")
    extra = schema.get("additionalProperties")
    if props is not None and not isinstance(props, dict):
        out.append(v.invalid(f"{path}.properties", props, "must be an object"))
        props = None
    if props and extra is not None:
        out.append(v.forbidden(f"{path}.additionalProperties",
                               "additionalProperties and properties are mutual exclusive"))
    if extra is False:
        out.append(v.forbidden(f"{path}.additionalProperties",
                               "must not be false, use x-kubernetes-preserve-unknown-fields "
                               "or omit it"))
    if (props or isinstance(extra, dict)) and typ and typ != "object":
        out.append(v.invalid(f"{path}.type", typ, "must be object"))
    for name, sub in (props or {}).items():
        if isinstance(sub, dict):
            out += _node(sub, f"{path}.properties[{name}]")
        else:
            out.append(v.invalid(f"{path}.properties[{name}]", sub, "must be an object"))
    if isinstance(extra, dict):
        out += _node(extra, f"{path}.additionalProperties")
    items = schema.get("items")
    if typ == "array" and not isinstance(items, dict):
        out.append(v.required(f"{path}.items", "must be specified"))
    elif isinstance(items, dict):
        out += _node(items, f"{path}.items")
    if "default" in schema:
        if root:
            out.append(v.forbidden(f"{path}.default", "must not be set at the root"))
        else:
            for c in validate_value(schema, schema["default"], ""):
                out.append(v.invalid(f"{path}.default", schema["default"],
                                     f"{c.field + ': ' if c.field else ''}{c.message}"))
    return out
