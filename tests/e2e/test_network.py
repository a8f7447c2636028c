"""Pod networking beyond the pod IP: hostPort, hostNetwork, DNS policies, port-forward."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.request
from pathlib import Path

from tests.e2e.conftest import Cluster, pod_manifest, wait_for
from tests.support import free_port

HTTPD = "echo {} > /tmp/index.html; exec httpd -f -p {} -h /tmp"


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return str(resp.read().decode())


def test_host_port_and_host_network(cluster: Cluster, ns: str) -> None:
    node = cluster.agent.node_name
    host_port, host_net_port = free_port(), free_port()
    cluster.apply(ns, pod_manifest("mapped", node, HTTPD.format("mapped", 8080), container={
        "ports": [{"containerPort": 8080, "hostPort": host_port}]}))
    cluster.apply(ns, pod_manifest("onhost", node, HTTPD.format("onhost", host_net_port),
                                   hostNetwork=True))
    cluster.wait_running(ns, "mapped")
    onhost = cluster.wait_running(ns, "onhost")
    assert onhost["status"]["podIP"] == onhost["status"]["hostIP"] == "127.0.0.1"
    wait_for("the hostPort", lambda: _get(f"http://127.0.0.1:{host_port}/index.html")
             == "mapped\n")
    wait_for("the host network pod", lambda: _get(
        f"http://127.0.0.1:{host_net_port}/index.html") == "onhost\n")


def test_dns_policy_none_uses_dns_config(cluster: Cluster, ns: str) -> None:
    cluster.apply(ns, pod_manifest("dns", cluster.agent.node_name, "sleep 3600",
                                   dnsPolicy="None", dnsConfig={
                                       "nameservers": ["192.0.2.53"], "searches": ["example"],
                                       "options": [{"name": "ndots", "value": "2"}]}))
    cluster.wait_running(ns, "dns")
    resolv = cluster.kubectl("exec", "-n", ns, "dns", "--", "cat", "/etc/resolv.conf").stdout
    assert "nameserver 192.0.2.53" in resolv and "search example" in resolv
    assert "ndots:2" in resolv and "10.43.0.10" not in resolv


def test_lifecycle_hooks(cluster: Cluster, ns: str) -> None:
    host_dir = f"/tmp/pyk8s-e2e-hooks-{ns}"
    pod = json.loads(pod_manifest(
        "hooks", cluster.agent.node_name, "trap 'exit 0' TERM; while true; do sleep 0.2; done",
        terminationGracePeriodSeconds=10,
        volumes=[{"name": "out", "hostPath": {"path": host_dir, "type": "DirectoryOrCreate"}}],
        container={
            "volumeMounts": [{"name": "out", "mountPath": "/out"}],
            "lifecycle": {
                "postStart": {"exec": {"command": ["sh", "-c", "echo started > /out/post"]}},
                "preStop": {"exec": {"command": ["sh", "-c", "echo stopping > /out/pre"]}}}}))
    cluster.apply(ns, json.dumps(pod))
    cluster.wait_running(ns, "hooks")
    wait_for("postStart", lambda: cluster.kubectl("exec", "-n", ns, "hooks", "--", "cat",
                                                  "/out/post", check=False).stdout ==
             "started\n")
    cluster.kubectl("delete", "pod", "hooks", "-n", ns, "--wait=true", timeout=60)
    try:
        assert Path(host_dir, "pre").read_text() == "stopping\n"
    finally:
        shutil.rmtree(host_dir, ignore_errors=True)


def test_port_forward_with_the_python_client(cluster: Cluster, ns: str) -> None:
    from kubernetes import client
    from kubernetes.stream import portforward

    cluster.apply(ns, pod_manifest("fwd", cluster.agent.node_name,
                                   HTTPD.format("forwarded", 8080)))
    cluster.wait_running(ns, "fwd")
    api = client.ApiClient(cluster.server.client_config())
    try:
        core = client.CoreV1Api(api)
        pf = portforward(core.connect_get_namespaced_pod_portforward, "fwd", ns,
                         ports="8080")
        sock = pf.socket(8080)
        sock.settimeout(10)
        sock.sendall(b"GET /index.html HTTP/1.0\r\n\r\n")
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
            if b"forwarded" in data:
                break
        sock.close()
        pf.close()
        assert b"200 OK" in data and b"forwarded\n" in data
    finally:
        api.close()


def test_kubectl_port_forward(cluster: Cluster, ns: str) -> None:
    cluster.apply(ns, pod_manifest("kfwd", cluster.agent.node_name,
                                   HTTPD.format("through-kubectl", 8080)))
    cluster.wait_running(ns, "kfwd")
    local = free_port()
    env = {**os.environ, "KUBECONFIG": str(cluster.kubeconfig)}
    proc = subprocess.Popen(["kubectl", "port-forward", "-n", ns, "pod/kfwd",
                             f"{local}:8080"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    try:
        assert proc.stdout is not None
        assert b"Forwarding from 127.0.0.1" in proc.stdout.readline()
        for _ in range(3):  # one SPDY stream pair per connection
            assert _get(f"http://127.0.0.1:{local}/index.html") == "through-kubectl\n"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_etc_hosts_host_aliases_and_sysctls(cluster: Cluster, ns: str) -> None:
    cluster.apply(ns, pod_manifest(
        "named", cluster.agent.node_name, "sleep 3600",
        hostAliases=[{"ip": "192.0.2.7", "hostnames": ["db.internal", "db"]}],
        securityContext={"sysctls": [{"name": "kernel.shm_rmid_forced", "value": "1"}],
                         "supplementalGroups": [2345]}))
    pod = cluster.wait_running(ns, "named")

    def sh(command: str) -> str:
        return str(cluster.kubectl("exec", "-n", ns, "named", "--", "sh", "-c", command).stdout)

    hosts = sh("cat /etc/hosts")
    assert f"{pod['status']['podIP']}\tnamed" in hosts
    assert "192.0.2.7\tdb.internal\tdb" in hosts
    assert sh("cat /proc/sys/kernel/shm_rmid_forced").strip() == "1"
    assert "2345" in sh("id -G")
