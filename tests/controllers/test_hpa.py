"""HorizontalPodAutoscalers scaling workloads on simulated nodes by their pods' usage.

One `pyk8s server --simulated-nodes 2` for the module, with the metrics
scraped and every HPA synced each second and a 3 s scale-down stabilization
window, so that a scale-up and the scale-down after it take seconds. Pods say
what they use with `pyk8s.io/simulate-cpu` / `-memory` annotations; a test
changes a workload's load by annotating its pods (not the template, which
would start a rollout).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.controllers.conftest import eventually
from tests.support import Server, kubectl_json, manifest


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = Server(tmp_path_factory.mktemp("server-hpa"), extra_args=[
        "--simulated-nodes", "2", "--metric-resolution", "1s",
        "--horizontal-pod-autoscaler-sync-period", "1s",
        "--horizontal-pod-autoscaler-downscale-stabilization", "3s"]).start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def namespace(server: Server) -> Iterator[str]:
    name = f"h-{uuid.uuid4().hex[:8]}"
    server.kubectl("create", "namespace", name)
    yield name
    server.kubectl("delete", "namespace", name, "--wait=false", check=False)


def workload(kind: str, name: str, *, cpu: str = "300m", memory: str = "64Mi",
             requests: dict[str, str] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "replicas": 1, "selector": {"matchLabels": {"app": name}},
        "template": {"metadata": {"labels": {"app": name}, "annotations": {
            "pyk8s.io/simulate-cpu": cpu, "pyk8s.io/simulate-memory": memory}},
            "spec": {"containers": [{"name": "main", "image": "busybox", "resources": {
                "requests": requests if requests is not None else
                {"cpu": "500m", "memory": "128Mi"}}}]}}}
    if kind == "StatefulSet":
        spec["serviceName"] = name
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name}, "spec": spec}


def hpa(server: Server, ns: str, name: str) -> dict[str, Any]:
    got: dict[str, Any] = kubectl_json(server.kubeconfig, "-n", ns, "get",
                                       "hpa.v2.autoscaling", name)
    return got


def condition(obj: dict[str, Any], type_: str) -> dict[str, Any]:
    return next((c for c in (obj.get("status") or {}).get("conditions") or []
                 if c["type"] == type_), {})


def rescales(server: Server, ns: str) -> list[str]:
    events = kubectl_json(server.kubeconfig, "-n", ns, "get", "events",
                          "--field-selector", "reason=SuccessfulRescale")["items"]
    return [e["message"] for e in sorted(events, key=lambda e: e["metadata"]["name"])]


def test_kubectl_autoscale_scales_up_then_down(server: Server, namespace: str) -> None:
    ns = namespace
    server.kubectl("-n", ns, "create", "-f", "-", input=manifest(workload("Deployment", "web")))
    server.kubectl("-n", ns, "autoscale", "deployment", "web", "--cpu-percent=50", "--min=1",
                   "--max=3")

    # 300m of 500m requested is 60 % of a 50 % target: ceil(1.2 n) each sync, up to 3.
    eventually(lambda: hpa(server, ns, "web")["status"].get("currentReplicas") == 3,
               what="scaled to 3")
    table = server.kubectl("-n", ns, "get", "hpa", "web").stdout
    assert "cpu: 60%/50%" in table and "Deployment/web" in table, table
    got = hpa(server, ns, "web")
    assert condition(got, "ScalingLimited")["reason"] == "TooManyReplicas"
    assert condition(got, "ScalingActive")["reason"] == "ValidMetricFound"
    assert got["status"]["currentMetrics"] == [{"type": "Resource", "resource": {
        "name": "cpu", "current": {"averageUtilization": 60, "averageValue": "300m"}}}]
    assert kubectl_json(server.kubeconfig, "-n", ns, "get", "deployment", "web")[
        "spec"]["replicas"] == 3
    assert rescales(server, ns)[0] == \
        "New size: 2; reason: cpu resource utilization (percentage of request) above target"

    # 50m each is 10 %: one pod is enough, once the stabilization window has passed.
    server.kubectl("-n", ns, "annotate", "pods", "-l", "app=web", "--overwrite",
                   "pyk8s.io/simulate-cpu=50m")
    eventually(lambda: hpa(server, ns, "web")["status"].get("desiredReplicas") == 1,
               what="scaled down to 1")
    eventually(lambda: "New size: 1; reason: All metrics below target" in
               rescales(server, ns), what="scale-down event")
    got = hpa(server, ns, "web")
    assert condition(got, "ScalingLimited")["reason"] == "DesiredWithinRange"
    assert condition(got, "AbleToScale")["status"] == "True"


def test_memory_average_value_scales_a_statefulset(server: Server, namespace: str) -> None:
    ns = namespace
    server.kubectl("-n", ns, "create", "-f", "-", input=manifest(
        workload("StatefulSet", "db", cpu="0", memory="64Mi"),
        {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
         "metadata": {"name": "db"}, "spec": {
             "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db"},
             "minReplicas": 1, "maxReplicas": 2, "metrics": [{"type": "Resource", "resource": {
                 "name": "memory", "target": {"type": "AverageValue",
                                              "averageValue": "32Mi"}}}]}}))
    eventually(lambda: hpa(server, ns, "db")["status"].get("currentReplicas") == 2,
               what="scaled to 2")
    got = hpa(server, ns, "db")
    assert got["status"]["currentMetrics"][0]["resource"]["current"] == {
        "averageValue": str(64 << 20)}
    assert "New size: 2; reason: memory resource above target" in rescales(server, ns)
    table = server.kubectl("-n", ns, "get", "hpa", "db").stdout
    assert f"memory: {64 << 20}/32Mi" in table, table


def test_pods_without_requests_make_scaling_inactive(server: Server, namespace: str) -> None:
    ns = namespace
    server.kubectl("-n", ns, "create", "-f", "-",
                   input=manifest(workload("ReplicaSet", "bare", requests={})))
    server.kubectl("-n", ns, "autoscale", "replicaset", "bare", "--cpu-percent=50",
                   "--max=4")
    active = eventually(lambda: condition(hpa(server, ns, "bare"), "ScalingActive").get(
        "reason") == "FailedGetResourceMetric" and
        "missing request for cpu" in condition(hpa(server, ns, "bare"), "ScalingActive")[
            "message"] and condition(hpa(server, ns, "bare"), "ScalingActive"))
    assert active["status"] == "False"
    assert kubectl_json(server.kubeconfig, "-n", ns, "get", "replicaset", "bare")[
        "spec"]["replicas"] == 1


def test_missing_target_and_zero_replicas(server: Server, namespace: str) -> None:
    ns = namespace
    server.kubectl("-n", ns, "create", "-f", "-", input=manifest(
        {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
         "metadata": {"name": "ghost"}, "spec": {
             "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                "name": "ghost"}, "maxReplicas": 3}},
        workload("Deployment", "idle")))
    able = eventually(lambda: condition(hpa(server, ns, "ghost"), "AbleToScale"))
    assert (able["status"], able["reason"]) == ("False", "FailedGetScale")
    assert "unable to get the target's current scale" in able["message"]

    server.kubectl("-n", ns, "scale", "deployment", "idle", "--replicas=0")
    server.kubectl("-n", ns, "autoscale", "deployment", "idle", "--max=3")
    active = eventually(lambda: condition(hpa(server, ns, "idle"), "ScalingActive"))
    assert (active["status"], active["reason"]) == ("False", "ScalingDisabled")
    assert hpa(server, ns, "idle")["status"]["desiredReplicas"] == 0


def test_behavior_policy_limits_the_scale_up_rate(server: Server, namespace: str) -> None:
    ns = namespace
    server.kubectl("-n", ns, "create", "-f", "-", input=manifest(
        workload("Deployment", "burst", cpu="1"),
        {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
         "metadata": {"name": "burst"}, "spec": {
             "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "burst"},
             "maxReplicas": 10, "metrics": [{"type": "Resource", "resource": {
                 "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}],
             "behavior": {"scaleUp": {"policies": [
                 {"type": "Pods", "value": 1, "periodSeconds": 600}]}}}}))
    # 200 % of a 50 % target asks for 4 pods; the policy allows one more per 10 minutes.
    limited = eventually(lambda: (c := condition(hpa(server, ns, "burst"), "ScalingLimited"))
                         .get("reason") == "ScaleUpLimit" and c)
    assert limited["status"] == "True"
    got = hpa(server, ns, "burst")
    assert got["status"]["desiredReplicas"] == 2
    assert got["spec"]["behavior"]["scaleUp"]["selectPolicy"] == "Max"  # defaulted
    assert rescales(server, ns) == [
        "New size: 2; reason: cpu resource utilization (percentage of request) above target"]
