"""StatefulSets on simulated nodes: ordered, stably named pods with their own claims."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.controllers.conftest import eventually
from tests.support import Server, manifest


@pytest.fixture
def sim_ns(sim_cluster: Server) -> Iterator[str]:
    name = f"t-{uuid.uuid4().hex[:8]}"
    sim_cluster.kubectl("create", "namespace", name)
    yield name
    sim_cluster.kubectl("delete", "namespace", name, "--wait=false", check=False)


def statefulset(replicas: int, image: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
        "spec": {
            "replicas": replicas, "serviceName": "db",
            "selector": {"matchLabels": {"app": "db"}},
            "template": {"metadata": {"labels": {"app": "db"}}, "spec": {
                "containers": [{"name": "c", "image": image,
                                "volumeMounts": [{"name": "data", "mountPath": "/data"}]}]}},
            "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}}}}],
        },
    }


def pods(cluster: Server, ns: str) -> list[dict[str, Any]]:
    items = json.loads(cluster.kubectl("-n", ns, "get", "pods", "-o", "json").stdout)["items"]
    return sorted((p for p in items if not p["metadata"].get("deletionTimestamp")),
                  key=lambda p: p["metadata"]["creationTimestamp"] + p["metadata"]["name"])


def test_statefulset_orders_pods_and_claims(sim_cluster: Server, sim_ns: str) -> None:
    sim_cluster.kubectl("-n", sim_ns, "apply", "-f", "-", input=manifest(statefulset(3, "db:1")))
    sim_cluster.kubectl("-n", sim_ns, "rollout", "status", "statefulset/db", "--timeout=60s",
                        timeout=90)
    running = pods(sim_cluster, sim_ns)
    assert [p["metadata"]["name"] for p in running] == ["db-0", "db-1", "db-2"]
    assert all(p["spec"]["hostname"] == p["metadata"]["name"] and
               p["spec"]["subdomain"] == "db" for p in running)
    volume = next(v for v in running[1]["spec"]["volumes"] if v["name"] == "data")
    assert volume["persistentVolumeClaim"]["claimName"] == "data-db-1"
    claims = json.loads(sim_cluster.kubectl("-n", sim_ns, "get", "pvc", "-o", "json").stdout)
    assert sorted(c["metadata"]["name"] for c in claims["items"]) == \
        ["data-db-0", "data-db-1", "data-db-2"]
    events = sim_cluster.kubectl("-n", sim_ns, "get", "events", "--sort-by=.lastTimestamp",
                                 "--field-selector", "reason=SuccessfulCreate").stdout
    assert events.index("Pod db-0") < events.index("Pod db-1") < events.index("Pod db-2")

    sim_cluster.kubectl("-n", sim_ns, "set", "image", "statefulset/db", "c=db:2")
    sim_cluster.kubectl("-n", sim_ns, "rollout", "status", "statefulset/db", "--timeout=60s",
                        timeout=90)
    eventually(lambda: [p["spec"]["containers"][0]["image"] for p in pods(sim_cluster, sim_ns)]
               == ["db:2"] * 3, what="all pods updated")
    status = json.loads(sim_cluster.kubectl("-n", sim_ns, "get", "sts", "db", "-o",
                                            "json").stdout)["status"]
    assert status["currentRevision"] == status["updateRevision"]
    assert status["updatedReplicas"] == 3

    sim_cluster.kubectl("-n", sim_ns, "scale", "statefulset", "db", "--replicas=1")
    eventually(lambda: [p["metadata"]["name"] for p in pods(sim_cluster, sim_ns)] == ["db-0"],
               what="scaled down to db-0")
    claims = json.loads(sim_cluster.kubectl("-n", sim_ns, "get", "pvc", "-o", "json").stdout)
    assert len(claims["items"]) == 3, "claims are retained when scaling down"
