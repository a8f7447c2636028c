"""CRI v1 over gRPC: the kubelet's only way to the container runtime.

`CRI` opens one asyncio gRPC channel to the runtime's unix socket and exposes
the two services of the CRI v1 API as typed stubs, `runtime` and `image`,
whose messages come from the PyPI package `container-runtime-interface-api`
(module `cri_api.v1.api_pb2`, imported here as `pb`). Callers build request
messages and await the stub methods directly; this module adds only what
every caller would otherwise repeat: connecting, a default deadline, and
telling "not found" apart from real failures.

Pods and containers carry the labels Kubernetes' kubelet puts on them
(`io.kubernetes.pod.uid`, `.name`, `.namespace`, `io.kubernetes.container.name`),
so that a restarted kubelet finds what it created from the runtime alone.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

# The kubelet spawns ctr while gRPC calls are in flight;
# gRPC's fork handlers would only log a warning for each of them.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")

import grpc
import grpc.aio
from cri_api.v1 import api_pb2 as pb
from cri_api.v1 import api_pb2_grpc

POD_UID = "io.kubernetes.pod.uid"
POD_NAME = "io.kubernetes.pod.name"
POD_NAMESPACE = "io.kubernetes.pod.namespace"
CONTAINER_NAME = "io.kubernetes.container.name"
# Annotations the kubelet reads back after a restart.
RESTART_COUNT = "io.kubernetes.container.restartCount"
TERMINATION_GRACE = "io.kubernetes.pod.terminationGracePeriod"

__all__ = [
    "CONTAINER_NAME",
    "CRI",
    "POD_NAME",
    "POD_NAMESPACE",
    "POD_UID",
    "is_not_found",
    "pb",
]


def is_not_found(e: BaseException) -> bool:
    return isinstance(e, grpc.aio.AioRpcError) and e.code() == grpc.StatusCode.NOT_FOUND


class CRI:
    """`async with CRI(socket) as cri: await cri.runtime.Version(pb.VersionRequest())`."""

    def __init__(self, socket: str) -> None:
        self.socket = socket
        self._channel: grpc.aio.Channel | None = None
        self.runtime: Any = None
        self.image: Any = None

    async def __aenter__(self) -> CRI:
        self._channel = grpc.aio.insecure_channel(
            f"unix://{self.socket}", options=[("grpc.max_receive_message_length", 16 << 20)])
        self.runtime = api_pb2_grpc.RuntimeServiceStub(self._channel)
        self.image = api_pb2_grpc.ImageServiceStub(self._channel)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._channel is not None:
            await self._channel.close()
            self._channel = None

    async def version(self) -> Any:
        return await self.runtime.Version(pb.VersionRequest(version="v1"), timeout=10)

    async def wait_ready(self, timeout: float = 30.0) -> None:
        """Wait until the runtime's CRI service answers (it starts after the socket)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            try:
                await self.runtime.Status(pb.StatusRequest(), timeout=5)
                return
            except grpc.aio.AioRpcError:
                if loop.time() > deadline:
                    raise
                await asyncio.sleep(0.1)
