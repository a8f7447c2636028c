"""metrics.k8s.io/v1beta1 and `kubectl top`, on simulated nodes whose pods say their usage.

One `pyk8s server --simulated-nodes 2 --metric-resolution 1s` for the module.
Pods carry `pyk8s.io/simulate-cpu` / `pyk8s.io/simulate-memory`; the
in-server scraper reads them every second, so each check polls until the
window it reads is one that saw the change.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import Server, kubectl, manifest


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = Server(tmp_path_factory.mktemp("server-metrics"), extra_args=[
        "--simulated-nodes", "2", "--metric-resolution", "1s"]).start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def kubeconfig(server: Server) -> Path:
    return server.kubeconfig


@pytest.fixture
def namespace(server: Server) -> Iterator[str]:
    name = f"m-{uuid.uuid4().hex[:8]}"
    server.kubectl("create", "namespace", name)
    yield name
    server.kubectl("delete", "namespace", name, "--wait=false", check=False)


def eventually(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            last = check()
            if last:
                return last
        except AssertionError as e:
            last = e
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened; last: {last}")
        time.sleep(0.3)


def pod(name: str, labels: dict[str, str], cpu: str, memory: str,
        containers: tuple[str, ...] = ("main",)) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {
        "name": name, "labels": labels,
        "annotations": {"pyk8s.io/simulate-cpu": cpu, "pyk8s.io/simulate-memory": memory}},
        "spec": {"containers": [{"name": c, "image": "busybox"} for c in containers]}}


def top(kubeconfig: Path, *args: str) -> list[list[str]]:
    out = kubectl(kubeconfig, "top", *args, check=False)
    assert out.returncode == 0, out.stderr
    return [line.split() for line in out.stdout.splitlines()[1:]]


def test_discovery_serves_the_metrics_api(kubeconfig: Path) -> None:
    out = kubectl(kubeconfig, "api-resources", "--api-group=metrics.k8s.io").stdout
    assert "NodeMetrics" in out and "PodMetrics" in out, out
    legacy = json.loads(kubectl(kubeconfig, "get", "--raw",
                                "/apis/metrics.k8s.io/v1beta1").stdout)
    assert {(r["name"], r["namespaced"], tuple(r["verbs"])) for r in legacy["resources"]} == {
        ("nodes", False, ("get", "list")), ("pods", True, ("get", "list"))}


def test_kubectl_top_pods_and_nodes(kubeconfig: Path, namespace: str) -> None:
    kubectl(kubeconfig, "-n", namespace, "create", "-f", "-", input=manifest(
        pod("a", {"app": "a"}, "300m", "64Mi"),
        pod("b", {"app": "b"}, "250m", "32Mi", containers=("one", "two"))))

    rows = eventually(lambda: (r := top(kubeconfig, "pods", "-n", namespace)) and
                      len(r) == 2 and r)
    assert rows == [["a", "300m", "64Mi"], ["b", "500m", "64Mi"]]
    containers = top(kubeconfig, "pods", "-n", namespace, "--containers")
    assert ["b", "one", "250m", "32Mi"] in containers and ["b", "two", "250m", "32Mi"] \
        in containers
    everywhere = top(kubeconfig, "pods", "-A")
    assert [namespace, "a", "300m", "64Mi"] in everywhere
    assert top(kubeconfig, "pods", "-n", namespace, "-l", "app=b") == [["b", "500m", "64Mi"]]

    table = kubectl(kubeconfig, "-n", namespace, "get", "podmetrics").stdout.splitlines()
    assert table[0].split() == ["NAME", "CPU", "MEMORY", "WINDOW"]
    assert table[2].split() == ["b", "500m", "64Mi", "1s"], table
    assert kubectl(kubeconfig, "get", "nodemetrics").stdout.split()[:4] == [
        "NAME", "CPU", "MEMORY", "WINDOW"]

    nodes = top(kubeconfig, "nodes")
    assert sorted(r[0] for r in nodes) == ["sim-node-0", "sim-node-1"]
    used = sum(int(r[1].removesuffix("m")) for r in nodes)
    assert used >= 800, nodes  # both pods, and maybe those of other tests


def test_usage_follows_the_annotation(kubeconfig: Path, namespace: str) -> None:
    kubectl(kubeconfig, "-n", namespace, "create", "-f", "-",
            input=manifest(pod("busy", {}, "100m", "1Mi")))
    eventually(lambda: top(kubeconfig, "pods", "-n", namespace) == [["busy", "100m", "1Mi"]])
    kubectl(kubeconfig, "-n", namespace, "annotate", "pod", "busy", "--overwrite",
            "pyk8s.io/simulate-cpu=2", "pyk8s.io/simulate-memory=1Gi")
    eventually(lambda: top(kubeconfig, "pods", "-n", namespace) ==
               [["busy", "2000m", "1024Mi"]])


def test_get_list_and_errors_through_the_client(server: Server, namespace: str) -> None:
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    server.kubectl("-n", namespace, "create", "-f", "-", input=manifest(
        pod("front", {"tier": "web"}, "10m", "2Mi"), pod("back", {"tier": "db"}, "20m", "4Mi")))
    api = client.ApiClient(server.client_config())
    try:
        objects = client.CustomObjectsApi(api)
        listed = eventually(lambda: (got := objects.list_namespaced_custom_object(
            "metrics.k8s.io", "v1beta1", namespace, "pods", label_selector="tier=web"))
            ["items"] and got)
        assert listed["kind"] == "PodMetricsList"
        assert [m["metadata"]["name"] for m in listed["items"]] == ["front"]
        item = listed["items"][0]
        assert item["metadata"]["labels"] == {"tier": "web"} and item["window"] == "1s"
        assert item["containers"] == [{"name": "main", "usage": {"cpu": "10m",
                                                                 "memory": "2Mi"}}]
        one = eventually(lambda: objects.get_namespaced_custom_object(
            "metrics.k8s.io", "v1beta1", namespace, "pods", "back"))
        assert one["kind"] == "PodMetrics" and one["metadata"]["namespace"] == namespace
        by_name = objects.list_namespaced_custom_object(
            "metrics.k8s.io", "v1beta1", namespace, "pods", field_selector="metadata.name=back")
        assert [m["metadata"]["name"] for m in by_name["items"]] == ["back"]
        node = objects.get_cluster_custom_object("metrics.k8s.io", "v1beta1", "nodes",
                                                 "sim-node-0")
        assert node["kind"] == "NodeMetrics" and set(node["usage"]) == {"cpu", "memory"}

        with pytest.raises(ApiException) as missing:
            objects.get_namespaced_custom_object("metrics.k8s.io", "v1beta1", namespace,
                                                 "pods", "nope")
        assert missing.value.status == 404
        assert json.loads(missing.value.body)["message"] == \
            'pods.metrics.k8s.io "nope" not found'
        with pytest.raises(ApiException) as unsupported:
            objects.list_namespaced_custom_object("metrics.k8s.io", "v1beta1", namespace,
                                                  "pods", field_selector="spec.nodeName=a")
        assert unsupported.value.status == 400
        with pytest.raises(ApiException) as readonly:
            objects.create_namespaced_custom_object("metrics.k8s.io", "v1beta1", namespace,
                                                    "pods", {"metadata": {"name": "z"}})
        assert readonly.value.status == 405
    finally:
        api.close()


def test_pending_pods_have_no_metrics(kubeconfig: Path, namespace: str) -> None:
    unschedulable = pod("waiting", {}, "1", "1Gi")
    unschedulable["spec"]["nodeSelector"] = {"no-such": "node"}
    kubectl(kubeconfig, "-n", namespace, "create", "-f", "-",
            input=manifest(unschedulable, pod("running", {}, "1m", "1Mi")))
    eventually(lambda: top(kubeconfig, "pods", "-n", namespace) == [["running", "1m", "1Mi"]])
    got = json.loads(kubectl(kubeconfig, "get", "--raw",
                             f"/apis/metrics.k8s.io/v1beta1/namespaces/{namespace}/pods").stdout)
    assert [m["metadata"]["name"] for m in got["items"]] == ["running"]
