"""Services benchmark: cluster DNS queries/s and kube-proxy sync time.

Usage (from the repository root; the iptables part needs root):

    .venv/bin/python bench/services.py [--services 1000] [--endpoints 2] [--queries 20000]

DNS: the real `DNSServer` on a free port of 127.0.0.1, fed by an informer
`Store` holding `--services` Services and their EndpointSlices; a client
keeps 64 UDP queries in flight (service names, some of them missing, some
headless) until `--queries` have been answered, and prints queries/s and
the answers' rcodes. Proxy: the time to render the whole ruleset for the
same Services, and, as root, to load it with one `iptables-restore
--noflush` (first load, then a reload with one endpoint changed), inside a
network namespace the benchmark makes and deletes, so the machine's own
rules are never touched. It asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import threading
import time
import uuid
from collections import Counter
from typing import Any

from dnslib import RCODE, DNSRecord

from pyk8s.client import Store
from pyk8s.dns.records import ClusterRecords
from pyk8s.dns.server import DNSServer
from pyk8s.proxy.rules import render
from pyk8s.proxy.serviceport import ServicePort, service_ports

Obj = dict[str, Any]


def objects(n: int, endpoints: int) -> tuple[list[Obj], list[Obj]]:
    services, slices = [], []
    for i in range(n):
        name = f"svc-{i}"
        headless = i % 10 == 9
        ip = "None" if headless else f"10.43.{1 + i // 250}.{1 + i % 250}"
        services.append({"metadata": {"namespace": "bench", "name": name},
                         "spec": {"clusterIP": ip, "type": "NodePort" if i % 5 == 0
                                  else "ClusterIP",
                                  "ports": [{"name": "http", "port": 80, "protocol": "TCP",
                                             **({"nodePort": 30000 + i} if i % 5 == 0
                                                else {})}]}})
        slices.append({"metadata": {"namespace": "bench", "name": f"{name}-x",
                                    "labels": {"kubernetes.io/service-name": name}},
                       "addressType": "IPv4",
                       "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
                       "endpoints": [{"addresses": [f"10.42.{(i * endpoints + j) // 250}."
                                                    f"{1 + (i * endpoints + j) % 250}"],
                                      "conditions": {"ready": True}}
                                     for j in range(endpoints)]})
    return services, slices


def bench_dns(services: list[Obj], slices: list[Obj], queries: int) -> None:
    svc_store, slice_store = Store(), Store()
    for o in services:
        svc_store.upsert(o)
    for o in slices:
        slice_store.upsert(o)
    server = DNSServer(ClusterRecords(svc_store, slice_store))
    loop = asyncio.new_event_loop()
    started, stop = threading.Event(), asyncio.Event()

    async def serve() -> None:
        await server.start("127.0.0.1", 0)
        started.set()
        await stop.wait()
        await server.stop()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    started.wait(10)
    n = len(services)
    packets = [DNSRecord.question(f"svc-{i % (n + n // 10)}.bench.svc.cluster.local"
                                  ).pack() for i in range(min(queries, 5000))]
    rcodes: Counter[str] = Counter()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2)
        s.connect(("127.0.0.1", server.port))
        sent = answered = lost = 0
        start = time.perf_counter()
        while answered + lost < queries:
            while sent - answered - lost < 64 and sent < queries:
                s.send(packets[sent % len(packets)])
                sent += 1
            try:
                reply = DNSRecord.parse(s.recv(4096))
                rcodes[RCODE[reply.header.rcode]] += 1
                answered += 1
            except TimeoutError:
                lost = sent - answered
        elapsed = time.perf_counter() - start
    loop.call_soon_threadsafe(stop.set)
    thread.join(10)
    print(f"DNS: {answered} answers in {elapsed:.2f} s = {answered / elapsed:,.0f} queries/s "
          f"(UDP, 64 in flight, {lost} lost); rcodes {dict(rcodes)}")


def bench_proxy(services: list[Obj], slices: list[Obj]) -> None:
    by_name = {s["metadata"]["labels"]["kubernetes.io/service-name"]: s for s in slices}
    start = time.perf_counter()
    ports: list[ServicePort] = []
    for svc in services:
        ports.extend(service_ports(svc, [by_name[svc["metadata"]["name"]]]))
    ruleset = render(ports, cluster_cidr="10.42.0.0/16")
    render_s = time.perf_counter() - start
    lines = ruleset.text.count("\n")
    print(f"proxy: {len(ports)} service ports -> {lines:,} iptables-restore lines, "
          f"rendered in {render_s * 1000:.0f} ms")
    if os.geteuid() != 0:
        print("proxy: not root, iptables-restore not timed")
        return
    netns = f"pyk8s-bench-{uuid.uuid4().hex[:6]}"
    subprocess.run(["ip", "netns", "add", netns], check=True)
    try:
        def restore(text: str) -> float:
            t = time.perf_counter()
            subprocess.run(["ip", "netns", "exec", netns, "iptables-restore", "--noflush"],
                           input=text, text=True, check=True)
            return time.perf_counter() - t

        first = restore(ruleset.text)
        ports[0].endpoints.pop()
        again = render(ports, cluster_cidr="10.42.0.0/16", existing=ruleset.chains)
        second = restore(again.text)
        print(f"proxy: iptables-restore --noflush of the whole ruleset: first load "
              f"{first * 1000:.0f} ms, reload after one endpoint change {second * 1000:.0f} ms")
    finally:
        subprocess.run(["ip", "netns", "delete", netns], check=False)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--services", type=int, default=1000)
    p.add_argument("--endpoints", type=int, default=2)
    p.add_argument("--queries", type=int, default=20000)
    args = p.parse_args()
    services, slices = objects(args.services, args.endpoints)
    bench_dns(services, slices, args.queries)
    bench_proxy(services, slices)


if __name__ == "__main__":
    main()
