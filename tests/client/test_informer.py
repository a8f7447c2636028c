"""Informers against a real server: convergence, handlers, sharing, server restarts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pyk8s.client import (
    APIClient,
    APIStatusError,
    Informer,
    SharedInformerFactory,
    by_owner_uid,
    is_gone,
)
from tests.support import API_ONLY, Server

Obj = dict[str, Any]


async def eventually(cond: Callable[[], bool], timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not cond():
            await asyncio.sleep(0.02)


class Log:
    """Records handler calls as (event, name, data)."""

    def __init__(self, informer: Informer) -> None:
        self.calls: list[tuple[str, str, Any]] = []
        informer.add_handlers(
            on_add=lambda o: self.calls.append(("add", name(o), o.get("data"))),
            on_update=lambda old, new: self.calls.append(("update", name(new), new.get("data"))),
            on_delete=lambda o: self.calls.append(("delete", name(o), o.get("data"))))


def name(obj: Obj) -> str:
    return str(obj["metadata"]["name"])


def cm(n: str, labels: dict[str, str] | None = None, **data: str) -> Obj:
    return {"metadata": {"name": n, "labels": labels or {}}, "data": data}


def cache(informer: Informer) -> dict[str, Any]:
    return {name(o): o.get("data") for o in informer.store.list()}


async def server_state(client: APIClient, ns: str) -> dict[str, Any]:
    items = (await client.list("v1", "configmaps", ns))["items"]
    return {name(o): o.get("data") for o in items}


async def test_cache_converges_and_handlers_fire(client: APIClient, ns: str) -> None:
    await client.create("v1", "configmaps", cm("before", v="0"), ns)
    async with Informer(client, "v1", "configmaps", namespace=ns,
                        indexers={"owner": by_owner_uid}) as informer:
        log = Log(informer)
        await asyncio.wait_for(informer.wait_synced(), 10)
        assert informer.has_synced and cache(informer) == {"before": {"v": "0"}}
        for i in range(3):
            await client.create("v1", "configmaps", cm(f"c{i}", v="1"), ns)
        await client.patch("v1", "configmaps", "c1", {"data": {"v": "2"}}, ns)
        await client.delete("v1", "configmaps", "c2", ns)
        await client.delete("v1", "configmaps", "before", ns)
        owner = {"apiVersion": "v1", "kind": "ConfigMap", "name": "c0", "uid": "u-1"}
        await client.patch("v1", "configmaps", "c1",
                           {"metadata": {"ownerReferences": [owner]}}, ns)
        await eventually(lambda: cache(informer) == {"c0": {"v": "1"}, "c1": {"v": "2"}})
        await eventually(lambda: len(informer.store.by_index("owner", "u-1")) == 1)
        assert cache(informer) == await server_state(client, ns)
    assert log.calls == [
        ("add", "before", {"v": "0"}),
        ("add", "c0", {"v": "1"}), ("add", "c1", {"v": "1"}), ("add", "c2", {"v": "1"}),
        ("update", "c1", {"v": "2"}),
        ("delete", "c2", {"v": "1"}), ("delete", "before", {"v": "0"}),
        ("update", "c1", {"v": "2"}),
    ]
    assert informer.store.get(f"{ns}/c1")["metadata"]["ownerReferences"][0]["uid"] == "u-1"  # type: ignore[index]


async def test_factory_shares_informers_and_selectors_filter(client: APIClient,
                                                            ns: str) -> None:
    async with SharedInformerFactory(client) as factory:
        a = factory.informer("v1", "configmaps", namespace=ns)
        assert factory.informer("v1", "configmaps", namespace=ns) is a
        blue = factory.informer("v1", "configmaps", namespace=ns, label_selector="color=blue")
        assert blue is not a
        await asyncio.wait_for(factory.wait_synced(), 10)
        log = Log(blue)
        await client.create("v1", "configmaps", cm("x", {"color": "blue"}), ns)
        await client.create("v1", "configmaps", cm("y", {"color": "red"}), ns)
        await eventually(lambda: set(cache(a)) == {"x", "y"})
        await eventually(lambda: set(cache(blue)) == {"x"})
        await client.patch("v1", "configmaps", "x", {"metadata": {"labels": {"color": "red"}}},
                           ns)
        await eventually(lambda: cache(blue) == {})
        # Asked for after start: starts at once.
        late = factory.informer("v1", "configmaps", namespace=ns, label_selector="color=red")
        await asyncio.wait_for(late.wait_synced(), 10)
        assert set(cache(late)) == {"x", "y"}
    assert [c[:2] for c in log.calls] == [("add", "x"), ("delete", "x")]


async def test_informer_recovers_from_a_server_restart(tmp_path: Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="pyk8s.client.informer")
    data_dir = tmp_path / "server"
    server = await asyncio.to_thread(Server(data_dir, extra_args=API_ONLY).start)
    try:
        async with APIClient.from_kubeconfig(server.kubeconfig) as client:
            ns = "restart"
            await client.create("v1", "namespaces", {"metadata": {"name": ns}})
            for n in ("a", "b", "c"):
                await client.create("v1", "configmaps", cm(n, v="1"), ns)
            async with Informer(client, "v1", "configmaps", namespace=ns) as informer:
                log = Log(informer)
                await asyncio.wait_for(informer.wait_synced(), 10)
                seen_rv = informer.resource_version
                # Writes elsewhere move the datastore's revision past this informer's.
                await client.create("v1", "secrets", {"metadata": {"name": "s"}}, ns)

                await asyncio.to_thread(server.stop)
                await asyncio.sleep(0.5)  # the informer fails to reconnect meanwhile
                server = await asyncio.to_thread(
                    Server(data_dir, port=server.port, extra_args=API_ONLY).start)

                # The history before the restart is gone from the new watch cache.
                with pytest.raises(APIStatusError) as e:
                    async for _ in client.watch("v1", "configmaps", ns,
                                                resource_version=seen_rv):
                        pass
                assert is_gone(e.value) and e.value.reason == "Expired"

                await client.patch("v1", "configmaps", "a", {"data": {"v": "2"}}, ns)
                await client.delete("v1", "configmaps", "b", ns)
                await client.create("v1", "configmaps", cm("d", v="1"), ns)
                expected = {"a": {"v": "2"}, "c": {"v": "1"}, "d": {"v": "1"}}
                await eventually(lambda: cache(informer) == expected, 20)
                assert await server_state(client, ns) == expected
    finally:
        await asyncio.to_thread(server.stop)
    assert log.calls[:3] == [("add", n, {"v": "1"}) for n in "abc"]
    # The informer's watch, too, got 410 and listed again; every change made
    # after the restart is reported once, by the relist or the watch after it.
    assert "listing again" in caplog.text
    assert sorted(log.calls[3:]) == [("add", "d", {"v": "1"}), ("delete", "b", {"v": "1"}),
                                     ("update", "a", {"v": "2"})]
