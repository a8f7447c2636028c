"""History is finite: after compaction, old resourceVersions are 410 Gone.

A server with a one-second compaction interval forgets history quickly; a
watch or an exact list from before the compaction gets 410 Expired ("too
old resource version"), which tells clients to list again, while current
objects are untouched. Runs on both datastores.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client, watch
from kubernetes.client.rest import ApiException

from tests.support import Etcd, Server


@pytest.fixture(params=["sqlite", "etcd"])
def compacting(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    etcd = Etcd(tmp_path / "etcd").start() if request.param == "etcd" else None
    server = Server(tmp_path / "server", etcd.endpoint if etcd else "",
                    extra_args=["--compaction-interval", "1s"]).start()
    try:
        yield server
    finally:
        server.stop()
        if etcd:
            etcd.stop()


def test_compacted_versions_are_gone(compacting: Server) -> None:
    api = client.ApiClient(compacting.client_config())
    core = client.CoreV1Api(api)
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}
    old = core.create_namespaced_config_map("default", cm).metadata.resource_version
    for i in range(3):
        core.patch_namespaced_config_map("a", "default", {"data": {"i": str(i)}})
    time.sleep(3.5)  # at least two compaction rounds
    core.patch_namespaced_config_map("a", "default", {"data": {"i": "last"}})

    with pytest.raises(ApiException) as e:
        for _ in watch.Watch().stream(core.list_namespaced_config_map, "default",
                                      resource_version=old, timeout_seconds=2):
            pass
    assert e.value.status == 410
    with pytest.raises(ApiException) as e:
        core.list_namespaced_config_map("default", resource_version=old,
                                        resource_version_match="Exact")
    assert e.value.status == 410 and "too old resource version" in e.value.body
    assert core.read_namespaced_config_map("a", "default").data == {"i": "last"}
    api.close()
