"""DaemonSets on simulated nodes: a pod per node, rolled out and back through kubectl."""

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


def daemonset(name: str, image: str, **pod_spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": name},
        "spec": {"selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}}, "spec": {
                     "containers": [{"name": "c", "image": image}], **pod_spec}}},
    }


def pods(cluster: Server, ns: str) -> list[dict[str, Any]]:
    items = json.loads(cluster.kubectl("-n", ns, "get", "pods", "-o", "json").stdout)["items"]
    return [p for p in items if not p["metadata"].get("deletionTimestamp")]


def test_daemonset_runs_one_pod_per_node_and_rolls(sim_cluster: Server, sim_ns: str) -> None:
    nodes = json.loads(sim_cluster.kubectl("get", "nodes", "-o", "json").stdout)["items"]
    sim_cluster.kubectl("-n", sim_ns, "apply", "-f", "-",
                        input=manifest(daemonset("agent", "agent:1")))
    sim_cluster.kubectl("-n", sim_ns, "rollout", "status", "daemonset/agent",
                        "--timeout=60s", timeout=90)
    placed = sorted(p["spec"]["nodeName"] for p in pods(sim_cluster, sim_ns))
    assert placed == sorted(n["metadata"]["name"] for n in nodes)
    status = json.loads(sim_cluster.kubectl("-n", sim_ns, "get", "ds", "agent", "-o",
                                            "json").stdout)["status"]
    assert (status["desiredNumberScheduled"], status["numberReady"],
            status["numberAvailable"]) == (3, 3, 3)
    sim_cluster.kubectl("-n", sim_ns, "set", "image", "daemonset/agent", "c=agent:2")
    sim_cluster.kubectl("-n", sim_ns, "rollout", "status", "daemonset/agent",
                        "--timeout=60s", timeout=90)
    eventually(lambda: sorted(p["spec"]["containers"][0]["image"]
                              for p in pods(sim_cluster, sim_ns)) == ["agent:2"] * 3,
               what="every node on the new image")
    history = sim_cluster.kubectl("-n", sim_ns, "rollout", "history", "daemonset/agent").stdout
    assert [line.split()[0] for line in history.splitlines() if line[:1].isdigit()] == \
        ["1", "2"]
    sim_cluster.kubectl("-n", sim_ns, "rollout", "undo", "daemonset/agent")
    sim_cluster.kubectl("-n", sim_ns, "rollout", "status", "daemonset/agent",
                        "--timeout=60s", timeout=90)
    eventually(lambda: sorted(p["spec"]["containers"][0]["image"]
                              for p in pods(sim_cluster, sim_ns)) == ["agent:1"] * 3,
               what="every node back on the old image")


def test_daemonset_follows_its_node_selector(sim_cluster: Server, sim_ns: str) -> None:
    node = json.loads(sim_cluster.kubectl("get", "nodes", "-o", "json").stdout)[
        "items"][0]["metadata"]["name"]
    label = f"pick-{sim_ns}"
    sim_cluster.kubectl("label", "node", node, f"{label}=yes")
    try:
        sim_cluster.kubectl("-n", sim_ns, "apply", "-f", "-", input=manifest(
            daemonset("picky", "agent:1", nodeSelector={label: "yes"})))
        eventually(lambda: [p["spec"].get("nodeName") for p in pods(sim_cluster, sim_ns)]
                   == [node], what="one pod on the labelled node")
        sim_cluster.kubectl("label", "node", node, f"{label}-")
        eventually(lambda: not pods(sim_cluster, sim_ns), what="pod removed with the label")
    finally:
        sim_cluster.kubectl("label", "node", node, f"{label}-", check=False)
