"""kube-proxy's ruleset: what a set of Services and EndpointSlices renders to.

Rendering is pure; the last test also loads rendered rulesets into the
kernel (root only) inside a network namespace of its own, jumps included,
and removes them again with `pyk8s.proxy.iptables.cleanup()`.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import re
import shutil
import subprocess
from typing import Any

import pytest

from pyk8s.proxy import conntrack, iptables
from pyk8s.proxy.rules import local_chain, render, service_chain
from pyk8s.proxy.serviceport import ServicePort, service_ports

CIDR = "10.42.0.0/16"
CLONE_NEWNET = 0x40000000


def svc(name: str, ip: str, ports: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    return {"metadata": {"namespace": "default", "name": name},
            "spec": {"clusterIP": ip, "ports": ports, **spec}}


def slice_(name: str, ports: list[dict[str, Any]], *ips: str, ready: bool = True,
           **cond: Any) -> dict[str, Any]:
    return {"metadata": {"namespace": "default", "name": f"{name}-x",
                         "labels": {"kubernetes.io/service-name": name}},
            "addressType": "IPv4", "ports": ports,
            "endpoints": [{"addresses": [ip], "conditions": {"ready": ready, **cond}}
                          for ip in ips]}


WEB_PORTS = [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}]
SLICE_PORTS = [{"name": "http", "port": 8080, "protocol": "TCP"}]


def rules(*ports: ServicePort) -> list[str]:
    return render(list(ports), cluster_cidr=CIDR).text.splitlines()


def test_chain_names_are_kubernetes_hashes() -> None:
    sp = service_ports(svc("kubernetes", "10.43.0.1", [{"name": "https", "port": 443}]), [])[0]
    assert service_chain(sp) == "KUBE-SVC-NPX46M4PTMTKRN6Y"


def test_cluster_ip_balances_randomly_over_ready_endpoints() -> None:
    sps = service_ports(svc("web", "10.43.0.20", WEB_PORTS), [
        slice_("web", SLICE_PORTS, "10.42.0.5", "10.42.0.6", "10.42.0.7"),
        slice_("web", SLICE_PORTS, "10.42.0.9", ready=False)])
    out = rules(*sps)
    chain = service_chain(sps[0])
    assert (f'-A KUBE-SERVICES -m comment --comment "default/web:http cluster IP" -m tcp '
            f"-p tcp -d 10.43.0.20/32 --dport 80 -j {chain}") in out
    jumps = [r for r in out if r.startswith(f"-A {chain}") and "KUBE-SEP-" in r]
    probabilities = [re.search(r"--probability (\S+)", r) for r in jumps]
    assert [m.group(1) if m else None for m in probabilities] == [
        "0.3333333333", "0.5000000000", None]
    dnats = [r.split("--to-destination ")[1] for r in out if "--to-destination" in r]
    assert dnats == ["10.42.0.5:8080", "10.42.0.6:8080", "10.42.0.7:8080"]
    assert f"! -s {CIDR} -j KUBE-MARK-MASQ" in next(r for r in out if r.startswith(
        f"-A {chain}"))
    assert out[-2].endswith("-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS")


def test_service_without_ready_endpoints_is_rejected_in_filter() -> None:
    sps = service_ports(svc("down", "10.43.0.21", [{**WEB_PORTS[0], "nodePort": 30080}],
                            type="NodePort"),
                        [slice_("down", SLICE_PORTS, "10.42.0.5", ready=False)])
    text = render(sps, cluster_cidr=CIDR).text
    filter_part, nat_part = text.split("*nat")
    assert ('-A KUBE-SERVICES -m comment --comment "default/down:http has no endpoints" '
            "-m tcp -p tcp -d 10.43.0.21/32 --dport 80 -j REJECT") in filter_part
    assert "--dst-type LOCAL --dport 30080 -j REJECT" in filter_part
    assert "KUBE-SVC-" not in nat_part


def test_terminating_serving_endpoints_are_used_when_none_is_ready() -> None:
    sps = service_ports(svc("web", "10.43.0.20", WEB_PORTS), [
        slice_("web", SLICE_PORTS, "10.42.0.5", ready=False, serving=True, terminating=True)])
    assert [e.ip for e in sps[0].endpoints] == ["10.42.0.5"]


def test_node_port_and_external_ips_go_through_the_external_chain() -> None:
    sps = service_ports(svc("web", "10.43.0.20", [{**WEB_PORTS[0], "nodePort": 30080}],
                            type="LoadBalancer", externalIPs=["192.0.2.50"]),
                        [slice_("web", SLICE_PORTS, "10.42.0.5")])
    sps[0].load_balancer_ips.append("192.0.2.60")
    out = rules(*sps)
    ext = service_chain(sps[0]).replace("KUBE-SVC-", "KUBE-EXT-")
    assert (f'-A KUBE-NODEPORTS -m comment --comment "default/web:http" -m tcp -p tcp '
            f"--dport 30080 -j {ext}") in out
    assert any("-d 192.0.2.50/32 --dport 80" in r and r.endswith(ext) for r in out)
    assert any("-d 192.0.2.60/32 --dport 80" in r and r.endswith(ext) for r in out)
    assert f"-A {ext} -j {service_chain(sps[0])}" in out
    assert any(r.startswith(f"-A {ext}") and r.endswith("-j KUBE-MARK-MASQ") for r in out)


def test_client_ip_affinity_uses_recent() -> None:
    sps = service_ports(svc("sticky", "10.43.0.22", WEB_PORTS, sessionAffinity="ClientIP",
                            sessionAffinityConfig={"clientIP": {"timeoutSeconds": 60}}),
                        [slice_("sticky", SLICE_PORTS, "10.42.0.5", "10.42.0.6")])
    out = rules(*sps)
    checks = [r for r in out if "--rcheck" in r]
    assert len(checks) == 2 and all("--seconds 60 --reap" in r for r in checks)
    sets = [r for r in out if "--set" in r]
    assert len(sets) == 2 and all("-j DNAT" in r for r in sets)
    first_random = next(i for i, r in enumerate(out) if "statistic" in r)
    assert all(out.index(r) < first_random for r in checks)


def test_stale_chains_are_deleted_and_headless_services_skipped() -> None:
    headless = svc("db", "None", WEB_PORTS)
    assert service_ports(headless, [slice_("db", SLICE_PORTS, "10.42.0.5")]) == []
    text = render([], cluster_cidr=CIDR, existing={
        "nat": {"KUBE-SVC-AAAAAAAAAAAAAAAA", "KUBE-SERVICES"}, "filter": set()}).text
    assert ":KUBE-SVC-AAAAAAAAAAAAAAAA - [0:0]" in text
    assert "-X KUBE-SVC-AAAAAAAAAAAAAAAA" in text and "-X KUBE-SERVICES" not in text


def test_unnamed_ports_and_udp() -> None:
    sps = service_ports(svc("dns", "10.43.0.30", [{"port": 53, "protocol": "UDP"}]),
                        [slice_("dns", [{"port": 5353, "protocol": "UDP"}], "10.42.0.8")])
    out = rules(*sps)
    assert ('-A KUBE-SERVICES -m comment --comment "default/dns cluster IP" -m udp -p udp '
            "-d 10.43.0.30/32 --dport 53") in " ".join(out)
    assert any(r.endswith("-m udp -p udp -j DNAT --to-destination 10.42.0.8:5353")
               for r in out)


def _load_and_clean_up() -> list[str]:
    """Load rulesets, then clean up; the problems seen (runs in its own netns)."""
    problems = []
    sps = service_ports(svc("sticky", "10.43.250.22", [{**WEB_PORTS[0], "nodePort": 32599}],
                            type="NodePort", sessionAffinity="ClientIP"),
                        [slice_("sticky", SLICE_PORTS, "10.42.250.5", "10.42.250.6")])
    sps += service_ports(svc("down", "10.43.250.23", WEB_PORTS), [])
    sps += _local_test_ports(externalTrafficPolicy="Local", externalIPs=["192.0.2.70"])
    try:
        iptables.restore(render(sps, cluster_cidr=CIDR).text)
        iptables.ensure_jumps()
        chains = iptables.our_chains()
        if service_chain(sps[0]) not in chains["nat"] or "KUBE-SERVICES" not in chains["filter"]:
            problems.append(f"chains missing: {chains}")
        saved = subprocess.run(["iptables-save", "-t", "nat"], capture_output=True,
                               text=True).stdout
        if "--to-destination 10.42.250.6:8080" not in saved:
            problems.append("no DNAT to 10.42.250.6:8080")
        iptables.restore(render(sps[1:2], cluster_cidr=CIDR, existing=chains).text)
        if service_chain(sps[0]) in iptables.our_chains()["nat"]:
            problems.append("a stale chain was kept")
    finally:
        iptables.cleanup()
    if iptables.our_chains() != {"filter": set(), "nat": set()}:
        problems.append(f"left after cleanup: {iptables.our_chains()}")
    if "KUBE-" in subprocess.run(["iptables-save"], capture_output=True, text=True).stdout:
        problems.append("jumps left after cleanup")
    return problems


def _in_new_netns(queue: Any) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        queue.put([f"unshare: errno {ctypes.get_errno()}"])
        return
    try:
        queue.put(_load_and_clean_up())
    except Exception as e:  # reported to the test in the parent process
        queue.put([repr(e)])


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("iptables-restore") is None,
                    reason="loading rules needs root and iptables")
def test_ruleset_loads_into_the_kernel_and_cleans_up() -> None:
    """In a network namespace of its own, so the machine's rules are not touched."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_in_new_netns, args=(queue,))
    child.start()
    try:
        assert queue.get(timeout=60) == []
    finally:
        child.join(10)


def _local_test_ports(**spec: Any) -> list[ServicePort]:
    sl = slice_("web", SLICE_PORTS, "10.42.0.5", "10.42.1.5")
    sl["endpoints"][0]["nodeName"] = "here"
    sl["endpoints"][1]["nodeName"] = "there"
    return service_ports(svc("web", "10.43.0.20", [{**WEB_PORTS[0], "nodePort": 30080}],
                             type="NodePort", **spec), [sl], node_name="here")


def test_external_traffic_policy_local_uses_this_nodes_endpoints() -> None:
    sps = _local_test_ports(externalTrafficPolicy="Local")
    out = rules(*sps)
    svc_chain, svl = service_chain(sps[0]), local_chain(sps[0])
    ext = svc_chain.replace("KUBE-SVC-", "KUBE-EXT-")
    ext_rules = [r for r in out if r.startswith(f"-A {ext} ")]
    assert ext_rules[-1] == f"-A {ext} -j {svl}"
    assert any(f"-s {CIDR} -j {svc_chain}" in r for r in ext_rules)  # pods: every endpoint
    assert not any(r.endswith("-j KUBE-MARK-MASQ") and "LOCAL" not in r for r in ext_rules)
    svl_targets = [r for r in out if r.startswith(f"-A {svl} ") and "KUBE-SEP-" in r]
    assert len(svl_targets) == 1 and "10.42.0.5:8080" in svl_targets[0]
    assert any(r.startswith("-A KUBE-SERVICES") and r.endswith(f"-j {svc_chain}")
               for r in out)  # the cluster IP still balances over both


def test_external_traffic_policy_local_without_local_endpoints_drops() -> None:
    sl = slice_("web", SLICE_PORTS, "10.42.1.5")
    sl["endpoints"][0]["nodeName"] = "there"
    sps = service_ports(svc("web", "10.43.0.20", [{**WEB_PORTS[0], "nodePort": 30080}],
                            type="NodePort", externalTrafficPolicy="Local"), [sl],
                        node_name="here")
    filter_part = render(sps, cluster_cidr=CIDR).text.split("*nat")[0]
    assert ('"default/web:http has no local endpoints" -m tcp -p tcp -m addrtype '
            "--dst-type LOCAL --dport 30080 -j DROP") in filter_part
    assert "-d 10.43.0.20/32" not in filter_part


def test_internal_traffic_policy_local_keeps_cluster_ip_traffic_on_the_node() -> None:
    sps = _local_test_ports(internalTrafficPolicy="Local")
    out = rules(*sps)
    svl = local_chain(sps[0])
    assert any(r.startswith("-A KUBE-SERVICES") and "-d 10.43.0.20/32" in r
               and r.endswith(f"-j {svl}") for r in out)
    assert any(r.startswith(f"-A {svl} ") and "KUBE-MARK-MASQ" in r for r in out)


def test_udp_flows_to_removed_endpoints_are_forgotten() -> None:
    def udp(*ips: str, node_port: int | None = None) -> dict[str, conntrack.UDPService]:
        return {"default/dns": conntrack.UDPService("10.43.0.30", node_port, frozenset(ips))}

    assert conntrack.stale_flows({}, udp()) == [["-p", "udp", "--orig-dst", "10.43.0.30"]]
    assert conntrack.stale_flows(udp(), udp("10.42.0.8")) == [
        ["-p", "udp", "--orig-dst", "10.43.0.30"]]
    assert conntrack.stale_flows(udp("10.42.0.8", "10.42.0.9"), udp("10.42.0.9", node_port=30053)
                                 ) == [
        ["-p", "udp", "--orig-dst", "10.43.0.30", "--dst-nat", "10.42.0.8"],
        ["-p", "udp", "--orig-port-dst", "30053", "--dst-nat", "10.42.0.8"]]
    assert conntrack.stale_flows(udp("10.42.0.9"), udp("10.42.0.9")) == []
