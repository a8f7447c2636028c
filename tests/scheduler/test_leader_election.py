"""Two schedulers on one cluster: only the holder of kube-system/kube-scheduler binds.

The server runs with `--disable-scheduler`; the test runs two scheduler
components (`run_scheduler`) itself, each with its own client, on a cluster
with one Node object (no kubelet is needed to be bound).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from pyk8s.client import APIClient
from pyk8s.scheduler import run_scheduler
from tests.support import Server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = Server(tmp_path_factory.mktemp("server-sched-le"), extra_args=[
        "--disable-scheduler", "--disable-controller-manager"]).start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
async def client(server: Server) -> AsyncIterator[APIClient]:
    async with APIClient.from_kubeconfig(server.kubeconfig) as c:
        yield c


async def bound_to(client: APIClient, ns: str, name: str) -> str:
    async with asyncio.timeout(30):
        while True:
            pod = await client.get("v1", "pods", name, ns)
            if pod["spec"].get("nodeName"):
                return str(pod["spec"]["nodeName"])
            await asyncio.sleep(0.1)


async def holder(client: APIClient) -> str:
    lease = await client.get("coordination.k8s.io/v1", "leases", "kube-scheduler",
                             "kube-system")
    return str(lease["spec"].get("holderIdentity") or "")


async def test_the_standby_scheduler_takes_over(server: Server, client: APIClient) -> None:
    await client.create("v1", "nodes", {"metadata": {"name": "le-node"}, "status": {
        "capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"}}})
    ns = f"t-{uuid.uuid4().hex[:8]}"
    await client.create("v1", "namespaces", {"metadata": {"name": ns}})

    def pod(name: str) -> dict[str, object]:
        return {"metadata": {"name": name, "namespace": ns},
                "spec": {"containers": [{"name": "c", "image": "busybox"}]}}

    clients = [APIClient.from_kubeconfig(server.kubeconfig) for _ in range(2)]
    tasks: list[asyncio.Task[None]] = []
    try:
        for c in clients:
            await c.__aenter__()
        first = asyncio.create_task(run_scheduler(clients[0]))
        tasks.append(first)
        await client.create("v1", "pods", pod("one"))
        assert await bound_to(client, ns, "one") == "le-node"
        leader = await holder(client)
        tasks.append(asyncio.create_task(run_scheduler(clients[1])))
        await asyncio.sleep(0)
        first.cancel()  # the leader stops (and releases the lease)
        with contextlib.suppress(asyncio.CancelledError):
            await first
        await client.create("v1", "pods", pod("two"))
        assert await bound_to(client, ns, "two") == "le-node"
        successor = await holder(client)
        assert successor and successor != leader
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for c in clients:
            await c.close()
        await client.delete("v1", "namespaces", ns)
        await client.delete("v1", "nodes", "le-node")
