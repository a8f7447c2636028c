"""EndpointSlice controller: the discovery.k8s.io view of each Service's endpoints.

In: Services and pods (shared with the Endpoints controller, see
`endpoints.ServiceEndpointsController`) and EndpointSlices. Out: the slices
of each Service with a selector, labelled `kubernetes.io/service-name` and
`endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io`,
owned by the Service (so the garbage collector removes them with it).

Unlike Endpoints, slices keep terminating pods, with conditions saying what
each endpoint is: `ready` (ready and not terminating, or the Service
publishes unready addresses), `serving` (ready, terminating or not) and
`terminating`. Pods whose named target ports resolve to the same numbers
share slices; each slice holds at most `max_endpoints` endpoints. A sync
computes the wanted slices, rewrites existing slices with the same ports in
place, creates what is missing (`generateName: <service>-`) and deletes what
is left over; an unchanged slice is not written.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from pyk8s.client import APIClient, EventRecorder, RequestError, is_conflict, is_not_found
from pyk8s.controllers.context import ControllerContext, by_namespace
from pyk8s.controllers.controller_ref import new_controller_ref
from pyk8s.controllers.endpoints import (
    SKIPPED,
    ServiceEndpointsController,
    publish_not_ready,
    target_port,
    target_ref,
)
from pyk8s.controllers.pods import is_ready

log = logging.getLogger(__name__)

Obj = dict[str, Any]
DISCOVERY = "discovery.k8s.io/v1"
SERVICE_NAME = "kubernetes.io/service-name"
MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
CONTROLLER_NAME = "endpointslice-controller.k8s.io"
MAX_ENDPOINTS = 100


def by_service(obj: Obj) -> list[str]:
    """Index function: `namespace/service` of a slice this controller manages."""
    labels = obj["metadata"].get("labels") or {}
    if labels.get(MANAGED_BY) != CONTROLLER_NAME or not labels.get(SERVICE_NAME):
        return []
    return [f"{obj['metadata']['namespace']}/{labels[SERVICE_NAME]}"]


async def write_slices(client: APIClient, namespace: str, existing: list[Obj],
                       wanted: list[tuple[list[Obj], list[Obj]]], labels: dict[str, str],
                       owner: Obj, address_type: str = "IPv4") -> None:
    """Make `existing` slices hold `wanted` (ports, endpoints) pairs, writing only changes.

    A slice with the same ports is rewritten in place; missing ones are created
    (`generateName: <service>-`, owned by `owner`); the rest are deleted.
    """
    by_ports: dict[str, list[Obj]] = defaultdict(list)
    for obj in existing:
        by_ports[repr(obj.get("ports") or [])].append(obj)
    for ports, endpoints in wanted:
        reuse = by_ports[repr(ports)]
        body: Obj = {"apiVersion": DISCOVERY, "kind": "EndpointSlice",
                     "addressType": address_type, "endpoints": endpoints, "ports": ports}
        if reuse:
            current = reuse.pop(0)
            md = current["metadata"]
            if current.get("endpoints") == endpoints and (md.get("labels") or {}) == labels \
                    and current.get("addressType") == address_type:
                continue
            await client.update(DISCOVERY, "endpointslices",
                                {**body, "metadata": {**md, "labels": labels}})
        else:
            body["metadata"] = {"generateName": f"{labels[SERVICE_NAME]}-",
                                "namespace": namespace,
                                "labels": labels, "ownerReferences": [owner]}
            await client.create(DISCOVERY, "endpointslices", body)
    for leftovers in by_ports.values():
        for obj in leftovers:
            await delete_slice(client, obj)


async def delete_slice(client: APIClient, obj: Obj) -> None:
    md = obj["metadata"]
    try:
        await client.delete(DISCOVERY, "endpointslices", md["name"], md["namespace"],
                            preconditions={"uid": md["uid"]})
    except RequestError as e:
        if not (is_not_found(e) or is_conflict(e)):
            raise


class EndpointSliceController(ServiceEndpointsController):
    name = "endpointslice-controller"
    alias = "endpointslice"
    component = "endpointslice-controller"
    workers = 5
    max_endpoints = MAX_ENDPOINTS

    def __init__(self, ctx: ControllerContext, recorder: EventRecorder) -> None:
        super().__init__(ctx, recorder)
        self.slices = self.watch(ctx.informers.informer(
            DISCOVERY, "endpointslices", indexers={"namespace": by_namespace}))
        self.slices.store.add_indexer("service", by_service)
        self.slices.add_handlers(self._slice_changed, lambda old, new: self._slice_changed(new),
                                 self._slice_changed)

    def _slice_changed(self, obj: Obj) -> None:
        for key in by_service(obj):
            self.queue.add(key)

    async def sync(self, key: str) -> None:
        if key in SKIPPED:
            return
        svc = self.services.store.get(key)
        existing = self.slices.store.by_index("service", key)
        if svc is None or not (svc.get("spec") or {}).get("selector"):
            for obj in existing:
                await delete_slice(self.client, obj)
            return
        labels = {**(svc["metadata"].get("labels") or {}), SERVICE_NAME: svc["metadata"]["name"],
                  MANAGED_BY: CONTROLLER_NAME}
        owner = new_controller_ref({**svc, "apiVersion": "v1", "kind": "Service"})
        await write_slices(self.client, svc["metadata"]["namespace"], existing,
                           self._wanted(svc), labels, owner)

    def _wanted(self, svc: Obj) -> list[tuple[list[Obj], list[Obj]]]:
        """(ports, endpoints) of each slice the Service should have."""
        groups: dict[str, tuple[list[Obj], list[Obj]]] = {}
        svc_ports = (svc.get("spec") or {}).get("ports") or []
        svc_name = svc["metadata"]["name"]
        for pod in self.service_pods(svc):
            ports = []
            for port in svc_ports:
                number = target_port(pod, port)
                if number is not None:
                    ports.append({k: v for k, v in (
                        ("name", port.get("name", "")), ("port", number),
                        ("protocol", port.get("protocol", "TCP")),
                        ("appProtocol", port.get("appProtocol"))) if v is not None})
            if svc_ports and not ports:
                continue
            ports.sort(key=lambda p: (p["name"], p["port"]))
            terminating = bool(pod["metadata"].get("deletionTimestamp"))
            serving = is_ready(pod) or publish_not_ready(svc)
            endpoint: Obj = {
                "addresses": [pod["status"]["podIP"]],
                "conditions": {"ready": serving and (not terminating or publish_not_ready(svc)),
                               "serving": serving, "terminating": terminating},
                "targetRef": target_ref(pod),
            }
            pspec = pod.get("spec") or {}
            if pspec.get("nodeName"):
                endpoint["nodeName"] = pspec["nodeName"]
            if pspec.get("hostname") and pspec.get("subdomain") == svc_name:
                endpoint["hostname"] = pspec["hostname"]
            groups.setdefault(repr(ports), (ports, []))[1].append(endpoint)
        if not groups:  # a Service with no endpoints still has one (empty) slice
            groups[""] = ([], [])
        wanted = []
        for ports, endpoints in groups.values():
            endpoints.sort(key=lambda e: (e["addresses"][0], e["targetRef"]["uid"]))
            for i in range(0, max(len(endpoints), 1), self.max_endpoints):
                wanted.append((ports, endpoints[i:i + self.max_endpoints]))
        return wanted
