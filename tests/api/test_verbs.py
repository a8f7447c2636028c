"""The corners of the REST verbs that clients lean on, through the `kubernetes` client.

Legacy `/watch/` paths, the per-kind field selectors, `namespaces/finalize`,
/scale on every workload that has one, dry runs of updates and deletes,
fieldValidation=Warn answering with a `Warning` header, and 405 for verbs a
path does not take.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException

from tests.support import raw

Obj = dict[str, Any]


def pod(name: str, node: str = "", **status: Any) -> Obj:
    spec: Obj = {"containers": [{"name": "c", "image": "busybox"}]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def names(items: Any) -> list[str]:
    return sorted(i.metadata.name for i in items.items)


def test_pod_secret_and_event_field_selectors(k8s: Any, ns: str) -> None:
    core = client.CoreV1Api(k8s)
    core.create_namespaced_pod(ns, pod("on-a", node="node-a"))
    core.create_namespaced_pod(ns, pod("on-b", node="node-b"))
    core.create_namespaced_pod(ns, pod("nowhere"))
    raw(k8s, "PATCH", f"/api/v1/namespaces/{ns}/pods/on-b/status",
        {"status": {"phase": "Running"}}, "application/merge-patch+json")
    assert names(core.list_namespaced_pod(ns, field_selector="spec.nodeName=node-a")) == ["on-a"]
    assert names(core.list_namespaced_pod(ns, field_selector="spec.nodeName=")) == ["nowhere"]
    assert names(core.list_namespaced_pod(ns, field_selector="status.phase=Running")) == ["on-b"]
    assert names(core.list_namespaced_pod(
        ns, field_selector="status.phase!=Running,spec.nodeName!=")) == ["on-a"]

    core.create_namespaced_secret(ns, {"metadata": {"name": "tls"}, "type": "kubernetes.io/tls",
                                       "data": {"tls.crt": "", "tls.key": ""}})
    core.create_namespaced_secret(ns, {"metadata": {"name": "plain"}, "data": {"a": "Yg=="}})
    assert names(core.list_namespaced_secret(ns, field_selector="type=kubernetes.io/tls")) == [
        "tls"]

    core.create_namespaced_event(ns, {
        "metadata": {"name": "e1"}, "reason": "Seen", "message": "m", "type": "Normal",
        "involvedObject": {"kind": "Pod", "name": "on-a", "namespace": ns}})
    seen = core.list_namespaced_event(
        ns, field_selector=f"involvedObject.name=on-a,involvedObject.kind=Pod,"
                           f"involvedObject.namespace={ns}")
    assert names(seen) == ["e1"]
    with pytest.raises(ApiException) as e:
        core.list_namespaced_pod(ns, field_selector="spec.frobnicate=1")
    assert e.value.status == 400 and "field label not supported: spec.frobnicate" in e.value.body


def test_legacy_watch_path_streams_events(k8s: Any, ns: str) -> None:
    core = client.CoreV1Api(k8s)
    rv = core.list_namespaced_config_map(ns).metadata.resource_version
    core.create_namespaced_config_map(ns, {"metadata": {"name": "w"}, "data": {"a": "1"}})
    body = raw(k8s, "GET", f"/api/v1/watch/namespaces/{ns}/configmaps"
                           f"?resourceVersion={rv}&timeoutSeconds=1")
    lines = body if isinstance(body, dict) else [json.loads(x) for x in body.splitlines() if x]
    events = [lines] if isinstance(lines, dict) else lines
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "w")]


def test_namespace_finalize_subresource(k8s: Any) -> None:
    core = client.CoreV1Api(k8s)
    core.create_namespace({"metadata": {"name": "fin-test"}})
    try:
        core.delete_namespace("fin-test")
        assert core.read_namespace("fin-test").status.phase == "Terminating"
        current = raw(k8s, "GET", "/api/v1/namespaces/fin-test")
        current["spec"]["finalizers"] = []
        raw(k8s, "PUT", "/api/v1/namespaces/fin-test/finalize", current)
        with pytest.raises(ApiException) as e:
            core.read_namespace("fin-test")
        assert e.value.status == 404
    finally:
        with contextlib.suppress(ApiException):
            core.delete_namespace("fin-test")


@pytest.mark.parametrize("plural", ["deployments", "replicasets", "statefulsets"])
def test_scale_subresource_on_every_workload(k8s: Any, ns: str, plural: str) -> None:
    kind = {"deployments": "Deployment", "replicasets": "ReplicaSet",
            "statefulsets": "StatefulSet"}[plural]
    labels = {"app": plural}
    spec: Obj = {"replicas": 1, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [{"name": "c", "image": "busybox"}]}}}
    if plural == "statefulsets":
        spec["serviceName"] = "s"
    base = f"/apis/apps/v1/namespaces/{ns}/{plural}"
    raw(k8s, "POST", base, {"apiVersion": "apps/v1", "kind": kind,
                            "metadata": {"name": "w"}, "spec": spec})
    scale = raw(k8s, "PATCH", f"{base}/w/scale", {"spec": {"replicas": 4}},
                "application/merge-patch+json")
    assert scale["kind"] == "Scale" and scale["spec"]["replicas"] == 4
    assert scale["status"]["selector"] == f"app={plural}"
    assert raw(k8s, "GET", f"{base}/w")["spec"]["replicas"] == 4


def test_scale_subresource_on_replication_controller(k8s: Any, ns: str) -> None:
    core = client.CoreV1Api(k8s)
    core.create_namespaced_replication_controller(ns, {
        "metadata": {"name": "rc"}, "spec": {"replicas": 1, "selector": {"app": "rc"}, "template": {
            "metadata": {"labels": {"app": "rc"}},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]}}}})
    scale = core.patch_namespaced_replication_controller_scale("rc", ns, {"spec": {"replicas": 2}})
    assert scale.spec.replicas == 2 and scale.status.selector == "app=rc"
    assert core.read_namespaced_replication_controller("rc", ns).spec.replicas == 2


def test_dry_run_update_and_delete_change_nothing(k8s: Any, ns: str) -> None:
    core = client.CoreV1Api(k8s)
    made = core.create_namespaced_config_map(ns, {"metadata": {"name": "d"}, "data": {"a": "1"}})
    made.data = {"a": "2"}
    core.replace_namespaced_config_map("d", ns, made, dry_run="All")
    core.patch_namespaced_config_map("d", ns, {"data": {"a": "3"}}, dry_run="All")
    core.delete_namespaced_config_map("d", ns, dry_run="All")
    after = core.read_namespaced_config_map("d", ns)
    assert after.data == {"a": "1"}
    assert after.metadata.resource_version == made.metadata.resource_version


def test_field_validation_warn_and_ignore(k8s: Any, ns: str) -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "v"}, "dta": {"a": "1"}}
    path = f"/api/v1/namespaces/{ns}/configmaps"
    _, url, headers, _, _ = k8s.param_serialize(
        "POST", path + "?fieldValidation=Warn",
        header_params={"Content-Type": "application/json"}, auth_settings=["BearerToken"])
    resp = k8s.rest_client.pool_manager.request("POST", url, body=json.dumps(cm).encode(),
                                                headers=headers)
    assert resp.status == 201
    assert resp.headers.get("Warning") == r'299 - "unknown field \"dta\""'
    with pytest.raises(ApiException) as e:
        raw(k8s, "POST", path + "?fieldValidation=Strict",
            {**cm, "metadata": {"name": "v2"}}, "application/json")
    assert e.value.status == 400
    assert 'strict decoding error: unknown field \\"dta\\"' in e.value.body
    _, url, headers, _, _ = k8s.param_serialize(
        "POST", path + "?fieldValidation=Ignore",
        header_params={"Content-Type": "application/json"}, auth_settings=["BearerToken"])
    resp = k8s.rest_client.pool_manager.request(
        "POST", url, body=json.dumps({**cm, "metadata": {"name": "v3"}}).encode(),
        headers=headers)
    assert resp.status == 201 and "Warning" not in resp.headers


def test_verbs_a_path_does_not_take_are_405(k8s: Any, ns: str) -> None:
    with pytest.raises(ApiException) as e:
        raw(k8s, "PUT", f"/api/v1/namespaces/{ns}/configmaps", {})
    assert e.value.status == 405 and json.loads(e.value.body)["reason"] == "MethodNotAllowed"
    with pytest.raises(ApiException) as e:
        raw(k8s, "POST", f"/api/v1/namespaces/{ns}/configmaps/named", {})
    assert e.value.status == 405
