"""`ClusterDNS`: the agent's cluster DNS, node-local at the kube-dns address.

Pods' resolv.conf names 10.43.0.10, the cluster IP of the `kube-dns` Service
in kube-system (made at bootstrap, without a selector). Every node runs its
own server and makes that address its own: the loopback interface holds
10.43.0.10/32 (lo rather than a dummy interface, which not every kernel
has; Linux delivers packets for any of its addresses whichever interface
they came in on), the server listens there on port 53 (UDP and TCP), and
the Service's Endpoints and EndpointSlice name that same address, so
kube-proxy's DNAT for the Service leads each node's pods to the server on
their own node (as NodeLocal DNSCache does). Queries never leave the node,
and nothing depends on where a DNS pod was scheduled.

The server starts answering once the Service and EndpointSlice caches have
synced. The address and the endpoints are put in place at start and
checked every 15 s (the same content from every node, so nodes do not
fight; a lost address comes back). On the way out the
server stops and the address goes away; `cleanup()` does the same for
tests.
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
from typing import Any

from pyk8s.client import APIClient, RequestError, SharedInformerFactory, is_not_found
from pyk8s.dns.records import ClusterRecords
from pyk8s.dns.server import DNSServer, parse_upstream
from pyk8s.proxy.serviceport import by_service

log = logging.getLogger(__name__)

Obj = dict[str, Any]
DNS_SERVICE_IP = "10.43.0.10"
INTERFACE = "lo"
NAMESPACE = "kube-system"
SERVICE = "kube-dns"
MANAGED_BY = "cluster-dns.pyk8s.io"
REPUBLISH = 15.0
RETRY = 10.0
PORTS = (("dns", "UDP"), ("dns-tcp", "TCP"))


def kube_dns_service() -> Obj:
    """The Service made at bootstrap (see apiserver/bootstrap.py)."""
    return {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": SERVICE, "namespace": NAMESPACE,
                     "labels": {"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true",
                                "kubernetes.io/name": "CoreDNS"}},
        "spec": {"clusterIP": DNS_SERVICE_IP, "type": "ClusterIP", "sessionAffinity": "None",
                 "ports": [{"name": name, "port": 53, "protocol": proto, "targetPort": 53}
                           for name, proto in PORTS]},
    }


def _ip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=10)


def add_address(address: str) -> None:
    if f" {address}/32 " not in _ip("-4", "-o", "addr", "show", "dev", INTERFACE).stdout:
        out = _ip("addr", "add", f"{address}/32", "dev", INTERFACE)
        if out.returncode != 0:
            raise OSError(f"adding {address} to {INTERFACE}: {out.stderr.strip()}")


def cleanup(address: str = DNS_SERVICE_IP) -> None:
    """Remove the node-local DNS address."""
    _ip("addr", "del", f"{address}/32", "dev", INTERFACE)


class ClusterDNS:
    def __init__(self, client: APIClient, informers: SharedInformerFactory, *,
                 address: str = DNS_SERVICE_IP, port: int = 53,
                 upstreams: list[str] | None = None, domain: str = "cluster.local") -> None:
        self.client = client
        self.address = address
        self.port = port
        self.services = informers.informer("v1", "services")
        self.slices = informers.informer("discovery.k8s.io/v1", "endpointslices",
                                         indexers={"service": by_service})
        self.server = DNSServer(ClusterRecords(self.services.store, self.slices.store,
                                               domain=domain),
                                upstreams=[parse_upstream(u) for u in upstreams or []])

    def endpoints(self) -> Obj:
        return {"apiVersion": "v1", "kind": "Endpoints",
                "metadata": {"name": SERVICE, "namespace": NAMESPACE,
                             "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
                "subsets": [{"addresses": [{"ip": self.address}],
                             "ports": [{"name": n, "port": self.port, "protocol": p}
                                       for n, p in PORTS]}]}

    def endpoint_slice(self) -> Obj:
        return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                "metadata": {"name": SERVICE, "namespace": NAMESPACE,
                             "labels": {"kubernetes.io/service-name": SERVICE,
                                        "endpointslice.kubernetes.io/managed-by": MANAGED_BY}},
                "addressType": "IPv4",
                "endpoints": [{"addresses": [self.address], "conditions": {"ready": True}}],
                "ports": [{"name": n, "port": self.port, "protocol": p} for n, p in PORTS]}

    async def _put(self, api_version: str, plural: str, want: Obj,
                   fields: tuple[str, ...]) -> None:
        name = want["metadata"]["name"]
        try:
            have = await self.client.get(api_version, plural, name, NAMESPACE)
        except RequestError as e:
            if not is_not_found(e):
                raise
            await self.client.create(api_version, plural, want, NAMESPACE)
            return
        labels = have["metadata"].get("labels") or {}
        if all(have.get(f) == want.get(f) for f in fields) and all(
                labels.get(k) == v for k, v in want["metadata"]["labels"].items()):
            return
        have["metadata"]["labels"] = {**labels, **want["metadata"]["labels"]}
        await self.client.update(api_version, plural, {**have, **{f: want[f] for f in fields}})

    async def publish(self) -> None:
        """Point the kube-dns Service at this node-local address."""
        await self._put("v1", "endpoints", self.endpoints(), ("subsets",))
        await self._put("discovery.k8s.io/v1", "endpointslices", self.endpoint_slice(),
                        ("addressType", "endpoints", "ports"))

    async def run(self) -> None:
        for informer in (self.services, self.slices):
            informer.start()
        await asyncio.gather(self.services.wait_synced(), self.slices.wait_synced())
        try:
            while True:
                try:
                    await asyncio.to_thread(add_address, self.address)
                    await self.server.start(self.address, self.port)
                    break
                except OSError as e:
                    log.error("cluster DNS cannot listen on %s:%d: %s; retrying in %.0fs",
                              self.address, self.port, e, RETRY)
                    await asyncio.sleep(RETRY)
            log.info("cluster DNS listening on %s:%d", self.address, self.port)
            while True:
                try:
                    await asyncio.to_thread(add_address, self.address)
                    await self.publish()
                except (RequestError, OSError) as e:
                    log.warning("publishing the %s endpoints failed: %s", SERVICE, e)
                await asyncio.sleep(REPUBLISH)
        finally:
            await self.server.stop()
            cleanup(self.address)
