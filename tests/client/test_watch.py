"""APIClient.watch against a real server: the event stream and how it ends."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from pyk8s.client import APIClient, WatchEvent


async def collect(client: APIClient, ns: str, n: int, **kwargs: Any) -> list[WatchEvent]:
    out: list[WatchEvent] = []
    async with contextlib.aclosing(client.watch("v1", "configmaps", ns, **kwargs)) as events:
        async for ev in events:
            out.append(ev)
            if len(out) == n:
                break
    return out


async def test_watch_yields_added_modified_deleted(client: APIClient, ns: str) -> None:
    rv = (await client.list("v1", "configmaps", ns))["metadata"]["resourceVersion"]
    watching = asyncio.create_task(collect(client, ns, 3, resource_version=rv))
    await client.create("v1", "configmaps", {"metadata": {"name": "w"}, "data": {"a": "1"}}, ns)
    await client.patch("v1", "configmaps", "w", {"data": {"a": "2"}}, ns)
    deleted = await client.delete("v1", "configmaps", "w", ns)
    assert deleted["status"] == "Success"
    events = await asyncio.wait_for(watching, 10)
    assert [e.type for e in events] == ["ADDED", "MODIFIED", "DELETED"]
    assert [e.object["data"]["a"] for e in events] == ["1", "2", "2"]
    rvs = [int(e.object["metadata"]["resourceVersion"]) for e in events]
    assert rvs == sorted(rvs) and rvs[0] > int(rv)
    assert all(e.object["kind"] == "ConfigMap" for e in events)


async def test_watch_without_version_starts_with_the_current_state(client: APIClient,
                                                                  ns: str) -> None:
    for name in ("x", "y"):
        await client.create("v1", "configmaps", {"metadata": {"name": name}}, ns)
    events = await asyncio.wait_for(collect(client, ns, 2), 10)
    assert [(e.type, e.object["metadata"]["name"]) for e in events] == [
        ("ADDED", "x"), ("ADDED", "y")]


async def test_selector_watch_sees_objects_leave_and_the_stream_end(client: APIClient,
                                                                   ns: str) -> None:
    rv = (await client.list("v1", "configmaps", ns))["metadata"]["resourceVersion"]
    events: list[WatchEvent] = []

    async def watch() -> None:
        async for ev in client.watch("v1", "configmaps", ns, label_selector="team=a",
                                     resource_version=rv, timeout_seconds=2,
                                     allow_bookmarks=False):
            events.append(ev)

    watching = asyncio.create_task(watch())
    await client.create("v1", "configmaps",
                        {"metadata": {"name": "s", "labels": {"team": "a"}}}, ns)
    await client.create("v1", "configmaps",
                        {"metadata": {"name": "other", "labels": {"team": "b"}}}, ns)
    await client.patch("v1", "configmaps", "s", {"metadata": {"labels": {"team": "b"}}}, ns)
    await asyncio.wait_for(watching, 10)  # ends by itself after timeout_seconds
    assert [(e.type, e.object["metadata"]["name"]) for e in events] == [
        ("ADDED", "s"), ("DELETED", "s")]


async def test_bookmarks_carry_a_resource_version(client: APIClient, ns: str) -> None:
    rv = (await client.list("v1", "configmaps", ns))["metadata"]["resourceVersion"]
    events = await asyncio.wait_for(
        collect(client, ns, 1, resource_version=rv, timeout_seconds=10), 10)
    assert events[0].type == "BOOKMARK"
    assert int(events[0].object["metadata"]["resourceVersion"]) >= 0
