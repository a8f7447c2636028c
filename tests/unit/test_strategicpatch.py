"""Strategic merge patch, checked against what kube-apiserver (apimachinery) does."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pyk8s.api.errors import APIError
from pyk8s.api.patch import JSON_PATCH_REJECTED, merge_patch
from pyk8s.api.strategicpatch import StrategicMergePatchError, strategic_merge_patch
from pyk8s.api.types import Struct, kind_schema


def schema(group: str, version: str, kind: str) -> Struct:
    s = kind_schema(group, version, kind)
    assert s is not None
    return s


DEPLOYMENT = schema("apps", "v1", "Deployment")
POD = schema("", "v1", "Pod")
SERVICE = schema("", "v1", "Service")
PDB = schema("policy", "v1", "PodDisruptionBudget")
CONFIGMAP = schema("", "v1", "ConfigMap")


def deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web", "namespace": "default",
            "labels": {"app": "web", "tier": "frontend"},
            "annotations": {"note": "x"},
            "finalizers": ["a.example.com/f", "b.example.com/f"],
        },
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
            },
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {
                            "name": "app", "image": "nginx:1.25",
                            "args": ["--a", "--b"],
                            "ports": [{"containerPort": 80, "protocol": "TCP"}],
                            "env": [
                                {"name": "A", "value": "1"},
                                {"name": "B", "value": "2"},
                                {"name": "C", "value": "3"},
                            ],
                            "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                        },
                        {"name": "sidecar", "image": "busybox:1"},
                    ],
                    "volumes": [{"name": "data", "emptyDir": {}}],
                    "tolerations": [{"key": "k", "operator": "Exists"}],
                },
            },
        },
    }


def smp(doc: dict[str, Any], patch: Any, s: Struct | None = DEPLOYMENT) -> dict[str, Any]:
    return strategic_merge_patch(doc, patch, s)


def containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = obj["spec"]["template"]["spec"]["containers"]
    return result


def pod_patch(spec: dict[str, Any]) -> dict[str, Any]:
    return {"spec": {"template": {"spec": spec}}}


def error(doc: dict[str, Any], patch: Any, s: Struct | None = DEPLOYMENT) -> APIError:
    with pytest.raises(APIError) as info:
        strategic_merge_patch(doc, patch, s)
    return info.value


# ---------------------------------------------------------------------------
# Plain merging

def test_inputs_are_not_modified() -> None:
    doc, patch = deployment(), pod_patch({
        "$setElementOrder/containers": [{"name": "app"}, {"name": "sidecar"}],
        "containers": [{"name": "app", "image": "nginx:2", "env": [
            {"name": "B", "$patch": "delete"}]}]})
    doc0, patch0 = copy.deepcopy(doc), copy.deepcopy(patch)
    out = smp(doc, patch)
    assert doc == doc0 and patch == patch0
    assert out is not doc


def test_scalars_replace_and_null_deletes() -> None:
    out = smp(deployment(), {"spec": {"replicas": 5},
                             "metadata": {"labels": {"tier": None, "new": "1"}}})
    assert out["spec"]["replicas"] == 5
    assert out["metadata"]["labels"] == {"app": "web", "new": "1"}
    assert out["spec"]["strategy"]["type"] == "RollingUpdate"


def test_null_for_a_missing_member_is_ignored() -> None:
    out = smp(deployment(), {"spec": {"paused": None}})
    assert "paused" not in out["spec"]


def test_null_patch_and_empty_patch_change_nothing() -> None:
    assert smp(deployment(), None) == deployment()
    assert smp(deployment(), {}) == deployment()


def test_new_members_are_taken_without_nulls_or_directives() -> None:
    out = smp(deployment(), pod_patch({"affinity": {
        "nodeAffinity": None,
        "podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 1, "podAffinityTerm": {"topologyKey": "zone", "labelSelector": None}},
            {"$patch": "delete", "weight": 2},
        ]},
        "$setElementOrder/x": ["a"],
    }}))
    assert out["spec"]["template"]["spec"]["affinity"] == {"podAntiAffinity": {
        "preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 1, "podAffinityTerm": {"topologyKey": "zone"}}]}}


def test_type_change_replaces() -> None:
    out = smp(deployment(), {"spec": {"selector": ["odd"]}})
    assert out["spec"]["selector"] == ["odd"]


def test_unknown_fields_merge_like_json_merge_patch() -> None:
    doc = deployment()
    doc["spec"]["x-extra"] = {"keep": 1, "list": [1, 2], "drop": True}
    patch = {"spec": {"x-extra": {"list": [3], "drop": None, "new": {"a": 1}}}}
    out = smp(doc, patch)
    assert out["spec"]["x-extra"] == {"keep": 1, "list": [3], "new": {"a": 1}}
    assert out == merge_patch(doc, patch)


def test_without_schema_lists_replace_but_directives_apply() -> None:
    doc = {"spec": {"items": [{"name": "a"}, {"name": "b"}], "m": {"x": 1}, "n": {"y": 2}}}
    out = smp(doc, {"spec": {"items": [{"name": "c"}], "m": {"$patch": "delete"},
                             "n": {"$patch": "replace", "z": 3}}}, None)
    assert out == {"spec": {"items": [{"name": "c"}], "m": {}, "n": {"z": 3}}}


def test_atomic_lists_are_replaced() -> None:
    out = smp(deployment(), pod_patch({
        "containers": [{"name": "app", "args": ["--c"]}],
        "tolerations": [{"key": "other", "operator": "Exists"}]}))
    spec = out["spec"]["template"]["spec"]
    assert spec["containers"][0]["args"] == ["--c"]
    assert spec["tolerations"] == [{"key": "other", "operator": "Exists"}]


def test_replace_strategy_on_an_object() -> None:
    doc = {"spec": {"selector": {"matchLabels": {"a": "1"}}, "minAvailable": 1}}
    out = smp(doc, {"spec": {"selector": {"matchExpressions": [
        {"key": "b", "operator": "Exists"}]}}}, PDB)
    assert out["spec"]["selector"] == {"matchExpressions": [{"key": "b", "operator": "Exists"}]}


# ---------------------------------------------------------------------------
# Lists merged by key

def test_change_image_of_one_container() -> None:
    out = smp(deployment(), pod_patch({"containers": [{"name": "app", "image": "nginx:1.27"}]}))
    c = containers(out)
    assert [x["name"] for x in c] == ["app", "sidecar"]
    assert c[0]["image"] == "nginx:1.27"
    assert c[0]["env"] == deployment()["spec"]["template"]["spec"]["containers"][0]["env"]
    assert c[1] == {"name": "sidecar", "image": "busybox:1"}


def test_new_element_goes_before_live_elements_it_is_not_ordered_against() -> None:
    # apimachinery's normalizeElementOrder: patch elements the live list does
    # not know are emitted first.
    out = smp(deployment(), pod_patch({"containers": [{"name": "new", "image": "x"}]}))
    assert [x["name"] for x in containers(out)] == ["new", "app", "sidecar"]


def test_set_element_order_places_new_elements() -> None:
    out = smp(deployment(), pod_patch({
        "$setElementOrder/containers": [{"name": "app"}, {"name": "sidecar"}, {"name": "new"}],
        "containers": [{"name": "new", "image": "x"}]}))
    assert [x["name"] for x in containers(out)] == ["app", "sidecar", "new"]


def test_set_element_order_reorders() -> None:
    out = smp(deployment(), pod_patch({
        "$setElementOrder/containers": [{"name": "sidecar"}, {"name": "app"}]}))
    assert [x["name"] for x in containers(out)] == ["sidecar", "app"]


def test_set_element_order_for_a_list_the_live_object_lacks() -> None:
    out = smp(deployment(), pod_patch({
        "$setElementOrder/initContainers": [{"name": "i1"}, {"name": "i2"}],
        "initContainers": [{"name": "i1", "image": "a", "$patch": "replace"},
                           {"name": "i2", "image": "b"}]}))
    assert out["spec"]["template"]["spec"]["initContainers"] == [{"name": "i2", "image": "b"}]


def test_patch_order_then_live_order() -> None:
    doc = deployment()
    patch = pod_patch({"containers": [
        {"name": "sidecar", "image": "busybox:2"}, {"name": "app", "image": "nginx:2"}]})
    assert [x["name"] for x in containers(smp(doc, patch))] == ["sidecar", "app"]


def test_delete_element_by_merge_key() -> None:
    out = smp(deployment(), pod_patch({"containers": [
        {"name": "app", "env": [{"name": "B", "$patch": "delete"}]},
        {"name": "sidecar", "$patch": "delete"}]}))
    c = containers(out)
    assert [x["name"] for x in c] == ["app"]
    assert [e["name"] for e in c[0]["env"]] == ["A", "C"]


def test_delete_of_a_missing_element_is_a_no_op() -> None:
    out = smp(deployment(), pod_patch({"containers": [{"name": "nope", "$patch": "delete"}]}))
    assert containers(out) == containers(deployment())


def test_replace_directive_in_a_list() -> None:
    out = smp(deployment(), pod_patch({"containers": [
        {"$patch": "replace"}, {"name": "only", "image": "x", "ports": None}]}))
    assert containers(out) == [{"name": "only", "image": "x"}]


def test_merge_keyed_by_integer() -> None:
    out = smp(deployment(), pod_patch({"containers": [{"name": "app", "ports": [
        {"containerPort": 80, "name": "http"}, {"containerPort": 443}]}]}))
    assert containers(out)[0]["ports"] == [
        {"containerPort": 80, "protocol": "TCP", "name": "http"},
        {"containerPort": 443},
    ]
    # Go compares merge keys with ==: the string "80" is not the number 80.
    out = smp(deployment(), pod_patch({"containers": [{"name": "app", "ports": [
        {"containerPort": "80"}]}]}))
    assert len(containers(out)[0]["ports"]) == 2


def test_service_ports_merge_by_port() -> None:
    doc = {"spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 443}],
                    "selector": {"app": "web", "old": "x"}}}
    out = smp(doc, {"spec": {"ports": [{"port": 80, "targetPort": "http"}],
                             "selector": {"old": None}}}, SERVICE)
    assert out["spec"]["ports"] == [{"port": 80, "targetPort": "http"}, {"port": 443}]
    assert out["spec"]["selector"] == {"app": "web"}


def test_owner_references_merge_by_uid() -> None:
    doc = {"metadata": {"ownerReferences": [
        {"uid": "1", "kind": "ReplicaSet", "name": "a"}]}}
    out = smp(doc, {"metadata": {"ownerReferences": [
        {"uid": "1", "controller": True}, {"uid": "2", "kind": "X", "name": "b"}]}}, POD)
    assert out["metadata"]["ownerReferences"] == [
        {"uid": "1", "kind": "ReplicaSet", "name": "a", "controller": True},
        {"uid": "2", "kind": "X", "name": "b"},
    ]


def test_status_conditions_merge_by_type() -> None:
    doc = {"status": {"conditions": [
        {"type": "Ready", "status": "False"}, {"type": "PodScheduled", "status": "True"}]}}
    out = smp(doc, {"status": {"conditions": [{"type": "Ready", "status": "True"}]}}, POD)
    assert out["status"]["conditions"] == [
        {"type": "Ready", "status": "True"}, {"type": "PodScheduled", "status": "True"}]


# ---------------------------------------------------------------------------
# Lists of scalars with the merge strategy

def test_primitive_merge_list_is_a_union() -> None:
    out = smp(deployment(), {"metadata": {"finalizers": ["b.example.com/f", "c.example.com/f"]}})
    assert out["metadata"]["finalizers"] == [
        "a.example.com/f", "b.example.com/f", "c.example.com/f"]


def test_primitive_merge_list_new_value_comes_first() -> None:
    out = smp(deployment(), {"metadata": {"finalizers": ["c.example.com/f"]}})
    assert out["metadata"]["finalizers"] == [
        "c.example.com/f", "a.example.com/f", "b.example.com/f"]


def test_delete_from_primitive_list() -> None:
    out = smp(deployment(), {"metadata": {
        "$deleteFromPrimitiveList/finalizers": ["a.example.com/f", "zzz"]}})
    assert out["metadata"]["finalizers"] == ["b.example.com/f"]


def test_delete_from_primitive_list_works_on_atomic_lists_too() -> None:
    out = smp(deployment(), pod_patch({"containers": [
        {"name": "app", "$deleteFromPrimitiveList/args": ["--a"]}]}))
    assert containers(out)[0]["args"] == ["--b"]


def test_delete_from_primitive_list_of_a_missing_list_adds_nothing() -> None:
    doc = deployment()
    del doc["metadata"]["finalizers"]
    out = smp(doc, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["x"]}})
    assert "finalizers" not in out["metadata"]


def test_set_element_order_of_primitives_with_deletion() -> None:
    # What `kubectl apply` sends after removing a finalizer from the manifest.
    out = smp(deployment(), {"metadata": {
        "$setElementOrder/finalizers": ["b.example.com/f"],
        "$deleteFromPrimitiveList/finalizers": ["a.example.com/f"]}})
    assert out["metadata"]["finalizers"] == ["b.example.com/f"]


# ---------------------------------------------------------------------------
# Objects: directives and retainKeys

def test_replace_directive_on_an_object() -> None:
    out = smp(deployment(), {"spec": {"strategy": {"$patch": "replace", "type": "Recreate"}}})
    assert out["spec"]["strategy"] == {"type": "Recreate"}


def test_delete_directive_on_an_object() -> None:
    out = smp(deployment(), {"metadata": {"annotations": {"$patch": "delete"}}})
    assert out["metadata"]["annotations"] == {}


def test_delete_directive_on_the_whole_object() -> None:
    assert smp(deployment(), {"$patch": "delete"}) == {}


def test_retain_keys_drops_the_rolling_update_block() -> None:
    # `kubectl apply` after changing strategy.type RollingUpdate -> Recreate.
    out = smp(deployment(), {"spec": {"strategy": {
        "$retainKeys": ["type"], "type": "Recreate", "rollingUpdate": None}}})
    assert out["spec"]["strategy"] == {"type": "Recreate"}


def test_retain_keys_on_a_volume_changes_its_source() -> None:
    out = smp(deployment(), pod_patch({
        "$setElementOrder/volumes": [{"name": "data"}],
        "volumes": [{"$retainKeys": ["configMap", "name"], "name": "data",
                     "configMap": {"name": "cm"}}]}))
    assert out["spec"]["template"]["spec"]["volumes"] == [
        {"name": "data", "configMap": {"name": "cm"}}]


def test_retain_keys_must_list_every_patched_member() -> None:
    e = error(deployment(), {"spec": {"strategy": {"$retainKeys": ["type"],
                                                   "rollingUpdate": {"maxSurge": 1}}}})
    assert (e.code, e.reason, e.message) == (400, "BadRequest",
                                             "invalid patch format of retainKeys")


def test_retain_keys_must_be_a_list() -> None:
    e = error(deployment(), {"spec": {"strategy": {"$retainKeys": "type"}}})
    assert e.code == 400


# ---------------------------------------------------------------------------
# What `kubectl apply` sends

def test_kubectl_apply_removing_an_env_var_and_changing_the_image() -> None:
    patch = {
        "metadata": {"annotations": {
            "kubectl.kubernetes.io/last-applied-configuration": "{...}"}},
        "spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "app"}, {"name": "sidecar"}],
            "containers": [{
                "$setElementOrder/env": [{"name": "A"}, {"name": "C"}],
                "env": [{"$patch": "delete", "name": "B"}],
                "image": "nginx:1.27",
                "name": "app",
            }],
        }}},
    }
    out = smp(deployment(), patch)
    app = containers(out)[0]
    assert app["image"] == "nginx:1.27"
    assert app["env"] == [{"name": "A", "value": "1"}, {"name": "C", "value": "3"}]
    assert out["metadata"]["annotations"]["note"] == "x"
    assert "kubectl.kubernetes.io/last-applied-configuration" in out["metadata"]["annotations"]


def test_kubectl_apply_removing_a_label_and_a_container() -> None:
    patch = {"metadata": {"labels": {"tier": None}},
             "spec": {"template": {"spec": {
                 "$setElementOrder/containers": [{"name": "app"}],
                 "containers": [{"$patch": "delete", "name": "sidecar"}]}}}}
    out = smp(deployment(), patch)
    assert out["metadata"]["labels"] == {"app": "web"}
    assert [c["name"] for c in containers(out)] == ["app"]


def test_kubectl_apply_strategy_change() -> None:
    patch = {"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": None,
                                   "type": "Recreate"}}}
    assert smp(deployment(), patch)["spec"]["strategy"] == {"type": "Recreate"}


def test_kubectl_apply_adding_an_env_var_in_the_middle() -> None:
    patch = pod_patch({
        "$setElementOrder/containers": [{"name": "app"}, {"name": "sidecar"}],
        "containers": [{"name": "app",
                        "$setElementOrder/env": [{"name": "A"}, {"name": "N"}, {"name": "B"},
                                                 {"name": "C"}],
                        "env": [{"name": "N", "value": "new"}]}]})
    env = containers(smp(deployment(), patch))[0]["env"]
    assert [e["name"] for e in env] == ["A", "N", "B", "C"]


def test_configmap_data_key_removal() -> None:
    doc = {"data": {"a": "1", "b": "2"}}
    assert smp(doc, {"data": {"b": None, "c": "3"}}, CONFIGMAP) == {"data": {"a": "1", "c": "3"}}


# ---------------------------------------------------------------------------
# Errors

def test_missing_merge_key() -> None:
    e = error(deployment(), pod_patch({"containers": [{"image": "nginx"}]}))
    assert e.code == 500 and e.reason == ""
    assert e.message == "map: map[image:nginx] does not contain declared merge key: name"
    assert isinstance(e.__cause__, StrategicMergePatchError)


def test_missing_merge_key_in_a_delete_directive() -> None:
    e = error(deployment(), pod_patch({"volumes": [{"$patch": "delete"}]}))
    assert e.message == "map: map[$patch:delete] does not contain declared merge key: name"


def test_nested_values_are_formatted_like_go() -> None:
    e = error(deployment(), pod_patch({"volumes": [{"hostPath": {"path": "/x"}, "ro": True}]}))
    assert e.message == (
        "map: map[hostPath:map[path:/x] ro:true] does not contain declared merge key: name")


def test_merge_directive_is_refused() -> None:
    e = error(deployment(), {"spec": {"strategy": {"$patch": "merge"}}})
    assert e.message == "unknown patch type: merge in map: map[$patch:merge]"
    e = error(deployment(), pod_patch({"containers": [{"$patch": "merge"}]}))
    assert e.message == "merging lists cannot yet be specified in the patch"


def test_unknown_directive() -> None:
    e = error(deployment(), pod_patch({"containers": [{"name": "app", "$patch": "bogus"}]}))
    assert e.message == "unknown patch type: bogus in map: map[$patch:bogus name:app]"


def test_bad_directive_prefixes_are_bad_requests() -> None:
    e = error(deployment(), {"metadata": {"$deleteFromPrimitiveListfinalizers": ["a"]}})
    assert (e.code, e.message) == (400, "invalid patch format of primitive list")
    e = error(deployment(), {"metadata": {"$setElementOrderX": ["a"]}})
    assert (e.code, e.message) == (400, "invalid patch format of setElementOrder list")


def test_set_element_order_must_agree_with_the_patch() -> None:
    e = error(deployment(), pod_patch({
        "$setElementOrder/containers": [{"name": "app"}],
        "containers": [{"name": "other", "image": "x"}]}))
    assert e.code == 500
    assert e.message.startswith("The order in patch list:\n")


def test_set_element_order_must_be_a_list() -> None:
    e = error(deployment(), pod_patch({"$setElementOrder/containers": "app"}))
    assert e.message == "expected a []interface {}, but received a string"


def test_lists_of_lists_are_unprocessable() -> None:
    doc = deployment()
    doc["metadata"]["finalizers"] = []
    e = error(doc, {"metadata": {"finalizers": [["x"]]}})
    assert (e.code, e.reason, e.message) == (422, "Invalid", JSON_PATCH_REJECTED)
    assert str(e.__cause__) == "lists of lists are not supported"


def test_mixed_element_types() -> None:
    e = error(deployment(), {"metadata": {"finalizers": [1]}})
    assert e.message.startswith("list element types are not identical: ")


def test_patch_must_be_an_object() -> None:
    e = error(deployment(), [{"op": "add"}])
    assert (e.code, e.message) == (
        400, "json: cannot unmarshal array into Go value of type map[string]interface {}")
