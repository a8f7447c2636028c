"""Validating a custom resource against its version's openAPIV3Schema.

The schema is the CRD's JSON as written (a structural schema, see
`structural`). `validate` walks the object and the schema together and
returns one `Cause` per problem, with the field's path and the wording
kube-apiserver uses, so a 422 reads the same as against Kubernetes:

    spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"
    spec.color: Unsupported value: "pink": supported values: "red", "green"
    spec.name: Too long: may not be more than 8 bytes

Covered: type (with `nullable`, `x-kubernetes-int-or-string`), required,
enum, minimum/maximum (exclusive too), multipleOf, pattern, minLength,
maxLength, minItems, maxItems, uniqueItems, minProperties, maxProperties,
common formats, properties, additionalProperties, items, allOf/anyOf/oneOf/
not, `x-kubernetes-list-type: set|map` uniqueness and
`x-kubernetes-embedded-resource` (apiVersion and kind required). CEL rules
(`x-kubernetes-validations`) are not evaluated.

At the root, apiVersion, kind and metadata belong to the API server (ObjectMeta
is validated like every kind's), so only the rest of the object is checked.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import re
import uuid
from functools import lru_cache
from typing import Any

import orjson

from pyk8s.api import validation as v
from pyk8s.api.errors import Cause

Obj = dict[str, Any]
ROOT_OWNED = ("apiVersion", "kind", "metadata")


def type_name(value: Any) -> str:
    """The JSON type of a value, as the messages name it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _is_type(value: Any, want: str) -> bool:
    if want == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if want == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return type_name(value) == want


@lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        return None


def properties(schema: Obj) -> Obj:
    """A schema node's `properties` ({} when absent or malformed)."""
    props = schema.get("properties")
    return props if isinstance(props, dict) else {}


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _number(n: Any) -> str:
    return str(int(n)) if isinstance(n, float) and n.is_integer() else str(n)


def _format_ok(fmt: str, value: Any) -> bool:
    if fmt == "int32":
        return not isinstance(value, int) or -(2**31) <= value < 2**31
    if fmt == "int64":
        return not isinstance(value, int) or -(2**63) <= value < 2**63
    if not isinstance(value, str):
        return True
    try:
        if fmt == "date-time":
            datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        elif fmt == "date":
            datetime.date.fromisoformat(value)
        elif fmt == "byte":
            base64.b64decode(value, validate=True)
        elif fmt == "uuid":
            uuid.UUID(value)
    except (ValueError, binascii.Error):
        return False
    return True


def _key(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def validate(schema: Obj, obj: Any) -> list[Cause]:
    """Every problem with a whole custom resource, root fields aside."""
    if not isinstance(obj, dict):
        return [v.invalid("", obj, "must be an object")]
    rest = {k: val for k, val in obj.items() if k not in ROOT_OWNED}
    root = {k: val for k, val in schema.items() if k != "required"}
    root["required"] = [r for r in schema.get("required") or [] if r not in ROOT_OWNED]
    root["properties"] = {k: s for k, s in properties(schema).items() if k not in ROOT_OWNED}
    return validate_value(root, rest, "")


def validate_value(schema: Obj, value: Any, path: str) -> list[Cause]:
    """Problems with one value (and everything inside it) at `path`."""
    shown = path or "<root>"
    if value is None:
        if schema.get("nullable") or (not schema.get("type") and
                                      not schema.get("x-kubernetes-int-or-string")):
            return []
        want = "integer or string" if schema.get("x-kubernetes-int-or-string") else \
            schema["type"]
        return [_type_invalid(path, shown, value, want)]
    out: list[Cause] = []
    if schema.get("x-kubernetes-int-or-string"):
        if not (_is_type(value, "integer") or isinstance(value, str)):
            return [_type_invalid(path, shown, value, "integer or string")]
    elif schema.get("type") and not _is_type(value, schema["type"]):
        return [_type_invalid(path, shown, value, schema["type"])]
    if "enum" in schema and isinstance(schema["enum"], list) and \
            all(_key(value) != _key(e) for e in schema["enum"]):
        allowed = [e if isinstance(e, str) else orjson.dumps(e).decode()
                   for e in schema["enum"]]
        out.append(v.not_supported(path, value, allowed))
    fmt = schema.get("format")
    if isinstance(fmt, str) and not _format_ok(fmt, value):
        out.append(v.invalid(path, value, f"{shown} in body must be of type {fmt}: "
                             f"{orjson.dumps(value).decode()}"))
    if isinstance(value, int | float) and not isinstance(value, bool):
        out += _numeric(schema, value, path, shown)
    elif isinstance(value, str):
        out += _string(schema, value, path, shown)
    elif isinstance(value, list):
        out += _array(schema, value, path, shown)
    elif isinstance(value, dict):
        out += _object(schema, value, path, shown)
    out += _combinators(schema, value, path, shown)
    return out


def _type_invalid(path: str, shown: str, value: Any, want: str) -> Cause:
    actual = type_name(value)
    detail = f"{shown} in body must be of type {want}: {orjson.dumps(actual).decode()}"
    return Cause("FieldValueTypeInvalid", f"Invalid value: {v.show(actual)}: {detail}", path)


def _numeric(schema: Obj, value: float, path: str, shown: str) -> list[Cause]:
    out: list[Cause] = []
    low, high = schema.get("minimum"), schema.get("maximum")
    if isinstance(low, int | float):
        if schema.get("exclusiveMinimum") and value <= low:
            out.append(v.invalid(path, value, f"{shown} in body should be greater than "
                                 f"{_number(low)}"))
        elif value < low:
            out.append(v.invalid(path, value, f"{shown} in body should be greater than or "
                                 f"equal to {_number(low)}"))
    if isinstance(high, int | float):
        if schema.get("exclusiveMaximum") and value >= high:
            out.append(v.invalid(path, value, f"{shown} in body should be less than "
                                 f"{_number(high)}"))
        elif value > high:
            out.append(v.invalid(path, value, f"{shown} in body should be less than or "
                                 f"equal to {_number(high)}"))
    step = schema.get("multipleOf")
    if isinstance(step, int | float) and step > 0 and (value / step) % 1 != 0:
        out.append(v.invalid(path, value, f"{shown} in body should be a multiple of "
                             f"{_number(step)}"))
    return out


def _string(schema: Obj, value: str, path: str, shown: str) -> list[Cause]:
    out: list[Cause] = []
    low, high = schema.get("minLength"), schema.get("maxLength")
    if isinstance(high, int) and len(value) > high:
        out.append(v.too_long(path, value, high))
    if isinstance(low, int) and len(value) < low:
        out.append(v.invalid(path, value, f"{shown} in body should be at least {low} chars "
                             f"long"))
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        rx = _regex(pattern)
        if rx is not None and rx.search(value) is None:
            out.append(v.invalid(path, value, f"{shown} in body should match '{pattern}'"))
    return out


def _array(schema: Obj, value: list[Any], path: str, shown: str) -> list[Cause]:
    out: list[Cause] = []
    low, high = schema.get("minItems"), schema.get("maxItems")
    if isinstance(high, int) and len(value) > high:
        out.append(Cause("FieldValueTooMany",
                         f"Too many: {len(value)}: must have at most {high} items", path))
    if isinstance(low, int) and len(value) < low:
        out.append(v.invalid(path, value, f"{shown} in body should have at least {low} "
                             f"items"))
    list_type = schema.get("x-kubernetes-list-type")
    if schema.get("uniqueItems") or list_type == "set":
        seen: set[bytes] = set()
        for i, item in enumerate(value):
            k = _key(item)
            if k in seen:
                out.append(v.duplicate(f"{path}[{i}]", item))
            seen.add(k)
    elif list_type == "map":
        keys = schema.get("x-kubernetes-list-map-keys") or []
        seen = set()
        for i, item in enumerate(value):
            if isinstance(item, dict):
                k = _key({key: item.get(key) for key in keys})
                if k in seen:
                    out.append(v.duplicate(f"{path}[{i}]", {key: item.get(key)
                                                            for key in keys}))
                seen.add(k)
    items = schema.get("items")
    if isinstance(items, dict):
        for i, item in enumerate(value):
            out += validate_value(items, item, f"{path}[{i}]")
    return out


def _object(schema: Obj, value: Obj, path: str, shown: str) -> list[Cause]:
    out: list[Cause] = []
    for name in schema.get("required") or []:
        if name not in value:
            out.append(v.required(_join(path, name)))
    low, high = schema.get("minProperties"), schema.get("maxProperties")
    if isinstance(high, int) and len(value) > high:
        out.append(Cause("FieldValueTooMany",
                         f"Too many: {len(value)}: must have at most {high} items", path))
    if isinstance(low, int) and len(value) < low:
        out.append(v.invalid(path, value, f"{shown} in body should have at least {low} "
                             f"properties"))
    if schema.get("x-kubernetes-embedded-resource"):
        for name in ("apiVersion", "kind"):
            if not value.get(name):
                out.append(v.required(_join(path, name)))
    props = properties(schema)
    extra = schema.get("additionalProperties")
    for key, item in value.items():
        if key in props:
            out += validate_value(props[key], item, _join(path, key))
        elif isinstance(extra, dict):
            out += validate_value(extra, item, _join(path, key))
        elif extra is False:
            out.append(v.forbidden(_join(path, key), "additional properties are not "
                                   "allowed"))
    return out


def _combinators(schema: Obj, value: Any, path: str, shown: str) -> list[Cause]:
    out: list[Cause] = []
    for sub in schema.get("allOf") or []:
        out += validate_value(sub, value, path)
    any_of = schema.get("anyOf")
    if any_of and all(validate_value(sub, value, path) for sub in any_of):
        out.append(v.invalid(path, value, f"{shown} in body must validate at least one "
                             f"schema (anyOf)"))
    one_of = schema.get("oneOf")
    if one_of:
        passing = sum(1 for sub in one_of if not validate_value(sub, value, path))
        if passing != 1:
            out.append(v.invalid(path, value, f"{shown} in body must validate one and only "
                                 f"one schema (oneOf)"))
    not_ = schema.get("not")
    if isinstance(not_, dict) and not validate_value(not_, value, path):
        out.append(v.invalid(path, value, f"{shown} in body must not validate the schema "
                             f"(not)"))
    return out
