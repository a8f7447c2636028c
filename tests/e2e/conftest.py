"""Fixtures for end-to-end tests: a server and a real node running pods in containerd.

The whole module is skipped, with the reason, where real pods cannot run
(not root, containerd or the CNI plugins missing); in CI, as root after
scripts/setup, it runs. `cluster` is one `pyk8s server` and one `pyk8s
agent` (its own containerd) for the session; the node's podCIDR is set by
the test when no IPAM controller did. `ns` gives each test a namespace whose
pods are deleted afterwards. At the end the agent stops and `clean_node`
removes every container, network namespace, mount, iptables chain and
cgroup the node made.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.e2e.node import Agent, clean_node, runtime_unavailable
from tests.support import Server, kubectl

T = TypeVar("T")
POD_CIDR = "10.42.0.0/24"

_why = runtime_unavailable()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _why is None:
        return
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.skip(reason=_why))


def wait_for(what: str, fn: Callable[[], T | None], timeout: float = 60.0,
             interval: float = 0.3) -> T:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = fn()
        except AssertionError as e:
            last = e
        else:
            if last:
                return last
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}; last: {last}")


@dataclass
class Cluster:
    server: Server
    agent: Agent

    @property
    def kubeconfig(self) -> Path:
        return self.server.kubeconfig

    def kubectl(self, *args: str, check: bool = True, input: str | None = None,
                timeout: float = 60) -> Any:
        return kubectl(self.kubeconfig, *args, check=check, input=input, timeout=timeout)

    def get(self, *args: str) -> Any:
        return json.loads(self.kubectl("get", *args, "-o", "json").stdout)

    def pod(self, ns: str, name: str) -> Any:
        return self.get("pod", name, "-n", ns)

    def wait_pod(self, ns: str, name: str, check: Callable[[Any], bool], what: str,
                 timeout: float = 60.0) -> Any:
        seen: list[Any] = [None]

        def ok() -> Any:
            out = self.kubectl("get", "pod", name, "-n", ns, "-o", "json", check=False)
            if out.returncode != 0:
                return None
            pod = seen[0] = json.loads(out.stdout)
            return pod if check(pod) else None

        try:
            return wait_for(f"pod {name}: {what}", ok, timeout)
        except AssertionError as e:
            status = json.dumps((seen[0] or {}).get("status"), indent=1)
            raise AssertionError(f"{e}\nstatus: {status}\nagent log:\n{self.agent.log()}"
                                 ) from None

    def wait_running(self, ns: str, name: str, timeout: float = 60.0) -> Any:
        return self.wait_pod(ns, name, lambda p: p.get("status", {}).get("phase") == "Running"
                             and p["status"].get("podIP"), "Running", timeout)

    def apply(self, ns: str, text: str) -> None:
        self.kubectl("apply", "-n", ns, "-f", "-", input=text)


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    server = Server(tmp_path_factory.mktemp("e2e-server")).start()
    node_dir = tmp_path_factory.mktemp("e2e-node")
    token = (server.data_dir / "node-token").read_text().strip()
    agent = Agent(node_dir, server.url, token).start()
    c = Cluster(server, agent)
    try:
        def registered() -> Any:
            out = c.kubectl("get", "node", agent.node_name, "-o", "json", check=False)
            return json.loads(out.stdout) if out.returncode == 0 else None

        try:
            wait_for("the node to register", registered, timeout=60)
        except AssertionError as e:
            pytest.fail(f"{e}\nagent log:\n{agent.log()}")
        try:  # the node IPAM controller gives the node its podCIDR ...
            wait_for("a podCIDR", lambda: (registered() or {}).get("spec", {}).get("podCIDR"),
                     timeout=10)
        except AssertionError:  # ... or, without one, the test does
            c.kubectl("patch", "node", agent.node_name, "-p",
                      json.dumps({"spec": {"podCIDR": POD_CIDR, "podCIDRs": [POD_CIDR]}}))
        yield c
    finally:
        agent.stop()
        server.stop()
        clean_node(node_dir)


@pytest.fixture
def ns(cluster: Cluster) -> Iterator[str]:
    name = f"e2e-{uuid.uuid4().hex[:8]}"
    cluster.kubectl("create", "namespace", name)
    yield name
    cluster.kubectl("delete", "pods", "--all", "-n", name, "--grace-period=1", "--wait=false",
                    check=False)
    cluster.kubectl("delete", "namespace", name, "--wait=false", check=False)


def pod_manifest(name: str, node: str, command: str, **extra: Any) -> str:
    """A one-container busybox pod on `node` running `sh -c command`."""
    container = {"name": extra.pop("container_name", "main"), "image": "busybox:1.35",
                 "command": ["sh", "-c", command], **extra.pop("container", {})}
    spec = {"nodeName": node, "terminationGracePeriodSeconds": 2,
            "containers": [container], **extra}
    return json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                       "spec": spec})
