"""Server-side field validation (`?fieldValidation=Strict|Warn|Ignore`).

kubectl sends `fieldValidation=Strict` with `create -f`, `apply` and
`replace` (after it has seen the parameter in the OpenAPI document) and
relies on the server to reject typos: a 400 naming every unknown or
duplicated field by its path (`Deployment in version "v1" cannot be handled
as a Deployment: strict decoding error: unknown field
"spec.template.spec.containers[0].imagePolicy"`). Warn (the server's default)
accepts the object and reports the same findings as `Warning` headers, which
is what `kubectl --validate=warn` shows; Ignore says nothing.

What a kind may hold comes from its declaration in `pyk8s.api.types`, walked
alongside the object (inline structs are flattened, list items and map values
checked against their item type). A custom resource's unknown fields are
those its structural schema would prune (`pyk8s.apiextensions.pruning`),
so what is reported is exactly what is dropped. Duplicate keys can only be
seen in the raw JSON, so that (slower) scan runs only under Strict.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import orjson

from pyk8s.api import errors
from pyk8s.api.errors import Cause
from pyk8s.api.resource import ResourceType
from pyk8s.api.types import FieldType, ListOf, MapOf, Ref, Struct, kind_schema

Obj = dict[str, Any]
OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
MODES = ("", "Ignore", "Warn", "Strict")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _unknown_in_struct(obj: Obj, s: Struct, path: str, out: list[str]) -> None:
    fields = s.json_fields()
    for key, value in obj.items():
        f = fields.get(key)
        if f is None:
            out.append(_join(path, key))
        else:
            _unknown_in_value(value, f.type, _join(path, key), out)


def _unknown_in_value(value: Any, t: FieldType, path: str, out: list[str]) -> None:
    if isinstance(t, Ref):
        if isinstance(value, dict):
            _unknown_in_struct(value, t.resolve(), path, out)
    elif isinstance(t, ListOf) and isinstance(value, list) and not _is_scalar(t.item):
        for i, item in enumerate(value):
            _unknown_in_value(item, t.item, f"{path}[{i}]", out)
    elif isinstance(t, MapOf) and isinstance(value, dict) and not _is_scalar(t.value):
        for key, item in value.items():
            _unknown_in_value(item, t.value, f"{path}[{key}]", out)


def _is_scalar(t: FieldType) -> bool:
    return not isinstance(t, Ref | ListOf | MapOf)


def unknown_fields(obj: Any, r: ResourceType) -> list[str]:
    """Paths of the members of `obj` that its kind does not declare."""
    if not isinstance(obj, dict):
        return []
    if r.openapi_schema is not None:
        # What pruning would drop is what is unknown; pruning imports this module.
        from pyk8s.apiextensions.pruning import prune

        return prune(r.openapi_schema, copy.deepcopy(obj))
    out: list[str] = []
    s = kind_schema(r.group, r.version, r.kind)
    if s is not None:
        _unknown_in_struct(obj, s, "", out)
    return out


class _Members(dict[str, Any]):
    """A decoded JSON object that remembers which of its keys came twice."""

    __slots__ = ("duplicates",)

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        seen: set[str] = set()
        self.duplicates: list[str] = []
        for key, _ in pairs:
            if key in seen:
                self.duplicates.append(key)
            seen.add(key)


def duplicate_fields(raw: bytes) -> list[str]:
    """Paths of the keys that appear twice in one JSON object of `raw`."""
    try:
        doc = json.loads(raw, object_pairs_hook=_Members)
    except ValueError:
        return []
    out: list[str] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, _Members):
            out.extend(_join(path, key) for key in value.duplicates)
            for key, item in value.items():
                walk(item, _join(path, key))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, f"{path}[{i}]")

    walk(doc, "")
    return out


def _mode(mode: str) -> str:
    if mode not in MODES:
        raise errors.bad_request(
            f"fieldValidation must be one of Ignore, Warn or Strict, not {mode!r}")
    return mode


def check_patched_fields(patch: Any, current: Any, patched: Any, r: ResourceType, mode: str
                         ) -> list[str]:
    """`check_fields` for a patched object: Strict fails as kube-apiserver's PATCH does,
    a 422 about the field `patch` quoting the patch itself.

    Only what the patch brings counts: unknown fields the stored object already
    had (accepted under Warn) do not make every later patch fail."""
    if _mode(mode) == "Ignore":
        return []
    known_before = set(unknown_fields(current, r))
    problems = [f'unknown field "{p}"' for p in unknown_fields(patched, r)
                if p not in known_before]
    if mode == "Strict" and problems:
        text = orjson.dumps(patch).decode()
        raise errors.invalid("", "", "", [Cause(
            "FieldValueInvalid", f"Invalid value: {orjson.dumps(text).decode()}: strict "
            "decoding error: " + ", ".join(problems), "patch")])
    return problems


def check_fields(raw: bytes | None, obj: Any, r: ResourceType, mode: str) -> list[str]:
    """Warnings to send (Warn), or raise 400 (Strict); Ignore finds nothing."""
    if _mode(mode) == "Ignore":
        return []
    problems = [f'unknown field "{p}"' for p in unknown_fields(obj, r)]
    if mode == "Strict":
        if raw is not None:
            problems = [f'duplicate field "{p}"' for p in duplicate_fields(raw)] + problems
        if problems:
            raise errors.bad_request(
                f'{r.kind} in version "{r.version}" cannot be handled as a {r.kind}: '
                "strict decoding error: " + ", ".join(problems))
    return problems
