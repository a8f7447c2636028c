"""What a Service and its EndpointSlices mean to a node: `ServicePort`s.

A Service with a cluster IP (not headless, not ExternalName) becomes one
`ServicePort` per entry of `spec.ports`, named "namespace/name:port" as
kube-proxy names it ("namespace/name" for an unnamed port). Its endpoints come from
the IPv4 EndpointSlices labelled `kubernetes.io/service-name`, matched to
the port by port name and protocol, each address:port once across slices.

Which endpoints take traffic: the ready ones (a slice's `ready` condition,
absent meaning ready); when none is ready, the serving ones that are
terminating, so that connections still land during a rolling update, as
kube-proxy does. The DNS server reads the same view (`slice_endpoints`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

Obj = dict[str, Any]
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
DEFAULT_AFFINITY_SECONDS = 10800


def by_service(obj: Obj) -> list[str]:
    """Index function for EndpointSlices: "namespace/name" of their Service."""
    md = obj.get("metadata") or {}
    svc = (md.get("labels") or {}).get(SERVICE_NAME_LABEL)
    return [f"{md.get('namespace')}/{svc}"] if svc else []


@dataclass(frozen=True)
class Endpoint:
    ip: str
    port: int
    ready: bool = True
    serving: bool = True
    terminating: bool = False
    node_name: str | None = None
    hostname: str | None = None

    @property
    def address(self) -> str:
        return f"{self.ip}:{self.port}"


@dataclass
class ServicePort:
    namespace: str
    name: str
    port_name: str
    protocol: str  # TCP, UDP or SCTP
    port: int
    cluster_ip: str
    node_port: int | None = None
    external_ips: list[str] = field(default_factory=list)
    load_balancer_ips: list[str] = field(default_factory=list)
    affinity_seconds: int | None = None  # sessionAffinity ClientIP
    endpoints: list[Endpoint] = field(default_factory=list)  # those that take traffic
    local_endpoints: list[Endpoint] = field(default_factory=list)  # of them, on this node
    internal_local: bool = False  # internalTrafficPolicy: Local
    external_local: bool = False  # externalTrafficPolicy: Local

    @property
    def key(self) -> str:
        """ "namespace/name:port" ("namespace/name" for an unnamed port), as kube-proxy
        names a ServicePortName."""
        port = f":{self.port_name}" if self.port_name else ""
        return f"{self.namespace}/{self.name}{port}"


def slice_endpoints(slices: Iterable[Obj], port_name: str, protocol: str) -> list[Endpoint]:
    """Every IPv4 endpoint of the slices for the named port, each address:port once."""
    seen: dict[str, Endpoint] = {}
    for s in slices:
        if s.get("addressType", "IPv4") != "IPv4":
            continue
        ports = [p for p in s.get("ports") or []
                 if (p.get("name") or "") == port_name
                 and p.get("protocol", "TCP") == protocol and p.get("port")]
        for p in ports:
            for e in s.get("endpoints") or []:
                cond = e.get("conditions") or {}
                ready = cond.get("ready") is not False
                for ip in (e.get("addresses") or [])[:1]:
                    ep = Endpoint(ip=ip, port=int(p["port"]), ready=ready,
                                  serving=cond.get("serving", ready) is not False,
                                  terminating=bool(cond.get("terminating")),
                                  node_name=e.get("nodeName"), hostname=e.get("hostname"))
                    seen.setdefault(ep.address, ep)
    return sorted(seen.values(), key=lambda ep: (ep.ip, ep.port))


def usable(endpoints: list[Endpoint]) -> list[Endpoint]:
    """The endpoints that take traffic: ready ones, else serving terminating ones."""
    ready = [e for e in endpoints if e.ready]
    return ready or [e for e in endpoints if e.serving and e.terminating]


def has_cluster_ip(svc: Obj) -> bool:
    spec = svc.get("spec") or {}
    ip = spec.get("clusterIP")
    return bool(ip) and ip != "None" and spec.get("type") != "ExternalName"


def service_ports(svc: Obj, slices: Iterable[Obj], *,
                  node_name: str | None = None) -> list[ServicePort]:
    """The ServicePorts of one Service (none when it is headless or ExternalName), as
    seen from the node `node_name` (its endpoints are the local ones)."""
    if not has_cluster_ip(svc):
        return []
    md, spec = svc["metadata"], svc["spec"]
    slices = list(slices)
    affinity = None
    if spec.get("sessionAffinity") == "ClientIP":
        cfg = ((spec.get("sessionAffinityConfig") or {}).get("clientIP") or {})
        affinity = int(cfg.get("timeoutSeconds") or DEFAULT_AFFINITY_SECONDS)
    lb_ips = [i["ip"] for i in ((svc.get("status") or {}).get("loadBalancer") or {}
                                 ).get("ingress") or [] if i.get("ip")]
    external = spec.get("type") in ("NodePort", "LoadBalancer") or spec.get("externalIPs")
    out = []
    for p in spec.get("ports") or []:
        name, protocol = p.get("name") or "", p.get("protocol", "TCP")
        endpoints = slice_endpoints(slices, name, protocol)
        out.append(ServicePort(
            namespace=md["namespace"], name=md["name"], port_name=name, protocol=protocol,
            port=int(p["port"]), cluster_ip=spec["clusterIP"],
            node_port=p.get("nodePort") if spec.get("type") in ("NodePort", "LoadBalancer")
            else None,
            external_ips=list(spec.get("externalIPs") or []),
            load_balancer_ips=lb_ips if spec.get("type") == "LoadBalancer" else [],
            affinity_seconds=affinity,
            endpoints=usable(endpoints),
            local_endpoints=usable([e for e in endpoints if e.node_name == node_name]),
            internal_local=spec.get("internalTrafficPolicy") == "Local",
            external_local=bool(external) and spec.get("externalTrafficPolicy") == "Local"))
    return out
