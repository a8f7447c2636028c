"""Scheduling on simulated nodes, observed through the real kubectl.

One `pyk8s server --simulated-nodes 3` (2 cpu, 4Gi each) for the module;
each test works in its own namespace and undoes the node labels and taints
it adds. Until the node IPAM controller gives nodes a podCIDR, the fixture
does it, as that controller would.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support import ROOT, Server, manifest

NODES = ["sim-node-0", "sim-node-1", "sim-node-2"]
TIMEOUT = 60.0


def wait_for(what: str, check: Callable[[], Any], timeout: float = TIMEOUT) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def get(server: Server, *args: str) -> Any:
    out = server.kubectl("get", *args, "-o", "json", check=False)
    return json.loads(out.stdout) if out.returncode == 0 else None


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("server-sim"), extra_args=[
        "--simulated-nodes", "3", "--node-cpu", "2", "--node-memory", "4Gi"]).start()
    try:
        def ready() -> bool:
            nodes = get(server, "nodes") or {"items": []}
            return sum(1 for n in nodes["items"] for c in n["status"].get("conditions", [])
                       if c["type"] == "Ready" and c["status"] == "True") == 3
        wait_for("3 Ready nodes", ready)
        for i, name in enumerate(NODES):
            node = get(server, "node", name)
            if not node["spec"].get("podCIDR"):
                server.kubectl("patch", "node", name, "-p",
                               json.dumps({"spec": {"podCIDR": f"10.42.{i + 100}.0/24"}}),
                               check=False)  # loses harmlessly to a node IPAM controller
        yield server
    finally:
        server.stop()


@pytest.fixture
def ns(cluster: Server) -> Iterator[str]:
    name = f"t-{uuid.uuid4().hex[:8]}"
    cluster.kubectl("create", "namespace", name)
    yield name
    cluster.kubectl("delete", "namespace", name, "--wait=false", check=False)


def pod_manifest(name: str, *, cpu: str = "", annotations: dict[str, str] | None = None,
                 **spec: Any) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "app", "image": "busybox"}
    if cpu:
        container["resources"] = {"requests": {"cpu": cpu}}
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "annotations": annotations or {}},
            "spec": {"containers": [container], **spec}}


def create(cluster: Server, ns: str, *docs: dict[str, Any]) -> None:
    cluster.kubectl("-n", ns, "create", "-f", "-", input=manifest(*docs))


def pod(cluster: Server, ns: str, name: str) -> Any:
    return get(cluster, "-n", ns, "pod", name)


def wait_phase(cluster: Server, ns: str, name: str, phase: str) -> Any:
    return wait_for(f"pod {name} {phase}", lambda: (p := pod(cluster, ns, name)) and
                    p["status"].get("phase") == phase and p)


def condition(obj: Any, type_: str) -> dict[str, Any]:
    return next((c for c in obj["status"].get("conditions", []) if c["type"] == type_), {})


def events(cluster: Server, ns: str, name: str) -> list[dict[str, Any]]:
    listed = get(cluster, "-n", ns, "events", "--field-selector",
                 f"involvedObject.name={name}") or {"items": []}
    return listed["items"]


def test_pods_run_on_simulated_nodes(cluster: Server, ns: str) -> None:
    cluster.kubectl("-n", ns, "run", "web", "--image=busybox", "--labels=app=web")
    running = wait_phase(cluster, ns, "web", "Running")
    node = get(cluster, "node", running["spec"]["nodeName"])
    assert running["spec"]["nodeName"] in NODES
    assert running["status"]["hostIP"] == node["status"]["addresses"][0]["address"]
    cidr = node["spec"]["podCIDR"].rsplit(".", 1)[0]
    assert running["status"]["podIP"].startswith(cidr + ".")
    for type_ in ("PodScheduled", "Initialized", "ContainersReady", "Ready"):
        assert condition(running, type_)["status"] == "True"
    (status,) = running["status"]["containerStatuses"]
    assert status["ready"] is True and "running" in status["state"]

    described = cluster.kubectl("-n", ns, "describe", "pod", "web").stdout
    assert f"Successfully assigned {ns}/web to {running['spec']['nodeName']}" in described
    assert "default-scheduler" in described
    wide = cluster.kubectl("-n", ns, "get", "pod", "web", "-o", "wide").stdout
    assert "Running" in wide and running["status"]["podIP"] in wide

    lease = get(cluster, "-n", "kube-system", "lease", "kube-scheduler")
    assert lease["spec"]["holderIdentity"]
    for name in NODES:
        assert get(cluster, "-n", "kube-node-lease", "lease", name)["spec"]["renewTime"]


def test_deployment_replicas_spread_over_the_nodes(cluster: Server, ns: str) -> None:
    cluster.kubectl("-n", ns, "create", "deployment", "web", "--image=busybox",
                    "--replicas=3")

    def running() -> list[Any]:
        pods = get(cluster, "-n", ns, "pods", "-l", "app=web")["items"]
        up = [p for p in pods if p["status"].get("phase") == "Running"]
        return up if len(up) == 3 else []
    pods = wait_for("3 running replicas", running)
    assert sorted(p["spec"]["nodeName"] for p in pods) == NODES


def test_unschedulable_pod_says_why_and_is_retried_when_a_node_changes(
        cluster: Server, ns: str) -> None:
    cluster.kubectl("taint", "node", "sim-node-0", "dedicated=db:NoSchedule")
    try:
        create(cluster, ns, pod_manifest("huge", cpu="3"))
        message = ("0/3 nodes are available: 1 node(s) had untolerated taint "
                   "{dedicated: db}, 2 Insufficient cpu. preemption: 0/3 nodes are "
                   "available: 1 Preemption is not helpful for scheduling, 2 No preemption "
                   "victims found for incoming pod.")
        p = wait_for("PodScheduled=False", lambda: (p := pod(cluster, ns, "huge")) and
                     condition(p, "PodScheduled").get("status") == "False" and p)
        assert condition(p, "PodScheduled")["reason"] == "Unschedulable"
        assert condition(p, "PodScheduled")["message"] == message
        failed = [e for e in events(cluster, ns, "huge") if e["reason"] == "FailedScheduling"]
        assert failed[0]["type"] == "Warning" and failed[0]["message"] == message
        assert message in cluster.kubectl("-n", ns, "describe", "pod", "huge").stdout
        assert "FailedScheduling" in cluster.kubectl("-n", ns, "get", "events").stdout
    finally:
        cluster.kubectl("taint", "node", "sim-node-0", "dedicated-")

    create(cluster, ns, pod_manifest("picky", nodeSelector={"disk": "ssd"}))
    wait_for("a FailedScheduling event", lambda: any(
        e["message"] == "0/3 nodes are available: 3 node(s) didn't match Pod's node "
                        "affinity/selector. preemption: 0/3 nodes are available: 3 Preemption "
                        "is not helpful for scheduling."
        for e in events(cluster, ns, "picky")))
    cluster.kubectl("label", "node", "sim-node-1", "disk=ssd")
    try:
        running = wait_phase(cluster, ns, "picky", "Running")
        assert running["spec"]["nodeName"] == "sim-node-1"
        assert condition(running, "PodScheduled")["status"] == "True"
    finally:
        cluster.kubectl("label", "node", "sim-node-1", "disk-")


def test_pods_for_another_scheduler_are_left_alone(cluster: Server, ns: str) -> None:
    create(cluster, ns, pod_manifest("theirs", schedulerName="my-scheduler"))
    create(cluster, ns, pod_manifest("ours"))
    wait_phase(cluster, ns, "ours", "Running")
    theirs = pod(cluster, ns, "theirs")
    assert not theirs["spec"].get("nodeName") and theirs["status"]["phase"] == "Pending"
    assert not condition(theirs, "PodScheduled")
    assert events(cluster, ns, "theirs") == []


def test_gated_pods_wait_for_their_gates(cluster: Server, ns: str) -> None:
    create(cluster, ns, pod_manifest("gated", schedulingGates=[{"name": "example.com/quota"}]),
           pod_manifest("free"))
    wait_phase(cluster, ns, "free", "Running")
    gated = pod(cluster, ns, "gated")
    assert not gated["spec"].get("nodeName")
    assert condition(gated, "PodScheduled")["reason"] == "SchedulingGated"
    assert events(cluster, ns, "gated") == []
    assert "SchedulingGated" in cluster.kubectl("-n", ns, "get", "pod", "gated").stdout
    more = cluster.kubectl("-n", ns, "patch", "pod", "gated", "--type=json", "-p", json.dumps(
        [{"op": "add", "path": "/spec/schedulingGates/-", "value": {"name": "another"}}]),
        check=False)
    assert more.returncode != 0 and "Forbidden" in more.stderr  # gates may only go
    cluster.kubectl("-n", ns, "patch", "pod", "gated", "--type=json",
                    "-p", '[{"op": "remove", "path": "/spec/schedulingGates"}]')
    assert wait_phase(cluster, ns, "gated", "Running")["spec"]["nodeName"] in NODES


def test_higher_priority_pod_preempts_a_lower_one(cluster: Server, ns: str) -> None:
    pc = f"urgent-{ns}"
    cluster.kubectl("create", "priorityclass", pc, "--value=1000")
    try:
        create(cluster, ns, *(pod_manifest(f"filler-{i}", cpu="1500m", nodeName=node)
                              for i, node in enumerate(NODES)))
        for i in range(3):
            wait_phase(cluster, ns, f"filler-{i}", "Running")
        create(cluster, ns, pod_manifest("urgent", cpu="1500m", priorityClassName=pc))
        running = wait_phase(cluster, ns, "urgent", "Running")
        assert running["spec"]["priority"] == 1000
        assert running["spec"]["preemptionPolicy"] == "PreemptLowerPriority"
        left = get(cluster, "-n", ns, "pods")["items"]
        assert len([p for p in left if p["metadata"]["name"].startswith("filler-")]) == 2
        victims = [e for p in ("filler-0", "filler-1", "filler-2")
                   for e in events(cluster, ns, p) if e["reason"] == "Preempted"]
        assert len(victims) == 1
        uid = running["metadata"]["uid"]
        assert victims[0]["message"] == \
            f"Preempted by pod {uid} on node {running['spec']['nodeName']}"
    finally:
        cluster.kubectl("delete", "priorityclass", pc)


def test_priority_class_must_exist(cluster: Server, ns: str) -> None:
    out = cluster.kubectl("-n", ns, "create", "-f", "-", check=False, input=manifest(
        pod_manifest("p", priorityClassName="no-such-class")))
    assert out.returncode != 0
    assert 'pods "p" is forbidden: no PriorityClass with name no-such-class was found' \
        in out.stderr
    create(cluster, ns, pod_manifest("critical", priorityClassName="system-cluster-critical"))
    assert pod(cluster, ns, "critical")["spec"]["priority"] == 2_000_000_000
    default = f"default-{ns}"
    cluster.kubectl("create", "priorityclass", default, "--value=7", "--global-default",
                    "--preemption-policy=Never")
    try:
        create(cluster, ns, pod_manifest("plain"))
        spec = pod(cluster, ns, "plain")["spec"]
        assert (spec["priorityClassName"], spec["priority"], spec["preemptionPolicy"]) == \
            (default, 7, "Never")
    finally:
        cluster.kubectl("delete", "priorityclass", default)


def test_batch_pods_finish_as_their_restart_policy_says(cluster: Server, ns: str) -> None:
    create(cluster, ns,
           pod_manifest("fails", restartPolicy="Never", annotations={
               "pyk8s.io/simulate-exit-after": "1s", "pyk8s.io/simulate-exit-code": "3"}),
           pod_manifest("succeeds", restartPolicy="OnFailure", annotations={
               "pyk8s.io/simulate-exit-after": "1s"}),
           pod_manifest("crashes", annotations={
               "pyk8s.io/simulate-exit-after": "1s", "pyk8s.io/simulate-exit-code": "1"}))
    failed = wait_phase(cluster, ns, "fails", "Failed")
    (status,) = failed["status"]["containerStatuses"]
    assert status["state"]["terminated"]["exitCode"] == 3
    assert status["state"]["terminated"]["reason"] == "Error"
    succeeded = wait_phase(cluster, ns, "succeeds", "Succeeded")
    assert succeeded["status"]["containerStatuses"][0]["state"]["terminated"]["reason"] == \
        "Completed"
    assert condition(succeeded, "Ready")["status"] == "False"
    assert "Completed" in cluster.kubectl("-n", ns, "get", "pod", "succeeds").stdout

    def backing_off() -> Any:
        p = pod(cluster, ns, "crashes")
        status = p["status"]["containerStatuses"][0]
        return (status["state"].get("waiting") or {}).get("reason") == "CrashLoopBackOff" and p
    crashing = wait_for("CrashLoopBackOff", backing_off)
    assert crashing["status"]["phase"] == "Running"
    assert crashing["status"]["containerStatuses"][0]["lastState"]["terminated"]["exitCode"] == 1
    assert condition(crashing, "Ready")["status"] == "False"
    assert "CrashLoopBackOff" in cluster.kubectl("-n", ns, "get", "pod", "crashes").stdout


def test_a_pod_bound_by_hand_must_fit_its_node(cluster: Server, ns: str) -> None:
    create(cluster, ns, pod_manifest("too-big", cpu="3", nodeName="sim-node-0"))
    rejected = wait_phase(cluster, ns, "too-big", "Failed")
    assert rejected["status"]["reason"] == "OutOfcpu"
    message = rejected["status"]["message"]
    assert message.startswith("Pod was rejected: Node didn't have enough resource: cpu, "
                              "requested: 3000, used: ") and message.endswith("capacity: 2000")
    assert "OutOfcpu" in cluster.kubectl("-n", ns, "get", "pod", "too-big").stdout


def test_deleted_pods_are_finished_by_their_node(cluster: Server, ns: str) -> None:
    create(cluster, ns, pod_manifest("doomed", terminationGracePeriodSeconds=30))
    wait_phase(cluster, ns, "doomed", "Running")
    cluster.kubectl("-n", ns, "delete", "pod", "doomed", "--timeout=30s")
    assert pod(cluster, ns, "doomed") is None


def test_a_node_whose_heartbeats_stop_leaves_its_pods_alone(cluster: Server, ns: str) -> None:
    def renewed(node: str) -> str:
        return str(get(cluster, "-n", "kube-node-lease", "lease", node)["spec"]["renewTime"])

    cluster.kubectl("annotate", "node", "sim-node-2", "pyk8s.io/simulate-heartbeat=stopped")
    try:
        create(cluster, ns, pod_manifest("stranded", nodeName="sim-node-2"),
               pod_manifest("fine", nodeName="sim-node-1"))
        wait_phase(cluster, ns, "fine", "Running")
        stopped_at = renewed("sim-node-2")
        live, stopped = {renewed("sim-node-1")}, {stopped_at}

        def two_live_renewals() -> bool:
            live.add(renewed("sim-node-1"))
            stopped.add(renewed("sim-node-2"))
            return len(live) >= 3
        wait_for("two renewals of a live node", two_live_renewals, timeout=40)
        # A renewal already under way when the annotation arrived may land; no more.
        assert len(stopped) <= 2
        assert pod(cluster, ns, "stranded")["status"]["phase"] == "Pending"
    finally:
        cluster.kubectl("annotate", "node", "sim-node-2", "pyk8s.io/simulate-heartbeat-")
    wait_phase(cluster, ns, "stranded", "Running")
    wait_for("the lease renewed again", lambda: renewed("sim-node-2") != stopped_at)


def test_agent_simulate_joins_more_nodes(cluster: Server, ns: str) -> None:
    token = (cluster.data_dir / "node-token").read_text().strip()
    log = open(cluster.data_dir.parent / "agent-sim.log", "ab")  # noqa: SIM115
    agent = subprocess.Popen(
        [sys.executable, "-m", "pyk8s.cli.main", "agent", "--simulate", "--nodes", "2",
         "--server", cluster.url, "--token", token, "--node-name-prefix", "extra-",
         "--node-cpu", "8", "--max-pods", "5", "--node-labels", "pool=extra",
         "--node-taints", "pool=extra:NoSchedule"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ})
    log.close()
    try:
        def registered() -> Any:
            nodes = get(cluster, "nodes", "-l", "pool=extra") or {"items": []}
            return len(nodes["items"]) == 2 and nodes["items"]
        nodes = wait_for("the agent's nodes", registered)
        assert {n["metadata"]["name"] for n in nodes} == {"extra-0", "extra-1"}
        assert nodes[0]["status"]["capacity"] == {
            "cpu": "8", "memory": "16Gi", "pods": "5", "ephemeral-storage": "100Gi"}
        assert nodes[0]["spec"]["taints"] == [
            {"key": "pool", "value": "extra", "effect": "NoSchedule"}]
        for i, n in enumerate(nodes):
            cluster.kubectl("patch", "node", n["metadata"]["name"], "-p", json.dumps(
                {"spec": {"podCIDR": f"10.42.{i + 200}.0/24"}}), check=False)
        create(cluster, ns, pod_manifest(
            "big", cpu="6", tolerations=[{"key": "pool", "operator": "Exists"}]))
        running = wait_phase(cluster, ns, "big", "Running")
        assert running["spec"]["nodeName"] in ("extra-0", "extra-1")
    finally:
        agent.send_signal(signal.SIGTERM)
        try:
            agent.wait(10)
        except subprocess.TimeoutExpired:
            agent.kill()
            agent.wait()
        cluster.kubectl("-n", ns, "delete", "pod", "big", "--grace-period=0", "--force",
                        check=False)
        cluster.kubectl("delete", "node", "extra-0", "extra-1", check=False)
