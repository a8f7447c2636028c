"""ReplicaSets and ReplicationControllers: counts kept, orphans adopted, strays released."""

from __future__ import annotations

import json
from typing import Any

from tests.controllers.conftest import ReadyPods, eventually
from tests.support import Server, manifest


def replicaset(name: str, replicas: int) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name, "tier": "web"}},
                              "spec": {"containers": [{"name": "c", "image": "nginx"}]}}},
    }


def pod(name: str, labels: dict[str, str], image: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels},
            "spec": {"containers": [{"name": "c", "image": image}]}}


def live_pods(cluster: Server, ns: str, *args: str) -> list[dict[str, Any]]:
    items = json.loads(cluster.kubectl("-n", ns, "get", "pods", *args, "-o", "json").stdout)
    return [p for p in items["items"] if not p["metadata"].get("deletionTimestamp")]


def rs_status(cluster: Server, ns: str, name: str) -> dict[str, Any]:
    obj = json.loads(cluster.kubectl("-n", ns, "get", "rs", name, "-o", "json").stdout)
    status: dict[str, Any] = obj.get("status") or {}
    return status


def test_status_counts_ready_and_available_pods(cluster: Server, ns: str,
                                                ready_pods: ReadyPods) -> None:
    cluster.kubectl("-n", ns, "apply", "-f", "-", input=manifest(replicaset("web", 3)))
    eventually(lambda: rs_status(cluster, ns, "web").get("availableReplicas") == 3,
               what="3 available replicas")
    status = rs_status(cluster, ns, "web")
    assert status == {"replicas": 3, "fullyLabeledReplicas": 3, "readyReplicas": 3,
                      "availableReplicas": 3, "observedGeneration": 1}
    assert "3         3         3" in cluster.kubectl("-n", ns, "get", "rs", "web").stdout


def test_orphan_is_adopted_and_unready_pod_is_deleted_first(cluster: Server, ns: str,
                                                            ready_pods: ReadyPods) -> None:
    cluster.kubectl("-n", ns, "apply", "-f", "-", input=manifest(replicaset("web", 2)))
    eventually(lambda: rs_status(cluster, ns, "web").get("readyReplicas") == 2,
               what="2 ready replicas")
    cluster.kubectl("-n", ns, "create", "-f", "-",
                    input=manifest(pod("stray", {"app": "web"}, "unready")))

    def settled() -> bool:
        names = {p["metadata"]["name"] for p in live_pods(cluster, ns)}
        return len(names) == 2 and "stray" not in names

    eventually(settled, what="the adopted, unready pod deleted")
    events = cluster.kubectl("-n", ns, "get", "events", "--field-selector",
                             "reason=SuccessfulDelete").stdout
    assert "Deleted pod: stray" in events


def test_relabelled_pod_is_released_and_replaced(cluster: Server, ns: str,
                                                 ready_pods: ReadyPods) -> None:
    cluster.kubectl("-n", ns, "apply", "-f", "-", input=manifest(replicaset("web", 2)))
    eventually(lambda: len(live_pods(cluster, ns, "-l", "app=web")) == 2, what="2 pods")
    victim = live_pods(cluster, ns, "-l", "app=web")[0]["metadata"]["name"]
    cluster.kubectl("-n", ns, "label", "pod", victim, "app=debug", "--overwrite")

    def released() -> bool:
        p = json.loads(cluster.kubectl("-n", ns, "get", "pod", victim, "-o", "json").stdout)
        return not p["metadata"].get("ownerReferences")

    eventually(released, what="owner reference removed")
    eventually(lambda: len(live_pods(cluster, ns, "-l", "app=web")) == 2, what="replacement")


def test_replication_controller_keeps_its_pods(cluster: Server, ns: str,
                                               ready_pods: ReadyPods) -> None:
    cluster.kubectl("-n", ns, "create", "-f", "-", input=manifest({
        "apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "old"},
        "spec": {"replicas": 2, "template": {
            "metadata": {"labels": {"app": "old"}},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]}}},
    }))
    eventually(lambda: len(live_pods(cluster, ns, "-l", "app=old")) == 2, what="2 pods")
    cluster.kubectl("-n", ns, "scale", "rc", "old", "--replicas=3")
    eventually(lambda: len(live_pods(cluster, ns, "-l", "app=old")) == 3, what="3 pods")
    pods = live_pods(cluster, ns, "-l", "app=old")
    assert {p["metadata"]["ownerReferences"][0]["kind"] for p in pods} == \
        {"ReplicationController"}
    eventually(lambda: "3         3         3" in cluster.kubectl(
        "-n", ns, "get", "rc", "old").stdout, what="rc status")


def test_pod_disruption_budget_counts_healthy_pods(cluster: Server, ns: str,
                                                   ready_pods: ReadyPods) -> None:
    cluster.kubectl("-n", ns, "apply", "-f", "-", input=manifest(replicaset("web", 3), {
        "apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web"},
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "web"}}}}))

    def status() -> dict[str, Any]:
        pdb = json.loads(cluster.kubectl("-n", ns, "get", "pdb", "web", "-o", "json").stdout)
        result: dict[str, Any] = pdb.get("status") or {}
        return result

    eventually(lambda: status().get("currentHealthy") == 3, what="3 healthy pods")
    s = status()
    assert (s["expectedPods"], s["desiredHealthy"], s["disruptionsAllowed"]) == (3, 2, 1)
    assert s["conditions"][0]["reason"] == "SufficientPods"
    assert "1" in cluster.kubectl("-n", ns, "get", "pdb", "web").stdout.splitlines()[1]
