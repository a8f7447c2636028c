"""The Node object of this machine: registration, status and the heartbeat Lease.

`NodeStatusReporter.register()` creates the Node (or takes over the one that
exists with this name, keeping its spec) with the labels and taints it was
given plus the well-known `kubernetes.io/hostname`, `kubernetes.io/os` and
`kubernetes.io/arch` labels. Its status says what the host has:

- capacity and allocatable: cpu (cores), memory (KiB), ephemeral-storage
  (of the data dir's filesystem), pods=110;
- addresses: InternalIP and Hostname; daemonEndpoints.kubeletEndpoint (the
  port the API server proxies logs and exec to);
- nodeInfo: kernel, OS image, container runtime and kubelet versions,
  machine and boot IDs;
- conditions MemoryPressure, DiskPressure, PIDPressure (False while there is
  room) and Ready (True with reason KubeletReady);
- images: what the runtime holds (names, size), the largest 50.

`run()` then renews the node's Lease in `kube-node-lease` every 10 s, and
refreshes the status (heartbeat times, pressure) every 10 s too. The pod
CIDR comes from the Node's spec, set by the node IPAM controller; `pod_cidr()`
waits for it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import platform
import shutil
from pathlib import Path
from typing import Any

from pyk8s.client import APIClient
from pyk8s.client.leaderelection import micro_time
from pyk8s.client.rest import is_already_exists, is_not_found
from pyk8s.kubelet import status as st
from pyk8s.kubelet.cri import CRI, pb
from pyk8s.version import version_info

log = logging.getLogger(__name__)
Obj = dict[str, Any]
LEASE_DURATION = 40
LEASE_RENEW = 10.0
STATUS_PERIOD = 10.0
MAX_PODS = 110
MAX_IMAGES = 50


def _os_image() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return "Linux"


def _read(path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return ""


def _memory_kib() -> int:
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1])
    return 0


def _available_memory_kib() -> int:
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1])
    return 0


def parse_labels(text: str) -> dict[str, str]:
    out = {}
    for item in filter(None, (x.strip() for x in text.split(","))):
        key, _, value = item.partition("=")
        out[key] = value
    return out


def parse_taints(text: str) -> list[Obj]:
    """`key=value:Effect,key2:Effect` as kubelet's --register-with-taints."""
    taints = []
    for item in filter(None, (x.strip() for x in text.split(","))):
        kv, _, effect = item.rpartition(":")
        if not kv or effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
            raise ValueError(f"invalid taint {item!r}: want key[=value]:Effect")
        key, _, value = kv.partition("=")
        taint: Obj = {"key": key, "effect": effect}
        if value:
            taint["value"] = value
        taints.append(taint)
    return taints


class NodeStatusReporter:
    def __init__(self, client: APIClient, cri: CRI, *, node_name: str, node_ip: str,
                 data_dir: Path,
                 kubelet_port: int, runtime_version: str, labels: dict[str, str],
                 taints: list[Obj]) -> None:
        self.client = client
        self.cri = cri
        self.node_name = node_name
        self.node_ip = node_ip
        self.data_dir = data_dir
        self.kubelet_port = kubelet_port
        self.runtime_version = runtime_version
        self.labels = labels
        self.taints = taints
        self.conditions: list[Obj] = []
        self.node_uid = ""

    def capacity(self) -> dict[str, str]:
        disk = shutil.disk_usage(self.data_dir)
        return {"cpu": str(os.cpu_count() or 1), "memory": f"{_memory_kib()}Ki",
                "ephemeral-storage": f"{disk.total // 1024}Ki", "pods": str(MAX_PODS),
                "hugepages-2Mi": "0", "hugepages-1Gi": "0"}

    def status(self) -> Obj:
        heartbeat = st.now()
        disk = shutil.disk_usage(self.data_dir)
        memory_low = _available_memory_kib() < 100 * 1024
        disk_low = disk.free < disk.total * 0.1
        pids_low = len(os.listdir("/proc")) > 0.95 * int(_read("/proc/sys/kernel/pid_max")
                                                          or 32768)

        def cond(type_: str, bad: bool, ok_reason: str, bad_reason: str, ok_msg: str,
                 bad_msg: str, ok_is_true: bool = False) -> Obj:
            value = ("True" if not bad else "False") if ok_is_true else \
                ("True" if bad else "False")
            old = next((c for c in self.conditions if c["type"] == type_), None)
            since = old["lastTransitionTime"] if old and old["status"] == value else heartbeat
            return {"type": type_, "status": value, "lastHeartbeatTime": heartbeat,
                    "lastTransitionTime": since, "reason": bad_reason if bad else ok_reason,
                    "message": bad_msg if bad else ok_msg}

        self.conditions = [
            cond("MemoryPressure", memory_low, "KubeletHasSufficientMemory",
                 "KubeletHasInsufficientMemory", "kubelet has sufficient memory available",
                 "kubelet has insufficient memory available"),
            cond("DiskPressure", disk_low, "KubeletHasNoDiskPressure", "KubeletHasDiskPressure",
                 "kubelet has no disk pressure", "kubelet has disk pressure"),
            cond("PIDPressure", pids_low, "KubeletHasSufficientPID", "KubeletHasInsufficientPID",
                 "kubelet has sufficient PID available", "kubelet has insufficient PID "
                 "available"),
            cond("Ready", False, "KubeletReady", "KubeletNotReady",
                 "kubelet is posting ready status", "", ok_is_true=True),
        ]
        uname = platform.uname()
        capacity = self.capacity()
        return {
            "capacity": capacity, "allocatable": dict(capacity),
            "conditions": self.conditions,
            "addresses": [{"type": "InternalIP", "address": self.node_ip},
                          {"type": "Hostname", "address": self.node_name}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": self.kubelet_port}},
            "nodeInfo": {
                "machineID": _read("/etc/machine-id"),
                "systemUUID": _read("/sys/class/dmi/id/product_uuid") or _read(
                    "/etc/machine-id"),
                "bootID": _read("/proc/sys/kernel/random/boot_id"),
                "kernelVersion": uname.release, "osImage": _os_image(),
                "containerRuntimeVersion": self.runtime_version,
                "kubeletVersion": version_info()["gitVersion"],
                "kubeProxyVersion": "", "operatingSystem": "linux",
                "architecture": {"x86_64": "amd64", "aarch64": "arm64"}.get(
                    uname.machine, uname.machine),
            },
        }

    async def full_status(self) -> Obj:
        """status() plus the images the runtime holds, largest first (as the kubelet)."""
        status = self.status()
        reply = await self.cri.image.ListImages(pb.ListImagesRequest())
        images = sorted(reply.images, key=lambda i: i.size, reverse=True)[:MAX_IMAGES]
        status["images"] = [{"names": [*i.repo_digests, *i.repo_tags], "sizeBytes": i.size}
                            for i in images if i.repo_tags or i.repo_digests]
        return status

    async def register(self) -> Obj:
        labels = {"kubernetes.io/hostname": self.node_name, "kubernetes.io/os": "linux",
                  "kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
                  "beta.kubernetes.io/arch": "amd64", **self.labels}
        node: Obj = {"apiVersion": "v1", "kind": "Node",
                     "metadata": {"name": self.node_name, "labels": labels},
                     "spec": {"taints": self.taints} if self.taints else {}}
        try:
            await self.client.create("v1", "nodes", node)
            log.info("registered node %s", self.node_name)
        except Exception as e:
            if not is_already_exists(e):
                raise
            await self.client.patch("v1", "nodes", self.node_name,
                                    {"metadata": {"labels": labels}})
        node = await self.client.patch("v1", "nodes", self.node_name,
                                       {"status": await self.full_status()},
                                       subresource="status")
        self.node_uid = node["metadata"]["uid"]
        return node

    async def pod_cidr(self) -> str:
        """The Node's spec.podCIDR, waiting for the IPAM controller to set it."""
        while True:
            node = await self.client.get("v1", "nodes", self.node_name)
            cidr = (node.get("spec") or {}).get("podCIDR")
            if cidr:
                return str(cidr)
            await asyncio.sleep(1.0)

    async def _renew_lease(self) -> None:
        now = micro_time()
        spec = {"holderIdentity": self.node_name, "leaseDurationSeconds": LEASE_DURATION,
                "renewTime": now}
        try:
            await self.client.patch("coordination.k8s.io/v1", "leases", self.node_name,
                                    {"spec": spec}, "kube-node-lease")
        except Exception as e:
            if not is_not_found(e):
                raise
            metadata: Obj = {"name": self.node_name, "namespace": "kube-node-lease"}
            if self.node_uid:  # the Lease goes when its Node does
                metadata["ownerReferences"] = [{"apiVersion": "v1", "kind": "Node",
                                                "name": self.node_name, "uid": self.node_uid}]
            await self.client.create("coordination.k8s.io/v1", "leases", {
                "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": metadata, "spec": {**spec, "acquireTime": now}})

    async def run(self) -> None:
        last_status = asyncio.get_running_loop().time()
        while True:
            try:
                await self._renew_lease()
                if asyncio.get_running_loop().time() - last_status >= STATUS_PERIOD:
                    await self.client.patch("v1", "nodes", self.node_name,
                                            {"status": await self.full_status()},
                                            subresource="status")
                    last_status = asyncio.get_running_loop().time()
            except Exception as e:
                log.warning("node heartbeat failed: %s", e)
            await asyncio.sleep(LEASE_RENEW)
