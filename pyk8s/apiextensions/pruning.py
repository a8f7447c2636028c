"""Pruning: dropping the fields a custom resource's schema does not specify.

Kubernetes keeps only what a structural schema describes: a field not named
in `properties` (nor covered by `additionalProperties`) is removed on every
write, unless the node says `x-kubernetes-preserve-unknown-fields: true`, in
which case unknown fields stay while the known ones are still pruned by
their own schemas. At the root, and in every `x-kubernetes-embedded-resource`,
apiVersion and kind are kept and metadata keeps only ObjectMeta's fields.

`prune` changes the object in place and returns the dotted paths it removed
(what `?fieldValidation=Strict|Warn` reports as unknown fields, see
`pyk8s.apiserver.fieldvalidation`).
"""

from __future__ import annotations

from typing import Any

from pyk8s.api.types import struct
from pyk8s.apiextensions.validation import properties
from pyk8s.apiserver.fieldvalidation import OBJECT_META

Obj = dict[str, Any]


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def prune(schema: Obj, obj: Obj) -> list[str]:
    """Remove what `schema` (a whole resource's) does not allow; the removed paths."""
    return _resource(schema, obj, "")


def _resource(schema: Obj, obj: Obj, path: str) -> list[str]:
    removed: list[str] = []
    md = obj.get("metadata")
    if isinstance(md, dict):
        known = struct(OBJECT_META).json_fields()
        for key in [k for k in md if k not in known]:
            del md[key]
            removed.append(_join(_join(path, "metadata"), key))
    rest = {k: val for k, val in obj.items() if k not in ("apiVersion", "kind", "metadata")}
    removed += _object(schema, rest, path)
    for key in [k for k in obj if k not in ("apiVersion", "kind", "metadata") and k not in rest]:
        del obj[key]
    return removed


def _value(schema: Obj, value: Any, path: str) -> list[str]:
    if isinstance(value, dict):
        if schema.get("x-kubernetes-embedded-resource"):
            return _resource(schema, value, path)
        return _object(schema, value, path)
    if isinstance(value, list):
        items = schema.get("items")
        out: list[str] = []
        for i, item in enumerate(value):
            if isinstance(items, dict):
                out += _value(items, item, f"{path}[{i}]")
            elif not schema.get("x-kubernetes-preserve-unknown-fields"):
                out += _value({}, item, f"{path}[{i}]")
        return out
    return []


def _object(schema: Obj, value: Obj, path: str) -> list[str]:
    props = properties(schema)
    extra = schema.get("additionalProperties")
    preserve = bool(schema.get("x-kubernetes-preserve-unknown-fields"))
    removed: list[str] = []
    for key in list(value):
        child = _join(path, key)
        if key in props:
            removed += _value(props[key], value[key], child)
        elif isinstance(extra, dict):
            removed += _value(extra, value[key], child)
        elif not preserve and extra is not True:
            del value[key]
            removed.append(child)
    return removed
