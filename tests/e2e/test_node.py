"""The node itself: its Node object and Lease, images, stats, and surviving restarts."""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
import time
import urllib.request

from pyk8s.kubelet import imagebuild
from tests.e2e.conftest import Cluster, pod_manifest, wait_for
from tests.support import ROOT

HTTPD = "echo up > /tmp/index.html; exec httpd -f -p 8080 -h /tmp"


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return str(resp.read().decode())


def test_node_reports_capacity_info_conditions_and_renews_its_lease(cluster: Cluster) -> None:
    node = cluster.get("node", cluster.agent.node_name)
    status = node["status"]
    assert set(status["capacity"]) >= {"cpu", "memory", "ephemeral-storage", "pods"}
    assert status["allocatable"]["pods"] == "110"
    info = status["nodeInfo"]
    assert info["containerRuntimeVersion"].startswith("containerd://")
    assert info["kubeletVersion"].startswith("v1.")
    assert info["operatingSystem"] == "linux" and info["kernelVersion"]
    conditions = {c["type"]: c for c in status["conditions"]}
    assert conditions["Ready"]["status"] == "True"
    assert conditions["Ready"]["reason"] == "KubeletReady"
    for pressure in ("MemoryPressure", "DiskPressure", "PIDPressure"):
        assert conditions[pressure]["status"] == "False"
    assert {"type": "InternalIP", "address": "127.0.0.1"} in status["addresses"]
    assert status["daemonEndpoints"]["kubeletEndpoint"]["Port"] == cluster.agent.kubelet_port
    assert node["metadata"]["labels"]["kubernetes.io/hostname"] == cluster.agent.node_name
    names = [n for image in status["images"] for n in image["names"]]
    assert "docker.io/library/busybox:1.35" in names and "docker.io/pyk8s/pause:1.0" in names
    lease = cluster.get("lease", cluster.agent.node_name, "-n", "kube-node-lease")
    assert lease["spec"]["holderIdentity"] == cluster.agent.node_name
    first = lease["spec"]["renewTime"]
    wait_for("a lease renewal", lambda: cluster.get(
        "lease", cluster.agent.node_name, "-n", "kube-node-lease")["spec"]["renewTime"] != first,
        timeout=25, interval=1)


def test_images_import_and_ls_for_air_gapped_nodes(cluster: Cluster, ns: str, tmp_path:
                                                   object) -> None:
    from pathlib import Path

    archive = Path(str(tmp_path)) / "tiny.tar"
    layer = imagebuild._tar_layer({"bin": None, "bin/busybox": imagebuild.BUSYBOX.read_bytes(),
                                   "bin/sh": "/bin/busybox", "bin/sleep": "/bin/busybox"})
    archive.write_bytes(imagebuild.oci_archive(("docker.io/library/tiny:2.0",), layer,
                                               {"Cmd": ["sleep", "3600"]}))
    pyk8s = [sys.executable, "-m", "pyk8s.cli.main", "images"]
    data_dir = str(cluster.agent.data_dir)
    imported = subprocess.run([*pyk8s, "import", "--data-dir", data_dir, str(archive)],
                              capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert imported.returncode == 0, imported.stderr
    listed = subprocess.run([*pyk8s, "ls", "--data-dir", data_dir], capture_output=True,
                            text=True, cwd=ROOT, timeout=60).stdout
    assert "docker.io/library/tiny" in listed and "docker.io/library/busybox" in listed
    assert "docker.io/pyk8s/pause" in listed
    cluster.apply(ns, json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "t"},
                                  "spec": {"nodeName": cluster.agent.node_name,
                                           "terminationGracePeriodSeconds": 1,
                                           "containers": [{"name": "t", "image": "tiny:2.0"}]}}))
    cluster.wait_running(ns, "t")


def test_stats_summary_reports_pod_cpu_and_memory(cluster: Cluster, ns: str) -> None:
    cluster.apply(ns, pod_manifest("busy", cluster.agent.node_name, "sleep 3600"))
    cluster.wait_running(ns, "busy")
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    token = (cluster.server.data_dir / "node-token").read_text().strip()

    url = f"https://127.0.0.1:{cluster.agent.kubelet_port}/stats/summary"

    def summary() -> dict:  # type: ignore[type-arg]
        req = urllib.request.Request(url,
                                     headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(req, context=ctx, timeout=10) as resp:
            return json.loads(resp.read())  # type: ignore[no-any-return]

    def pod_stats() -> dict | None:  # type: ignore[type-arg]
        return next((p for p in summary()["pods"] if p["podRef"]["name"] == "busy"
                     and p["podRef"]["namespace"] == ns), None)

    stats = wait_for("pod stats", pod_stats)
    assert stats["containers"][0]["name"] == "main"
    assert stats["memory"]["workingSetBytes"] > 0
    assert stats["cpu"]["usageCoreNanoSeconds"] >= 0
    node = summary()["node"]
    assert node["nodeName"] == cluster.agent.node_name and node["memory"]["usageBytes"] > 0
    unauthorized = urllib.request.Request(url)
    try:
        urllib.request.urlopen(unauthorized, context=ctx, timeout=10)
        raise AssertionError("the kubelet answered without credentials")
    except urllib.error.HTTPError as e:
        assert e.code == 401


def test_agent_restart_adopts_pods_and_server_downtime_keeps_them_serving(
        cluster: Cluster, ns: str) -> None:
    cluster.apply(ns, pod_manifest("steady", cluster.agent.node_name, HTTPD,
                                   terminationGracePeriodSeconds=1))
    before = cluster.wait_running(ns, "steady")
    ip = before["status"]["podIP"]
    container_id = before["status"]["containerStatuses"][0]["containerID"]
    cluster.agent.stop()
    assert _get(f"http://{ip}:8080/index.html") == "up\n"  # no agent, no containerd
    cluster.agent.start()
    cluster.server.stop()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the control plane is down; the pod serves on
        assert _get(f"http://{ip}:8080/index.html") == "up\n"
        time.sleep(1)
    cluster.server.start()
    wait_for("the node to be Ready again", lambda: {
        c["type"]: c["status"] for c in cluster.get("node", cluster.agent.node_name)
        ["status"]["conditions"]}.get("Ready") == "True")
    after = cluster.wait_running(ns, "steady")
    cs = after["status"]["containerStatuses"][0]
    assert cs["containerID"] == container_id and cs["restartCount"] == 0
    assert after["status"]["podIP"] == ip
    wait_for("exec through the restarted agent", lambda: cluster.kubectl(
        "exec", "-n", ns, "steady", "--", "cat", "/tmp/index.html", check=False).stdout ==
        "up\n", timeout=30)
