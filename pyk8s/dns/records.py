"""`ClusterRecords`: the answers of the cluster domain, from the informer caches.

Names, under the domain (cluster.local):

- `<svc>.<ns>.svc`: A with the cluster IP; for a headless Service, A with
  each ready endpoint's address; for an ExternalName Service, a CNAME to
  its externalName. AAAA gets no data (the cluster is IPv4);
- `<hostname>.<svc>.<ns>.svc` (endpoints with a hostname, as StatefulSet pods
  of their governing Service have) and `<a-b-c-d>.<svc>.<ns>.svc`: A with
  that endpoint's address;
- `_<port>._<proto>.<svc>.<ns>.svc`: SRV for a named port, targeting the
  Service name (or each endpoint's name when headless), the A records as
  additional data; an SRV query on `<svc>.<ns>.svc` lists every named port;
- `<a-b-c-d>.<ns>.pod`: A with a.b.c.d (kube-dns' "pods insecure" mode);
- `d.c.b.a.in-addr.arpa`: PTR to the Service whose cluster IP, or the named
  headless endpoint whose address, it is.

A name in the domain that matches nothing is NXDOMAIN; a name that exists
with no record of the asked type is NOERROR with no answer; both carry the
zone's SOA (so negative answers are cached for its 5 s minimum). Answers
are authoritative with a TTL of 5 s. `answer()` returns None for names
outside the domain and its reverse zones (the server forwards or refuses
those).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from dnslib import CNAME, PTR, QTYPE, RCODE, RR, SOA, SRV, A, DNSRecord

from pyk8s.client import Store
from pyk8s.client.informer import IndexFunc
from pyk8s.proxy.serviceport import SERVICE_NAME_LABEL, Endpoint, by_service, slice_endpoints

Obj = dict[str, Any]
TTL = 5
REVERSE_ZONES = (ipaddress.ip_network("10.42.0.0/16"), ipaddress.ip_network("10.43.0.0/16"))


def by_cluster_ip(svc: Obj) -> list[str]:
    """Index function for Services: their cluster IPs."""
    spec = svc.get("spec") or {}
    return [ip for ip in spec.get("clusterIPs") or [spec.get("clusterIP")]
            if ip and ip != "None"]


def by_endpoint_ip(s: Obj) -> list[str]:
    """Index function for EndpointSlices: their endpoints' addresses."""
    return [ip for e in s.get("endpoints") or [] for ip in e.get("addresses") or []]


INDEXERS: dict[str, IndexFunc] = {"service": by_service, "endpoint-ip": by_endpoint_ip}
SERVICE_INDEXERS: dict[str, IndexFunc] = {"cluster-ip": by_cluster_ip}


def _dashed(ip: str) -> str:
    return ip.replace(".", "-")


def _undash(label: str) -> str | None:
    try:
        return str(ipaddress.IPv4Address(label.replace("-", ".")))
    except ValueError:
        return None


@dataclass
class Answer:
    rcode: int = RCODE.NOERROR
    answers: list[RR] | None = None
    additional: list[RR] | None = None


class ClusterRecords:
    def __init__(self, services: Store, slices: Store, *, domain: str = "cluster.local") -> None:
        self.services = services
        self.slices = slices
        self.domain = domain.strip(".").lower()
        for name, func in SERVICE_INDEXERS.items():
            services.add_indexer(name, func)
        for name, func in INDEXERS.items():
            slices.add_indexer(name, func)

    def soa(self) -> RR:
        return RR(self.domain, QTYPE.SOA, ttl=TTL, rdata=SOA(
            f"ns.dns.{self.domain}", f"hostmaster.{self.domain}", (1, 7200, 1800, 86400, TTL)))

    def reply(self, request: DNSRecord) -> DNSRecord | None:
        """The reply to `request`, or None when its name is not ours."""
        q = request.q
        name = str(q.qname).rstrip(".").lower()
        found = self.answer(name, q.qtype)
        if found is None:
            return None
        reply = request.reply(ra=0, aa=1)
        reply.header.rcode = found.rcode
        for rr in found.answers or []:
            reply.add_answer(rr)
        for rr in found.additional or []:
            reply.add_ar(rr)
        if not found.answers:
            reply.add_auth(self.soa())
        return reply

    def answer(self, name: str, qtype: int) -> Answer | None:
        if name.endswith(".in-addr.arpa"):
            return self._reverse(name, qtype)
        if name != self.domain and not name.endswith("." + self.domain):
            return None
        labels = name[: -len(self.domain)].rstrip(".").split(".") if name != self.domain else []
        labels.reverse()  # most significant first: ["svc", ns, name, ...]
        if not labels:
            return Answer(answers=[self.soa()] if qtype == QTYPE.SOA else [])
        if labels[0] == "svc":
            return self._service(name, labels[1:], qtype)
        if labels[0] == "pod" and len(labels) == 3:
            ip = _undash(labels[2])
            if ip is not None:
                return self._address(name, [ip], qtype)
        return Answer(rcode=RCODE.NXDOMAIN)

    def _address(self, name: str, ips: list[str], qtype: int) -> Answer:
        if qtype in (QTYPE.A, QTYPE.ANY):
            return Answer(answers=[RR(name, QTYPE.A, ttl=TTL, rdata=A(ip)) for ip in ips])
        return Answer()

    def _service(self, name: str, labels: list[str], qtype: int) -> Answer:
        if len(labels) < 2:  # svc.<domain> or <ns>.svc.<domain>
            return Answer() if len(labels) == 0 or self._has_namespace(labels[0]) else Answer(
                rcode=RCODE.NXDOMAIN)
        ns, svc_name, rest = labels[0], labels[1], labels[2:]
        svc = self.services.get(f"{ns}/{svc_name}")
        if svc is None:
            return Answer(rcode=RCODE.NXDOMAIN)
        spec = svc.get("spec") or {}
        base = f"{svc_name}.{ns}.svc.{self.domain}"
        if not rest:
            if spec.get("type") == "ExternalName":
                target = str(spec.get("externalName", "")).rstrip(".")
                return Answer(answers=[RR(name, QTYPE.CNAME, ttl=TTL, rdata=CNAME(target))])
            if qtype == QTYPE.SRV:
                return self._srv(svc, base, None, None)
            return self._address(name, self._addresses(svc), qtype)
        if len(rest) == 2 and rest[0].startswith("_") and rest[1].startswith("_"):
            # _<proto>._<port>, reversed
            found = self._srv(svc, base, rest[1][1:], rest[0][1:].upper())
            if qtype != QTYPE.SRV:
                return Answer() if found.answers else Answer(rcode=RCODE.NXDOMAIN)
            return found
        if len(rest) == 1:
            ep = next((e for e in self._endpoints(svc) if self._endpoint_label(e) == rest[0]),
                      None)
            if ep is not None and not self._has_cluster_ip(svc):
                return self._address(name, [ep.ip], qtype)
        return Answer(rcode=RCODE.NXDOMAIN)

    def _has_namespace(self, ns: str) -> bool:
        return any(s["metadata"].get("namespace") == ns for s in self.services.list())

    @staticmethod
    def _has_cluster_ip(svc: Obj) -> bool:
        ip = (svc.get("spec") or {}).get("clusterIP")
        return bool(ip) and ip != "None"

    def _slices(self, svc: Obj) -> list[Obj]:
        md = svc["metadata"]
        return self.slices.by_index("service", f"{md['namespace']}/{md['name']}")

    def _endpoints(self, svc: Obj, port_name: str | None = None,
                   protocol: str | None = None) -> list[Endpoint]:
        """Ready endpoints, of one port or (any port) of all."""
        slices = self._slices(svc)
        if port_name is None:
            ports = {((p.get("name") or ""), p.get("protocol", "TCP"))
                     for s in slices for p in s.get("ports") or []} or {("", "TCP")}
        else:
            ports = {(port_name, protocol or "TCP")}
        seen: dict[str, Endpoint] = {}
        for pn, proto in sorted(ports):
            for e in slice_endpoints(slices, pn, proto):
                if e.ready:
                    seen.setdefault(e.ip, e)
        if not seen and port_name is None:  # slices without ports: headless, no ports
            for s in slices:
                for e in s.get("endpoints") or []:
                    if (e.get("conditions") or {}).get("ready") is not False and e.get(
                            "addresses"):
                        ip = e["addresses"][0]
                        seen.setdefault(ip, Endpoint(ip=ip, port=0, hostname=e.get("hostname")))
        return sorted(seen.values(), key=lambda e: e.ip)

    def _addresses(self, svc: Obj) -> list[str]:
        if self._has_cluster_ip(svc):
            return [svc["spec"]["clusterIP"]]
        return [e.ip for e in self._endpoints(svc)]

    @staticmethod
    def _endpoint_label(e: Endpoint) -> str:
        return e.hostname or _dashed(e.ip)

    def _srv(self, svc: Obj, base: str, port_name: str | None,
             protocol: str | None) -> Answer:
        ports = [p for p in (svc.get("spec") or {}).get("ports") or [] if p.get("name")
                 and (port_name is None or p["name"] == port_name)
                 and (protocol is None or p.get("protocol", "TCP") == protocol)]
        answers: list[RR] = []
        additional: list[RR] = []
        for p in ports:
            proto = p.get("protocol", "TCP")
            owner = f"_{p['name']}._{proto.lower()}.{base}"
            if self._has_cluster_ip(svc):
                answers.append(RR(owner, QTYPE.SRV, ttl=TTL,
                                  rdata=SRV(0, 100, int(p["port"]), base)))
                additional.append(RR(base, QTYPE.A, ttl=TTL, rdata=A(svc["spec"]["clusterIP"])))
                continue
            eps = self._endpoints(svc, p["name"], proto)
            for e in eps:
                target = f"{self._endpoint_label(e)}.{base}"
                answers.append(RR(owner, QTYPE.SRV, ttl=TTL,
                                  rdata=SRV(0, max(1, 100 // len(eps)), e.port, target)))
                additional.append(RR(target, QTYPE.A, ttl=TTL, rdata=A(e.ip)))
        if not answers:
            return Answer(rcode=RCODE.NXDOMAIN) if port_name is not None else Answer()
        return Answer(answers=answers, additional=additional)

    def _reverse(self, name: str, qtype: int) -> Answer | None:
        octets = name[: -len(".in-addr.arpa")].split(".")
        try:
            ip = ipaddress.IPv4Address(".".join(reversed(octets)))
        except ValueError:
            return None
        if not any(ip in net for net in REVERSE_ZONES):
            return None
        targets = []
        for svc in self.services.by_index("cluster-ip", str(ip)):
            md = svc["metadata"]
            targets.append(f"{md['name']}.{md['namespace']}.svc.{self.domain}")
        for s in self.slices.by_index("endpoint-ip", str(ip)):
            svc_name = (s["metadata"].get("labels") or {}).get(SERVICE_NAME_LABEL)
            for e in s.get("endpoints") or []:
                if e.get("hostname") and str(ip) in (e.get("addresses") or []):
                    targets.append(f"{e['hostname']}.{svc_name}.{s['metadata']['namespace']}"
                                   f".svc.{self.domain}")
        if not targets:
            return Answer(rcode=RCODE.NXDOMAIN)
        if qtype not in (QTYPE.PTR, QTYPE.ANY):
            return Answer()
        return Answer(answers=[RR(name, QTYPE.PTR, ttl=TTL, rdata=PTR(t))
                               for t in dict.fromkeys(targets)])
