"""Namespaces: what every one of them gets, and deleting everything in one, then it."""

from __future__ import annotations

import json
import uuid

from tests.controllers.conftest import eventually
from tests.support import Server, manifest


def test_namespace_deletion_completes(cluster: Server) -> None:
    ns = f"gone-{uuid.uuid4().hex[:6]}"
    cluster.kubectl("create", "namespace", ns)
    cluster.kubectl("-n", ns, "create", "configmap", "settings", "--from-literal=a=b")
    cluster.kubectl("-n", ns, "apply", "-f", "-", input=manifest({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "c", "image": "busybox"}]}}},
    }))
    eventually(lambda: len(json.loads(cluster.kubectl(
        "-n", ns, "get", "pods", "-o", "json").stdout)["items"]) == 2, what="2 pods")
    cluster.kubectl("delete", "namespace", ns, "--timeout=60s", timeout=90)
    out = cluster.kubectl("get", "namespace", ns, check=False)
    assert out.returncode != 0 and "NotFound" in out.stderr


def test_namespace_waits_for_finalizers_of_its_content(cluster: Server) -> None:
    ns = f"held-{uuid.uuid4().hex[:6]}"
    cluster.kubectl("create", "namespace", ns)
    cluster.kubectl("-n", ns, "create", "-f", "-", input=manifest({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "held", "finalizers": ["pyk8s.io/test-hold"]}}))
    cluster.kubectl("delete", "namespace", ns, "--wait=false")

    def conditions() -> dict[str, str]:
        obj = json.loads(cluster.kubectl("get", "namespace", ns, "-o", "json").stdout)
        return {c["type"]: c["status"] for c in obj["status"].get("conditions") or []}

    eventually(lambda: conditions().get("NamespaceFinalizersRemaining") == "True",
               what="NamespaceFinalizersRemaining")
    phase = cluster.kubectl("get", "namespace", ns, "-o", "jsonpath={.status.phase}").stdout
    assert phase == "Terminating"
    cluster.kubectl("-n", ns, "patch", "configmap", "held", "--type=merge",
                    "-p", '{"metadata":{"finalizers":null}}')
    eventually(lambda: cluster.kubectl("get", "namespace", ns, check=False).returncode != 0,
               what="namespace gone")


def test_every_namespace_gets_a_default_service_account(cluster: Server, ns: str) -> None:
    eventually(lambda: cluster.kubectl("-n", ns, "get", "serviceaccount", "default",
                                       check=False).returncode == 0,
               what="default service account")
    cluster.kubectl("-n", ns, "delete", "serviceaccount", "default")
    eventually(lambda: cluster.kubectl("-n", ns, "get", "serviceaccount", "default",
                                       check=False).returncode == 0,
               what="default service account recreated")


def test_every_namespace_gets_the_root_ca_configmap(cluster: Server, ns: str) -> None:
    def ca() -> str:
        out = cluster.kubectl("-n", ns, "get", "configmap", "kube-root-ca.crt", "-o",
                              "jsonpath={.data.ca\\.crt}", check=False)
        return out.stdout if out.returncode == 0 else ""

    pem = eventually(ca, what="kube-root-ca.crt")
    assert pem.startswith("-----BEGIN CERTIFICATE-----")
    cluster.kubectl("-n", ns, "delete", "configmap", "kube-root-ca.crt")
    assert eventually(ca, what="kube-root-ca.crt written back") == pem


def test_resource_quota_reports_usage(cluster: Server, ns: str) -> None:
    def pod(name: str) -> dict[str, object]:
        return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": {
            "containers": [{"name": "c", "image": "busybox", "resources": {
                "requests": {"cpu": "100m", "memory": "64Mi"}}}]}}

    cluster.kubectl("-n", ns, "create", "-f", "-", input=manifest(
        {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q"},
         "spec": {"hard": {"pods": "10", "requests.cpu": "1", "requests.memory": "1Gi",
                           "configmaps": "5", "count/deployments.apps": "2"}}},
        pod("a"), pod("b")))
    eventually(lambda: cluster.kubectl("-n", ns, "get", "configmap", "kube-root-ca.crt",
                                       check=False).returncode == 0, what="root CA configmap")

    def used() -> dict[str, str]:
        quota = json.loads(cluster.kubectl("-n", ns, "get", "quota", "q", "-o", "json").stdout)
        result: dict[str, str] = (quota.get("status") or {}).get("used") or {}
        return result

    want = {"pods": "2", "requests.cpu": "200m", "requests.memory": "128Mi",
            "configmaps": "1", "count/deployments.apps": "0"}
    eventually(lambda: used() == want, what=f"quota usage {want}")
    described = cluster.kubectl("-n", ns, "describe", "quota", "q").stdout
    assert "requests.cpu" in described and "200m" in described
