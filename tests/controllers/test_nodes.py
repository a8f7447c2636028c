"""Nodes: pod CIDRs, failure detection, taints and eviction, and pods of deleted nodes.

Node failure runs on `sim_cluster` (three simulated nodes, a node monitor
grace period of a few seconds): stopping one node's heartbeats must taint it
and move its pods elsewhere once their tolerationSeconds are up.
"""

from __future__ import annotations

import ipaddress
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.controllers.conftest import eventually
from tests.support import Server, manifest

HEARTBEAT = "pyk8s.io/simulate-heartbeat"


def get(cluster: Server, *what: str) -> Any:
    return json.loads(cluster.kubectl("get", *what, "-o", "json").stdout)


@pytest.fixture
def sim_ns(sim_cluster: Server) -> Iterator[str]:
    name = f"t-{uuid.uuid4().hex[:8]}"
    sim_cluster.kubectl("create", "namespace", name)
    yield name
    sim_cluster.kubectl("delete", "namespace", name, "--wait=false", check=False)


def test_each_node_gets_its_own_pod_cidr(sim_cluster: Server) -> None:
    def cidrs() -> list[str]:
        nodes = get(sim_cluster, "nodes")["items"]
        return [n["spec"].get("podCIDR", "") for n in nodes]

    found = eventually(lambda: (c := cidrs()) and all(c) and c, what="pod CIDRs")
    networks = [ipaddress.ip_network(c) for c in found]
    assert len(set(networks)) == len(networks) == 3
    assert all(n.prefixlen == 24 and n.subnet_of(ipaddress.ip_network("10.42.0.0/16"))
               for n in networks)
    node = get(sim_cluster, "nodes")["items"][0]
    assert node["spec"]["podCIDRs"] == [node["spec"]["podCIDR"]]


def test_pods_get_default_toleration_seconds(sim_cluster: Server, sim_ns: str) -> None:
    sim_cluster.kubectl("-n", sim_ns, "create", "-f", "-", input=manifest({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "busybox"}],
                 "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                                  "effect": "NoExecute", "tolerationSeconds": 7}]}}))
    pod = get(sim_cluster, "-n", sim_ns, "pod", "p")
    tolerations = {t["key"]: t.get("tolerationSeconds")
                   for t in pod["spec"]["tolerations"]}
    assert tolerations == {"node.kubernetes.io/not-ready": 7,
                           "node.kubernetes.io/unreachable": 300}


def test_deployment_runs_on_simulated_nodes(sim_cluster: Server, sim_ns: str) -> None:
    sim_cluster.kubectl("-n", sim_ns, "apply", "-f", "-", input=manifest(_deployment(2, 300)))
    sim_cluster.kubectl("-n", sim_ns, "rollout", "status", "deployment/web", "--timeout=60s",
                        timeout=90)
    pods = _running(sim_cluster, sim_ns)
    assert len(pods) == 2
    assert all(p["spec"].get("nodeName") and p["status"].get("podIP") for p in pods)


def test_unreachable_node_is_tainted_and_its_pods_move(sim_cluster: Server,
                                                       sim_ns: str) -> None:
    sim_cluster.kubectl("-n", sim_ns, "apply", "-f", "-", input=manifest(_deployment(3, 1)))
    sim_cluster.kubectl("-n", sim_ns, "rollout", "status", "deployment/web", "--timeout=60s",
                        timeout=90)
    node = _running(sim_cluster, sim_ns)[0]["spec"]["nodeName"]
    moved = {p["metadata"]["name"] for p in _running(sim_cluster, sim_ns)
             if p["spec"]["nodeName"] == node}
    sim_cluster.kubectl("annotate", "node", node, f"{HEARTBEAT}=stopped")
    try:
        def ready() -> str:
            n = get(sim_cluster, "node", node)
            return str(next(c["status"] for c in n["status"]["conditions"]
                            if c["type"] == "Ready"))

        eventually(lambda: ready() == "Unknown", what="Ready=Unknown", timeout=60)
        taints = {(t["key"], t["effect"]) for t in
                  get(sim_cluster, "node", node)["spec"].get("taints") or []}
        assert {("node.kubernetes.io/unreachable", "NoExecute"),
                ("node.kubernetes.io/unreachable", "NoSchedule")} <= taints

        def moved_elsewhere() -> bool:
            pods = _running(sim_cluster, sim_ns)
            return len(pods) == 3 and not moved & {p["metadata"]["name"] for p in pods} and \
                all(p["spec"]["nodeName"] != node for p in pods)

        eventually(moved_elsewhere, what="pods recreated on other nodes", timeout=60)
        events = sim_cluster.kubectl("-n", sim_ns, "get", "events", "--field-selector",
                                     "reason=TaintManagerEviction").stdout
        assert "Marking for deletion Pod" in events
    finally:
        sim_cluster.kubectl("annotate", "node", node, f"{HEARTBEAT}-")

    def untainted() -> bool:
        taints = get(sim_cluster, "node", node)["spec"].get("taints") or []
        return not any(t["key"].startswith("node.kubernetes.io/") for t in taints)

    eventually(untainted, what="taints removed after heartbeats resume", timeout=60)


def test_no_eviction_when_every_node_is_lost(sim_cluster: Server, sim_ns: str) -> None:
    # Nodes miss their heartbeats one after the other (their lease renewals are spread
    # out): the first ones are tainted NoExecute while others still look fine. The pods
    # tolerate that long enough for every node to be lost, which must lift those taints.
    sim_cluster.kubectl("-n", sim_ns, "apply", "-f", "-", input=manifest(_deployment(3, 60)))
    sim_cluster.kubectl("-n", sim_ns, "rollout", "status", "deployment/web", "--timeout=60s",
                        timeout=90)
    before = sorted(p["metadata"]["name"] for p in _running(sim_cluster, sim_ns))
    nodes = [n["metadata"]["name"] for n in get(sim_cluster, "nodes")["items"]]
    for node in nodes:
        sim_cluster.kubectl("annotate", "node", node, f"{HEARTBEAT}=stopped")
    try:
        def lost_without_eviction_taints() -> bool:
            items = get(sim_cluster, "nodes")["items"]
            taints = [{(t["key"], t["effect"]) for t in n["spec"].get("taints") or []}
                      for n in items]
            return all(next(c["status"] for c in n["status"]["conditions"]
                            if c["type"] == "Ready") == "Unknown" for n in items) and \
                all(("node.kubernetes.io/unreachable", "NoSchedule") in t and
                    ("node.kubernetes.io/unreachable", "NoExecute") not in t for t in taints)

        eventually(lost_without_eviction_taints, timeout=60,
                   what="every node Unknown, unschedulable, and not tainted NoExecute")
        items = get(sim_cluster, "-n", sim_ns, "pods")["items"]
        assert sorted(p["metadata"]["name"] for p in items
                      if not p["metadata"].get("deletionTimestamp")) == before
    finally:
        for node in nodes:
            sim_cluster.kubectl("annotate", "node", node, f"{HEARTBEAT}-")

    def healthy() -> bool:
        items = get(sim_cluster, "nodes")["items"]
        return all(not any(t["key"].startswith("node.kubernetes.io/")
                           for t in n["spec"].get("taints") or []) for n in items)

    eventually(healthy, what="nodes back and untainted", timeout=60)


def test_pods_of_a_deleted_node_are_collected(cluster: Server, ns: str) -> None:
    node = f"gone-{uuid.uuid4().hex[:6]}"
    cluster.kubectl("create", "-f", "-", input=manifest({
        "apiVersion": "v1", "kind": "Node", "metadata": {"name": node}}))
    cluster.kubectl("-n", ns, "create", "-f", "-", input=manifest({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bound"},
        "spec": {"nodeName": node, "containers": [{"name": "c", "image": "busybox"}]}}))
    cluster.kubectl("delete", "node", node)
    eventually(lambda: cluster.kubectl("-n", ns, "get", "pod", "bound",
                                       check=False).returncode != 0,
               what="pod of a deleted node collected")


def test_finished_pods_beyond_the_threshold_are_collected(cluster: Server, ns: str,
                                                          k8s: Any) -> None:
    from kubernetes import client

    core = client.CoreV1Api(k8s)
    names = [f"done-{i}" for i in range(5)]
    for name in names:
        cluster.kubectl("-n", ns, "create", "-f", "-", input=manifest({
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"restartPolicy": "Never",
                     "containers": [{"name": "c", "image": "busybox"}]}}))
        core.patch_namespaced_pod_status(name, ns, {"status": {"phase": "Succeeded"}})

    def left() -> list[str]:
        items = get(cluster, "-n", ns, "pods")["items"]
        return sorted(p["metadata"]["name"] for p in items)

    eventually(lambda: left() == names[2:], what="the 2 oldest finished pods deleted")


def _deployment(replicas: int, toleration_seconds: int) -> dict[str, Any]:
    tolerations = [{"key": f"node.kubernetes.io/{t}", "operator": "Exists",
                    "effect": "NoExecute", "tolerationSeconds": toleration_seconds}
                   for t in ("unreachable", "not-ready")]
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {
                     "tolerations": tolerations,
                     "containers": [{"name": "c", "image": "busybox"}]}}},
    }


def _running(cluster: Server, ns: str) -> list[dict[str, Any]]:
    items = get(cluster, "-n", ns, "pods", "-l", "app=web")["items"]
    return [p for p in items if not p["metadata"].get("deletionTimestamp")
            and (p.get("status") or {}).get("phase") == "Running"]
