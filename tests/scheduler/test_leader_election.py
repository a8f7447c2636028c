"""Two schedulers on one cluster: only the holder of kube-system/kube-scheduler binds.

First in one process: the server runs with `--disable-scheduler` and the test
runs two scheduler components (`run_scheduler`) itself, each with its own
client; the leader stops and releases the Lease, the standby takes over.
Then two servers on one etcd, each with its scheduler: the leading server is
killed, and the other's scheduler takes over once the Lease expires. Nodes
are bare Node objects (no kubelet is needed for a pod to be bound).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from pyk8s.client import APIClient
from pyk8s.scheduler import run_scheduler
from tests.support import Etcd, Server, manifest


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


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    etcd = Etcd(tmp_path / "etcd").start()
    servers: list[Server] = []
    try:
        for name in ("a", "b"):
            servers.append(Server(tmp_path / name, etcd.endpoint,
                                  extra_args=["--disable-controller-manager"]).start())
        yield servers[0], servers[1]
    finally:
        for s in servers:
            s.stop()
        etcd.stop()


def test_two_servers_on_one_etcd_one_scheduler_acts_then_the_other(
        two_servers: tuple[Server, Server]) -> None:
    a, b = two_servers

    def lease_holder(server: Server) -> str:
        out = server.kubectl("-n", "kube-system", "get", "lease", "kube-scheduler",
                             "-o", "jsonpath={.spec.holderIdentity}", check=False)
        return out.stdout if out.returncode == 0 else ""

    def eventually(what: str, check: Any, timeout: float = 40) -> Any:
        deadline = time.monotonic() + timeout
        while not (result := check()):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.2)
        return result

    first = eventually("a scheduler leading", lambda: lease_holder(a))
    leader, follower = (a, b) if f"{first}: acquired lease" in a.log_path.read_text() \
        else (b, a)
    leader.kill()  # no release: the follower waits out the lease
    second = eventually("the follower leading",
                        lambda: (h := lease_holder(follower)) != first and h)
    assert f"{second}: acquired lease" in follower.log_path.read_text()
    follower.kubectl("create", "-f", "-", input=manifest({
        "apiVersion": "v1", "kind": "Node", "metadata": {"name": "survivor"},
        "status": {"capacity": {"cpu": "2", "memory": "2Gi", "pods": "10"}}}))
    follower.kubectl("create", "-f", "-", input=manifest({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "after", "namespace": "default"},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]}}))
    eventually("the new leader binding a pod", lambda: follower.kubectl(
        "get", "pod", "after", "-o", "jsonpath={.spec.nodeName}").stdout == "survivor")
