"""kubectl logs and exec through the API server, proxied to the kubelet."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
from pathlib import Path

from tests.e2e.conftest import Cluster, pod_manifest, wait_for

COUNTER = "i=0; while true; do i=$((i+1)); echo line $i; echo err $i >&2; sleep 0.2; done"


def test_logs_tail_timestamps_and_container_choice(cluster: Cluster, ns: str) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "talk"},
           "spec": {"nodeName": cluster.agent.node_name, "terminationGracePeriodSeconds": 1,
                    "containers": [
                        {"name": "a", "image": "busybox:1.35",
                         "command": ["sh", "-c", "echo one; echo two; echo three; sleep 3600"]},
                        {"name": "b", "image": "busybox:1.35",
                         "command": ["sh", "-c", "echo from-b; sleep 3600"]}]}}
    cluster.apply(ns, json.dumps(pod))
    cluster.wait_running(ns, "talk")
    wait_for("logs", lambda: cluster.kubectl("logs", "-n", ns, "talk", "-c", "a").stdout ==
             "one\ntwo\nthree\n")
    assert cluster.kubectl("logs", "-n", ns, "talk", "-c", "a", "--tail=1").stdout == "three\n"
    stamped = cluster.kubectl("logs", "-n", ns, "talk", "-c", "a", "--timestamps").stdout
    first = stamped.splitlines()[0].split(" ", 1)
    assert first[0].endswith("Z") and first[1] == "one"
    assert cluster.kubectl("logs", "-n", ns, "talk", "-c", "b").stdout == "from-b\n"
    both = cluster.kubectl("logs", "-n", ns, "talk", "--all-containers").stdout
    assert "one" in both and "from-b" in both
    defaulted = cluster.kubectl("logs", "-n", ns, "talk")
    assert defaulted.stdout == "one\ntwo\nthree\n"
    assert 'Defaulted container "a" out of: a, b' in defaulted.stderr
    bad = cluster.kubectl("logs", "-n", ns, "talk", "-c", "nope", check=False)
    assert bad.returncode != 0 and "container nope is not valid for pod talk" in bad.stderr
    previous = cluster.kubectl("logs", "-n", ns, "talk", "-c", "a", "--previous", check=False)
    assert previous.returncode != 0
    assert 'previous terminated container "a" in pod "talk" not found' in previous.stderr


def test_logs_follow_streams_new_lines(cluster: Cluster, ns: str) -> None:
    cluster.apply(ns, pod_manifest("counter", cluster.agent.node_name, COUNTER))
    cluster.wait_running(ns, "counter")
    env = {**os.environ, "KUBECONFIG": str(cluster.kubeconfig)}
    proc = subprocess.Popen(["kubectl", "logs", "-f", "-n", ns, "counter"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        assert proc.stdout is not None
        seen = [proc.stdout.readline().decode() for _ in range(8)]
    finally:
        proc.kill()
        proc.wait()
    numbers = [int(line.split()[-1]) for line in seen if line.startswith("line")]
    assert numbers == sorted(numbers) and len(numbers) >= 4
    assert any(line.startswith("err") for line in seen)


def test_exec_runs_in_the_container_and_propagates_the_exit_code(cluster: Cluster,
                                                                ns: str) -> None:
    cluster.apply(ns, pod_manifest("box", cluster.agent.node_name, "sleep 3600"))
    cluster.wait_running(ns, "box")
    out = cluster.kubectl("exec", "-n", ns, "box", "--", "sh", "-c",
                          "echo out; echo err >&2; exit 3", check=False)
    assert out.returncode == 3
    assert out.stdout == "out\n" and "err" in out.stderr
    assert cluster.kubectl("exec", "-n", ns, "box", "--", "hostname").stdout == "box\n"
    piped = cluster.kubectl("exec", "-i", "-n", ns, "box", "--", "sh", "-c", "wc -c",
                            input="12345")
    assert piped.stdout.strip() == "5"
    resolv = cluster.kubectl("exec", "-n", ns, "box", "--", "cat", "/etc/resolv.conf").stdout
    assert "nameserver 10.43.0.10" in resolv
    assert f"search {ns}.svc.cluster.local svc.cluster.local cluster.local" in resolv
    assert "ndots:5" in resolv


def test_exec_with_a_terminal(cluster: Cluster, ns: str) -> None:
    cluster.apply(ns, pod_manifest("tty", cluster.agent.node_name, "sleep 3600"))
    cluster.wait_running(ns, "tty")
    env = {**os.environ, "KUBECONFIG": str(cluster.kubeconfig)}
    # kubectl -t wants a terminal on its side too: give it a pseudo-terminal.
    master, slave = pty.openpty()
    proc = subprocess.Popen(["kubectl", "exec", "-it", "-n", ns, "tty", "--", "sh", "-c",
                             "tty; exit 4"],
                            stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    output = b""
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 20)
            if not ready:
                break
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        assert proc.wait(timeout=20) == 4, output
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    assert b"/dev/pts/" in output, output


def test_cp_into_and_out_of_a_pod(cluster: Cluster, ns: str, tmp_path: Path) -> None:
    cluster.apply(ns, pod_manifest("files", cluster.agent.node_name, "sleep 3600"))
    cluster.wait_running(ns, "files")
    local = tmp_path / "local.txt"
    local.write_text("copied in\n")
    cluster.kubectl("cp", "-n", ns, str(local), "files:/tmp/remote.txt")
    assert cluster.kubectl("exec", "-n", ns, "files", "--", "cat", "/tmp/remote.txt"
                           ).stdout == "copied in\n"
    cluster.kubectl("exec", "-n", ns, "files", "--", "sh", "-c", "echo made here > /tmp/out")
    cluster.kubectl("cp", "-n", ns, "files:/tmp/out", str(tmp_path / "out"))
    assert (tmp_path / "out").read_text() == "made here\n"


def test_attach_reaches_the_containers_stdin_and_stdout(cluster: Cluster, ns: str) -> None:
    cluster.apply(ns, pod_manifest("echo", cluster.agent.node_name,
                                   "while read line; do echo got $line; done",
                                   container={"stdin": True}))
    cluster.wait_running(ns, "echo")
    env = {**os.environ, "KUBECONFIG": str(cluster.kubeconfig)}
    proc = subprocess.Popen(["kubectl", "attach", "-i", "-n", ns, "echo"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env)
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(b"hello\n")
        proc.stdin.flush()
        assert proc.stdout.readline() == b"got hello\n"
    finally:
        proc.kill()
        proc.wait()


def test_exec_into_a_container_that_is_not_running_says_so(cluster: Cluster, ns: str) -> None:
    cluster.apply(ns, pod_manifest("stuck", cluster.agent.node_name, "sleep 3600", container={
        "env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "absent",
                                                                "key": "k"}}}]}))
    cluster.wait_pod(ns, "stuck", lambda p: (p["status"].get("containerStatuses") or [{}])[0]
                     .get("state", {}).get("waiting", {}).get("reason") ==
                     "CreateContainerConfigError", "CreateContainerConfigError")
    out = cluster.kubectl("exec", "-n", ns, "stuck", "--", "true", check=False)
    assert out.returncode != 0
    assert 'unable to upgrade connection: container not found ("main")' in out.stderr
