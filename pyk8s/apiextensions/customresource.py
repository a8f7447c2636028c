"""From a CustomResourceDefinition to the `ResourceType`s that serve it.

Every served version becomes one `ResourceType`, built from the CRD alone:
names, scope, short names and categories; the status and scale subresources;
`additionalPrinterColumns` as Table columns (JSONPath cells; `date` columns
shown as ages, as kube-apiserver does); `selectableFields` as extra field
selectors (matched against the stored version); the version's openAPIV3Schema for
OpenAPI and unknown-field reporting, pruning (`default`: prune, then apply
schema defaults) and validation.

All versions share one stored resource (`<plural>.<group>`), kept in the
storage version. Conversion is `None`: only apiVersion changes between
versions, so `to_hub`/`from_hub` relabel the object (reads also apply the
storage version's defaults, see `_read`). The storage version is built even
when it is not served (its ResourceStorage needs it), and it relabels on
read too, so objects written under an earlier storage version read back in
the current one.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from pyk8s.api.errors import Cause
from pyk8s.api.resource import Column, Obj, ResourceType, ScaleSpec
from pyk8s.api.resources._common import dicts, items, mapping, text
from pyk8s.api.tables import since
from pyk8s.apiextensions import jsonpath
from pyk8s.apiextensions.defaulting import apply_defaults
from pyk8s.apiextensions.pruning import prune
from pyk8s.apiextensions.validation import validate

CUSTOM_COLUMN_DESCRIPTION = "Custom resource definition column (in JSONPath format): {}"


@dataclass(frozen=True, slots=True)
class Served:
    """What a CRD serves: its storage version's type, and every served version's."""

    storage: ResourceType
    versions: list[ResourceType]  # served, highest version priority first


def version_priority(name: str) -> tuple[int, int, int, str]:
    """Kubernetes' version order: v2 > v1 > v1beta2 > v1beta1 > v1alpha1 > anything else."""
    m = re.fullmatch(r"v([0-9]+)(?:(beta|alpha)([0-9]+))?", name)
    if m is None:
        return (0, 0, 0, name)
    level = {None: 3, "beta": 2, "alpha": 1}[m.group(2)]
    return (level, int(m.group(1)), int(m.group(3) or 0), "")


def _relabel(api_version: str) -> Callable[[Obj], Obj]:
    def convert(obj: Obj) -> Obj:
        out = dict(obj)
        out["apiVersion"] = api_version
        return out

    return convert


def _has_defaults(schema: Any) -> bool:
    if isinstance(schema, dict):
        return "default" in schema or any(_has_defaults(v) for v in schema.values())
    if isinstance(schema, list):
        return any(_has_defaults(v) for v in schema)
    return False


def _read(api_version: str, storage_schema: Obj) -> Callable[[Obj], Obj]:
    """Stored form -> a version: the storage version's defaults, then the new label.

    Defaulting on read is how objects stored before a default was added to the
    schema come out with it, as in Kubernetes; objects stay untouched in the store.
    """
    relabel = _relabel(api_version)
    if not _has_defaults(storage_schema):
        return relabel

    def convert(obj: Obj) -> Obj:
        out = copy.deepcopy(obj)
        apply_defaults(storage_schema, out)
        return relabel(out)

    return convert


def _typed(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "integer":
        return int(value) if isinstance(value, int | float) and \
            not isinstance(value, bool) else None
    if kind == "number":
        return float(value) if isinstance(value, int | float) and \
            not isinstance(value, bool) else None
    if kind == "boolean":
        return value if isinstance(value, bool) else None
    if kind == "date":
        if not isinstance(value, str):
            return None
        try:
            return since(value)
        except ValueError:
            return "<invalid>"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return str(value)


def printer_column(spec: Obj) -> Column:
    steps = jsonpath.parse(spec["jsonPath"])
    kind = text(spec, "type") or "string"

    def cell(obj: Obj) -> Any:
        found = jsonpath.find(steps, obj)
        return _typed(kind, found[0]) if found else None

    return Column(
        spec["name"], cell, type=kind, priority=int(spec.get("priority") or 0),
        format=text(spec, "format"),
        description=text(spec, "description") or
        CUSTOM_COLUMN_DESCRIPTION.format(spec["jsonPath"]))


def _selectable(path: str) -> Callable[[Obj], str]:
    steps = jsonpath.parse(path)

    def value(obj: Obj) -> str:
        found = jsonpath.find(steps, obj)
        if not found or found[0] is None:
            return ""
        return _typed("string", found[0])

    return value


def _path(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    return jsonpath.field_path(jsonpath.parse(str(value))) or ()


def _scale(sub: Obj) -> ScaleSpec | None:
    scale = sub.get("scale")
    if not isinstance(scale, dict):
        return None
    return ScaleSpec(spec_replicas=_path(scale.get("specReplicasPath")),
                     status_replicas=_path(scale.get("statusReplicasPath")),
                     selector=_path(scale.get("labelSelectorPath")))


def _schema_rules(schema: Obj) -> tuple[Callable[[Obj], None], Callable[[Obj], list[Cause]]]:
    def default(obj: Obj) -> None:
        prune(schema, obj)
        apply_defaults(schema, obj)

    def check(obj: Obj) -> list[Cause]:
        return validate(schema, obj)

    return default, check


def _schema(version: Obj) -> Obj:
    schema = mapping(version, "schema").get("openAPIV3Schema")
    return schema if isinstance(schema, dict) else {"type": "object"}


def resource_type(crd: Obj, version: Obj, storage: Obj) -> ResourceType:
    spec = crd["spec"]
    names = mapping(spec, "names")
    group, name = spec["group"], version["name"]
    sub = mapping(version, "subresources")
    schema = _schema(version)
    storage_version = storage["name"]
    default, check = _schema_rules(schema)
    api_version = f"{group}/{name}"
    return ResourceType(
        group=group, version=name, kind=names["kind"], plural=names["plural"],
        singular=text(names, "singular") or names["kind"].lower(),
        namespaced=spec.get("scope") == "Namespaced",
        short_names=tuple(items(names, "shortNames")),
        categories=tuple(items(names, "categories")),
        subresources=tuple(s for s in ("status", "scale") if isinstance(sub.get(s), dict)),
        columns=tuple(printer_column(c) for c in dicts(version, "additionalPrinterColumns")),
        default=default, validate=check,
        field_selectors={text(f, "jsonPath").lstrip("."): _selectable(f["jsonPath"])
                         for f in dicts(version, "selectableFields")},
        scale=_scale(sub),
        tracks_generation=True, kube_finalizers=False,
        openapi_schema=schema,
        to_hub=None if name == storage_version else _relabel(f"{group}/{storage_version}"),
        from_hub=_read(api_version, _schema(storage)),
        deprecation_warning=(text(version, "deprecationWarning") or
                             f"{api_version} {names['kind']} is deprecated")
        if version.get("deprecated") else "",
    )


def served(crd: Obj) -> Served:
    """The ResourceTypes a (valid) CRD declares."""
    versions = [x for x in dicts(crd, "spec", "versions")]
    storage = next(x for x in versions if x.get("storage") is True)
    built = {x["name"]: resource_type(crd, x, storage) for x in versions}
    order = sorted((x for x in versions if x.get("served") is True),
                   key=lambda x: version_priority(x["name"]), reverse=True)
    return Served(built[storage["name"]], [built[x["name"]] for x in order])
