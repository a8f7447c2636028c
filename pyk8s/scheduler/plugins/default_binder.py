"""DefaultBinder (Bind): POST a Binding to the pod's `binding` subresource."""

from __future__ import annotations

from pyk8s.client import RequestError
from pyk8s.scheduler.framework import Code, Plugin, Status
from pyk8s.scheduler.nodeinfo import PodInfo


class DefaultBinder(Plugin):
    name = "DefaultBinder"

    async def bind(self, pod: PodInfo, node_name: str) -> Status | None:
        try:
            await self.handle.client.create("v1", "pods", {
                "apiVersion": "v1", "kind": "Binding",
                "metadata": {"name": pod.name, "namespace": pod.namespace, "uid": pod.uid},
                "target": {"apiVersion": "v1", "kind": "Node", "name": node_name},
            }, pod.namespace, subresource="binding")
        except RequestError as e:
            return Status(Code.ERROR, (str(e),), self.name)
        return None
