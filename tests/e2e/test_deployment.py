"""A seed-style Deployment (busybox httpd) scheduled onto the real node."""

from __future__ import annotations

import json
import urllib.request

from tests.e2e.conftest import Cluster, wait_for

DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
    "spec": {
        "replicas": 3, "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"terminationGracePeriodSeconds": 1, "containers": [{
                "name": "httpd", "image": "busybox:1.35",
                "command": ["sh", "-c", "echo $(hostname) > /tmp/index.html; "
                            "exec httpd -f -p 80 -h /tmp"],
                "ports": [{"containerPort": 80}],
                "readinessProbe": {"httpGet": {"path": "/index.html", "port": 80},
                                   "periodSeconds": 1}}]}}}}


def _running(cluster: Cluster, ns: str) -> list[dict]:  # type: ignore[type-arg]
    pods = cluster.get("pods", "-n", ns, "-l", "app=web")["items"]
    return [p for p in pods if p["status"].get("phase") == "Running"
            and not p["metadata"].get("deletionTimestamp")
            and all(c.get("ready") for c in p["status"].get("containerStatuses", []))]


def test_deployment_pods_serve_on_their_pod_ips_and_are_replaced(cluster: Cluster,
                                                                 ns: str) -> None:
    cluster.apply(ns, json.dumps(DEPLOYMENT))
    pods = wait_for("3 ready replicas", lambda: (lambda r: r if len(r) == 3 else None)(
        _running(cluster, ns)), timeout=90)
    for pod in pods:
        assert pod["spec"]["nodeName"] == cluster.agent.node_name
        url = f"http://{pod['status']['podIP']}/index.html"
        with urllib.request.urlopen(url, timeout=5) as resp:
            assert resp.read().decode() == pod["metadata"]["name"] + "\n"
    victim = pods[0]["metadata"]["name"]
    cluster.kubectl("delete", "pod", victim, "-n", ns, "--wait=true", timeout=60)
    wait_for("a replacement", lambda: (lambda r: r if len(r) == 3 and victim not in
                                       {p["metadata"]["name"] for p in r} else None)(
        _running(cluster, ns)), timeout=90)
    deployment = cluster.get("deployment", "web", "-n", ns)
    wait_for("the deployment's ready replicas", lambda: cluster.get(
        "deployment", "web", "-n", ns)["status"].get("readyReplicas") == 3, timeout=30)
    assert deployment["spec"]["replicas"] == 3
