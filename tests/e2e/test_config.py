"""Configuration into containers: env, envFrom, valueFrom, and the volume types."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.e2e.conftest import Cluster, pod_manifest, wait_for


def _objects(cluster: Cluster, ns: str) -> None:
    cluster.kubectl("create", "-n", ns, "-f", "-", input=json.dumps({
        "apiVersion": "v1", "kind": "List", "items": [
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"},
             "data": {"COLOR": "blue", "greeting": "hello"}},
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds"},
             "stringData": {"password": "s3cret", "user": "admin"}},
        ]}))


def test_env_from_values_config_maps_secrets_and_fields(cluster: Cluster, ns: str) -> None:
    _objects(cluster, ns)
    env = [
        {"name": "PLAIN", "value": "v1"},
        {"name": "EXPANDED", "value": "$(PLAIN)-x $$(PLAIN)"},
        {"name": "GREETING", "valueFrom": {"configMapKeyRef": {"name": "settings",
                                                               "key": "greeting"}}},
        {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "creds",
                                                            "key": "password"}}},
        {"name": "MISSING_OK", "valueFrom": {"secretKeyRef": {"name": "nope", "key": "k",
                                                              "optional": True}}},
        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {"name": "POD_NS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
        {"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
        {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
        {"name": "HOST_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.hostIP"}}},
        {"name": "MEM_LIMIT", "valueFrom": {"resourceFieldRef": {
            "resource": "limits.memory", "divisor": "1Mi"}}},
    ]
    cluster.apply(ns, pod_manifest("envy", cluster.agent.node_name, "env; sleep 3600",
                                   container={
                                       "env": env,
                                       "args": ["$(PLAIN)"],
                                       "resources": {"limits": {"memory": "64Mi"}},
                                       "envFrom": [{"configMapRef": {"name": "settings"},
                                                    "prefix": "CM_"},
                                                   {"secretRef": {"name": "creds"}}]}))
    pod = cluster.wait_running(ns, "envy")
    out = wait_for("env output", lambda: cluster.kubectl("logs", "-n", ns, "envy").stdout)
    got = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    assert got["PLAIN"] == "v1"
    assert got["EXPANDED"] == "v1-x $(PLAIN)"
    assert got["GREETING"] == "hello" and got["PASSWORD"] == "s3cret"
    assert got["CM_COLOR"] == "blue" and got["CM_greeting"] == "hello"
    assert got["user"] == "admin" and got["password"] == "s3cret"
    assert "MISSING_OK" not in got
    assert got["POD_NAME"] == "envy" and got["POD_NS"] == ns
    assert got["NODE"] == cluster.agent.node_name
    assert got["POD_IP"] == pod["status"]["podIP"] and got["HOST_IP"] == "127.0.0.1"
    assert got["MEM_LIMIT"] == "64"
    limit = cluster.kubectl("exec", "-n", ns, "envy", "--", "sh", "-c",
                            "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || "
                            "cat /sys/fs/cgroup/memory.max").stdout.strip()
    assert limit == str(64 * 2**20)  # the limit reached the container's cgroup


def test_missing_config_map_leaves_the_container_waiting(cluster: Cluster, ns: str) -> None:
    cluster.apply(ns, pod_manifest("lost", cluster.agent.node_name, "sleep 3600", container={
        "env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "absent",
                                                                "key": "k"}}}]}))
    pod = cluster.wait_pod(ns, "lost", lambda p: (p["status"].get("containerStatuses") or [{}])
                           [0].get("state", {}).get("waiting", {}).get("reason") ==
                           "CreateContainerConfigError", "CreateContainerConfigError")
    waiting = pod["status"]["containerStatuses"][0]["state"]["waiting"]
    assert waiting["message"] == 'configmap "absent" not found'
    assert pod["status"]["phase"] == "Pending"
    cluster.kubectl("create", "configmap", "absent", "-n", ns, "--from-literal=k=found")
    cluster.wait_running(ns, "lost")


def test_secret_volume_is_on_tmpfs_and_config_map_updates_propagate(cluster: Cluster,
                                                                  ns: str) -> None:
    _objects(cluster, ns)
    cluster.apply(ns, pod_manifest(
        "vols", cluster.agent.node_name, "sleep 3600",
        volumes=[
            {"name": "secret", "secret": {"secretName": "creds", "defaultMode": 0o400}},
            {"name": "config", "configMap": {"name": "settings",
                                             "items": [{"key": "COLOR", "path": "color"}]}},
            {"name": "info", "downwardAPI": {"items": [
                {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}},
                {"path": "name", "fieldRef": {"fieldPath": "metadata.name"}}]}},
            {"name": "all", "projected": {"sources": [
                {"configMap": {"name": "settings", "items": [{"key": "greeting",
                                                              "path": "greeting"}]}},
                {"secret": {"name": "creds", "items": [{"key": "user", "path": "user"}]}}]}},
        ],
        container={"volumeMounts": [
            {"name": "secret", "mountPath": "/secret", "readOnly": True},
            {"name": "config", "mountPath": "/config"},
            {"name": "info", "mountPath": "/info"},
            {"name": "all", "mountPath": "/all"}]}))
    cluster.kubectl("label", "pod", "vols", "-n", ns, "tier=web")
    cluster.wait_running(ns, "vols")

    def sh(command: str) -> str:
        return str(cluster.kubectl("exec", "-n", ns, "vols", "--", "sh", "-c", command).stdout)

    assert sh("cat /secret/password") == "s3cret"
    assert "tmpfs" in sh("mount | grep ' /secret '")
    assert sh("stat -L -c %a /secret/password").strip() == "400"
    assert sh("cat /config/color") == "blue"
    assert sh("ls /config").split() == ["color"]
    assert sh("cat /info/name") == "vols"
    assert sh("cat /all/greeting /all/user") == "helloadmin"
    wait_for("labels in the downward API volume",
             lambda: 'tier="web"' in sh("cat /info/labels"), timeout=30)
    cluster.kubectl("patch", "configmap", "settings", "-n", ns, "-p",
                    json.dumps({"data": {"COLOR": "green"}}))
    wait_for("the config map update in the volume", lambda: sh("cat /config/color") ==
             "green", timeout=30)


def test_host_path_and_empty_dir_in_memory(cluster: Cluster, ns: str) -> None:
    host_dir = f"/tmp/pyk8s-e2e-{ns}"
    cluster.apply(ns, pod_manifest(
        "hosty", cluster.agent.node_name, "echo from-pod > /host/f; sleep 3600",
        volumes=[{"name": "host", "hostPath": {"path": host_dir, "type": "DirectoryOrCreate"}},
                 {"name": "mem", "emptyDir": {"medium": "Memory", "sizeLimit": "16Mi"}},
                 {"name": "strict", "hostPath": {"path": "/etc/hostname", "type": "File"}}],
        container={"volumeMounts": [{"name": "host", "mountPath": "/host"},
                                    {"name": "mem", "mountPath": "/mem"},
                                    {"name": "strict", "mountPath": "/hostname",
                                     "readOnly": True}]}))
    try:
        cluster.wait_running(ns, "hosty")
        wait_for("the file on the host", lambda: Path(host_dir, "f").exists()
                 and Path(host_dir, "f").read_text() == "from-pod\n")
        mounts = cluster.kubectl("exec", "-n", ns, "hosty", "--", "mount").stdout
        assert any(" /mem " in line and "tmpfs" in line for line in mounts.splitlines())
        write = cluster.kubectl("exec", "-n", ns, "hosty", "--", "sh", "-c",
                                "echo x > /hostname", check=False)
        assert write.returncode != 0
    finally:
        cluster.kubectl("delete", "pod", "hosty", "-n", ns, "--grace-period=1", check=False)
        shutil.rmtree(host_dir, ignore_errors=True)


def test_persistent_volume_claim_and_sub_path(cluster: Cluster, ns: str) -> None:
    host_dir = f"/tmp/pyk8s-e2e-pv-{ns}"
    cluster.kubectl("create", "-f", "-", input=json.dumps({
        "apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": f"pv-{ns}"},
        "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                 "hostPath": {"path": host_dir}, "storageClassName": "manual"}}))
    cluster.kubectl("create", "-n", ns, "-f", "-", input=json.dumps({
        "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "manual",
                 "volumeName": f"pv-{ns}", "resources": {"requests": {"storage": "1Gi"}}}}))
    try:
        cluster.apply(ns, pod_manifest(
            "claimer", cluster.agent.node_name,
            "echo kept > /data/file; echo sub > /sub/file; sleep 3600",
            volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}],
            container={"volumeMounts": [{"name": "data", "mountPath": "/data"},
                                        {"name": "data", "mountPath": "/sub",
                                         "subPath": "nested"}]}))
        cluster.wait_running(ns, "claimer")
        wait_for("files on the volume", lambda: Path(host_dir, "nested", "file").exists()
                 and Path(host_dir, "file").read_text() == "kept\n")
        assert Path(host_dir, "nested", "file").read_text() == "sub\n"
    finally:
        cluster.kubectl("delete", "pod", "claimer", "-n", ns, "--grace-period=1",
                        check=False)
        cluster.kubectl("delete", "pv", f"pv-{ns}", "--wait=false", check=False)
        shutil.rmtree(host_dir, ignore_errors=True)
