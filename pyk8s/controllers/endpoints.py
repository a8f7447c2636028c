"""Endpoints controller: the pod addresses behind each Service with a selector.

In: Services, pods (both indexed by namespace) and Endpoints. Out: one
Endpoints object per Service, named like it, carrying its labels (plus
`service.kubernetes.io/headless` for a headless Service).

A pod backs a Service when the selector matches its labels, it has an IP,
it is not finished (Succeeded/Failed) and not being deleted (unless
`publishNotReadyAddresses`, which also lists unready pods as ready). For
every Service port the pod's target port is resolved: a number as is, a name
through the pod's container ports of that name and protocol (a pod lacking
the name is left out of that port only). Addresses of ready pods go to
`addresses`, the others to `notReadyAddresses`; each carries the pod's IP,
node and a targetRef, and a hostname when the pod's subdomain is the
Service. Addresses sharing the same ports form one subset, sorted, so that
an unchanged world writes nothing.

Services without a selector are left alone (their Endpoints belong to
whoever wrote them), as is `default/kubernetes`, whose Endpoints the API
server maintains. The pod helpers here (`backs`, `target_port`) are shared
with the EndpointSlice controller.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from pyk8s.api.selectors import selector_from_map
from pyk8s.client import EventRecorder, Informer, RequestError, is_not_found, split_key
from pyk8s.controllers.context import Controller, ControllerContext, by_namespace
from pyk8s.controllers.pods import is_ready, is_terminal

log = logging.getLogger(__name__)

Obj = dict[str, Any]
HEADLESS = "service.kubernetes.io/headless"
SKIPPED = frozenset({"default/kubernetes"})


def selects(svc: Obj, pod: Obj) -> bool:
    selector = (svc.get("spec") or {}).get("selector")
    return bool(selector) and selector_from_map(selector).matches(
        pod["metadata"].get("labels"))


def backs(svc: Obj, pod: Obj) -> bool:
    """Is `pod` one of the Service's endpoints (ready or not)?"""
    if not selects(svc, pod) or not (pod.get("status") or {}).get("podIP") or is_terminal(pod):
        return False
    return not pod["metadata"].get("deletionTimestamp") or publish_not_ready(svc)


def publish_not_ready(svc: Obj) -> bool:
    return bool((svc.get("spec") or {}).get("publishNotReadyAddresses"))


def target_port(pod: Obj, port: Obj) -> int | None:
    """The pod's port behind a Service port; None if the pod has no port of that name."""
    target = port.get("targetPort", port.get("port"))
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    protocol = port.get("protocol", "TCP")
    for container in (pod.get("spec") or {}).get("containers") or []:
        for cp in container.get("ports") or []:
            if cp.get("name") == target and cp.get("protocol", "TCP") == protocol:
                return int(cp["containerPort"])
    return None


def target_ref(pod: Obj) -> Obj:
    md = pod["metadata"]
    return {"kind": "Pod", "namespace": md["namespace"], "name": md["name"], "uid": md["uid"]}


class ServiceEndpointsController(Controller):
    """What both endpoint controllers share: services and pods, routed to service keys."""

    def __init__(self, ctx: ControllerContext, recorder: EventRecorder) -> None:
        super().__init__(ctx, recorder)
        self.services = self.watch(ctx.informers.informer(
            "v1", "services", indexers={"namespace": by_namespace}))
        self.pods = self.watch(ctx.pods())
        self.services.add_handlers(self.enqueue, lambda old, new: self.enqueue(new),
                                   self.enqueue)
        self.pods.add_handlers(self._pod_changed, self._pod_updated, self._pod_changed)

    def _pod_changed(self, pod: Obj) -> None:
        for svc in self.services.store.by_index("namespace", pod["metadata"]["namespace"]):
            if selects(svc, pod):
                self.enqueue(svc)

    def _pod_updated(self, old: Obj, new: Obj) -> None:
        if old["metadata"].get("resourceVersion") == new["metadata"].get("resourceVersion"):
            return
        for svc in self.services.store.by_index("namespace", new["metadata"]["namespace"]):
            if selects(svc, new) or selects(svc, old):
                self.enqueue(svc)

    def service_pods(self, svc: Obj) -> list[Obj]:
        return [p for p in self.pods.store.by_index("namespace", svc["metadata"]["namespace"])
                if backs(svc, p)]


class EndpointsController(ServiceEndpointsController):
    name = "endpoints-controller"
    alias = "endpoint"
    component = "endpoint-controller"
    workers = 5

    def __init__(self, ctx: ControllerContext, recorder: EventRecorder) -> None:
        super().__init__(ctx, recorder)
        self.endpoints: Informer = self.watch(ctx.informers.informer("v1", "endpoints"))
        self.endpoints.add_handlers(on_delete=self.enqueue)

    async def sync(self, key: str) -> None:
        if key in SKIPPED:
            return
        namespace, name = split_key(key)
        svc = self.services.store.get(key)
        current = self.endpoints.store.get(key)
        if svc is None:
            if current is not None:
                try:
                    await self.client.delete("v1", "endpoints", name, namespace)
                except RequestError as e:
                    if not is_not_found(e):
                        raise
            return
        spec = svc.get("spec") or {}
        if not spec.get("selector"):
            return
        labels = dict(svc["metadata"].get("labels") or {})
        if spec.get("clusterIP") == "None":
            labels[HEADLESS] = ""
        subsets = self._subsets(svc)
        if current is not None and (current.get("subsets") or []) == subsets and \
                (current["metadata"].get("labels") or {}) == labels:
            return
        body: Obj = {"apiVersion": "v1", "kind": "Endpoints",
                     "metadata": {"name": name, "namespace": namespace, "labels": labels},
                     "subsets": subsets}
        if current is None:
            await self.client.create("v1", "endpoints", body)
        else:
            md = current["metadata"]
            body["metadata"] = {**md, "labels": labels}
            await self.client.update("v1", "endpoints", body)

    def _subsets(self, svc: Obj) -> list[Obj]:
        ports_of: dict[str, list[tuple[Any, ...]]] = {}
        addresses: dict[str, tuple[Obj, bool]] = {}
        svc_name = svc["metadata"]["name"]
        for pod in self.service_pods(svc):
            address: Obj = {"ip": pod["status"]["podIP"], "targetRef": target_ref(pod)}
            if node := (pod.get("spec") or {}).get("nodeName"):
                address["nodeName"] = node
            pspec = pod.get("spec") or {}
            if pspec.get("hostname") and pspec.get("subdomain") == svc_name:
                address["hostname"] = pspec["hostname"]
            ports = []
            for port in (svc.get("spec") or {}).get("ports") or []:
                number = target_port(pod, port)
                if number is not None:
                    ports.append((port.get("name", ""), number, port.get("protocol", "TCP"),
                                  port.get("appProtocol")))
            if (svc.get("spec") or {}).get("ports") and not ports:
                continue
            uid = pod["metadata"]["uid"]
            addresses[uid] = (address, publish_not_ready(svc) or is_ready(pod))
            ports_of[uid] = sorted(ports, key=lambda p: (p[0], p[1], p[2]))
        groups: dict[tuple[Any, ...], dict[str, list[Obj]]] = defaultdict(
            lambda: {"addresses": [], "notReadyAddresses": []})
        for uid, (address, ready) in addresses.items():
            groups[tuple(ports_of[uid])]["addresses" if ready else "notReadyAddresses"].append(
                address)
        subsets = []
        for port_set, group in sorted(groups.items(), key=lambda g: repr(g[0])):
            subset: Obj = {}
            for field in ("addresses", "notReadyAddresses"):
                if group[field]:
                    subset[field] = sorted(group[field],
                                           key=lambda a: (a["ip"], a["targetRef"]["uid"]))
            if port_set:
                subset["ports"] = [
                    {k: v for k, v in (("name", n), ("port", p), ("protocol", proto),
                                       ("appProtocol", app)) if v not in (None, "")}
                    for n, p, proto, app in port_set]
            subsets.append(subset)
        return subsets
