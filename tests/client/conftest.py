"""Fixtures for client tests: one real `pyk8s server` for the session.

`server` is a `pyk8s server` subprocess shared by every test here (stopped at
the end); `client` an open `APIClient` from its kubeconfig; `ns` a fresh
namespace per test. Tests that must restart a server start their own.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from pyk8s.client import APIClient
from tests.support import API_ONLY, Server


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # The client library alone: no controller writes behind the tests' backs.
    s = Server(tmp_path_factory.mktemp("client-server"),
               extra_args=API_ONLY).start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
async def client(server: Server) -> AsyncIterator[APIClient]:
    async with APIClient.from_kubeconfig(server.kubeconfig) as c:
        yield c


@pytest.fixture
async def ns(client: APIClient) -> AsyncIterator[str]:
    name = f"t-{uuid.uuid4().hex[:8]}"
    await client.create("v1", "namespaces", {"metadata": {"name": name}})
    yield name
    await client.delete("v1", "namespaces", name)
