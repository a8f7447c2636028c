"""Node IPAM controller: each node gets its own slice of the pod network.

In: Nodes. Out: `spec.podCIDR` and `spec.podCIDRs` of nodes that have none,
the next free /`node_cidr_mask_size` (default /24) of `cluster_cidr`
(default 10.42.0.0/16), as Kubernetes' range allocator hands them out. The
kubelet then numbers its pods from it. What is taken is read from the nodes
themselves on every sync (plus allocations not yet seen in the cache), so a
restart never hands a range out twice; a deleted node's range is free again.
When the network is exhausted the node gets a CIDRNotAvailable event.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from pyk8s.client import WARNING, EventRecorder, RequestError, is_not_found
from pyk8s.controllers.context import Controller, ControllerContext

Obj = dict[str, Any]


class NodeIpamController(Controller):
    name = "node-ipam-controller"
    alias = "nodeipam"
    component = "node-ipam-controller"
    workers = 1  # allocations must not race each other

    def __init__(self, ctx: ControllerContext, recorder: EventRecorder) -> None:
        super().__init__(ctx, recorder)
        self.network = ipaddress.ip_network(self.options.cluster_cidr)
        self.prefix = self.options.node_cidr_mask_size
        self.nodes = self.watch(ctx.informers.informer("v1", "nodes"))
        self.nodes.add_handlers(self.enqueue, lambda old, new: self.enqueue(new),
                                self._deleted)
        self._assigned: dict[str, str] = {}  # node -> CIDR written, maybe not yet cached

    def _deleted(self, node: Obj) -> None:
        self._assigned.pop(node["metadata"]["name"], None)

    async def sync(self, key: str) -> None:
        node = self.nodes.store.get(key)
        if node is None or (node.get("spec") or {}).get("podCIDR"):
            return
        taken = set(self._assigned.values())
        for other in self.nodes.store.list():
            spec = other.get("spec") or {}
            taken.update(spec.get("podCIDRs") or [])
            if spec.get("podCIDR"):
                taken.add(spec["podCIDR"])
        free = next((str(s) for s in self.network.subnets(new_prefix=self.prefix)
                     if str(s) not in taken), None)
        if free is None:
            self.recorder.event(node, WARNING, "CIDRNotAvailable",
                                f"Node {key} status is now: CIDRNotAvailable")
            return
        try:
            await self.client.patch("v1", "nodes", key,
                                    {"spec": {"podCIDR": free, "podCIDRs": [free]}})
        except RequestError as e:
            if is_not_found(e):
                return
            raise
        self._assigned[key] = free
