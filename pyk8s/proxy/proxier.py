"""`Proxier`: kube-proxy's control loop on one node.

In: Services and EndpointSlices from shared informers (slices indexed by
their Service). Out: the node's iptables rules. Any change only marks the
rules dirty; one loop renders the complete ruleset from the caches and
applies it with a single `iptables-restore`, then checks the jumps into
its chains (`iptables -C`, some 20 ms) and puts back any that someone
deleted, and forgets UDP flows to endpoints that went away (`conntrack.py`);
at most once per `min_sync_period` (a burst of endpoint changes
costs one sync), and at least every `sync_period`, when it also reads
which chains of ours exist. A failed sync is retried on the next round.
Nothing is written before both caches have synced, so a restart never
rejects traffic for Services not yet seen.

Run as a component of the agent; when cancelled (a clean shutdown) it
removes its chains again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from pyk8s.client import SharedInformerFactory
from pyk8s.proxy import conntrack, iptables
from pyk8s.proxy.rules import render
from pyk8s.proxy.serviceport import ServicePort, by_service, service_ports

log = logging.getLogger(__name__)

CLUSTER_CIDR = "10.42.0.0/16"


class Proxier:
    def __init__(self, informers: SharedInformerFactory, *, node_name: str,
                 cluster_cidr: str | None = CLUSTER_CIDR, min_sync_period: float = 1.0,
                 sync_period: float = 30.0) -> None:
        self.node_name = node_name
        self.services = informers.informer("v1", "services")
        self.slices = informers.informer("discovery.k8s.io/v1", "endpointslices",
                                         indexers={"service": by_service})
        self.cluster_cidr = cluster_cidr
        self.min_sync_period = min_sync_period
        self.sync_period = sync_period
        self._dirty = asyncio.Event()
        self._chains: dict[str, set[str]] | None = None  # ours, as of the last sync
        self._udp: dict[str, conntrack.UDPService] = {}  # as of the last sync
        self.last_sync_seconds = 0.0

    def _changed(self, *_: object) -> None:
        self._dirty.set()

    def service_ports(self) -> list[ServicePort]:
        out: list[ServicePort] = []
        for svc in self.services.store.list():
            key = f"{svc['metadata']['namespace']}/{svc['metadata']['name']}"
            out.extend(service_ports(svc, self.slices.store.by_index("service", key),
                                     node_name=self.node_name))
        return out

    def sync(self, *, full: bool = False) -> None:
        """Render and apply everything (blocking: run it in a thread)."""
        start = time.monotonic()
        if self._chains is None or full:
            iptables.enable_route_localnet()
            self._chains = iptables.our_chains()
        ports = self.service_ports()
        ruleset = render(ports, cluster_cidr=self.cluster_cidr, existing=self._chains)
        iptables.restore(ruleset.text)
        self._chains = ruleset.chains
        iptables.ensure_jumps()
        udp = conntrack.udp_services(ports)
        conntrack.delete(conntrack.stale_flows(self._udp, udp))
        self._udp = udp
        self.last_sync_seconds = time.monotonic() - start

    async def run(self) -> None:
        for informer in (self.services, self.slices):
            informer.add_handlers(self._changed, self._changed, self._changed)
            informer.start()
        await asyncio.gather(self.services.wait_synced(), self.slices.wait_synced())
        try:
            next_full = 0.0
            while True:
                self._dirty.clear()
                full = time.monotonic() >= next_full
                try:
                    await asyncio.to_thread(self.sync, full=full)
                    if full:
                        next_full = time.monotonic() + self.sync_period
                except (iptables.IPTablesError, OSError) as e:
                    log.error("syncing the proxy rules failed: %s", e)
                    self._dirty.set()
                    next_full = 0.0
                await asyncio.sleep(self.min_sync_period)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._dirty.wait(),
                                           max(0.0, next_full - time.monotonic()))
        finally:
            try:
                iptables.cleanup()
            except (iptables.IPTablesError, OSError) as e:
                log.error("removing the proxy rules failed: %s", e)
