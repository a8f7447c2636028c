"""Store, diff and the informer's relist logic, without a server.

A scripted fake client stands in for the API server so that 410 Gone can be
produced on demand: the informer must list again and turn the difference
between its cache and the new list into add/update/delete notifications.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from pyk8s.client.informer import (
    Delta,
    Informer,
    Store,
    by_node_name,
    by_owner_uid,
    diff,
    object_key,
    split_key,
)
from pyk8s.client.rest import APIStatusError, TransportError, WatchEvent

Obj = dict[str, Any]


def cm(name: str, rv: str, ns: str = "ns", **data: str) -> Obj:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": ns, "resourceVersion": rv}, "data": data}


def pod(name: str, node: str | None, owners: tuple[str, ...] = ()) -> Obj:
    md: Obj = {"name": name, "namespace": "ns", "resourceVersion": "1"}
    if owners:
        md["ownerReferences"] = [{"uid": u, "kind": "ReplicaSet", "name": u} for u in owners]
    return {"metadata": md, "spec": {"nodeName": node} if node else {}}


GONE = APIStatusError({"kind": "Status", "code": 410, "reason": "Expired",
                       "message": "too old resource version: 1 (5)"})


def test_keys() -> None:
    assert object_key(cm("a", "1")) == "ns/a"
    assert object_key({"metadata": {"name": "node-1"}}) == "node-1"
    assert split_key("ns/a") == ("ns", "a")
    assert split_key("node-1") == (None, "node-1")


def test_diff() -> None:
    old = {"ns/a": cm("a", "1"), "ns/b": cm("b", "2"), "ns/c": cm("c", "3")}
    new = {"ns/a": cm("a", "1"), "ns/b": cm("b", "7"), "ns/d": cm("d", "8")}
    assert diff(old, new) == [
        Delta("MODIFIED", old["ns/b"], new["ns/b"]),
        Delta("ADDED", None, new["ns/d"]),
        Delta("DELETED", old["ns/c"], None),
    ]
    assert diff(old, old) == []


def test_store_indexes_follow_updates_and_removals() -> None:
    store = Store({"node": by_node_name})
    store.upsert(pod("p1", "n1", ("rs1",)))
    store.upsert(pod("p2", "n1", ("rs1", "rs2")))
    store.upsert(pod("p3", None))
    store.add_indexer("owner", by_owner_uid)  # added late: built over what is there
    names = lambda objs: [o["metadata"]["name"] for o in objs]  # noqa: E731
    assert names(store.by_index("node", "n1")) == ["p1", "p2"]
    assert names(store.by_index("owner", "rs1")) == ["p1", "p2"]
    store.upsert(pod("p1", "n2"))
    assert names(store.by_index("node", "n1")) == ["p2"]
    assert names(store.by_index("node", "n2")) == ["p1"]
    assert names(store.by_index("owner", "rs1")) == ["p2"]
    store.remove("ns/p2")
    assert store.by_index("node", "n1") == [] and store.by_index("owner", "rs2") == []
    assert store.keys() == ["ns/p1", "ns/p3"] and len(store) == 2 and "ns/p3" in store
    with pytest.raises(KeyError):
        store.by_index("nope", "x")
    store.add_indexer("node", by_node_name)  # same function again: fine
    with pytest.raises(ValueError):
        store.add_indexer("node", by_owner_uid)


def test_store_replace_returns_and_applies_the_differences() -> None:
    store = Store({"node": by_node_name})
    store.replace([pod("p1", "n1"), pod("p2", "n1")])
    moved = pod("p2", "n2")
    moved["metadata"]["resourceVersion"] = "2"
    deltas = store.replace([moved, pod("p3", "n1")])
    assert [(d.type, object_key(d.new or d.old or {})) for d in deltas] == [
        ("MODIFIED", "ns/p2"), ("ADDED", "ns/p3"), ("DELETED", "ns/p1")]
    assert sorted(store.keys()) == ["ns/p2", "ns/p3"]
    assert [o["metadata"]["name"] for o in store.by_index("node", "n1")] == ["p3"]


class ScriptedClient:
    """list() answers from `lists`; each watch() plays the next script, then hangs."""

    def __init__(self, lists: list[Obj | Exception], watches: list[list[Any]]) -> None:
        self.lists = lists
        self.watches = watches
        self.list_calls: list[dict[str, Any]] = []
        self.watch_calls: list[dict[str, Any]] = []

    async def list(self, api_version: str, plural: str, namespace: str | None = None,
                   **kwargs: Any) -> Obj:
        self.list_calls.append(kwargs)
        answer = self.lists.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def watch(self, api_version: str, plural: str, namespace: str | None = None,
                    **kwargs: Any) -> AsyncIterator[WatchEvent]:
        self.watch_calls.append(kwargs)
        script = self.watches.pop(0) if self.watches else None
        if script is None:
            await asyncio.sleep(3600)
            return
        for item in script:
            if isinstance(item, Exception):
                raise item
            yield item


def listing(rv: str, *items: Obj, cont: str | None = None) -> Obj:
    md = {"resourceVersion": rv, **({"continue": cont} if cont else {})}
    return {"kind": "ConfigMapList", "apiVersion": "v1", "metadata": md,
            "items": [dict(i) for i in items]}


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, str]] = []  # (type, name, rv)

    def add(self, obj: Obj) -> None:
        self.events.append(("add", obj["metadata"]["name"], obj["metadata"]["resourceVersion"]))

    def update(self, old: Obj, new: Obj) -> None:
        assert old["metadata"]["name"] == new["metadata"]["name"]
        self.events.append(("update", new["metadata"]["name"],
                            new["metadata"]["resourceVersion"]))

    def delete(self, obj: Obj) -> None:
        self.events.append(("delete", obj["metadata"]["name"],
                            obj["metadata"]["resourceVersion"]))


async def wait_until(cond: Any, timeout: float = 3.0) -> None:
    async with asyncio.timeout(timeout):
        while not cond():
            await asyncio.sleep(0.01)


async def test_gone_in_the_watch_relists_and_emits_the_differences() -> None:
    client = ScriptedClient(
        lists=[listing("10", cm("a", "5"), cm("b", "6")),
               listing("20", cm("b", "15"), cm("c", "18"))],
        watches=[[WatchEvent("MODIFIED", cm("a", "11")), WatchEvent("BOOKMARK", {
            "kind": "ConfigMap", "apiVersion": "v1", "metadata": {"resourceVersion": "12"}}),
            GONE]],
    )
    rec = Recorder()
    informer = Informer(client, "v1", "configmaps", namespace="ns")  # type: ignore[arg-type]
    informer.add_handlers(rec.add, rec.update, rec.delete)
    async with informer:
        await informer.wait_synced()
        await wait_until(lambda: len(client.watch_calls) == 2)
        assert sorted(informer.store.keys()) == ["ns/b", "ns/c"]
    assert rec.events == [
        ("add", "a", "5"), ("add", "b", "6"),  # first list
        ("update", "a", "11"),  # watch
        ("update", "b", "15"), ("add", "c", "18"), ("delete", "a", "11"),  # relist diff
    ]
    # The first watch resumed after the list; the second after the relist (the
    # bookmark's version was superseded by the 410).
    assert [c["resource_version"] for c in client.watch_calls] == ["10", "20"]
    assert all(c["allow_bookmarks"] for c in client.watch_calls)
    assert informer.resource_version == "20"
    # Objects from lists get their type filled in, like objects from watches.
    assert informer.store.get("ns/c")["kind"] == "ConfigMap"  # type: ignore[index]


async def test_bookmarks_and_broken_watches_resume_from_the_last_version() -> None:
    client = ScriptedClient(
        lists=[listing("10", cm("a", "5"))],
        watches=[[WatchEvent("BOOKMARK", {"metadata": {"resourceVersion": "12"}}),
                  TransportError("connection reset")],
                 [WatchEvent("DELETED", cm("a", "13"))],  # then the stream ends normally
                 ],
    )
    rec = Recorder()
    async with Informer(client, "v1", "configmaps",  # type: ignore[arg-type]
                        namespace="ns") as informer:
        informer.add_handlers(rec.add, rec.update, rec.delete)
        await wait_until(lambda: len(client.watch_calls) == 3)
        assert len(informer.store) == 0
    assert [c["resource_version"] for c in client.watch_calls] == ["10", "12", "13"]
    assert len(client.list_calls) == 1
    assert rec.events == [("add", "a", "5"), ("delete", "a", "13")]


async def test_list_pages_and_restarts_whole_when_the_continue_token_expires() -> None:
    client = ScriptedClient(
        lists=[listing("10", cm("a", "5"), cont="t1"), GONE,
               listing("11", cm("a", "5"), cm("b", "11"))],
        watches=[],
    )
    async with Informer(client, "v1", "configmaps", page_size=1) as informer:  # type: ignore[arg-type]
        await asyncio.wait_for(informer.wait_synced(), 3)
        assert sorted(informer.store.keys()) == ["ns/a", "ns/b"]
        assert informer.resource_version == "11"
    assert [(c["limit"], c["continue_token"]) for c in client.list_calls] == [
        (1, None), (1, "t1"), (None, None)]


async def test_a_failing_handler_does_not_stop_the_informer() -> None:
    client = ScriptedClient(lists=[listing("10", cm("a", "5"))],
                            watches=[[WatchEvent("ADDED", cm("b", "11"))]])
    failures: list[str] = []

    def bad(obj: Obj) -> None:
        failures.append(obj["metadata"]["name"])
        raise RuntimeError("boom")

    async with Informer(client, "v1", "configmaps") as informer:  # type: ignore[arg-type]
        informer.add_handlers(on_add=bad)
        await wait_until(lambda: "ns/b" in informer.store)
        seen: list[str] = []
        informer.add_handlers(on_add=lambda o: seen.append(o["metadata"]["name"]))
        assert seen == ["a", "b"]  # a late handler is replayed the cache
    assert failures == ["a", "b"]


async def test_gone_straight_after_a_list_backs_off_before_listing_again() -> None:
    client = ScriptedClient(lists=[listing("10"), listing("11")], watches=[[GONE]])
    loop = asyncio.get_running_loop()
    start = loop.time()
    async with Informer(client, "v1", "configmaps"):  # type: ignore[arg-type]
        await wait_until(lambda: len(client.list_calls) == 2)
        assert loop.time() - start >= 0.2  # BACKOFF_INITIAL
