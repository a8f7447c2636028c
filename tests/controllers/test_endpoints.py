"""Endpoints and EndpointSlices follow the pods behind a Service, ready or not."""

from __future__ import annotations

import json
from typing import Any

from tests.controllers.conftest import ReadyPods, eventually
from tests.support import Server, manifest


def pod(name: str, image: str, port_name: str = "http", port: int = 8080) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "c", "image": image, "ports": [
                {"name": port_name, "containerPort": port}]}]}}


def service(name: str = "web", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"selector": {"app": "web"},
                     "ports": [{"name": "http", "port": 80, "targetPort": "http"}], **spec}}


def get(cluster: Server, ns: str, *what: str) -> Any:
    return json.loads(cluster.kubectl("-n", ns, "get", *what, "-o", "json").stdout)


def test_endpoints_split_ready_and_not_ready_and_resolve_named_ports(
        cluster: Server, ns: str, ready_pods: ReadyPods) -> None:
    cluster.kubectl("-n", ns, "create", "-f", "-", input=manifest(
        service(), pod("a", "nginx"), pod("b", "nginx", port=9090), pod("c", "unready")))

    def subsets() -> list[dict[str, Any]]:
        subsets: list[dict[str, Any]] = get(cluster, ns, "endpoints", "web").get("subsets") or []
        return subsets

    def summary() -> list[tuple[Any, ...]]:
        return sorted((tuple(sorted(a["targetRef"]["name"] for a in s.get("addresses", []))),
                       tuple(sorted(a["targetRef"]["name"]
                                    for a in s.get("notReadyAddresses", []))),
                       tuple(p["port"] for p in s["ports"])) for s in subsets())

    eventually(lambda: summary() == [(("a",), ("c",), (8080,)), (("b",), (), (9090,))],
               what="endpoints of a, b (ready) and c (not ready)")
    assert all(p["name"] == "http" for s in subsets() for p in s["ports"])

    def slices() -> list[tuple[Any, ...]]:
        items = get(cluster, ns, "endpointslices", "-l", "kubernetes.io/service-name=web")
        return sorted((e["targetRef"]["name"], e["conditions"]["ready"], s["ports"][0]["port"])
                      for s in items["items"] for e in s.get("endpoints") or [])

    eventually(lambda: slices() == [("a", True, 8080), ("b", True, 9090), ("c", False, 8080)],
               what="endpoint slices")
    owner = get(cluster, ns, "endpointslices")["items"][0]["metadata"]["ownerReferences"][0]
    assert (owner["kind"], owner["name"]) == ("Service", "web")
    cluster.kubectl("-n", ns, "delete", "pod", "a")
    eventually(lambda: summary() == [((), ("c",), (8080,)), (("b",), (), (9090,))],
               what="deleted pod removed")
    cluster.kubectl("-n", ns, "delete", "service", "web")
    eventually(lambda: not get(cluster, ns, "endpoints")["items"] and
               not get(cluster, ns, "endpointslices")["items"],
               what="endpoints and slices removed with the service")


def test_publish_not_ready_addresses(cluster: Server, ns: str, ready_pods: ReadyPods) -> None:
    cluster.kubectl("-n", ns, "create", "-f", "-", input=manifest(
        service(publishNotReadyAddresses=True), pod("c", "unready")))

    def ready_names() -> list[str]:
        subsets = get(cluster, ns, "endpoints", "web").get("subsets") or []
        return [a["targetRef"]["name"] for s in subsets for a in s.get("addresses", [])]

    eventually(lambda: ready_names() == ["c"], what="unready pod published as ready")


def test_kubernetes_service_endpoints_are_left_to_the_api_server(cluster: Server) -> None:
    eps = json.loads(cluster.kubectl("-n", "default", "get", "endpoints", "kubernetes",
                                     "-o", "json").stdout)
    assert eps["subsets"][0]["ports"][0]["name"] == "https"
    assert len(eps["subsets"][0]["addresses"]) == 1


def test_hand_written_endpoints_are_mirrored_to_slices(cluster: Server, ns: str) -> None:
    cluster.kubectl("-n", ns, "create", "-f", "-", input=manifest(
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "external"},
         "spec": {"ports": [{"name": "db", "port": 5432}]}},
        {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "external"},
         "subsets": [{"addresses": [{"ip": "10.99.0.1"}], "notReadyAddresses": [
             {"ip": "10.99.0.2"}], "ports": [{"name": "db", "port": 5432}]}]}))

    def mirrored() -> list[tuple[str, bool]]:
        items = get(cluster, ns, "endpointslices", "-l",
                    "endpointslice.kubernetes.io/managed-by="
                    "endpointslicemirroring-controller.k8s.io")["items"]
        return sorted((e["addresses"][0], e["conditions"]["ready"])
                      for s in items for e in s["endpoints"] or [])

    eventually(lambda: mirrored() == [("10.99.0.1", True), ("10.99.0.2", False)],
               what="mirrored slice")
    cluster.kubectl("-n", ns, "delete", "endpoints", "external")
    eventually(lambda: not mirrored(), what="mirrored slice removed")
