"""OpenAPI documents and field validation, derived from the type declarations."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from pyk8s.api import errors
from pyk8s.api.openapi import gnostic, schemas, v2, v3
from pyk8s.api.registry import Registry, builtin
from pyk8s.api.resource import ResourceType
from pyk8s.apiserver.fieldvalidation import (
    check_fields,
    check_patched_fields,
    duplicate_fields,
    unknown_fields,
)
from pyk8s.apiserver.openapi import OpenAPI, wants_v2_protobuf

CRON_TAB_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A job run on a schedule.",
    "properties": {
        "spec": {"type": "object", "properties": {
            "cronSpec": {"type": "string", "description": "When to run."},
            "replicas": {"type": "integer"},
            "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            "tags": {"type": "array", "items": {"type": "object", "properties": {
                "name": {"type": "string"}}}},
        }},
    },
}


def cron_tab() -> ResourceType:
    return ResourceType("stable.example.com", "v1", "CronTab", "crontabs",
                        subresources=("status",), openapi_schema=CRON_TAB_SCHEMA)


def refs(doc: Any) -> set[str]:
    found: set[str] = set()

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            for k, item in v.items():
                if k == "$ref":
                    found.add(item)
                else:
                    walk(item)
        elif isinstance(v, list):
            for item in v:
                walk(item)

    walk(doc)
    return found


def test_every_group_version_document_resolves_its_own_references() -> None:
    registry = builtin()
    for group, versions in registry.groups().items():
        for version in versions:
            doc = v3.document(registry.in_group_version(group, version), group, version)
            names = set(doc["components"]["schemas"])
            for ref in refs(doc):
                assert ref.removeprefix("#/components/schemas/") in names, (group, ref)


def test_deployment_schema_carries_kind_and_patch_metadata() -> None:
    registry = builtin()
    doc = v3.document(registry.in_group_version("apps", "v1"), "apps", "v1")
    deployment = doc["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"]
    assert deployment["x-kubernetes-group-version-kind"] == [
        {"group": "apps", "kind": "Deployment", "version": "v1"}]
    assert "spec" in deployment["properties"]
    pod_spec = doc["components"]["schemas"]["io.k8s.api.core.v1.PodSpec"]
    containers = pod_spec["properties"]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"
    assert containers["x-kubernetes-patch-strategy"] == "merge"
    assert "containers" in pod_spec["required"]
    strategy = doc["components"]["schemas"]["io.k8s.api.apps.v1.DeploymentSpec"][
        "properties"]["strategy"]
    assert strategy["allOf"] == [
        {"$ref": "#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy"}]
    assert strategy["description"]


def test_patch_operations_declare_field_validation() -> None:
    registry = builtin()
    doc = v3.document(registry.in_group_version("apps", "v1"), "apps", "v1")
    item = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]
    patch = item["patch"]
    assert patch["x-kubernetes-group-version-kind"] == {
        "group": "apps", "version": "v1", "kind": "Deployment"}
    assert "fieldValidation" in {p["name"] for p in patch["parameters"]}
    scale = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]
    assert scale["get"]["x-kubernetes-group-version-kind"]["kind"] == "Scale"
    assert "io.k8s.api.autoscaling.v1.Scale" in doc["components"]["schemas"]


def test_v2_document_references_resolve_and_it_encodes() -> None:
    registry = builtin()
    registry.add(cron_tab())
    doc = v2.document(list(registry))
    names = set(doc["definitions"])
    for ref in refs(doc):
        assert ref.removeprefix("#/definitions/") in names, ref
    body = gnostic.document(doc)
    first = read_fields(body)
    assert first[1] == [b"2.0"]  # Document.swagger
    assert len(first[9]) == 1  # Document.definitions
    definitions = read_fields(first[9][0])[1]  # Definitions.additional_properties
    assert len(definitions) == len(doc["definitions"])
    assert read_fields(definitions[0])[1][0].decode() == next(iter(doc["definitions"]))


def read_fields(buf: bytes) -> dict[int, list[bytes]]:
    """Length-delimited and varint fields of one protobuf message, by number."""
    out: dict[int, list[bytes]] = {}
    i = 0

    def varint() -> int:
        nonlocal i
        shift = value = 0
        while True:
            b = buf[i]
            i += 1
            value |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                return value

    while i < len(buf):
        key = varint()
        number, wire = key >> 3, key & 7
        if wire == 2:
            n = varint()
            out.setdefault(number, []).append(buf[i:i + n])
            i += n
        elif wire == 0:
            out.setdefault(number, []).append(str(varint()).encode())
        elif wire == 1:
            out.setdefault(number, []).append(buf[i:i + 8])
            i += 8
        else:
            raise AssertionError(f"unexpected wire type {wire}")
    return out


def test_custom_resource_schema_is_served_and_the_hash_changes() -> None:
    registry = Registry(list(builtin()))
    api = OpenAPI(registry)
    before = orjson.loads(api.index())["paths"]
    assert "apis/stable.example.com/v1" not in before
    r = cron_tab()
    registry.add(r)
    after = orjson.loads(api.index())["paths"]
    url = after["apis/stable.example.com/v1"]["serverRelativeURL"]
    found = api.get("apis/stable.example.com/v1")
    assert found is not None
    body, digest = found
    assert url.endswith(f"?hash={digest}")
    doc = orjson.loads(body)
    schema = doc["components"]["schemas"]["com.example.stable.v1.CronTab"]
    assert schema["x-kubernetes-group-version-kind"] == [
        {"group": "stable.example.com", "kind": "CronTab", "version": "v1"}]
    assert schema["properties"]["spec"]["properties"]["cronSpec"]["description"] == \
        "When to run."
    assert "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" in doc["components"]["schemas"]
    assert after["apis/apps/v1"] == before["apis/apps/v1"]

    registry.remove(r)
    changed = dict(CRON_TAB_SCHEMA, description="Changed.")
    registry.add(ResourceType("stable.example.com", "v1", "CronTab", "crontabs",
                              openapi_schema=changed))
    again = orjson.loads(api.index())["paths"]["apis/stable.example.com/v1"]
    assert again["serverRelativeURL"] != url


def test_documents_are_cached_until_the_registry_changes() -> None:
    api = OpenAPI(builtin())
    first = api.get("apis/apps/v1")
    assert first is not None and api.get("apis/apps/v1") is first
    assert api.v2(protobuf=True) is api.v2(protobuf=True)


def test_v2_protobuf_is_chosen_by_accept() -> None:
    assert wants_v2_protobuf("application/com.github.proto-openapi.spec.v2@v1.0+protobuf")
    assert not wants_v2_protobuf("application/json")
    assert not wants_v2_protobuf("")


def test_unknown_fields_are_found_at_any_depth() -> None:
    r = next(r for r in builtin() if r.kind == "Deployment")
    obj = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "labelz": {}},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"spec": {"containers": [
                     {"name": "c", "image": "busybox",
                      "ports": [{"containerPort": 80, "protcol": "TCP"}],
                      "resources": {"limits": {"cpu": "1"}}}]}}},
    }
    assert unknown_fields(obj, r) == [
        "metadata.labelz", "spec.template.spec.containers[0].ports[0].protcol"]


def test_volume_sources_are_inline_members() -> None:
    r = next(r for r in builtin() if r.kind == "Pod")
    obj = {"spec": {"containers": [{"name": "c"}], "volumes": [
        {"name": "v", "emptyDir": {}, "configMap": {"name": "x", "itmes": []}}]}}
    assert unknown_fields(obj, r) == ["spec.volumes[0].configMap.itmes"]


def test_custom_resources_are_checked_against_their_schema() -> None:
    obj = {"apiVersion": "stable.example.com/v1", "kind": "CronTab",
           "metadata": {"name": "x"},
           "spec": {"cronSpec": "* * * * *", "cronSpek": "", "extra": {"any": {"thing": 1}},
                    "tags": [{"name": "a", "nmae": "b"}]},
           "status": {}}
    assert unknown_fields(obj, cron_tab()) == ["spec.cronSpek", "spec.tags[0].nmae", "status"]


def test_duplicate_fields_are_named_by_path() -> None:
    raw = b'{"spec": {"replicas": 1, "replicas": 2, "x": [{"a": 1, "a": 2}]}}'
    assert duplicate_fields(raw) == ["spec.replicas", "spec.x[0].a"]


def test_field_validation_modes() -> None:
    r = next(r for r in builtin() if r.kind == "ConfigMap")
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "dta": {}}
    assert check_fields(None, obj, r, "Ignore") == []
    assert check_fields(None, obj, r, "Warn") == ['unknown field "dta"']
    assert check_fields(None, obj, r, "") == ['unknown field "dta"']
    with pytest.raises(errors.APIError) as e:
        check_fields(orjson.dumps(obj), obj, r, "Strict")
    assert e.value.code == 400
    assert e.value.status()["message"] == (
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: '
        'strict decoding error: unknown field "dta"')
    with pytest.raises(errors.APIError):
        check_fields(None, obj, r, "Loose")


def test_schema_names_of_custom_resources_reverse_the_group() -> None:
    assert schemas.custom_resource_name(cron_tab()) == "com.example.stable.v1.CronTab"


def test_patches_are_judged_by_what_they_bring() -> None:
    r = next(r for r in builtin() if r.kind == "ConfigMap")
    current = {"metadata": {"name": "x"}, "dta": {}}  # stored under Warn
    patched = {**current, "data": {"k": "v"}}
    assert check_patched_fields({"data": {"k": "v"}}, current, patched, r, "Strict") == []
    typo = {**current, "imutable": True}
    with pytest.raises(errors.APIError) as e:
        check_patched_fields({"imutable": True}, current, typo, r, "Strict")
    assert e.value.code == 422
    assert e.value.status()["message"] == (
        ' "" is invalid: patch: Invalid value: "{\\"imutable\\":true}": '
        'strict decoding error: unknown field "imutable"')
    assert check_patched_fields({"imutable": True}, current, typo, r, "Warn") == [
        'unknown field "imutable"']


def test_fields_of_kubernetes_1_32_are_known_and_later_ones_are_not() -> None:
    r = next(r for r in builtin() if r.kind == "Pod")
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {
        "securityContext": {"supplementalGroupsPolicy": "Strict",
                            "seLinuxChangePolicy": "MountOption"},
        "resourceClaims": [{"name": "gpu", "resourceClaimTemplateName": "gpu"}],
        "resources": {"limits": {"cpu": "2"}},
        "containers": [{"name": "c", "image": "busybox",
                        "resizePolicy": [{"resourceName": "cpu",
                                          "restartPolicy": "NotRequired"}],
                        "resources": {"claims": [{"name": "gpu"}]},
                        "lifecycle": {"stopSignal": "SIGUSR1"}}],
        "volumes": [
            {"name": "img", "image": {"reference": "busybox", "pullPolicy": "IfNotPresent"}},
            {"name": "disk", "iscsi": {"targetPortal": "10.0.0.1", "iqn": "x", "lun": 0}},
            {"name": "ca", "projected": {"sources": [
                {"clusterTrustBundle": {"signerName": "x", "path": "ca.pem"}}]}},
        ]}}
    assert unknown_fields(pod, r) == ["spec.containers[0].lifecycle.stopSignal"]  # 1.33
