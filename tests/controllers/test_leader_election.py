"""Two servers on one etcd: one controller manager leads, the other takes over when it dies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.controllers.conftest import eventually
from tests.support import Etcd, Server, manifest


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    etcd = Etcd(tmp_path / "etcd").start()
    servers: list[Server] = []
    try:
        for name in ("a", "b"):
            servers.append(Server(tmp_path / name, etcd.endpoint,
                                  extra_args=["--disable-scheduler"]).start())
        yield servers[0], servers[1]
    finally:
        for server in servers:
            server.stop()
        etcd.stop()


def holder(server: Server) -> str:
    lease = json.loads(server.kubectl("-n", "kube-system", "get", "lease",
                                      "kube-controller-manager", "-o", "json").stdout)
    return str(lease["spec"].get("holderIdentity") or "")


def test_controller_manager_fails_over(two_servers: tuple[Server, Server]) -> None:
    a, b = two_servers
    first = eventually(lambda: holder(a), what="a lease holder")
    leader, follower = (a, b) if first in a.log_path.read_text() else (b, a)
    leader.kill()
    second = eventually(lambda: (h := holder(follower)) != first and h, timeout=40,
                        what="the follower holding the lease")
    assert second in follower.log_path.read_text()
    follower.kubectl("create", "namespace", "after")
    follower.kubectl("-n", "after", "create", "-f", "-", input=manifest({
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}))
    eventually(lambda: len(json.loads(follower.kubectl(
        "-n", "after", "get", "pods", "-o", "json").stdout)["items"]) == 2,
        what="the new leader's ReplicaSet controller at work")
