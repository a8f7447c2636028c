"""`run_agent()`: one node, assembled in the order it needs.

1. check the host (root, containerd, runc, CNI plugins) and start the
   node's containerd (`containerd.py`); `RuntimeUnavailable` says why not;
2. connect CRI; build and import the node's own images (`images.py`);
3. register the Node and wait for its podCIDR (node IPAM sets it), then
   write the CNI config for it; both retried while the API server is away;
4. run, until cancelled: the Node heartbeat (Lease every 10 s, status), the
   kubelet (pods through CRI) and its HTTPS server on port 10250, and the
   node's Services: kube-proxy (`pyk8s.proxy`) and cluster DNS
   (`pyk8s.dns`), which share one pair of informers.

On the way out containerd is stopped; the containers live on in their shims
and the next start adopts them.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import subprocess
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pyk8s.agent import images
from pyk8s.agent.containerd import Containerd
from pyk8s.client import APIClient, EventRecorder, SharedInformerFactory
from pyk8s.client.rest import RequestError
from pyk8s.dns.clusterdns import ClusterDNS
from pyk8s.kubelet import cni
from pyk8s.kubelet.cri import CRI
from pyk8s.kubelet.kubelet import Kubelet
from pyk8s.kubelet.node import NodeStatusReporter
from pyk8s.kubelet.server import KubeletServer
from pyk8s.proxy.proxier import Proxier

log = logging.getLogger(__name__)
T = TypeVar("T")


def default_node_name() -> str:
    return socket.gethostname().split(".")[0].lower()


def default_node_ip() -> str:
    """The IPv4 address of the interface that holds the default route."""
    try:
        route = subprocess.run(["ip", "-4", "route", "show", "default"], capture_output=True,
                               text=True, timeout=5).stdout
        m = re.search(r"\bdev (\S+)", route)
        if m:
            addr = subprocess.run(["ip", "-4", "-o", "addr", "show", "dev", m.group(1)],
                                  capture_output=True, text=True, timeout=5).stdout
            found = re.search(r"inet (\d+\.\d+\.\d+\.\d+)", addr)
            if found:
                return found.group(1)
    except (OSError, subprocess.SubprocessError):
        pass
    return "127.0.0.1"


async def _retry(what: str, step: Callable[[], Awaitable[T]]) -> T:
    """Run `step` until it succeeds: the API server may be down or restarting."""
    delay = 0.5
    while True:
        try:
            return await step()
        except RequestError as e:
            log.warning("%s failed (%s); retrying in %.1fs", what, e, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)


@dataclass
class AgentConfig:
    data_dir: Path  # the agent keeps its state in data_dir / "agent"
    token: str  # the cluster's node token: the kubelet's server accepts it
    node_name: str = field(default_factory=default_node_name)
    node_ip: str = field(default_factory=default_node_ip)
    labels: dict[str, str] = field(default_factory=dict)
    taints: list[dict[str, Any]] = field(default_factory=list)
    kubelet_port: int = 10250
    dns_upstreams: list[str] = field(default_factory=list)  # none: cluster DNS forwards nothing

    @property
    def agent_dir(self) -> Path:
        return self.data_dir / "agent"


async def _node_services(client: APIClient, config: AgentConfig) -> None:
    async with SharedInformerFactory(client) as informers:
        await asyncio.gather(Proxier(informers, node_name=config.node_name).run(),
                             ClusterDNS(client, informers, upstreams=config.dns_upstreams).run())


async def run_agent(client: APIClient, config: AgentConfig) -> None:
    agent_dir = config.agent_dir
    containerd = Containerd(agent_dir / "containerd")
    await containerd.start()
    try:
        async with CRI(containerd.address) as runtime, \
                EventRecorder(client, "kubelet", host=config.node_name) as events:
            await runtime.wait_ready()
            version = await runtime.version()
            await images.import_folder(containerd.address, agent_dir / "images")
            reporter = NodeStatusReporter(
                client, runtime, node_name=config.node_name, node_ip=config.node_ip,
                data_dir=agent_dir, kubelet_port=config.kubelet_port,
                runtime_version=f"containerd://{version.runtime_version}",
                labels=config.labels, taints=config.taints)
            await _retry("registering the node", reporter.register)
            heartbeat = asyncio.create_task(reporter.run(), name="node heartbeat")
            try:
                cidr = await _retry("reading the node's podCIDR", reporter.pod_cidr)
                cni.write_config(containerd.paths.cni_conf_dir, cidr, agent_dir / "cni" / "ipam")
                log.info("node %s (%s) ready, pod CIDR %s", config.node_name, config.node_ip,
                         cidr)
                kubelet = Kubelet(client, runtime, events, node_name=config.node_name,
                                  node_ip=config.node_ip, agent_dir=agent_dir)
                server = KubeletServer(kubelet, token=config.token, port=config.kubelet_port,
                                       cert_dir=agent_dir / "kubelet")
                await asyncio.gather(kubelet.run(), server.run(), _node_services(client, config))
            finally:
                heartbeat.cancel()
                await asyncio.gather(heartbeat, return_exceptions=True)
    finally:
        await containerd.stop()
