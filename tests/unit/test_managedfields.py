"""Field sets, managedFields and server-side apply, in process (pyk8s.api.fieldmanager)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pyk8s.api.errors import APIError
from pyk8s.api.fieldmanager import field_manager
from pyk8s.api.fieldmanager.fieldpath import FieldSet, path_string
from pyk8s.api.fieldmanager.schema import for_resource
from pyk8s.api.fieldmanager.typed import compare, field_set, merge
from pyk8s.api.registry import builtin
from pyk8s.api.resource import ResourceType

REGISTRY = builtin()


def resource(api_version: str, kind: str) -> ResourceType:
    r = REGISTRY.by_kind(api_version, kind)
    assert r is not None
    return r


DEPLOYMENT = resource("apps/v1", "Deployment")
CONFIGMAP = resource("v1", "ConfigMap")


def deployment(**spec: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [
                                  {"name": "web", "image": "nginx:1",
                                   "ports": [{"containerPort": 80}]}]}}},
    }
    obj["spec"].update(spec)
    return obj


def entries(obj: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(e["manager"], e["operation"]): e for e in obj["metadata"].get("managedFields", [])}


def paths(fields_v1: dict[str, Any]) -> set[str]:
    return {path_string(p) for p in FieldSet.from_fields_v1(fields_v1).paths()}


def test_fields_v1_round_trip_and_path_strings() -> None:
    doc = {"f:metadata": {"f:labels": {".": {}, "f:app": {}}},
           "f:spec": {"f:containers": {'k:{"name":"c"}': {".": {}, "f:image": {}}}},
           "f:finalizers": {'v:"a/b"': {}}}
    s = FieldSet.from_fields_v1(doc)
    assert s.to_fields_v1() == doc
    assert {path_string(p) for p in s.paths()} == {
        ".metadata.labels", ".metadata.labels.app", '.spec.containers[name="c"]',
        '.spec.containers[name="c"].image', '.finalizers[="a/b"]'}
    with pytest.raises(ValueError):
        FieldSet.from_fields_v1({"x:y": {}})


def test_field_set_of_an_applied_configuration() -> None:
    s = field_set(deployment(), for_resource(DEPLOYMENT))
    got = {path_string(p) for p in s.paths()}
    assert ".spec.replicas" in got and ".spec.selector" in got  # LabelSelector is atomic
    assert ".spec.selector.matchLabels" not in got
    assert '.spec.template.spec.containers[name="web"]' in got
    # a port's protocol key defaults to TCP
    assert '.spec.template.spec.containers[name="web"].ports[containerPort=80,' \
           'protocol="TCP"].containerPort' in got
    assert ".metadata.labels" not in got and ".metadata.labels.app" in got


def test_duplicate_keys_in_a_configuration_are_refused() -> None:
    obj = deployment()
    containers = obj["spec"]["template"]["spec"]["containers"]
    containers.append(dict(containers[0]))
    with pytest.raises(APIError) as e:
        field_manager(DEPLOYMENT).apply(None, obj, "test", force=False)
    assert e.value.code == 500
    assert 'duplicate entries for key name="web"' in e.value.message


def test_undeclared_fields_and_missing_keys_are_typed_errors() -> None:
    fm = field_manager(DEPLOYMENT)
    obj = deployment()
    obj["spec"]["replicaz"] = 3
    with pytest.raises(APIError) as e:
        fm.check(obj)
    assert (e.value.code, e.value.reason) == (500, "")
    assert e.value.message == ("failed to create typed patch object (default/web; "
                               "apps/v1, Kind=Deployment): .spec.replicaz: field not "
                               "declared in schema")
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
               "spec": {"ports": [{"name": "x"}]}}
    with pytest.raises(APIError) as e:
        field_manager(resource("v1", "Service")).check(service)
    assert e.value.message.endswith(
        '.spec.ports: element 0: associative list with keys has an element that omits key '
        'field "port" (and doesn\'t have default value)')


def test_compare_and_merge_of_associative_lists() -> None:
    node = for_resource(DEPLOYMENT)
    live = deployment()
    c = live["spec"]["template"]["spec"]["containers"]
    c.insert(0, {"name": "sidecar", "image": "busybox"})
    config = deployment()
    config["spec"]["template"]["spec"]["containers"] = [
        {"name": "new", "image": "x"}, {"name": "web", "image": "nginx:2"}]
    merged = merge(live, config, node)
    assert [x["name"] for x in merged["spec"]["template"]["spec"]["containers"]] == [
        "sidecar", "new", "web"]
    diff = compare(live, merged, node)
    assert {path_string(p) for p in diff.modified.paths()} == {
        '.spec.template.spec.containers[name="web"].image'}
    assert '.spec.template.spec.containers[name="new"]' in {
        path_string(p) for p in diff.added.paths()}


def test_update_transfers_ownership_of_changed_fields() -> None:
    fm = field_manager(DEPLOYMENT)
    created = deployment()
    fm.update(None, created, "creator")
    assert ".spec.replicas" in paths(entries(created)[("creator", "Update")]["fieldsV1"])
    scaled = copy.deepcopy(created)
    scaled["spec"]["replicas"] = 5
    fm.update(created, scaled, "scaler")
    owners = entries(scaled)
    assert paths(owners[("scaler", "Update")]["fieldsV1"]) == {".spec.replicas"}
    assert ".spec.replicas" not in paths(owners[("creator", "Update")]["fieldsV1"])
    # nothing that only the server sets is owned
    assert not any(p.startswith((".metadata.name", ".apiVersion", ".kind"))
                   for p in paths(owners[("creator", "Update")]["fieldsV1"]))


def test_apply_conflicts_force_and_removal() -> None:
    fm = field_manager(DEPLOYMENT)
    live = fm.apply(None, deployment(), "kubectl", force=False)
    assert set(entries(live)) == {("kubectl", "Apply")}
    scaled = copy.deepcopy(live)
    scaled["spec"]["replicas"] = 5
    fm.update(live, scaled, "hpa")
    with pytest.raises(APIError) as e:
        fm.apply(scaled, deployment(), "kubectl", force=False)
    assert e.value.code == 409
    assert e.value.message == ('Apply failed with 1 conflict: conflict with "hpa" using '
                               'apps/v1: .spec.replicas')
    assert e.value.details["causes"] == [{"reason": "FieldManagerConflict",
                                          "message": 'conflict with "hpa" using apps/v1',
                                          "field": ".spec.replicas"}]
    forced = fm.apply(scaled, deployment(), "kubectl", force=True)
    assert forced["spec"]["replicas"] == 2 and ("hpa", "Update") not in entries(forced)
    # Same value: no conflict, both own it.
    shared = fm.apply(forced, deployment(), "other", force=False)
    assert ".spec.replicas" in paths(entries(shared)[("other", "Apply")]["fieldsV1"])
    # Dropping replicas from kubectl's configuration keeps it: "other" still sets it.
    fewer = deployment()
    del fewer["spec"]["replicas"]
    kept = fm.apply(shared, fewer, "kubectl", force=False)
    assert kept["spec"]["replicas"] == 2
    # Once "other" drops it too, nobody owns it and it goes.
    gone = fm.apply(kept, fewer, "other", force=False)
    assert "replicas" not in gone["spec"]
    assert gone["metadata"]["name"] == "web"


def test_apply_removes_list_items_and_labels_it_applied_before() -> None:
    fm = field_manager(DEPLOYMENT)
    two = deployment()
    two["metadata"]["labels"]["tier"] = "front"
    two["spec"]["template"]["spec"]["containers"].append({"name": "log", "image": "busybox"})
    live = fm.apply(None, two, "kubectl", force=False)
    labelled = copy.deepcopy(live)
    labelled["metadata"]["labels"]["owner"] = "ops"
    fm.update(live, labelled, "kubectl-label")
    after = fm.apply(labelled, deployment(), "kubectl", force=False)
    assert after["metadata"]["labels"] == {"app": "web", "owner": "ops"}
    assert [c["name"] for c in after["spec"]["template"]["spec"]["containers"]] == ["web"]


def test_first_apply_to_an_unmanaged_object_keeps_what_was_there() -> None:
    fm = field_manager(CONFIGMAP)
    live = {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "namespace": "default"}, "data": {"a": "1", "b": "2"}}
    with pytest.raises(APIError) as e:
        fm.apply(live, {**live, "data": {"a": "9"}}, "mine", force=False)
    assert 'conflict with "before-first-apply" using v1: .data.a' in e.value.message
    applied = fm.apply(live, {**live, "data": {"a": "1"}}, "mine", force=False)
    assert applied["data"] == {"a": "1", "b": "2"}


def test_kubectl_may_take_over_what_its_last_applied_configuration_set() -> None:
    fm = field_manager(CONFIGMAP)
    annotation = '{"apiVersion":"v1","data":{"a":"1"},"kind":"ConfigMap",' \
                 '"metadata":{"name":"c","namespace":"default"}}\n'
    live = {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "namespace": "default",
                         "annotations": {"kubectl.kubernetes.io/last-applied-configuration":
                                         annotation}},
            "data": {"a": "1"}}
    fm.update(None, live, "kubectl-client-side-apply")
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
              "data": {"a": "2"}}
    with pytest.raises(APIError):
        fm.apply(live, config, "someone-else", force=False)
    applied = fm.apply(live, config, "kubectl", force=False)
    assert applied["data"] == {"a": "2"}
    new_annotation = applied["metadata"]["annotations"][
        "kubectl.kubernetes.io/last-applied-configuration"]
    assert new_annotation == ('{"apiVersion":"v1","data":{"a":"2"},"kind":"ConfigMap",'
                              '"metadata":{"name":"c"}}\n')


def test_managed_fields_in_a_request_replace_or_reset_the_stored_ones() -> None:
    fm = field_manager(CONFIGMAP)
    live: dict[str, Any] = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
                            "data": {"a": "1"}}
    fm.update(None, live, "first")
    reset = copy.deepcopy(live)
    reset["metadata"]["managedFields"] = []
    fm.update(live, reset, "second")
    assert "managedFields" not in reset["metadata"] or not reset["metadata"]["managedFields"]
    kept = copy.deepcopy(live)
    del kept["metadata"]["managedFields"]
    fm.update(live, kept, "second")
    assert set(entries(kept)) == {("first", "Update")}


def minimal(r: ResourceType) -> dict[str, Any]:
    md: dict[str, Any] = {"name": "x", "labels": {"a": "b"}}
    if r.namespaced:
        md["namespace"] = "default"
    return {"apiVersion": r.api_version, "kind": r.kind, "metadata": md}


@pytest.mark.parametrize("r", [r for r in REGISTRY if "patch" in r.verbs],
                         ids=lambda r: f"{r.api_version}/{r.kind}")
def test_every_kind_can_be_applied_twice(r: ResourceType) -> None:
    fm = field_manager(r)
    created = fm.apply(None, minimal(r), "test", force=False)
    again = fm.apply(created, minimal(r), "test", force=False)
    assert again == created
    assert paths(entries(again)[("test", "Apply")]["fieldsV1"]) == {".metadata.labels.a"}


def test_managers_of_another_version_lose_and_defend_their_fields() -> None:
    v1, v2 = resource("autoscaling/v1", "HorizontalPodAutoscaler"), \
        resource("autoscaling/v2", "HorizontalPodAutoscaler")
    assert v1.to_hub is not None
    legacy = {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
              "metadata": {"name": "h", "namespace": "default"},
              "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                          "name": "web"},
                       "minReplicas": 1, "maxReplicas": 5,
                       "targetCPUUtilizationPercentage": 50}}
    field_manager(v1, REGISTRY).update(None, legacy, "legacy")
    stored = v1.to_hub(copy.deepcopy(legacy))
    config = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
              "metadata": {"name": "h", "namespace": "default"},
              "spec": {"metrics": [{"type": "Resource", "resource": {
                  "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]}}
    fm2 = field_manager(v2, REGISTRY)
    with pytest.raises(APIError) as e:
        fm2.apply(stored, config, "modern", force=False)
    assert 'conflict with "legacy" using autoscaling/v1: .spec.targetCPUUtilizationPercentage' \
        in e.value.message
    taken = fm2.apply(stored, config, "modern", force=True)
    legacy_fields = paths(entries(taken)[("legacy", "Update")]["fieldsV1"])
    assert ".spec.targetCPUUtilizationPercentage" not in legacy_fields
    assert ".spec.maxReplicas" in legacy_fields


def test_at_most_ten_update_managers_are_kept() -> None:
    fm = field_manager(CONFIGMAP)
    obj: dict[str, Any] = {"apiVersion": "v1", "kind": "ConfigMap",
                           "metadata": {"name": "c"}, "data": {}}
    for i in range(12):
        new = copy.deepcopy(obj)
        new["data"][f"k{i}"] = "v"
        fm.update(obj, new, f"writer-{i:02}")
        obj = new
    names = [e["manager"] for e in obj["metadata"]["managedFields"]]
    assert len(names) == 10 and "ancient-changes" in names and "writer-11" in names
    ancient = entries(obj)[("ancient-changes", "Update")]["fieldsV1"]
    assert {"f:k0", "f:k1", "f:k2"} <= set(ancient["f:data"])
