"""`kubectl drain` on simulated nodes: evictions that honour PodDisruptionBudgets.

One `pyk8s server --simulated-nodes 2` for the module. A Deployment of two
replicas is spread over both nodes; with a budget that allows no disruption
the drain cannot evict (429, retried by kubectl until its timeout), with one
that allows one it evicts, and the ReplicaSet replaces the pod on the other
node.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support import Server, manifest

NODES = ["sim-node-0", "sim-node-1"]


def wait_for(what: str, check: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)
    return result


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("server-drain"),
                    extra_args=["--simulated-nodes", "2"]).start()
    try:
        yield server
    finally:
        server.stop()


def running_pods(server: Server) -> list[tuple[str, str]]:
    pods = json.loads(server.kubectl("get", "pods", "-l", "app=web", "-o", "json").stdout)
    return sorted((p["spec"].get("nodeName", ""), p["metadata"]["name"]) for p in pods["items"]
                  if p["status"].get("phase") == "Running"
                  and not p["metadata"].get("deletionTimestamp"))


def budget(min_available: int) -> str:
    return manifest({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                     "metadata": {"name": "web"},
                     "spec": {"minAvailable": min_available,
                              "selector": {"matchLabels": {"app": "web"}}}})


def allowed(server: Server) -> int:
    out = server.kubectl("get", "pdb", "web", "-o", "jsonpath={.status.disruptionsAllowed}")
    return int(out.stdout or -1)


def test_drain_evicts_only_what_the_budget_allows(cluster: Server) -> None:
    cluster.kubectl("create", "deployment", "web", "--image=busybox", "--replicas=2")
    pods = wait_for("two running pods, one per node",
                    lambda: (p := running_pods(cluster)) and len({n for n, _ in p}) == 2 and p)

    cluster.kubectl("apply", "-f", "-", input=budget(2))
    wait_for("the budget to be computed", lambda: allowed(cluster) == 0)
    blocked = cluster.kubectl("drain", NODES[0], "--timeout=4s", check=False)
    assert blocked.returncode != 0
    assert "Cannot evict pod as it would violate the pod's disruption budget" in blocked.stderr
    assert running_pods(cluster) == pods

    cluster.kubectl("apply", "-f", "-", input=budget(1))
    wait_for("one allowed disruption", lambda: allowed(cluster) == 1)
    drained = cluster.kubectl("drain", NODES[0], "--timeout=30s")
    assert "evicted" in drained.stdout and f"node/{NODES[0]} drained" in drained.stdout
    moved = wait_for("both replicas on the remaining node",
                     lambda: (p := running_pods(cluster)) and len(p) == 2 and p)
    assert {node for node, _ in moved} == {NODES[1]}
    node = json.loads(cluster.kubectl("get", "node", NODES[0], "-o", "json").stdout)
    assert node["spec"]["unschedulable"] is True
    cluster.kubectl("uncordon", NODES[0])
