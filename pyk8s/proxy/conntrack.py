"""Forgetting UDP flows whose endpoint went away, as kube-proxy does.

A UDP "connection" lives in conntrack until it has been idle for its
timeout, and keeps its DNAT all that time: a client that keeps sending to
a Service (a DNS resolver, a metrics agent) would keep hitting an endpoint
that is gone, or the REJECT of a Service that had none when it started.
After each sync, `stale_flows()` compares the UDP endpoints of every
ServicePort with the previous sync's, and `delete()` removes, with the
`conntrack` tool (Debian's conntrack package), the flows to the cluster IP
(and node port) that were NATed to a removed endpoint, and all flows to a
Service that had no endpoints before. TCP needs none of this: a
connection to a gone endpoint is reset, and new ones follow the rules.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from dataclasses import dataclass

from pyk8s.proxy.serviceport import ServicePort

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UDPService:
    cluster_ip: str
    node_port: int | None
    endpoints: frozenset[str]  # endpoint IPs


def udp_services(ports: list[ServicePort]) -> dict[str, UDPService]:
    return {sp.key: UDPService(sp.cluster_ip, sp.node_port,
                               frozenset(e.ip for e in sp.endpoints))
            for sp in ports if sp.protocol == "UDP"}


def stale_flows(old: dict[str, UDPService], new: dict[str, UDPService]) -> list[list[str]]:
    """`conntrack -D` arguments for the flows that the change from old to new strands."""
    out: list[list[str]] = []
    for key, now in new.items():
        before = old.get(key)
        if before is None or (not before.endpoints and now.endpoints):
            out.append(["-p", "udp", "--orig-dst", now.cluster_ip])
            continue
        for ip in sorted(before.endpoints - now.endpoints):
            out.append(["-p", "udp", "--orig-dst", now.cluster_ip, "--dst-nat", ip])
            if now.node_port:
                out.append(["-p", "udp", "--orig-port-dst", str(now.node_port),
                            "--dst-nat", ip])
    return out


def delete(flows: list[list[str]]) -> None:
    if not flows:
        return
    if shutil.which("conntrack") is None:
        log.debug("conntrack is not installed: stale UDP flows stay until they time out")
        return
    for args in flows:
        # Exit status 1 means "nothing matched": fine.
        subprocess.run(["conntrack", "-D", *args], capture_output=True, timeout=10)
