"""Services on the real node: kube-proxy's iptables rules and cluster DNS.

One namespace for the module holds a busybox httpd Deployment (each pod
answers with its name) and a client pod; the tests put Services in front
of it. Before any packet is sent to a service address the test waits for
the node's rule for it (or for the DNS address), so nothing meant for a
service ever leaves the machine. The agent's clean shutdown and
`clean_node` remove the chains and the DNS address; the module's
Services go with its namespace.
"""

from __future__ import annotations

import json
import socket
import subprocess
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from dnslib import DNSRecord

from pyk8s.dns.clusterdns import DNS_SERVICE_IP, INTERFACE
from pyk8s.proxy.rules import service_chain
from pyk8s.proxy.serviceport import ServicePort
from tests.e2e.conftest import Cluster, pod_manifest, wait_for

HTTPD = ("echo $(hostname) > /tmp/index.html; exec httpd -f -p 8080 -h /tmp")


def deployment(replicas: int) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {
            "replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"terminationGracePeriodSeconds": 1, "containers": [{
                    "name": "httpd", "image": "busybox:1.35", "command": ["sh", "-c", HTTPD],
                    "ports": [{"name": "http", "containerPort": 8080}],
                    "readinessProbe": {"httpGet": {"path": "/index.html", "port": 8080},
                                       "periodSeconds": 1}}]}}}}


def service(name: str, app: str = "web", **spec: Any) -> str:
    return json.dumps({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
                       "spec": {"selector": {"app": app}, "ports": [
                           {"name": "http", "port": 80, "targetPort": "http"}], **spec}})


def nat_rules() -> str:
    return subprocess.run(["iptables-save", "-t", "nat"], capture_output=True,
                          text=True).stdout


def filter_rules() -> str:
    return subprocess.run(["iptables-save", "-t", "filter"], capture_output=True,
                          text=True).stdout


def _jumped(rules: str) -> bool:
    """The host's own packets go through KUBE-SERVICES."""
    return any(line.startswith("-A OUTPUT ") and line.endswith("-j KUBE-SERVICES")
               for line in rules.splitlines())


def rejects(ip: str) -> bool:
    """The node's rules refuse connections to ip."""
    rules = filter_rules()
    return _jumped(rules) and f"-d {ip}/32" in rules


def destinations(ns: str, name: str) -> set[str]:
    """The endpoints the node's rules send ns/name:http to."""
    if not _jumped(nat_rules()):
        return set()
    chain = service_chain(ServicePort(namespace=ns, name=name, port_name="http",
                                      protocol="TCP", port=80, cluster_ip=""))
    seps = {line.split()[-1] for line in nat_rules().splitlines()
            if line.startswith(f"-A {chain} ") and "-j KUBE-SEP-" in line}
    return {line.split("--to-destination ")[1] for line in nat_rules().splitlines()
            if "--to-destination" in line and line.split()[1] in seps}


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return str(resp.read().decode()).strip()


def ready_pods(cluster: Cluster, ns: str) -> list[str]:
    pods = cluster.get("pods", "-n", ns, "-l", "app=web")["items"]
    return sorted(p["metadata"]["name"] for p in pods
                  if not p["metadata"].get("deletionTimestamp")
                  and any(c["type"] == "Ready" and c["status"] == "True"
                          for c in p["status"].get("conditions") or []))


def wait_endpoints(cluster: Cluster, ns: str, name: str, count: int) -> set[str]:
    """Wait until the node's rules send the Service to `count` endpoints."""
    return wait_for(f"{count} endpoints of {name} in the rules", lambda: (
        lambda d: d if len(d) == count else None)(destinations(ns, name)), timeout=90)


def cluster_ip(cluster: Cluster, ns: str, name: str) -> str:
    return str(cluster.get("service", name, "-n", ns)["spec"]["clusterIP"])


@pytest.fixture(scope="module")
def web(cluster: Cluster) -> Iterator[str]:
    ns = f"e2e-svc-{uuid.uuid4().hex[:8]}"
    cluster.kubectl("create", "namespace", ns)
    try:
        cluster.apply(ns, json.dumps(deployment(2)))
        cluster.apply(ns, service("web", type="NodePort"))
        cluster.apply(ns, pod_manifest("client", cluster.agent.node_name, "sleep 3600"))
        cluster.wait_running(ns, "client", timeout=90)
        wait_for("2 ready web pods", lambda: len(ready_pods(cluster, ns)) == 2, timeout=90)
        wait_endpoints(cluster, ns, "web", 2)
        yield ns
    finally:
        cluster.kubectl("delete", "namespace", ns, "--wait=false", check=False)


def _dns_ready() -> bool:
    addr = subprocess.run(["ip", "-4", "-o", "addr", "show", "dev", INTERFACE],
                          capture_output=True, text=True).stdout
    return f" {DNS_SERVICE_IP}/32 " in addr and f"-d {DNS_SERVICE_IP}/32" in nat_rules()


def pod_get(cluster: Cluster, ns: str, pod: str, host: str) -> str | None:
    """GET /index.html on host:80 from inside a pod (busybox nc: busybox-static's
    wget crashes on getaddrinfo); the body, or None."""
    out = pod_http(cluster, ns, pod, host)
    head, _, body = out.stdout.partition("\n\n")  # text mode made each CRLF a newline
    return body.strip() if out.returncode == 0 and " 200 " in head else None


def pod_http(cluster: Cluster, ns: str, pod: str, host: str) -> Any:
    script = ('printf "GET /index.html HTTP/1.0\\r\\n\\r\\n" | nc -w 3 ' + host + " 80")
    return cluster.kubectl("exec", "-n", ns, pod, "--", "sh", "-c", script, check=False)


def lookup(name: str) -> str:
    """A shell word: the last address busybox nslookup prints for `name`."""
    return f"$(nslookup {name} | awk '/^Address/ {{a=$2}} END {{print a}}')"


def test_pod_reaches_a_service_by_its_dns_name(cluster: Cluster, web: str) -> None:
    wait_for("cluster DNS on the node", _dns_ready)
    pods = set(ready_pods(cluster, web))
    ip = cluster_ip(cluster, web, "web")
    answer = cluster.kubectl("exec", "-n", web, "client", "--", "nslookup",
                             f"web.{web}.svc.cluster.local").stdout
    assert f"Address: {ip}" in answer
    short = cluster.kubectl("exec", "-n", web, "client", "--", "nslookup", "web",
                            check=False).stdout  # exits 1: some search domains miss
    assert f"Name:\tweb.{web}.svc.cluster.local\nAddress: {ip}" in short  # the search path
    assert pod_get(cluster, web, "client", lookup(f"web.{web}.svc.cluster.local")) in pods
    missing = cluster.kubectl("exec", "-n", web, "client", "--", "nslookup",
                              f"nope.{web}.svc.cluster.local", check=False)
    assert missing.returncode != 0 and "NXDOMAIN" in missing.stdout
    from_host = DNSRecord.parse(DNSRecord.question(f"web.{web}.svc.cluster.local").send(
        DNS_SERVICE_IP, 53, timeout=5))
    assert [str(rr.rdata) for rr in from_host.rr] == [ip]


def test_host_reaches_cluster_ip_and_node_port_on_every_endpoint(cluster: Cluster,
                                                                  web: str) -> None:
    ip = cluster_ip(cluster, web, "web")
    node_port = cluster.get("service", "web", "-n", web)["spec"]["ports"][0]["nodePort"]
    node = cluster.get("node", cluster.agent.node_name)
    node_ip = next(a["address"] for a in node["status"]["addresses"]
                   if a["type"] == "InternalIP")
    pods = set(ready_pods(cluster, web))
    seen = {get(f"http://{ip}/index.html") for _ in range(40)}
    assert seen == pods  # random balancing: 40 tries miss one of 2 pods once in 10^12
    assert {get(f"http://{node_ip}:{node_port}/index.html") for _ in range(40)} == pods


def test_pod_reaches_its_own_service_through_hairpin(cluster: Cluster, web: str) -> None:
    pod = ready_pods(cluster, web)[0]
    ip = cluster_ip(cluster, web, "web")
    outs = [pod_http(cluster, web, pod, ip) for _ in range(16)]
    answers = {o.stdout.partition("\n\n")[2].strip() for o in outs}
    assert pod in answers, [(o.returncode, o.stdout, o.stderr) for o in outs]


def test_service_without_ready_endpoints_rejects(cluster: Cluster, web: str) -> None:
    cluster.apply(web, service("down", app="nothing"))
    ip = cluster_ip(cluster, web, "down")
    wait_for("the REJECT rule", lambda: rejects(ip))
    with pytest.raises(ConnectionRefusedError), socket.create_connection((ip, 80), timeout=5):
        pass


def test_client_ip_session_affinity_sticks(cluster: Cluster, web: str) -> None:
    cluster.apply(web, service("sticky", sessionAffinity="ClientIP"))
    wait_endpoints(cluster, web, "sticky", 2)
    assert "--rcheck --seconds 10800" in nat_rules()
    ip = cluster_ip(cluster, web, "sticky")
    assert len({get(f"http://{ip}/index.html") for _ in range(20)}) == 1


def test_headless_service_and_pod_names_resolve_to_pod_ips(cluster: Cluster,
                                                           web: str) -> None:
    cluster.apply(web, service("db", clusterIP="None"))
    pods = cluster.get("pods", "-n", web, "-l", "app=web")["items"]
    ips = sorted(p["status"]["podIP"] for p in pods)

    def answered() -> list[str] | None:
        out = cluster.kubectl("exec", "-n", web, "client", "--", "nslookup",
                              f"db.{web}.svc.cluster.local", check=False).stdout
        found = sorted(line.split()[1] for line in out.splitlines()[2:]
                       if line.startswith("Address:"))
        return found if found == ips else None

    wait_for("the headless Service's pod addresses", answered)
    dashed = ips[0].replace(".", "-")
    out = cluster.kubectl("exec", "-n", web, "client", "--", "nslookup",
                          f"{dashed}.{web}.pod.cluster.local").stdout
    assert f"Address: {ips[0]}" in out


def test_scaling_the_deployment_updates_the_rules(cluster: Cluster, web: str) -> None:
    cluster.kubectl("scale", "deployment", "web", "-n", web, "--replicas=3")
    wait_endpoints(cluster, web, "web", 3)
    ip = cluster_ip(cluster, web, "web")
    pods = set(wait_for("3 ready pods", lambda: (lambda p: p if len(p) == 3 else None)(
        ready_pods(cluster, web))))
    assert {get(f"http://{ip}/index.html") for _ in range(60)} == pods
    cluster.kubectl("scale", "deployment", "web", "-n", web, "--replicas=0")
    wait_for("the REJECT rule", lambda: rejects(ip), timeout=90)
    assert destinations(web, "web") == set()
    with pytest.raises(ConnectionRefusedError), socket.create_connection((ip, 80), timeout=5):
        pass
