"""Defaulting: filling in a custom resource's missing fields from its schema's `default`s.

Walking the object with its schema, every property that is absent gets a
copy of its schema's `default`, and the walk continues into the value (so
defaults nested inside a defaulted object apply too). A `null` where the
schema is not `nullable` counts as absent: it is dropped, then defaulted if
the schema has a default, as Kubernetes does. Lists default each item;
`additionalProperties` defaults each value.

Defaults run on create and on every update, after pruning and before
validation, in the version the client wrote.
"""

from __future__ import annotations

import copy
from typing import Any

from pyk8s.apiextensions.validation import properties

Obj = dict[str, Any]


def apply_defaults(schema: Obj, obj: Obj) -> None:
    """Fill `obj` (a whole resource) in place; apiVersion, kind and metadata are left alone."""
    props = properties(schema)
    _object({**schema, "properties": {k: s for k, s in props.items()
                                      if k not in ("apiVersion", "kind", "metadata")}}, obj)


def _value(schema: Obj, value: Any) -> None:
    if isinstance(value, dict):
        _object(schema, value)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            _value(schema["items"], item)


def _object(schema: Obj, value: Obj) -> None:
    props = properties(schema)
    for key, sub in props.items():
        if not isinstance(sub, dict):
            continue
        if key in value and value[key] is None and not sub.get("nullable"):
            del value[key]
        if key not in value and "default" in sub:
            value[key] = copy.deepcopy(sub["default"])
        if key in value:
            _value(sub, value[key])
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        for key, item in value.items():
            if key not in props:
                _value(extra, item)
