"""Deployments through the real kubectl: the ReplicaSets, pods and rollouts they make."""

from __future__ import annotations

import json
import threading
from typing import Any

from tests.controllers.conftest import ReadyPods, eventually
from tests.support import Server, manifest


def deployment(name: str, image: str, replicas: int = 2, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                         "spec": {"containers": [{"name": "web", "image": image}]}},
            **spec,
        },
    }


def get(cluster: Server, ns: str, *what: str) -> Any:
    return json.loads(cluster.kubectl("-n", ns, "get", *what, "-o", "json").stdout)


def pods(cluster: Server, ns: str, selector: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = get(cluster, ns, "pods", "-l", selector)["items"]
    return [p for p in items if not p["metadata"].get("deletionTimestamp")]


def rollout_status(cluster: Server, ns: str, name: str, timeout: str = "60s") -> str:
    return cluster.kubectl("-n", ns, "rollout", "status", f"deployment/{name}",
                           f"--timeout={timeout}", timeout=90).stdout


def test_deployment_creates_replicaset_and_pods(cluster: Server, ns: str,
                                                ready_pods: ReadyPods) -> None:
    cluster.kubectl("-n", ns, "apply", "-f", "-", input=manifest(deployment("web", "nginx:1")))
    assert "successfully rolled out" in rollout_status(cluster, ns, "web")
    rss = get(cluster, ns, "replicasets")["items"]
    assert len(rss) == 1
    rs = rss[0]
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    owner = rs["metadata"]["ownerReferences"][0]
    assert (owner["kind"], owner["name"], owner["controller"]) == ("Deployment", "web", True)
    pod_hash = rs["metadata"]["labels"]["pod-template-hash"]
    assert rs["metadata"]["name"] == f"web-{pod_hash}"
    running = pods(cluster, ns, "app=web")
    assert len(running) == 2
    assert all(p["metadata"]["labels"]["pod-template-hash"] == pod_hash for p in running)
    assert all(p["metadata"]["ownerReferences"][0]["name"] == rs["metadata"]["name"]
               for p in running)
    d = get(cluster, ns, "deployment", "web")
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    status = d["status"]
    assert (status["replicas"], status["updatedReplicas"], status["readyReplicas"],
            status["availableReplicas"]) == (2, 2, 2, 2)
    conditions = {c["type"]: c for c in status["conditions"]}
    assert conditions["Available"]["status"] == "True"
    assert conditions["Progressing"]["reason"] == "NewReplicaSetAvailable"
    table = cluster.kubectl("-n", ns, "get", "deployment", "web").stdout
    assert "2/2" in table
    events = cluster.kubectl("-n", ns, "get", "events").stdout
    assert "ScalingReplicaSet" in events and "SuccessfulCreate" in events


def test_deleted_pod_is_replaced_and_scaling_works(cluster: Server, ns: str,
                                                   ready_pods: ReadyPods) -> None:
    cluster.kubectl("-n", ns, "apply", "-f", "-", input=manifest(deployment("web", "nginx:1")))
    rollout_status(cluster, ns, "web")
    victim = pods(cluster, ns, "app=web")[0]["metadata"]["name"]
    cluster.kubectl("-n", ns, "delete", "pod", victim)

    def replaced() -> bool:
        names = {p["metadata"]["name"] for p in pods(cluster, ns, "app=web")}
        return len(names) == 2 and victim not in names

    eventually(replaced, what="a replacement pod")
    for count in (5, 1):
        cluster.kubectl("-n", ns, "scale", "deployment", "web", f"--replicas={count}")
        rollout_status(cluster, ns, "web")
        eventually(lambda c=count: len(pods(cluster, ns, "app=web")) == c,
                   what=f"{count} pods")
    assert len(get(cluster, ns, "replicasets")["items"]) == 1


def test_rolling_update_respects_max_unavailable(cluster: Server, ns: str,
                                                 ready_pods: ReadyPods) -> None:
    spec = {"strategy": {"type": "RollingUpdate",
                         "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 1}}}
    cluster.kubectl("-n", ns, "apply", "-f", "-",
                    input=manifest(deployment("web", "nginx:1", replicas=4, **spec)))
    rollout_status(cluster, ns, "web")
    lowest = [4]
    highest = [4]
    stop = threading.Event()

    def watch_availability() -> None:
        while not stop.is_set():
            live = pods(cluster, ns, "app=web")
            ready = sum(1 for p in live if any(
                c["type"] == "Ready" and c["status"] == "True"
                for c in (p.get("status") or {}).get("conditions") or []))
            lowest[0] = min(lowest[0], ready)
            wanted = sum(rs["spec"]["replicas"] for rs in get(cluster, ns, "rs")["items"])
            highest[0] = max(highest[0], wanted)

    watcher = threading.Thread(target=watch_availability)
    watcher.start()
    try:
        cluster.kubectl("-n", ns, "set", "image", "deployment/web", "web=nginx:2")
        assert "successfully rolled out" in rollout_status(cluster, ns, "web")
    finally:
        stop.set()
        watcher.join()
    assert lowest[0] >= 3, f"only {lowest[0]} pods were ready at one moment"
    assert highest[0] <= 5, f"{highest[0]} pods were wanted at one moment"
    live = pods(cluster, ns, "app=web")
    assert [p["spec"]["containers"][0]["image"] for p in live] == ["nginx:2"] * 4
    revisions = sorted(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                       for rs in get(cluster, ns, "replicasets")["items"])
    assert revisions == ["1", "2"]


def test_rollout_history_undo_and_to_revision(cluster: Server, ns: str,
                                              ready_pods: ReadyPods) -> None:
    cluster.kubectl("-n", ns, "apply", "-f", "-", input=manifest(deployment("web", "nginx:1")))
    rollout_status(cluster, ns, "web")
    for image in ("nginx:2", "nginx:3"):
        cluster.kubectl("-n", ns, "set", "image", "deployment/web", f"web={image}")
        cluster.kubectl("-n", ns, "annotate", "deployment/web", "--overwrite",
                        f"kubernetes.io/change-cause=image {image}")
        rollout_status(cluster, ns, "web")
    history = cluster.kubectl("-n", ns, "rollout", "history", "deployment/web").stdout
    lines = [line.split() for line in history.splitlines() if line[:1].isdigit()]
    assert [line[0] for line in lines] == ["1", "2", "3"]
    assert "image nginx:3" in history
    detail = cluster.kubectl("-n", ns, "rollout", "history", "deployment/web",
                             "--revision=2").stdout
    assert "nginx:2" in detail

    def image() -> str:
        d = get(cluster, ns, "deployment", "web")
        return str(d["spec"]["template"]["spec"]["containers"][0]["image"])

    cluster.kubectl("-n", ns, "rollout", "undo", "deployment/web")
    assert image() == "nginx:2"
    rollout_status(cluster, ns, "web")
    eventually(lambda: {p["spec"]["containers"][0]["image"]
                        for p in pods(cluster, ns, "app=web")} == {"nginx:2"},
               what="pods of the undone revision")
    cluster.kubectl("-n", ns, "rollout", "undo", "deployment/web", "--to-revision=1")
    assert image() == "nginx:1"
    rollout_status(cluster, ns, "web")
    history = cluster.kubectl("-n", ns, "rollout", "history", "deployment/web").stdout
    revisions = [line.split()[0] for line in history.splitlines() if line[:1].isdigit()]
    assert revisions == ["3", "4", "5"]  # 2 became 4, 1 became 5


def test_pause_resume_and_restart(cluster: Server, ns: str, ready_pods: ReadyPods) -> None:
    cluster.kubectl("-n", ns, "apply", "-f", "-", input=manifest(deployment("web", "nginx:1")))
    rollout_status(cluster, ns, "web")
    cluster.kubectl("-n", ns, "rollout", "pause", "deployment/web")
    cluster.kubectl("-n", ns, "set", "image", "deployment/web", "web=nginx:2")

    def progressing_reason() -> str:
        d = get(cluster, ns, "deployment", "web")
        return next(c["reason"] for c in d["status"]["conditions"]
                    if c["type"] == "Progressing")

    eventually(lambda: progressing_reason() == "DeploymentPaused", what="paused condition")
    assert len(get(cluster, ns, "replicasets")["items"]) == 1
    cluster.kubectl("-n", ns, "rollout", "resume", "deployment/web")
    rollout_status(cluster, ns, "web")
    assert len(get(cluster, ns, "replicasets")["items"]) == 2
    cluster.kubectl("-n", ns, "rollout", "restart", "deployment/web")
    rollout_status(cluster, ns, "web")
    assert len(get(cluster, ns, "replicasets")["items"]) == 3


def test_recreate_replaces_all_pods_at_once(cluster: Server, ns: str,
                                            ready_pods: ReadyPods) -> None:
    cluster.kubectl("-n", ns, "apply", "-f", "-", input=manifest(
        deployment("web", "nginx:1", replicas=3, strategy={"type": "Recreate"})))
    rollout_status(cluster, ns, "web")
    cluster.kubectl("-n", ns, "set", "image", "deployment/web", "web=nginx:2")
    rollout_status(cluster, ns, "web")
    images = [p["spec"]["containers"][0]["image"] for p in pods(cluster, ns, "app=web")]
    assert images == ["nginx:2"] * 3
    events = cluster.kubectl("-n", ns, "get", "events", "--field-selector",
                             "reason=ScalingReplicaSet").stdout
    assert "to 0 from 3" in events


def test_progress_deadline_exceeded(cluster: Server, ns: str, ready_pods: ReadyPods) -> None:
    cluster.kubectl("-n", ns, "apply", "-f", "-", input=manifest(
        deployment("web", "unready:1", replicas=1, progressDeadlineSeconds=2)))
    out = cluster.kubectl("-n", ns, "rollout", "status", "deployment/web", "--timeout=60s",
                          check=False, timeout=90)
    assert out.returncode != 0
    assert 'exceeded its progress deadline' in out.stderr
    d = get(cluster, ns, "deployment", "web")
    cond = next(c for c in d["status"]["conditions"] if c["type"] == "Progressing")
    assert (cond["status"], cond["reason"]) == ("False", "ProgressDeadlineExceeded")


def test_revision_history_limit_deletes_old_replicasets(cluster: Server, ns: str,
                                                        ready_pods: ReadyPods) -> None:
    cluster.kubectl("-n", ns, "apply", "-f", "-", input=manifest(
        deployment("web", "nginx:1", replicas=1, revisionHistoryLimit=1)))
    for image in ("nginx:2", "nginx:3", "nginx:4"):
        rollout_status(cluster, ns, "web")
        cluster.kubectl("-n", ns, "set", "image", "deployment/web", f"web={image}")
    rollout_status(cluster, ns, "web")

    def revisions() -> list[str]:
        return sorted(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                      for rs in get(cluster, ns, "replicasets")["items"])

    eventually(lambda: revisions() == ["3", "4"], what="one old revision kept")


def test_min_ready_seconds_delays_availability(cluster: Server, ns: str,
                                               ready_pods: ReadyPods) -> None:
    cluster.kubectl("-n", ns, "apply", "-f", "-", input=manifest(
        deployment("web", "nginx:1", replicas=2, minReadySeconds=2)))
    # Nothing changes once the pods are ready: only the controller's own timer can make
    # them available.
    assert "successfully rolled out" in rollout_status(cluster, ns, "web")
    d = get(cluster, ns, "deployment", "web")
    assert d["status"]["availableReplicas"] == 2
    rs = get(cluster, ns, "replicasets")["items"][0]
    assert rs["spec"]["minReadySeconds"] == 2
