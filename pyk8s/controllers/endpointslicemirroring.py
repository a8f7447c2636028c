"""EndpointSlice mirroring controller: slices for Endpoints written by hand.

A Service without a selector gets no slices from the EndpointSlice
controller: whoever manages its addresses writes an Endpoints object. This
controller mirrors such Endpoints into EndpointSlices (labelled
`endpointslice.kubernetes.io/managed-by:
endpointslicemirroring-controller.k8s.io` and owned by the Endpoints), so
that consumers of slices (kube-proxy, DNS) see them too: one slice per
subset, `addresses` ready and `notReadyAddresses` not, IPv4 only. Endpoints
labelled `endpointslice.kubernetes.io/skip-mirror: "true"` (the API
server's own `kubernetes` Endpoints) and those of Services with a selector
are not mirrored, and slices mirrored for them are removed.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from pyk8s.client import EventRecorder, Informer, split_key
from pyk8s.controllers.context import Controller, ControllerContext, by_namespace
from pyk8s.controllers.controller_ref import new_controller_ref
from pyk8s.controllers.endpointslice import (
    DISCOVERY,
    MANAGED_BY,
    SERVICE_NAME,
    delete_slice,
    write_slices,
)

Obj = dict[str, Any]
MIRROR_NAME = "endpointslicemirroring-controller.k8s.io"
SKIP_MIRROR = "endpointslice.kubernetes.io/skip-mirror"


def by_mirrored_service(obj: Obj) -> list[str]:
    labels = obj["metadata"].get("labels") or {}
    if labels.get(MANAGED_BY) != MIRROR_NAME or not labels.get(SERVICE_NAME):
        return []
    return [f"{obj['metadata']['namespace']}/{labels[SERVICE_NAME]}"]


def _ipv4(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).version == 4
    except ValueError:
        return False


class EndpointSliceMirroringController(Controller):
    name = "endpointslice-mirroring-controller"
    alias = "endpointslicemirroring"
    component = "endpointslicemirroring-controller"
    workers = 2

    def __init__(self, ctx: ControllerContext, recorder: EventRecorder) -> None:
        super().__init__(ctx, recorder)
        self.services = self.watch(ctx.informers.informer(
            "v1", "services", indexers={"namespace": by_namespace}))
        self.endpoints: Informer = self.watch(ctx.informers.informer("v1", "endpoints"))
        self.slices = self.watch(ctx.informers.informer(
            DISCOVERY, "endpointslices", indexers={"namespace": by_namespace}))
        self.slices.store.add_indexer("mirrored", by_mirrored_service)
        for informer in (self.services, self.endpoints):
            informer.add_handlers(self.enqueue, lambda old, new: self.enqueue(new),
                                  self.enqueue)
        self.slices.add_handlers(on_delete=self._slice_deleted)

    def _slice_deleted(self, obj: Obj) -> None:
        for key in by_mirrored_service(obj):
            self.queue.add(key)

    async def sync(self, key: str) -> None:
        svc = self.services.store.get(key)
        ep = self.endpoints.store.get(key)
        existing = self.slices.store.by_index("mirrored", key)
        if svc is None or ep is None or (svc.get("spec") or {}).get("selector") or \
                (ep["metadata"].get("labels") or {}).get(SKIP_MIRROR) == "true":
            for obj in existing:
                await delete_slice(self.client, obj)
            return
        namespace, name = split_key(key)
        wanted = []
        for subset in ep.get("subsets") or []:
            ports = [{k: v for k, v in (("name", p.get("name", "")), ("port", p.get("port")),
                                        ("protocol", p.get("protocol", "TCP")),
                                        ("appProtocol", p.get("appProtocol")))
                      if v is not None} for p in subset.get("ports") or []]
            endpoints = []
            for field, ready in (("addresses", True), ("notReadyAddresses", False)):
                for address in subset.get(field) or []:
                    if not _ipv4(address.get("ip", "")):
                        continue
                    endpoint: Obj = {"addresses": [address["ip"]],
                                     "conditions": {"ready": ready}}
                    for src, dst in (("nodeName", "nodeName"), ("targetRef", "targetRef"),
                                     ("hostname", "hostname")):
                        if address.get(src):
                            endpoint[dst] = address[src]
                    endpoints.append(endpoint)
            wanted.append((ports, endpoints))
        labels = {**{k: v for k, v in (ep["metadata"].get("labels") or {}).items()
                     if k != MANAGED_BY}, SERVICE_NAME: name or "", MANAGED_BY: MIRROR_NAME}
        owner = new_controller_ref({**ep, "apiVersion": "v1", "kind": "Endpoints"})
        await write_slices(self.client, namespace or "", existing, wanted, labels, owner)
