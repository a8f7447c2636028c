"""EventRecorder against a real server: Events written, repeats aggregated."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from pyk8s.client import NORMAL, WARNING, APIClient, EventRecorder


def events_about(items: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return sorted((e for e in items if e["involvedObject"]["name"] == name),
                  key=lambda e: e["metadata"]["name"])


async def test_events_are_written_and_repeats_aggregated(client: APIClient, ns: str) -> None:
    cm = await client.create("v1", "configmaps", {"metadata": {"name": "cfg"}}, ns)
    async with EventRecorder(client, "test-controller", host="node-1") as recorder:
        recorder.event(cm, NORMAL, "Synced", "all good")
        await recorder.flush()
        recorder.event(cm, NORMAL, "Synced", "all good")
        recorder.event(cm, NORMAL, "Synced", "all good")
        recorder.event(cm, WARNING, "Failed", "something broke")
        await recorder.flush()
    events = events_about((await client.list("v1", "events", ns))["items"], "cfg")
    assert len(events) == 2
    by_reason = {e["reason"]: e for e in events}
    synced, failed = by_reason["Synced"], by_reason["Failed"]
    assert synced["count"] == 3 and failed["count"] == 1
    assert synced["type"] == "Normal" and failed["type"] == "Warning"
    assert synced["message"] == "all good"
    assert synced["involvedObject"] == {
        "apiVersion": "v1", "kind": "ConfigMap", "name": "cfg", "namespace": ns,
        "uid": cm["metadata"]["uid"], "resourceVersion": cm["metadata"]["resourceVersion"]}
    assert synced["source"] == {"component": "test-controller", "host": "node-1"}
    assert synced["reportingComponent"] == "test-controller"
    assert synced["firstTimestamp"] <= synced["lastTimestamp"]
    assert synced["metadata"]["name"].startswith("cfg.")


async def test_cluster_scoped_objects_get_events_in_default(client: APIClient) -> None:
    namespace = await client.get("v1", "namespaces", "kube-public")
    async with EventRecorder(client, "test-controller") as recorder:
        recorder.event(namespace, NORMAL, "Checked", "namespace looked at")
    events = events_about((await client.list("v1", "events", "default"))["items"],
                          "kube-public")
    assert [e["reason"] for e in events] == ["Checked"]
    assert "namespace" not in events[0]["involvedObject"]


async def test_recorder_never_raises(client: APIClient, ns: str,
                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="pyk8s.client.events")
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": ns}}
    recorder = EventRecorder(client, "test-controller", max_pending=1)
    recorder.event(obj, NORMAL, "NotRunning", "dropped")  # not started: logged, dropped
    async with recorder:
        recorder.event(obj, "Loud", "BadType", "dropped")  # invalid type
        recorder.event(obj, NORMAL, "Bad", "x" * 10)
        recorder.event(obj, NORMAL, "Full", "queue is full")  # max_pending=1
        await asyncio.wait_for(recorder.flush(), 5)
        bad = {"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": "Not_A_Valid/Name", "namespace": ns}}
        recorder.event(bad, NORMAL, "Invalid", "rejected by the server")
        await asyncio.wait_for(recorder.flush(), 5)
    assert "not running" in caplog.text and "must be Normal or Warning" in caplog.text
    assert "too many events queued" in caplog.text
    assert "writing event Invalid 'rejected by the server' failed" in caplog.text
