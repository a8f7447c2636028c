"""Root CA certificate publisher: `kube-root-ca.crt` in every namespace.

In: namespaces and the ConfigMaps named `kube-root-ca.crt` (an informer
with that field selector). Out: that ConfigMap in each namespace not being
deleted, holding `ca.crt`, the cluster CA that signs the API server's
certificate (taken from the controller manager's own client configuration).
Pods mount it (with their service account token) to verify
`https://kubernetes.default.svc`. A ConfigMap that was deleted or changed is
written back.

Off by default for now (`--controllers=*,root-ca-certificate-publisher-controller`
turns it on): nothing in pyk8s mounts it yet, and the API tests expect
namespaces that start empty.
"""

from __future__ import annotations

from typing import Any

from pyk8s.client import (
    APIStatusError,
    EventRecorder,
    RequestError,
    is_already_exists,
    is_not_found,
)
from pyk8s.controllers.context import Controller, ControllerContext

Obj = dict[str, Any]
NAME = "kube-root-ca.crt"
DESCRIPTION = ("Contains a CA bundle that can be used to verify the kube-apiserver when using "
               "internal endpoints such as the internal service IP or kubernetes.default.svc. "
               "No other usage is guaranteed across distributions of Kubernetes clusters.")


class RootCACertPublisher(Controller):
    name = "root-ca-certificate-publisher-controller"
    alias = "root-ca-cert-publisher"
    component = "root-ca-cert-publisher"
    workers = 2
    enabled_by_default = False

    def __init__(self, ctx: ControllerContext, recorder: EventRecorder) -> None:
        super().__init__(ctx, recorder)
        self.ca = (ctx.client.config.ca_data or b"").decode()
        self.namespaces = self.watch(ctx.informers.informer("v1", "namespaces"))
        self.configmaps = self.watch(ctx.informers.informer(
            "v1", "configmaps", field_selector=f"metadata.name={NAME}"))
        self.namespaces.add_handlers(self.enqueue, lambda old, new: self.enqueue(new))
        self.configmaps.add_handlers(self._changed, lambda old, new: self._changed(new),
                                     self._changed)

    def _changed(self, cm: Obj) -> None:
        self.queue.add(cm["metadata"]["namespace"])

    async def sync(self, key: str) -> None:
        ns = self.namespaces.store.get(key)
        if not self.ca or ns is None or ns["metadata"].get("deletionTimestamp") or \
                (ns.get("status") or {}).get("phase") == "Terminating":
            return
        current = self.configmaps.store.get(f"{key}/{NAME}")
        data = {"ca.crt": self.ca}
        annotations = {"kubernetes.io/description": DESCRIPTION}
        try:
            if current is None:
                await self.client.create("v1", "configmaps", {
                    "apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": NAME, "namespace": key, "annotations": annotations},
                    "data": data})
            elif current.get("data") != data or any(
                    (current["metadata"].get("annotations") or {}).get(k) != v
                    for k, v in annotations.items()):
                md = current["metadata"]
                await self.client.update("v1", "configmaps", {
                    **current, "data": data,
                    "metadata": {**md, "annotations": {**(md.get("annotations") or {}),
                                                       **annotations}}})
        except RequestError as e:
            # Already there (the cache lagged), or the namespace is going.
            if not (is_already_exists(e) or is_not_found(e) or
                    (isinstance(e, APIStatusError) and e.code == 403)):
                raise
