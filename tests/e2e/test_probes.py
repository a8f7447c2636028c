"""Liveness, readiness and startup probes of each kind, on real containers."""

from __future__ import annotations

from tests.e2e.conftest import Cluster, pod_manifest

HTTPD = "mkdir -p /www; echo ok > /www/healthz; exec httpd -f -p 8080 -h /www"


def _ready(pod: dict) -> bool:  # type: ignore[type-arg]
    statuses = pod["status"].get("containerStatuses") or [{}]
    return bool(statuses[0].get("ready"))


def test_readiness_probes_drive_the_ready_condition(cluster: Cluster, ns: str) -> None:
    node = cluster.agent.node_name
    probe = {"periodSeconds": 1, "failureThreshold": 1}
    cluster.apply(ns, pod_manifest("http", node, HTTPD, container={"readinessProbe": {
        "httpGet": {"path": "/healthz", "port": 8080}, **probe}}))
    cluster.apply(ns, pod_manifest("tcp", node, HTTPD, container={"readinessProbe": {
        "tcpSocket": {"port": 8080}, **probe}}))
    cluster.apply(ns, pod_manifest("exec", node, "touch /tmp/ready; sleep 3600", container={
        "readinessProbe": {"exec": {"command": ["cat", "/tmp/ready"]}, **probe}}))
    for name in ("http", "tcp", "exec"):
        pod = cluster.wait_pod(ns, name, _ready, "ready")
        ready = {c["type"]: c["status"] for c in pod["status"]["conditions"]}
        assert ready["Ready"] == "True"
    cluster.kubectl("exec", "-n", ns, "http", "--", "rm", "/www/healthz")
    cluster.kubectl("exec", "-n", ns, "exec", "--", "rm", "/tmp/ready")
    for name in ("http", "exec"):
        pod = cluster.wait_pod(ns, name, lambda p: not _ready(p), "unready")
        ready = {c["type"]: c for c in pod["status"]["conditions"]}["Ready"]
        assert ready["status"] == "False" and ready["reason"] == "ContainersNotReady"
        assert pod["status"]["containerStatuses"][0]["restartCount"] == 0


def test_failing_liveness_probe_restarts_the_container(cluster: Cluster, ns: str) -> None:
    cluster.apply(ns, pod_manifest(
        "live", cluster.agent.node_name, "touch /tmp/alive; sleep 3600",
        terminationGracePeriodSeconds=1,
        container={"livenessProbe": {"exec": {"command": ["cat", "/tmp/alive"]},
                                     "periodSeconds": 1, "failureThreshold": 2}}))
    cluster.wait_running(ns, "live")
    cluster.kubectl("exec", "-n", ns, "live", "--", "rm", "/tmp/alive")
    pod = cluster.wait_pod(ns, "live", lambda p: p["status"]["containerStatuses"][0]
                           ["restartCount"] >= 1, "restarted")
    assert pod["status"]["containerStatuses"][0]["lastState"]["terminated"]["exitCode"] == 137
    events = cluster.kubectl("get", "events", "-n", ns).stdout
    assert "Liveness probe failed" in events


def test_startup_probe_gates_started_and_readiness(cluster: Cluster, ns: str) -> None:
    cluster.apply(ns, pod_manifest(
        "slow", cluster.agent.node_name, "sleep 3600",
        container={"startupProbe": {"exec": {"command": ["cat", "/tmp/up"]},
                                    "periodSeconds": 1, "failureThreshold": 60}}))
    pod = cluster.wait_running(ns, "slow")
    cs = pod["status"]["containerStatuses"][0]
    assert cs["started"] is False and cs["ready"] is False
    cluster.kubectl("exec", "-n", ns, "slow", "--", "touch", "/tmp/up")
    pod = cluster.wait_pod(ns, "slow", _ready, "started and ready")
    assert pod["status"]["containerStatuses"][0]["started"] is True
