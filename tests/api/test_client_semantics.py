"""API semantics through the official `kubernetes` Python client.

Optimistic concurrency, patches, selectors, pagination, watches (resume,
410), graceful deletion with finalizers, subresources and malformed input,
observed the way any client library observes them.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from kubernetes import client, watch
from kubernetes.client.rest import ApiException

from tests.support import Server, raw

JSON_PATCH = "application/json-patch+json"


def cm(name: str, labels: dict[str, str] | None = None, **data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "labels": labels or {}}, "data": data}


@pytest.fixture
def core(k8s: Any) -> client.CoreV1Api:
    return client.CoreV1Api(k8s)


@pytest.fixture
def apps(k8s: Any) -> client.AppsV1Api:
    return client.AppsV1Api(k8s)


def deployment(name: str, replicas: int = 1) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [{"name": "c", "image": "busybox"}]}}},
    }


def test_update_with_stale_resource_version_conflicts(core: client.CoreV1Api, ns: str) -> None:
    created = core.create_namespaced_config_map(ns, cm("a", x="1"))
    first = core.read_namespaced_config_map("a", ns)
    first.data = {"x": "2"}
    updated = core.replace_namespaced_config_map("a", ns, first)
    assert int(updated.metadata.resource_version) > int(created.metadata.resource_version)
    first.data = {"x": "3"}  # still carries the old resourceVersion
    with pytest.raises(ApiException) as e:
        core.replace_namespaced_config_map("a", ns, first)
    assert e.value.status == 409
    assert json.loads(e.value.body)["reason"] == "Conflict"
    assert core.read_namespaced_config_map("a", ns).data == {"x": "2"}


def test_noop_update_keeps_resource_version(core: client.CoreV1Api, ns: str) -> None:
    created = core.create_namespaced_config_map(ns, cm("same", x="1"))
    again = core.replace_namespaced_config_map("same", ns, created)
    assert again.metadata.resource_version == created.metadata.resource_version


def test_json_and_merge_patches(core: client.CoreV1Api, ns: str, k8s: Any) -> None:
    core.create_namespaced_config_map(ns, cm("p", a="1", b="2"))
    core.patch_namespaced_config_map("p", ns, {"data": {"b": None, "c": "3"}})  # merge patch
    assert core.read_namespaced_config_map("p", ns).data == {"a": "1", "c": "3"}
    raw(k8s, "PATCH", f"/api/v1/namespaces/{ns}/configmaps/p",
        [{"op": "replace", "path": "/data/a", "value": "9"}], JSON_PATCH)
    assert core.read_namespaced_config_map("p", ns).data == {"a": "9", "c": "3"}
    with pytest.raises(ApiException) as e:
        raw(k8s, "PATCH", f"/api/v1/namespaces/{ns}/configmaps/p",
            [{"op": "test", "path": "/data/a", "value": "0"}], JSON_PATCH)
    assert e.value.status == 422


def test_unknown_patch_type_is_415(k8s: Any, core: client.CoreV1Api, ns: str) -> None:
    core.create_namespaced_config_map(ns, cm("q"))
    with pytest.raises(ApiException) as e:
        raw(k8s, "PATCH", f"/api/v1/namespaces/{ns}/configmaps/q", {},
            "application/x-frobnicate")
    assert e.value.status == 415


def test_generation_moves_with_spec_not_status(k8s: Any, ns: str) -> None:
    # An Ingress: no controller here writes its status behind the test's back.
    net = client.NetworkingV1Api(k8s)
    backend = {"service": {"name": "web", "port": {"number": 80}}}
    ing = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
           "metadata": {"name": "gen"}, "spec": {"defaultBackend": backend}}
    assert net.create_namespaced_ingress(ns, ing).metadata.generation == 1
    net.patch_namespaced_ingress("gen", ns, {"metadata": {"labels": {"x": "y"}}})
    assert net.read_namespaced_ingress("gen", ns).metadata.generation == 1
    net.patch_namespaced_ingress("gen", ns, {"spec": {"ingressClassName": "nginx"}})
    assert net.read_namespaced_ingress("gen", ns).metadata.generation == 2
    # Status is ignored on the main resource and spec on /status.
    lb = {"loadBalancer": {"ingress": [{"ip": "10.0.0.7"}]}}
    net.patch_namespaced_ingress("gen", ns, {"status": lb})
    status = net.read_namespaced_ingress("gen", ns).status
    assert status is None or not (status.load_balancer and status.load_balancer.ingress)
    net.patch_namespaced_ingress_status(
        "gen", ns, {"spec": {"ingressClassName": "other"}, "status": lb})
    after = net.read_namespaced_ingress("gen", ns)
    assert after.spec.ingress_class_name == "nginx"
    assert after.status.load_balancer.ingress[0].ip == "10.0.0.7"
    assert after.metadata.generation == 2


def test_scale_subresource(apps: client.AppsV1Api, ns: str) -> None:
    apps.create_namespaced_deployment(ns, deployment("sc", 2))
    scale = apps.read_namespaced_deployment_scale("sc", ns)
    assert scale.spec.replicas == 2 and scale.status.selector == "app=sc"
    apps.patch_namespaced_deployment_scale("sc", ns, {"spec": {"replicas": 4}})
    assert apps.read_namespaced_deployment("sc", ns).spec.replicas == 4
    with pytest.raises(ApiException) as e:
        apps.patch_namespaced_deployment_scale("sc", ns, {"spec": {"replicas": -1}})
    assert e.value.status == 422


def test_label_and_field_selectors(core: client.CoreV1Api, ns: str) -> None:
    core.create_namespaced_config_map(ns, cm("a", {"env": "prod", "tier": "web"}))
    core.create_namespaced_config_map(ns, cm("b", {"env": "dev", "tier": "web"}))
    core.create_namespaced_config_map(ns, cm("c", {"env": "qa"}))

    def names(**kw: Any) -> list[str]:
        return sorted(i.metadata.name for i in core.list_namespaced_config_map(ns, **kw).items)

    assert names(label_selector="env=prod") == ["a"]
    assert names(label_selector="env!=prod") == ["b", "c"]
    assert names(label_selector="env in (prod,qa)") == ["a", "c"]
    assert names(label_selector="env notin (prod)") == ["b", "c"]
    assert names(label_selector="tier") == ["a", "b"]
    assert names(label_selector="!tier") == ["c"]
    assert names(label_selector="tier=web,env=dev") == ["b"]
    assert names(field_selector="metadata.name=b") == ["b"]
    assert names(field_selector="metadata.name!=b") == ["a", "c"]
    with pytest.raises(ApiException) as e:
        names(field_selector="data.x=1")
    assert e.value.status == 400 and "field label not supported" in e.value.body
    with pytest.raises(ApiException) as e:
        names(label_selector="env in prod")
    assert e.value.status == 400
    everywhere = core.list_config_map_for_all_namespaces(field_selector=f"metadata.namespace={ns}")
    assert len(everywhere.items) == 3


def test_pagination_visits_every_object_once(core: client.CoreV1Api, ns: str) -> None:
    for i in range(23):
        core.create_namespaced_config_map(ns, cm(f"page-{i:02d}"))
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        page = core.list_namespaced_config_map(ns, limit=5, _continue=token)
        pages += 1
        seen += [i.metadata.name for i in page.items]
        token = page.metadata._continue
        if not token:
            break
        # Writes between pages do not show up: the list is a snapshot.
        core.create_namespaced_config_map(ns, cm(f"late-{pages}"))
    assert pages == 5
    assert seen == [f"page-{i:02d}" for i in range(23)]


def test_watch_resumes_from_resource_version(core: client.CoreV1Api, ns: str) -> None:
    listed = core.list_namespaced_config_map(ns)
    rv = listed.metadata.resource_version
    core.create_namespaced_config_map(ns, cm("w1"))
    core.patch_namespaced_config_map("w1", ns, {"data": {"k": "v"}})
    core.delete_namespaced_config_map("w1", ns)
    events = []
    for ev in watch.Watch().stream(core.list_namespaced_config_map, ns, resource_version=rv,
                                   timeout_seconds=2):
        events.append((ev["type"], ev["object"].metadata.name))
        if len(events) == 3:
            break
    assert events == [("ADDED", "w1"), ("MODIFIED", "w1"), ("DELETED", "w1")]


def test_watch_from_zero_replays_state_then_streams(core: client.CoreV1Api, ns: str) -> None:
    core.create_namespaced_config_map(ns, cm("existing"))
    seen: list[tuple[str, str]] = []
    w = watch.Watch()

    def later() -> None:
        time.sleep(0.5)
        core.create_namespaced_config_map(ns, cm("new"))

    t = threading.Thread(target=later)
    t.start()
    for ev in w.stream(core.list_namespaced_config_map, ns, resource_version="0",
                       timeout_seconds=5):
        seen.append((ev["type"], ev["object"].metadata.name))
        if len(seen) == 2:
            w.stop()
    t.join()
    assert seen == [("ADDED", "existing"), ("ADDED", "new")]


def test_watch_label_selector_sends_deleted_when_object_stops_matching(
        core: client.CoreV1Api, ns: str) -> None:
    rv = core.list_namespaced_config_map(ns).metadata.resource_version
    core.create_namespaced_config_map(ns, cm("m", {"app": "x"}))
    core.patch_namespaced_config_map("m", ns, {"metadata": {"labels": {"app": "y"}}})
    types = [ev["type"] for ev in watch.Watch().stream(
        core.list_namespaced_config_map, ns, label_selector="app=x", resource_version=rv,
        timeout_seconds=1)]
    assert types == ["ADDED", "DELETED"]


def test_finalizers_hold_deletion(core: client.CoreV1Api, ns: str) -> None:
    obj = cm("held")
    obj["metadata"]["finalizers"] = ["example.com/hold"]
    core.create_namespaced_config_map(ns, obj)
    core.delete_namespaced_config_map("held", ns)
    held = core.read_namespaced_config_map("held", ns)
    assert held.metadata.deletion_timestamp is not None
    with pytest.raises(ApiException) as e:
        core.patch_namespaced_config_map(
            "held", ns, {"metadata": {"finalizers": ["example.com/hold", "example.com/more"]}})
    assert e.value.status == 422
    core.patch_namespaced_config_map("held", ns, {"metadata": {"finalizers": None}})
    with pytest.raises(ApiException) as e:
        core.read_namespaced_config_map("held", ns)
    assert e.value.status == 404


def test_delete_preconditions_and_propagation(k8s: Any, core: client.CoreV1Api, ns: str
                                              ) -> None:
    core.create_namespaced_config_map(ns, cm("pre"))
    with pytest.raises(ApiException) as e:
        core.delete_namespaced_config_map(
            "pre", ns, body=client.V1DeleteOptions(preconditions=client.V1Preconditions(
                uid="00000000-0000-0000-0000-000000000000")))
    assert e.value.status == 409 and "Precondition failed" in e.value.body
    with pytest.raises(ApiException) as e:
        core.delete_namespaced_config_map("pre", ns, propagation_policy="Sideways")
    assert e.value.status == 400
    # The reply is the object, still there with the finalizer the garbage
    # collector removes once no dependents are left.
    pending = raw(k8s, "DELETE", f"/api/v1/namespaces/{ns}/configmaps/pre",
                  {"propagationPolicy": "Foreground"})
    assert pending["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert pending["metadata"]["deletionTimestamp"]


def test_unscheduled_pod_deletes_at_once_bound_pod_gracefully(
        k8s: Any, core: client.CoreV1Api, ns: str) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"containers": [{"name": "c", "image": "busybox"}]}}
    created = core.create_namespaced_pod(ns, pod)
    assert created.status.phase == "Pending" and created.status.qos_class == "BestEffort"
    core.delete_namespaced_pod("p", ns)
    with pytest.raises(ApiException):
        core.read_namespaced_pod("p", ns)

    # Bound by hand: no scheduler may race the binding below.
    by_hand = {**pod, "metadata": {"name": "bound"},
               "spec": {**pod["spec"], "schedulerName": "by-hand"}}
    core.create_namespaced_pod(ns, by_hand)
    # POST .../binding answers a Status, as kube-apiserver does (the typed
    # client method expects a Binding back).
    raw(k8s, "POST", f"/api/v1/namespaces/{ns}/pods/bound/binding",
        {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "bound"},
         "target": {"kind": "Node", "name": "node-a"}})
    bound = core.read_namespaced_pod("bound", ns)
    assert bound.spec.node_name == "node-a"
    assert any(c.type == "PodScheduled" and c.status == "True" for c in bound.status.conditions)
    core.delete_namespaced_pod("bound", ns, grace_period_seconds=30)
    terminating = core.read_namespaced_pod("bound", ns)
    assert terminating.metadata.deletion_grace_period_seconds == 30
    core.delete_namespaced_pod("bound", ns, grace_period_seconds=0)
    with pytest.raises(ApiException):
        core.read_namespaced_pod("bound", ns)


def test_dry_run_writes_nothing(core: client.CoreV1Api, ns: str) -> None:
    out = core.create_namespaced_config_map(ns, cm("dry", x="1"), dry_run="All")
    assert out.metadata.uid
    with pytest.raises(ApiException):
        core.read_namespaced_config_map("dry", ns)


def test_delete_collection(core: client.CoreV1Api, ns: str) -> None:
    for i in range(4):
        core.create_namespaced_config_map(ns, cm(f"dc-{i}", {"batch": "odd" if i % 2 else "even"}))
    core.delete_collection_namespaced_config_map(ns, label_selector="batch=odd")
    left = sorted(i.metadata.name for i in core.list_namespaced_config_map(ns).items)
    assert left == ["dc-0", "dc-2"]


def test_generate_name(core: client.CoreV1Api, ns: str) -> None:
    obj = cm("")
    obj["metadata"] = {"generateName": "gen-"}
    made = core.create_namespaced_config_map(ns, obj)
    assert made.metadata.name.startswith("gen-") and len(made.metadata.name) == 9


def test_malformed_bodies_are_400_and_store_is_intact(cluster: Server, k8s: Any, ns: str,
                                                      core: client.CoreV1Api) -> None:
    core.create_namespaced_config_map(ns, cm("keep", x="1"))
    for body in (b"{not json", b"[1,2]", b"\xff\xfe"):
        with pytest.raises(ApiException) as e:
            raw(k8s, "POST", f"/api/v1/namespaces/{ns}/configmaps", body, "application/json")
        assert e.value.status == 400, body
    big = cm("big", x="y" * (4 * 1024 * 1024))
    with pytest.raises(ApiException) as e:
        core.create_namespaced_config_map(ns, big)
    assert e.value.status == 413
    assert core.read_namespaced_config_map("keep", ns).data == {"x": "1"}


def test_health_metrics_and_discovery(k8s: Any) -> None:
    for path in ("/healthz", "/livez", "/readyz"):
        assert raw(k8s, "GET", path) == "ok"
    metrics = raw(k8s, "GET", "/metrics")
    assert "apiserver_request_total" in metrics
    assert "apiserver_request_duration_seconds_bucket" in metrics
    assert "etcd_request_duration_seconds_bucket" in metrics
    groups = client.ApisApi(k8s).get_api_versions()
    assert "apps" in [g.name for g in groups.groups]
    resources = client.AppsV1Api(k8s).get_api_resources()
    deploy = next(r for r in resources.resources if r.name == "deployments")
    assert deploy.short_names == ["deploy"] and "watch" in deploy.verbs
