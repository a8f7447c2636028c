"""apiextensions.k8s.io/v1 CustomResourceDefinitions: the kind that declares kinds.

This module is the CRD object's own rules; serving what a CRD declares is
`pyk8s.apiextensions` (its controller turns each CRD into `ResourceType`s).

Defaulting fills what Kubernetes fills: `names.singular` (the kind in lower
case), `names.listKind` (`<Kind>List`) and `conversion.strategy: None`.
Validation checks, with a cause per field:

- `metadata.name` is `<spec.names.plural>.<spec.group>`; the group is a DNS
  subdomain with at least one dot; scope is Cluster or Namespaced;
- names are DNS-1035 labels, kind and listKind differ;
- versions have unique DNS-1035 names, exactly one is the storage version,
  each has a structural openAPIV3Schema (see `pyk8s.apiextensions.structural`),
  valid printer columns (type, format, a JSONPath we can evaluate), at most
  eight selectable fields and a scale subresource, all of whose paths are
  `.spec...`/`.status...` field paths;
- only `None` conversion (webhooks are not called by pyk8s);
- on update, scope and group may not change, and a version still listed in
  `status.storedVersions` may not be removed.

The status (conditions, acceptedNames, storedVersions) is written by the CRD
controller through the status subresource.
"""

from __future__ import annotations

from typing import Any

from pyk8s.api import validation as v
from pyk8s.api.errors import Cause
from pyk8s.api.resource import Obj, ResourceType
from pyk8s.api.resources._common import column, created_at, dicts, ensure, items, mapping, text
from pyk8s.apiextensions import jsonpath, structural

GROUP = "apiextensions.k8s.io"
SCOPES = ["Cluster", "Namespaced"]
COLUMN_TYPES = ["boolean", "date", "integer", "number", "string"]
COLUMN_FORMATS = ["byte", "date", "date-time", "double", "float", "int32", "int64", "password",
                  "name"]
CONVERSIONS = ["None"]
MAX_SELECTABLE_FIELDS = 8


def default_crd(crd: Obj) -> None:
    spec = ensure(crd, "spec")
    if spec is None:
        return
    names = ensure(spec, "names")
    if names is not None and isinstance(names.get("kind"), str) and names["kind"]:
        names.setdefault("singular", names["kind"].lower())
        names.setdefault("listKind", names["kind"] + "List")
    conversion = ensure(spec, "conversion")
    if conversion is not None:
        conversion.setdefault("strategy", "None")


def _label(path: str, value: Any) -> list[Cause]:
    if not isinstance(value, str) or not value:
        return [v.required(path)]
    return v.check(path, value, v.dns1035_label_errors(value))


def _names(names: Obj) -> list[Cause]:
    p = "spec.names"
    out = _label(f"{p}.plural", names.get("plural"))
    if names.get("singular"):
        out += _label(f"{p}.singular", names["singular"])
    kind = names.get("kind")
    if not isinstance(kind, str) or not kind:
        out.append(v.required(f"{p}.kind"))
    else:
        out += v.check(f"{p}.kind", kind, v.dns1035_label_errors(kind.lower()))
    list_kind = names.get("listKind")
    if not isinstance(list_kind, str) or not list_kind:
        out.append(v.required(f"{p}.listKind"))
    elif list_kind == kind:
        out.append(v.invalid(f"{p}.listKind", list_kind, "kind and listKind may not be the "
                             "same"))
    for field in ("shortNames", "categories"):
        for i, name in enumerate(items(names, field)):
            out += _label(f"{p}.{field}[{i}]", name)
    return out


def _columns(path: str, columns: list[Obj]) -> list[Cause]:
    out: list[Cause] = []
    for i, col in enumerate(columns):
        p = f"{path}[{i}]"
        if not text(col, "name"):
            out.append(v.required(f"{p}.name"))
        if not text(col, "type"):
            out.append(v.required(f"{p}.type"))
        elif col["type"] not in COLUMN_TYPES:
            out.append(v.not_supported(f"{p}.type", col["type"], COLUMN_TYPES))
        if col.get("format") and col["format"] not in COLUMN_FORMATS:
            out.append(v.not_supported(f"{p}.format", col["format"], COLUMN_FORMATS))
        if not text(col, "jsonPath"):
            out.append(v.required(f"{p}.jsonPath"))
        else:
            try:
                jsonpath.parse(col["jsonPath"])
            except ValueError as e:
                out.append(v.invalid(f"{p}.jsonPath", col["jsonPath"], str(e)))
        priority = col.get("priority", 0)
        if not isinstance(priority, int) or priority < 0:
            out.append(v.invalid(f"{p}.priority", priority, "must be greater than or equal "
                                 "to 0"))
    return out


def _field_path(path: str, value: Any, roots: tuple[str, ...], required: bool) -> list[Cause]:
    if not value:
        return [v.required(path)] if required else []
    try:
        names = jsonpath.field_path(jsonpath.parse(str(value)))
    except ValueError:
        names = None
    if names is None or len(names) < 2 or names[0] not in roots:
        where = " or ".join(f".{r}" for r in roots)
        return [v.invalid(path, value, f"should be a json path under {where}")]
    return []


def _scale(path: str, scale: Obj) -> list[Cause]:
    return (_field_path(f"{path}.specReplicasPath", scale.get("specReplicasPath"), ("spec",),
                        True)
            + _field_path(f"{path}.statusReplicasPath", scale.get("statusReplicasPath"),
                          ("status",), True)
            + _field_path(f"{path}.labelSelectorPath", scale.get("labelSelectorPath"),
                          ("spec", "status"), False))


def _versions(spec: Obj) -> list[Cause]:
    versions = spec.get("versions")
    if not isinstance(versions, list) or not versions:
        return [v.required("spec.versions", "must have exactly one version marked as storage "
                           "version")]
    out: list[Cause] = []
    seen: set[str] = set()
    storage = 0
    for i, version in enumerate(versions):
        p = f"spec.versions[{i}]"
        if not isinstance(version, dict):
            out.append(v.invalid(p, version, "must be an object"))
            continue
        name = version.get("name")
        out += _label(f"{p}.name", name)
        if name in seen:
            out.append(v.duplicate(f"{p}.name", name))
        seen.add(str(name))
        for flag in ("served", "storage"):
            if not isinstance(version.get(flag), bool):
                out.append(v.required(f"{p}.{flag}", "must be true or false"))
        storage += version.get("storage") is True
        out += structural.check(mapping(version, "schema").get("openAPIV3Schema"),
                                f"{p}.schema.openAPIV3Schema")
        out += _columns(f"{p}.additionalPrinterColumns",
                        dicts(version, "additionalPrinterColumns"))
        selectable = dicts(version, "selectableFields")
        if len(selectable) > MAX_SELECTABLE_FIELDS:
            out.append(Cause("FieldValueTooMany", f"Too many: {len(selectable)}: must have at "
                             f"most {MAX_SELECTABLE_FIELDS} items", f"{p}.selectableFields"))
        for j, f in enumerate(selectable):
            out += _field_path(f"{p}.selectableFields[{j}].jsonPath", f.get("jsonPath"),
                               ("spec", "status"), True)
        scale = mapping(version, "subresources").get("scale")
        if isinstance(scale, dict):
            out += _scale(f"{p}.subresources.scale", scale)
    if storage != 1:
        out.append(v.invalid("spec.versions", [text(x, "name") for x in dicts(spec, "versions")
                                               if x.get("storage") is True],
                             "must have exactly one version marked as storage version"))
    if not any(isinstance(x, dict) and x.get("served") is True for x in versions):
        out.append(v.invalid("spec.versions", [text(x, "name") for x in dicts(spec, "versions")],
                             "must have at least one served version"))
    return out


def validate_crd(crd: Obj) -> list[Cause]:
    spec = crd.get("spec")
    if not isinstance(spec, dict):
        return [v.required("spec")]
    out: list[Cause] = []
    group = spec.get("group")
    if not isinstance(group, str) or not group:
        out.append(v.required("spec.group"))
    else:
        out += v.check("spec.group", group, v.dns1123_subdomain_errors(group))
        if "." not in group:
            out.append(v.invalid("spec.group", group, "should be a domain with at least one "
                                 "dot"))
    if spec.get("scope") not in SCOPES:
        out.append(v.not_supported("spec.scope", spec.get("scope"), SCOPES)
                   if spec.get("scope") else v.required("spec.scope"))
    names = spec.get("names")
    if not isinstance(names, dict):
        out.append(v.required("spec.names"))
        names = {}
    else:
        out += _names(names)
    expected = f"{names.get('plural', '')}.{group or ''}"
    if text(crd, "metadata", "name") and crd["metadata"]["name"] != expected:
        out.append(v.invalid("metadata.name", crd["metadata"]["name"],
                             'must be spec.names.plural+"."+spec.group'))
    out += _versions(spec)
    strategy = mapping(spec, "conversion").get("strategy", "None")
    if strategy not in CONVERSIONS:
        out.append(v.not_supported("spec.conversion.strategy", strategy, CONVERSIONS))
    return out


def validate_crd_update(new: Obj, old: Obj) -> list[Cause]:
    out: list[Cause] = []
    for field in ("scope", "group"):
        if mapping(new, "spec").get(field) != mapping(old, "spec").get(field):
            out.append(v.immutable(f"spec.{field}", mapping(new, "spec").get(field)))
    listed = {text(x, "name") for x in dicts(new, "spec", "versions")}
    for i, stored in enumerate(items(new, "status", "storedVersions")):
        if stored not in listed:
            out.append(v.invalid(f"status.storedVersions[{i}]", stored,
                                 "must appear in spec.versions"))
    return out


CUSTOMRESOURCEDEFINITION = ResourceType(
    group=GROUP, version="v1", kind="CustomResourceDefinition",
    plural="customresourcedefinitions", namespaced=False, short_names=("crd", "crds"),
    categories=("api-extensions",), subresources=("status",),
    columns=(column("Created At", created_at, type="date"),),
    default=default_crd, validate=validate_crd, validate_update=validate_crd_update,
    kube_finalizers=False,
)

RESOURCES: list[ResourceType] = [CUSTOMRESOURCEDEFINITION]
