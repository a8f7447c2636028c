"""Structural schemas: validating, pruning and defaulting custom resources, checking CRD schemas."""

from __future__ import annotations

from typing import Any

import pytest

from pyk8s.api.resources.apiextensions import default_crd, validate_crd, validate_crd_update
from pyk8s.apiextensions import jsonpath, structural
from pyk8s.apiextensions.defaulting import apply_defaults
from pyk8s.apiextensions.pruning import prune
from pyk8s.apiextensions.validation import validate

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "required": ["color"],
            "properties": {
                "color": {"type": "string", "enum": ["red", "green"]},
                "replicas": {"type": "integer", "minimum": 0, "maximum": 10, "default": 1},
                "name": {"type": "string", "minLength": 2, "maxLength": 5,
                         "pattern": "^[a-z]+$"},
                "port": {"x-kubernetes-int-or-string": True},
                "ratio": {"type": "number", "exclusiveMinimum": True, "minimum": 0},
                "tags": {"type": "array", "minItems": 1, "maxItems": 2,
                         "items": {"type": "string"}, "x-kubernetes-list-type": "set"},
                "note": {"type": "string", "nullable": True},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True,
                         "properties": {"known": {"type": "object",
                                                  "properties": {"a": {"type": "integer"}}}}},
                "template": {"type": "object", "x-kubernetes-embedded-resource": True,
                             "x-kubernetes-preserve-unknown-fields": True},
                "policy": {"type": "object", "default": {},
                           "properties": {"mode": {"type": "string", "default": "Auto"}}},
            },
        },
        "status": {"type": "object", "properties": {"ready": {"type": "boolean"}}},
    },
}


def causes(obj: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(c.reason, c.field, c.message) for c in validate(SCHEMA, obj)]


def test_a_valid_object_has_no_causes() -> None:
    obj = {"apiVersion": "x/v1", "kind": "W", "metadata": {"name": "w"},
           "spec": {"color": "red", "replicas": 3, "port": "http", "tags": ["a"],
                    "note": None, "labels": {"a": "b"}}}
    assert causes(obj) == []
    assert causes({**obj, "spec": {**obj["spec"], "port": 8080}}) == []


def test_type_required_and_enum_causes_name_the_field() -> None:
    got = causes({"spec": {"replicas": "three", "color": "pink"}})
    assert ("FieldValueTypeInvalid", "spec.replicas",
            'Invalid value: "string": spec.replicas in body must be of type integer: '
            '"string"') in got
    assert ("FieldValueNotSupported", "spec.color",
            'Unsupported value: "pink": supported values: "red", "green"') in got
    assert ("FieldValueRequired", "spec.color", "Required value") in \
        causes({"spec": {"replicas": 1}})


def test_bounds_lengths_patterns_and_items() -> None:
    got = causes({"spec": {"color": "red", "replicas": 11, "name": "ABCDEFG", "ratio": 0,
                           "tags": ["a", "b", "c"]}})
    fields = {(reason, field) for reason, field, _ in got}
    assert ("FieldValueInvalid", "spec.replicas") in fields
    assert ("FieldValueTooLong", "spec.name") in fields
    assert ("FieldValueTooMany", "spec.tags") in fields
    messages = [m for _, _, m in got]
    assert any("should be less than or equal to 10" in m for m in messages)
    assert any("should match '^[a-z]+$'" in m for m in messages)
    assert any("should be greater than 0" in m for m in messages)
    assert ("FieldValueInvalid", "spec.name",
            'Invalid value: "a": spec.name in body should be at least 2 chars long') in \
        causes({"spec": {"color": "red", "name": "a"}})
    assert any(f == "spec.tags[1]" and r == "FieldValueDuplicate"
               for r, f, _ in causes({"spec": {"color": "red", "tags": ["a", "a"]}}))


def test_nullable_int_or_string_and_embedded_resources() -> None:
    assert any(f == "spec.name" for _, f, _ in causes({"spec": {"color": "red", "name": None}}))
    assert any(f == "spec.port" and r == "FieldValueTypeInvalid"
               for r, f, _ in causes({"spec": {"color": "red", "port": 1.5}}))
    got = causes({"spec": {"color": "red", "template": {"metadata": {}}}})
    assert ("FieldValueRequired", "spec.template.kind", "Required value") in got
    assert ("FieldValueRequired", "spec.template.apiVersion", "Required value") in got


def test_pruning_drops_unknown_fields_and_keeps_preserved_ones() -> None:
    obj: dict[str, Any] = {
        "apiVersion": "x/v1", "kind": "W", "metadata": {"name": "w", "bogus": 1},
        "spec": {"color": "red", "junk": True,
                 "free": {"anything": {"deep": 1}, "known": {"a": 1, "b": 2}},
                 "labels": {"k": "v"},
                 "template": {"apiVersion": "v1", "kind": "Pod",
                              "metadata": {"name": "p", "nope": 1}, "spec": {"x": 1}}},
        "top": 1,
    }
    removed = prune(SCHEMA, obj)
    assert sorted(removed) == ["metadata.bogus", "spec.free.known.b", "spec.junk",
                               "spec.template.metadata.nope", "top"]
    assert obj["metadata"] == {"name": "w"}
    assert obj["spec"]["free"] == {"anything": {"deep": 1}, "known": {"a": 1}}
    assert obj["spec"]["template"] == {"apiVersion": "v1", "kind": "Pod",
                                       "metadata": {"name": "p"}, "spec": {"x": 1}}
    assert obj["apiVersion"] == "x/v1" and "top" not in obj


def test_defaults_fill_missing_fields_recursively_and_replace_nulls() -> None:
    obj: dict[str, Any] = {"spec": {"color": "red", "replicas": None}}
    apply_defaults(SCHEMA, obj)
    assert obj["spec"]["replicas"] == 1
    assert obj["spec"]["policy"] == {"mode": "Auto"}
    kept: dict[str, Any] = {"spec": {"color": "red", "replicas": 4, "policy": {"mode": "Off"},
                                     "note": None}}
    apply_defaults(SCHEMA, kept)
    assert kept["spec"]["replicas"] == 4 and kept["spec"]["policy"] == {"mode": "Off"}
    assert kept["spec"]["note"] is None  # nullable: a null is a value


@pytest.mark.parametrize(("schema", "field", "reason"), [
    ({"type": "string"}, "s.type", "FieldValueInvalid"),
    ({}, "s.type", "FieldValueRequired"),
    ({"type": "object", "properties": {"spec": {"properties": {}}}},
     "s.properties[spec].type", "FieldValueRequired"),
    ({"type": "object", "properties": {"a": {"type": "array"}}},
     "s.properties[a].items", "FieldValueRequired"),
    ({"type": "object", "properties": {"a": {"type": "object", "properties": {
        "b": {"type": "string"}}, "additionalProperties": {"type": "string"}}}},
     "s.properties[a].additionalProperties", "FieldValueForbidden"),
    ({"type": "object", "properties": {"a": {"type": "string",
                                             "x-kubernetes-int-or-string": True}}},
     "s.properties[a].type", "FieldValueInvalid"),
    ({"type": "object", "properties": {"a": {"type": "integer", "default": "x"}}},
     "s.properties[a].default", "FieldValueInvalid"),
    ({"type": "object", "properties": {"metadata": {"type": "object", "properties": {
        "labels": {"type": "object"}}}}}, "s.properties[metadata]", "FieldValueForbidden"),
])
def test_non_structural_schemas_are_refused(schema: dict[str, Any], field: str,
                                            reason: str) -> None:
    assert (reason, field) in [(c.reason, c.field) for c in structural.check(schema, "s")]


def test_structural_schema_passes() -> None:
    assert structural.check(SCHEMA, "s") == []


def test_jsonpath_subset() -> None:
    obj = {"spec": {"replicas": 2, "items": [{"name": "a"}, {"name": "b"}]},
           "metadata": {"labels": {"app.kubernetes.io/name": "web"}},
           "status": {"conditions": [{"type": "Ready", "status": "True"},
                                     {"type": "Synced", "status": "False"}]}}

    def find(path: str) -> list[Any]:
        return jsonpath.find(jsonpath.parse(path), obj)

    assert find(".spec.replicas") == [2]
    assert find("{.spec.items[1].name}") == ["b"]
    assert find(".spec.items[*].name") == ["a", "b"]
    assert find(".metadata.labels['app.kubernetes.io/name']") == ["web"]
    assert find('.status.conditions[?(@.type=="Ready")].status') == ["True"]
    assert find('.status.conditions[?(@.type!="Ready")].type') == ["Synced"]
    assert find(".spec.missing.deeper") == []
    assert jsonpath.field_path(jsonpath.parse(".spec.replicas")) == ("spec", "replicas")
    for bad in ("spec.x", ".spec[", ".spec[?(@.a ~ 1)]"):
        with pytest.raises(ValueError):
            jsonpath.parse(bad)


def crd(**spec: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
                 "names": {"plural": "widgets", "kind": "Widget"},
                 "versions": [{"name": "v1", "served": True, "storage": True,
                               "schema": {"openAPIV3Schema": SCHEMA}}]},
    }
    base["spec"].update(spec)
    default_crd(base)
    return base


def test_a_crd_is_defaulted_and_valid() -> None:
    good = crd()
    assert good["spec"]["names"]["singular"] == "widget"
    assert good["spec"]["names"]["listKind"] == "WidgetList"
    assert good["spec"]["conversion"] == {"strategy": "None"}
    assert validate_crd(good) == []


def test_crd_rules_name_the_bad_fields() -> None:
    version = {"name": "v1", "served": True, "storage": True,
               "schema": {"openAPIV3Schema": SCHEMA},
               "additionalPrinterColumns": [{"name": "X", "type": "string",
                                             "jsonPath": ".spec.x[?(@.a ~ 1)]"}],
               "subresources": {"scale": {"specReplicasPath": ".status.replicas",
                                          "statusReplicasPath": ".status.replicas"}}}
    bad = crd(group="example", names={"plural": "Widgets", "kind": "Widget",
                                      "listKind": "Widget"},
              versions=[version, {**version, "name": "v1"}],
              conversion={"strategy": "Webhook"})
    fields = {c.field for c in validate_crd(bad)}
    assert {"spec.group", "spec.names.plural", "spec.names.listKind", "metadata.name",
            "spec.versions[1].name", "spec.versions",
            "spec.versions[0].additionalPrinterColumns[0].jsonPath",
            "spec.versions[0].subresources.scale.specReplicasPath",
            "spec.conversion.strategy"} <= fields
    old = crd()
    old["status"] = {"storedVersions": ["v1"]}
    new = crd(scope="Cluster", versions=[{"name": "v2", "served": True, "storage": True,
                                          "schema": {"openAPIV3Schema": SCHEMA}}])
    new["status"] = old["status"]
    assert {c.field for c in validate_crd_update(new, old)} == {
        "spec.scope", "status.storedVersions[0]"}


def test_combinators_and_list_maps() -> None:
    schema: dict[str, Any] = {
        "type": "object",
        "oneOf": [{"required": ["schedule"]}, {"required": ["once"]}],
        "properties": {
            "schedule": {"type": "string"}, "once": {"type": "boolean"},
            "port": {"x-kubernetes-int-or-string": True,
                     "anyOf": [{"type": "integer"}, {"type": "string"}]},
            "targets": {"type": "array", "x-kubernetes-list-type": "map",
                        "x-kubernetes-list-map-keys": ["name"],
                        "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
        },
    }
    assert validate({"properties": {"spec": schema}, "type": "object"},
                    {"spec": {"schedule": "@daily", "port": 80}}) == []
    got = [(c.field, c.reason) for c in validate(
        {"properties": {"spec": schema}, "type": "object"},
        {"spec": {"schedule": "x", "once": True, "targets": [{"name": "a"}, {"name": "a"}]}})]
    assert ("spec", "FieldValueInvalid") in got  # both oneOf branches match
    assert ("spec.targets[1]", "FieldValueDuplicate") in got
    assert structural.check({"type": "object", "properties": {"spec": schema}}, "s") == []
