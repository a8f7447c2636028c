"""Objects every cluster has from its first second.

The namespaces default, kube-system, kube-public and kube-node-lease, the
PriorityClasses system-node-critical and system-cluster-critical, and
the `kubernetes` Service in `default` (cluster IP 10.43.0.1, port 443) with
Endpoints and an EndpointSlice pointing at this API server, so that pods can
reach the API at `https://kubernetes.default.svc`, and the `kube-dns` Service
in kube-system (cluster IP 10.43.0.10; each node's cluster DNS publishes its
endpoints, see pyk8s/dns/clusterdns.py). Each is created only when
missing (and the endpoints refreshed), so restarts keep what users changed.
"""

from __future__ import annotations

import contextlib
import socket
from typing import Any

from pyk8s.api.errors import APIError
from pyk8s.api.resources.scheduling import SYSTEM_CLASSES
from pyk8s.apiserver.admission.service_ips import KUBERNETES_SERVICE_IP
from pyk8s.apiserver.authorization.bootstrappolicy import bootstrap_policy
from pyk8s.apiserver.rest import Storages
from pyk8s.dns.clusterdns import kube_dns_service

Obj = dict[str, Any]
NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
USER = "system:apiserver"


def host_address() -> str:
    """This machine's primary IPv4 address (routing lookup only: nothing is sent)."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("10.255.255.255", 1))
        address: str = s.getsockname()[0]
        return address
    return "127.0.0.1"


async def _ensure(storages: Storages, storage: str, namespace: str, obj: Obj) -> None:
    s = storages.of(storage)
    try:
        await s.get(s.hub, namespace, obj["metadata"]["name"])
    except APIError as e:
        if e.code != 404:
            raise
        await s.create(s.hub, namespace, obj, user=USER)


async def _put(storages: Storages, storage: str, namespace: str, obj: Obj) -> None:
    s = storages.of(storage)
    await s.update(s.hub, namespace, obj["metadata"]["name"], obj, user=USER)


async def bootstrap(storages: Storages, advertise_address: str, port: int) -> None:
    await bootstrap_policy(storages)
    for name in NAMESPACES:
        await _ensure(storages, "namespaces", "", {
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}},
        })
    for name, (value, _) in SYSTEM_CLASSES.items():
        await _ensure(storages, "priorityclasses.scheduling.k8s.io", "", {
            "apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
            "metadata": {"name": name}, "value": value,
            "description": "Used for system critical pods that must not be moved from their "
                           "current node." if name == "system-node-critical" else
                           "Used for system critical pods that must run in the cluster, but "
                           "can be moved to another node if necessary.",
        })
    labels = {"component": "apiserver", "provider": "kubernetes"}
    await _ensure(storages, "services", "default", {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "kubernetes", "namespace": "default", "labels": labels},
        "spec": {
            "clusterIP": KUBERNETES_SERVICE_IP,
            "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": port}],
            "sessionAffinity": "None",
            "type": "ClusterIP",
        },
    })
    await _ensure(storages, "services", "kube-system", kube_dns_service())
    address = advertise_address or host_address()
    await _put(storages, "endpoints", "default", {
        "apiVersion": "v1", "kind": "Endpoints",
        "metadata": {"name": "kubernetes", "namespace": "default",
                     "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
        "subsets": [{
            "addresses": [{"ip": address}],
            "ports": [{"name": "https", "port": port, "protocol": "TCP"}],
        }],
    })
    await _put(storages, "endpointslices.discovery.k8s.io", "default", {
        "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {"name": "kubernetes", "namespace": "default",
                     "labels": {"kubernetes.io/service-name": "kubernetes",
                                "endpointslice.kubernetes.io/managed-by":
                                    "endpointslicemirroring-controller.k8s.io"}},
        "addressType": "IPv4",
        "endpoints": [{"addresses": [address], "conditions": {"ready": True}}],
        "ports": [{"name": "https", "port": port, "protocol": "TCP"}],
    })
