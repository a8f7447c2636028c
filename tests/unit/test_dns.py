"""Cluster DNS answers, asked over real UDP and TCP sockets on 127.0.0.1.

The server is the real `DNSServer` on a free port, fed by informer `Store`s
filled by the test (no API server needed); it has no upstream, so names
outside the cluster are refused and nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from dnslib import QTYPE, RCODE, DNSRecord

from pyk8s.client import Store
from pyk8s.dns.records import ClusterRecords
from pyk8s.dns.server import DNSServer, parse_upstream

Obj = dict[str, Any]


def service(name: str, ip: str, ports: list[Obj] | None = None, **spec: Any) -> Obj:
    return {"metadata": {"namespace": "shop", "name": name},
            "spec": {"clusterIP": ip, "ports": ports or [], **spec}}


def endpoint_slice(svc: str, endpoints: list[Obj], ports: list[Obj]) -> Obj:
    return {"metadata": {"namespace": "shop", "name": f"{svc}-abc",
                         "labels": {"kubernetes.io/service-name": svc}},
            "addressType": "IPv4", "endpoints": endpoints, "ports": ports}


def _stores() -> tuple[Store, Store]:
    services, slices = Store(), Store()
    services.upsert(service("web", "10.43.7.7", [
        {"name": "http", "port": 80, "protocol": "TCP"},
        {"name": "dns", "port": 53, "protocol": "UDP"}]))
    services.upsert(service("db", "None", [{"name": "pg", "port": 5432, "protocol": "TCP"}]))
    services.upsert(service("many", "None", [{"name": "http", "port": 80}]))
    services.upsert({"metadata": {"namespace": "shop", "name": "ext"},
                     "spec": {"type": "ExternalName", "externalName": "db.example.org"}})
    slices.upsert(endpoint_slice("db", [
        {"addresses": ["10.42.0.11"], "hostname": "db-0", "conditions": {"ready": True}},
        {"addresses": ["10.42.0.12"], "conditions": {"ready": True}},
        {"addresses": ["10.42.0.13"], "conditions": {"ready": False}}],
        [{"name": "pg", "port": 5432, "protocol": "TCP"}]))
    slices.upsert(endpoint_slice("many", [
        {"addresses": [f"10.42.1.{i}"], "conditions": {"ready": True}} for i in range(1, 61)],
        [{"name": "http", "port": 8080, "protocol": "TCP"}]))
    return services, slices


@contextlib.contextmanager
def serving(*servers: DNSServer) -> Iterator[None]:
    """Run the servers on 127.0.0.1 (free ports) in an event loop of their own."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    stop = asyncio.Event()

    async def serve() -> None:
        for server in servers:
            await server.start("127.0.0.1", 0)
        started.set()
        await stop.wait()
        for server in servers:
            await server.stop()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert started.wait(10)
    try:
        yield
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()


@pytest.fixture(scope="module")
def dns() -> Iterator[int]:
    services, slices = _stores()
    server = DNSServer(ClusterRecords(services, slices))
    with serving(server):
        yield server.port


def ask(port: int, name: str, qtype: str = "A", tcp: bool = False) -> DNSRecord:
    q = DNSRecord.question(name, qtype)
    return DNSRecord.parse(q.send("127.0.0.1", port, tcp=tcp, timeout=5))


def values(reply: DNSRecord, qtype: str | None = None) -> list[str]:
    return sorted(str(rr.rdata) for rr in reply.rr
                  if qtype is None or QTYPE[rr.rtype] == qtype)


def test_service_name_resolves_to_its_cluster_ip(dns: int) -> None:
    reply = ask(dns, "web.shop.svc.cluster.local")
    assert reply.header.rcode == RCODE.NOERROR and reply.header.aa == 1
    assert values(reply) == ["10.43.7.7"] and reply.rr[0].ttl == 5
    assert values(ask(dns, "WEB.shop.svc.cluster.local.", tcp=True)) == ["10.43.7.7"]


def test_aaaa_of_an_ipv4_service_has_no_data(dns: int) -> None:
    reply = ask(dns, "web.shop.svc.cluster.local", "AAAA")
    assert reply.header.rcode == RCODE.NOERROR and not reply.rr
    assert QTYPE[reply.auth[0].rtype] == "SOA"


def test_headless_service_resolves_to_ready_pod_ips(dns: int) -> None:
    assert values(ask(dns, "db.shop.svc.cluster.local")) == ["10.42.0.11", "10.42.0.12"]
    assert values(ask(dns, "db-0.db.shop.svc.cluster.local")) == ["10.42.0.11"]
    assert values(ask(dns, "10-42-0-12.db.shop.svc.cluster.local")) == ["10.42.0.12"]


def test_srv_for_named_ports(dns: int) -> None:
    reply = ask(dns, "_http._tcp.web.shop.svc.cluster.local", "SRV")
    assert values(reply, "SRV") == ["0 100 80 web.shop.svc.cluster.local."]
    assert values(DNSRecord(rr=reply.ar)) == ["10.43.7.7"]
    udp = ask(dns, "_dns._udp.web.shop.svc.cluster.local", "SRV")
    assert values(udp, "SRV") == ["0 100 53 web.shop.svc.cluster.local."]
    headless = ask(dns, "_pg._tcp.db.shop.svc.cluster.local", "SRV")
    assert values(headless, "SRV") == ["0 50 5432 10-42-0-12.db.shop.svc.cluster.local.",
                                       "0 50 5432 db-0.db.shop.svc.cluster.local."]
    missing = ask(dns, "_nope._tcp.web.shop.svc.cluster.local", "SRV")
    assert missing.header.rcode == RCODE.NXDOMAIN


def test_pod_records_and_reverse_lookups(dns: int) -> None:
    assert values(ask(dns, "10-42-0-99.shop.pod.cluster.local")) == ["10.42.0.99"]
    assert values(ask(dns, "7.7.43.10.in-addr.arpa", "PTR")) == [
        "web.shop.svc.cluster.local."]
    assert values(ask(dns, "11.0.42.10.in-addr.arpa", "PTR")) == [
        "db-0.db.shop.svc.cluster.local."]
    assert ask(dns, "9.9.43.10.in-addr.arpa", "PTR").header.rcode == RCODE.NXDOMAIN


def test_external_name_is_a_cname(dns: int) -> None:
    reply = ask(dns, "ext.shop.svc.cluster.local")
    assert values(reply, "CNAME") == ["db.example.org."]


def test_unknown_names_are_nxdomain_and_outside_names_refused(dns: int) -> None:
    for name in ("nope.shop.svc.cluster.local", "web.shop.svc.cluster.local.shop.svc."
                 "cluster.local", "web.other.svc.cluster.local", "x.cluster.local"):
        reply = ask(dns, name)
        assert reply.header.rcode == RCODE.NXDOMAIN, name
        assert QTYPE[reply.auth[0].rtype] == "SOA"
    assert ask(dns, "example.org").header.rcode == RCODE.REFUSED
    assert ask(dns, "8.8.8.8.in-addr.arpa", "PTR").header.rcode == RCODE.REFUSED


def test_large_answers_are_truncated_over_udp_and_whole_over_tcp(dns: int) -> None:
    q = DNSRecord.question("many.shop.svc.cluster.local")
    udp = DNSRecord.parse(q.send("127.0.0.1", dns, timeout=5))
    assert udp.header.tc == 1
    assert len(values(ask(dns, "many.shop.svc.cluster.local", tcp=True))) == 60


def test_malformed_queries_get_formerr(dns: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(5)
        s.sendto(b"\x12\x34" + b"\x01\x00\x00\x01" + b"\xff" * 10, ("127.0.0.1", dns))
        reply = DNSRecord.parse(s.recv(512))
    assert reply.header.id == 0x1234 and reply.header.rcode == RCODE.FORMERR


def test_upstream_addresses_parse() -> None:
    assert parse_upstream("192.0.2.53") == ("192.0.2.53", 53)
    assert parse_upstream("127.0.0.1:5353") == ("127.0.0.1", 5353)


def test_other_names_go_to_the_upstream_servers() -> None:
    """The "upstream" is a second server on 127.0.0.1, serving another domain."""
    services, slices = _stores()
    upstream = DNSServer(ClusterRecords(services, slices, domain="upstream.test"))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))  # bound, never answers
        with serving(upstream):
            cluster = DNSServer(ClusterRecords(*_stores()), upstreams=[
                ("127.0.0.1", silent.getsockname()[1]), ("127.0.0.1", upstream.port)])
            with serving(cluster):
                reply = ask(cluster.port, "web.shop.svc.upstream.test")
                assert reply.header.rcode == RCODE.NOERROR and values(reply) == ["10.43.7.7"]
                assert values(ask(cluster.port, "web.shop.svc.cluster.local")) == ["10.43.7.7"]
            alone = DNSServer(ClusterRecords(*_stores()), upstreams=[
                ("127.0.0.1", silent.getsockname()[1])])
            with serving(alone):
                reply = ask(alone.port, "web.shop.svc.upstream.test")
                assert reply.header.rcode == RCODE.SERVFAIL and reply.header.ra == 1
