"""Service address allocation: cluster IPs from 10.43.0.0/16, node ports 30000-32767.

A Service gets a cluster IP unless it is headless (`clusterIP: None`) or an
ExternalName; NodePort and LoadBalancer Services get a node port per port.
Asked-for values must be in range and free (422 otherwise); updates keep the
allocated values when the client leaves them out (as `kubectl replace` of a
manifest does), and add or drop node ports when the type changes. The used
set is read from the Services' watch cache, so allocation needs no extra
state in the store.
"""

from __future__ import annotations

import ipaddress
import random

from pyk8s.api import errors
from pyk8s.api import validation as v
from pyk8s.apiserver.admission import AdmissionPlugin, Attributes, Obj

SERVICE_CIDR = ipaddress.ip_network("10.43.0.0/16")
KUBERNETES_SERVICE_IP = "10.43.0.1"
NODE_PORT_RANGE = range(30000, 32768)


class ServiceIPs(AdmissionPlugin):
    def _used(self, skip_uid: str | None) -> tuple[set[str], set[int]]:
        ips: set[str] = set()
        ports: set[int] = set()
        for svc in self.storages.of("services").cache.objects.values():
            if svc["metadata"].get("uid") == skip_uid:
                continue
            spec = svc.get("spec", {})
            ips.update(spec.get("clusterIPs") or [spec.get("clusterIP") or ""])
            ports.update(p.get("nodePort") for p in spec.get("ports") or [] if p.get("nodePort"))
        return ips, ports

    def _invalid(self, obj: Obj, field: str, value: object, detail: str) -> errors.APIError:
        return errors.invalid("Service", obj["metadata"].get("name", ""), "",
                              [v.invalid(field, value, detail)])

    def _allocate(self, obj: Obj, old: Obj | None) -> None:
        spec = obj.setdefault("spec", {})
        old_spec = (old or {}).get("spec", {})
        kind = spec.get("type", "ClusterIP")
        used_ips, used_ports = self._used(obj["metadata"].get("uid"))

        if kind == "ExternalName":
            spec.pop("clusterIP", None)
            spec.pop("clusterIPs", None)
        else:
            ip = spec.get("clusterIP") or old_spec.get("clusterIP") or ""
            if not ip and spec.get("clusterIPs"):
                ip = spec["clusterIPs"][0]
            if ip and ip != "None" and ip != old_spec.get("clusterIP"):
                try:
                    inside = ipaddress.ip_address(ip) in SERVICE_CIDR
                except ValueError:
                    inside = False
                if not inside:
                    raise self._invalid(obj, "spec.clusterIPs", [ip],
                                        f"failed to allocate IP {ip}: the provided IP ({ip}) "
                                        f"is not in the valid range. The range of valid IPs "
                                        f"is {SERVICE_CIDR}")
                if ip in used_ips:
                    raise self._invalid(obj, "spec.clusterIPs", [ip],
                                        f"failed to allocate IP {ip}: provided IP is already "
                                        f"allocated")
            if not ip:
                ip = self._free_ip(used_ips)
            spec["clusterIP"] = ip
            spec["clusterIPs"] = [ip]

        old_ports = {(p.get("port"), p.get("protocol", "TCP")): p.get("nodePort")
                     for p in old_spec.get("ports") or []}
        taken = set(used_ports)
        for i, port in enumerate(spec.get("ports") or []):
            if kind not in ("NodePort", "LoadBalancer"):
                port.pop("nodePort", None)
                continue
            wanted = port.get("nodePort")
            previous = old_ports.get((port.get("port"), port.get("protocol", "TCP")))
            if wanted and wanted != previous:
                if wanted not in NODE_PORT_RANGE:
                    raise self._invalid(obj, f"spec.ports[{i}].nodePort", wanted,
                                        "provided port is not in the valid range. The range "
                                        "of valid ports is 30000-32767")
                if wanted in taken:
                    raise self._invalid(obj, f"spec.ports[{i}].nodePort", wanted,
                                        "provided port is already allocated")
            port["nodePort"] = wanted or previous or self._free_port(taken)
            taken.add(port["nodePort"])

    @staticmethod
    def _free_ip(used: set[str]) -> str:
        base = int(SERVICE_CIDR.network_address)
        size = SERVICE_CIDR.num_addresses
        for _ in range(1000):
            ip = str(ipaddress.ip_address(base + random.randrange(16, size - 1)))
            if ip not in used:
                return ip
        raise errors.internal("the service IP range is full")

    @staticmethod
    def _free_port(used: set[int]) -> int:
        free = [p for p in NODE_PORT_RANGE if p not in used]
        if not free:
            raise errors.internal("the node port range is full")
        return random.choice(free)

    async def create(self, a: Attributes, obj: Obj) -> None:
        if a.resource.kind == "Service":
            self._allocate(obj, None)

    async def update(self, a: Attributes, new: Obj, old: Obj) -> None:
        if a.resource.kind == "Service" and a.subresource == "":
            self._allocate(new, old)
