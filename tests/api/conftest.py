"""Fixtures for API tests: a real `pyk8s server` per datastore, a namespace per test.

`cluster` is one server for the whole session per backend (SQLite, etcd),
so every API test runs against both datastores. `ns` gives each test its own
namespace, deleted afterwards. `k8s` is the `kubernetes` client's ApiClient.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import Etcd, Server


@pytest.fixture(scope="session", params=["sqlite", "etcd"])
def cluster(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[Server]:
    etcd = None
    endpoint = ""
    if request.param == "etcd":
        etcd = Etcd(tmp_path_factory.mktemp("etcd")).start()
        endpoint = etcd.endpoint
    server = Server(tmp_path_factory.mktemp(f"server-{request.param}"), endpoint).start()
    try:
        yield server
    finally:
        server.stop()
        if etcd is not None:
            etcd.stop()


@pytest.fixture
def kubeconfig(cluster: Server) -> Path:
    return cluster.kubeconfig


@pytest.fixture
def ns(cluster: Server) -> Iterator[str]:
    name = f"t-{uuid.uuid4().hex[:8]}"
    cluster.kubectl("create", "-f", "-",
                    input=f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n")
    yield name
    cluster.kubectl("delete", "namespace", name, "--wait=false", check=False)


@pytest.fixture(scope="session")
def k8s(cluster: Server) -> Iterator[Any]:
    from kubernetes import client

    api = client.ApiClient(cluster.client_config())
    yield api
    api.close()
