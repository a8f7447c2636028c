"""Resources and images: cgroup limits, OOMKilled, pull policies and pull errors."""

from __future__ import annotations

import json

from tests.e2e.conftest import Cluster, pod_manifest


def _waiting_reason(pod: dict) -> str:  # type: ignore[type-arg]
    statuses = pod["status"].get("containerStatuses") or [{}]
    return str(statuses[0].get("state", {}).get("waiting", {}).get("reason", ""))


def test_memory_hog_is_oom_killed(cluster: Cluster, ns: str) -> None:
    cluster.apply(ns, pod_manifest(
        "hog", cluster.agent.node_name, "x=$(head -c 200000000 /dev/zero | tr '\\0' a)",
        restartPolicy="Never",
        container={"resources": {"limits": {"memory": "32Mi", "cpu": "500m"}}}))
    pod = cluster.wait_pod(ns, "hog", lambda p: p["status"].get("phase") == "Failed", "Failed")
    term = pod["status"]["containerStatuses"][0]["state"]["terminated"]
    assert term["reason"] == "OOMKilled"
    assert term["exitCode"] == 137
    assert pod["status"]["qosClass"] == "Guaranteed"


def test_missing_image_backs_off_and_never_policy_says_so(cluster: Cluster, ns: str) -> None:
    node = cluster.agent.node_name
    cluster.apply(ns, json.dumps({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "nopull"},
        "spec": {"nodeName": node, "containers": [
            {"name": "main", "image": "127.0.0.1:1/missing:1.0"}]}}))
    cluster.apply(ns, json.dumps({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "never"},
        "spec": {"nodeName": node, "containers": [
            {"name": "main", "image": "example.invalid/absent:1.0",
             "imagePullPolicy": "Never"}]}}))
    pod = cluster.wait_pod(ns, "nopull", lambda p: _waiting_reason(p) in
                           ("ErrImagePull", "ImagePullBackOff"), "a pull error")
    assert "127.0.0.1:1/missing:1.0" in pod["status"]["containerStatuses"][0]["state"][
        "waiting"]["message"]
    cluster.wait_pod(ns, "nopull", lambda p: _waiting_reason(p) == "ImagePullBackOff",
                     "ImagePullBackOff", timeout=30)
    never = cluster.wait_pod(ns, "never", lambda p: _waiting_reason(p) == "ErrImageNeverPull",
                             "ErrImageNeverPull")
    assert never["status"]["phase"] == "Pending"
