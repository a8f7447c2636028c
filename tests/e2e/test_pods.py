"""Pods through CRI on a real containerd: running, networking, restarts, termination."""

from __future__ import annotations

import json
import urllib.request

from tests.e2e.conftest import Cluster, pod_manifest, wait_for

HTTPD = "echo hello from $(hostname) > /tmp/index.html; exec httpd -f -p 8080 -h /tmp"


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return str(resp.read().decode())


def test_pod_runs_and_serves_on_its_pod_ip(cluster: Cluster, ns: str) -> None:
    node = cluster.agent.node_name
    cluster.apply(ns, pod_manifest("web", node, HTTPD,
                                   container={"ports": [{"containerPort": 8080}]}))
    pod = cluster.wait_running(ns, "web")
    status = pod["status"]
    assert status["hostIP"] == "127.0.0.1"
    assert status["podIPs"] == [{"ip": status["podIP"]}]
    assert status["qosClass"] == "BestEffort"
    assert status["startTime"]
    conditions = {c["type"]: c["status"] for c in status["conditions"]}
    assert conditions["Ready"] == conditions["ContainersReady"] == "True"
    assert conditions["Initialized"] == conditions["PodReadyToStartContainers"] == "True"
    [cs] = status["containerStatuses"]
    assert cs["name"] == "main" and cs["ready"] and cs["started"]
    assert cs["restartCount"] == 0
    assert cs["containerID"].startswith("containerd://")
    assert cs["image"] == "busybox:1.35" and cs["imageID"]
    assert "startedAt" in cs["state"]["running"]
    assert _get(f"http://{status['podIP']}:8080/index.html") == "hello from web\n"


def test_multi_container_pod_shares_localhost_and_an_empty_dir(cluster: Cluster,
                                                               ns: str) -> None:
    pod = {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "duo"},
        "spec": {
            "nodeName": cluster.agent.node_name, "terminationGracePeriodSeconds": 1,
            "volumes": [{"name": "shared", "emptyDir": {}}],
            "containers": [
                {"name": "server", "image": "busybox:1.35",
                 "command": ["sh", "-c", "echo from-server > /srv/index.html; "
                             "exec httpd -f -p 8080 -h /srv"],
                 "volumeMounts": [{"name": "shared", "mountPath": "/srv"}]},
                {"name": "client", "image": "busybox:1.35",
                 "command": ["sh", "-c", "sleep 3600"],
                 "volumeMounts": [{"name": "shared", "mountPath": "/data"}]},
            ]}}
    cluster.apply(ns, json.dumps(pod))
    cluster.wait_pod(ns, "duo", lambda p: all(c.get("ready") for c in
                                              p["status"].get("containerStatuses", [])) and
                     len(p["status"].get("containerStatuses", [])) == 2, "both ready")
    out = cluster.kubectl("exec", "-n", ns, "duo", "-c", "client", "--",
                          "wget", "-qO-", "http://127.0.0.1:8080/index.html").stdout
    assert out == "from-server\n"
    assert cluster.kubectl("exec", "-n", ns, "duo", "-c", "client", "--", "cat",
                           "/data/index.html").stdout == "from-server\n"


def test_empty_dir_survives_a_container_kill(cluster: Cluster, ns: str) -> None:
    """Seed 003's lab: write to an emptyDir, kill PID 1, the container restarts, the file stays."""
    pod = json.loads(pod_manifest(
        "redis", cluster.agent.node_name,
        "trap 'exit 0' TERM; while true; do sleep 0.2; done",
        volumes=[{"name": "data", "emptyDir": {}}],
        container={"volumeMounts": [{"name": "data", "mountPath": "/data"}]}))
    cluster.apply(ns, json.dumps(pod))
    cluster.wait_running(ns, "redis")
    cluster.kubectl("exec", "-n", ns, "redis", "--", "sh", "-c", "echo saved > /data/f")
    cluster.kubectl("exec", "-n", ns, "redis", "--", "kill", "1")
    after = cluster.wait_pod(ns, "redis", lambda p: p["status"]["containerStatuses"][0]
                             ["restartCount"] == 1 and p["status"]["containerStatuses"][0]
                             ["ready"], "restarted once")
    cs = after["status"]["containerStatuses"][0]
    assert cs["lastState"]["terminated"]["exitCode"] == 0
    assert cs["lastState"]["terminated"]["reason"] == "Completed"
    assert cluster.kubectl("exec", "-n", ns, "redis", "--", "cat", "/data/f").stdout == \
        "saved\n"


def test_crashing_container_goes_into_crash_loop_back_off(cluster: Cluster, ns: str) -> None:
    cluster.apply(ns, pod_manifest("crash", cluster.agent.node_name, "echo boom; exit 3"))
    pod = cluster.wait_pod(
        ns, "crash", lambda p: (p["status"].get("containerStatuses") or [{}])[0]
        .get("state", {}).get("waiting", {}).get("reason") == "CrashLoopBackOff",
        "CrashLoopBackOff")
    cs = pod["status"]["containerStatuses"][0]
    assert cs["restartCount"] >= 1
    assert cs["lastState"]["terminated"]["exitCode"] == 3
    assert cs["lastState"]["terminated"]["reason"] == "Error"
    assert "back-off 10s restarting failed container=main" in cs["state"]["waiting"]["message"]
    assert pod["status"]["phase"] == "Running"
    assert cluster.kubectl("logs", "-n", ns, "crash", "--previous").stdout == "boom\n"
    get = cluster.kubectl("get", "pod", "crash", "-n", ns).stdout
    assert "CrashLoopBackOff" in get


def test_restart_policy_never_ends_in_succeeded_or_failed(cluster: Cluster, ns: str) -> None:
    node = cluster.agent.node_name
    cluster.apply(ns, pod_manifest("ok", node, "echo done", restartPolicy="Never"))
    cluster.apply(ns, pod_manifest("bad", node, "exit 7", restartPolicy="Never"))
    ok = cluster.wait_pod(ns, "ok", lambda p: p["status"].get("phase") == "Succeeded",
                          "Succeeded")
    bad = cluster.wait_pod(ns, "bad", lambda p: p["status"].get("phase") == "Failed", "Failed")
    term = ok["status"]["containerStatuses"][0]["state"]["terminated"]
    assert term["exitCode"] == 0 and term["reason"] == "Completed"
    assert bad["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"] == 7
    ready = {c["type"]: c for c in ok["status"]["conditions"]}["Ready"]
    assert ready["status"] == "False" and ready["reason"] == "PodCompleted"
    assert cluster.kubectl("logs", "-n", ns, "ok").stdout == "done\n"


def test_init_containers_run_in_order_before_the_app(cluster: Cluster, ns: str) -> None:
    pod = {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "init"},
        "spec": {
            "nodeName": cluster.agent.node_name, "terminationGracePeriodSeconds": 1,
            "volumes": [{"name": "work", "emptyDir": {}}],
            "initContainers": [
                {"name": f"step{i}", "image": "busybox:1.35",
                 "command": ["sh", "-c", f"echo step{i} >> /work/order"],
                 "volumeMounts": [{"name": "work", "mountPath": "/work"}]} for i in (1, 2)],
            "containers": [{"name": "app", "image": "busybox:1.35",
                            "command": ["sh", "-c", "cat /work/order; sleep 3600"],
                            "volumeMounts": [{"name": "work", "mountPath": "/work"}]}]}}
    cluster.apply(ns, json.dumps(pod))
    running = cluster.wait_running(ns, "init")
    inits = running["status"]["initContainerStatuses"]
    assert [s["name"] for s in inits] == ["step1", "step2"]
    assert all(s["state"]["terminated"]["exitCode"] == 0 for s in inits)
    assert all(s["state"]["terminated"]["reason"] == "Completed" for s in inits)
    wait_for("app output", lambda: cluster.kubectl("logs", "-n", ns, "init", "-c", "app")
             .stdout == "step1\nstep2\n")


def test_graceful_deletion_sends_sigterm_then_removes_the_pod(cluster: Cluster,
                                                              ns: str) -> None:
    cluster.apply(ns, pod_manifest(
        "term", cluster.agent.node_name,
        "trap 'echo got TERM > /dev/termination-log; exit 0' TERM; "
        "while true; do sleep 0.2; done", terminationGracePeriodSeconds=20))
    cluster.wait_running(ns, "term")
    cluster.kubectl("delete", "pod", "term", "-n", ns, "--wait=true", timeout=30)
    out = cluster.kubectl("get", "pod", "term", "-n", ns, check=False)
    assert out.returncode != 0 and "NotFound" in out.stderr


def test_pod_ignoring_sigterm_is_killed_after_its_grace_period(cluster: Cluster,
                                                               ns: str) -> None:
    cluster.apply(ns, pod_manifest("stubborn", cluster.agent.node_name,
                                   "trap '' TERM; while true; do sleep 0.2; done",
                                   terminationGracePeriodSeconds=2))
    cluster.wait_running(ns, "stubborn")
    cluster.kubectl("delete", "pod", "stubborn", "-n", ns, "--wait=true", timeout=30)
    assert cluster.kubectl("get", "pod", "stubborn", "-n", ns, check=False).returncode != 0


def test_termination_message_and_on_failure_restarts(cluster: Cluster, ns: str) -> None:
    node = cluster.agent.node_name
    cluster.apply(ns, pod_manifest("msg", node, "echo 'all done' > /dev/termination-log",
                                   restartPolicy="Never"))
    cluster.apply(ns, pod_manifest("fallback", node, "echo last words; exit 2",
                                   restartPolicy="Never",
                                   container={"terminationMessagePolicy":
                                              "FallbackToLogsOnError"}))
    cluster.apply(ns, pod_manifest(
        "retry", node, "if [ -f /data/ran ]; then sleep 3600; fi; touch /data/ran; exit 1",
        restartPolicy="OnFailure", volumes=[{"name": "data", "emptyDir": {}}],
        container={"volumeMounts": [{"name": "data", "mountPath": "/data"}]}))
    msg = cluster.wait_pod(ns, "msg", lambda p: p["status"].get("phase") == "Succeeded",
                           "Succeeded")
    assert msg["status"]["containerStatuses"][0]["state"]["terminated"]["message"] == \
        "all done\n"
    fallback = cluster.wait_pod(ns, "fallback", lambda p: p["status"].get("phase") == "Failed",
                                "Failed")
    assert fallback["status"]["containerStatuses"][0]["state"]["terminated"]["message"] == \
        "last words\n"
    retry = cluster.wait_pod(ns, "retry", lambda p: p["status"]["containerStatuses"][0]
                             ["restartCount"] == 1 and p["status"]["containerStatuses"][0]
                             ["ready"], "restarted once after failing")
    assert retry["status"]["phase"] == "Running"
    assert retry["status"]["containerStatuses"][0]["lastState"]["terminated"]["exitCode"] == 1


def test_force_deleted_pod_is_stopped_on_the_node(cluster: Cluster, ns: str) -> None:
    cluster.apply(ns, pod_manifest("gone", cluster.agent.node_name, HTTPD,
                                   terminationGracePeriodSeconds=30))
    ip = cluster.wait_running(ns, "gone")["status"]["podIP"]
    assert _get(f"http://{ip}:8080/index.html") == "hello from gone\n"
    cluster.kubectl("delete", "pod", "gone", "-n", ns, "--force", "--grace-period=0")

    def stopped() -> bool:
        try:
            _get(f"http://{ip}:8080/index.html")
        except OSError:
            return True
        return False

    wait_for("the pod's containers to stop", stopped, timeout=30)


def test_active_deadline_fails_the_pod(cluster: Cluster, ns: str) -> None:
    cluster.apply(ns, pod_manifest("late", cluster.agent.node_name,
                                   "trap 'exit 0' TERM; while true; do sleep 0.2; done",
                                   activeDeadlineSeconds=3))
    pod = cluster.wait_pod(ns, "late", lambda p: p["status"].get("phase") == "Failed",
                           "Failed", timeout=30)
    assert pod["status"]["reason"] == "DeadlineExceeded"
    assert "terminated" in pod["status"]["containerStatuses"][0]["state"]
