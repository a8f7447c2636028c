"""Durability: what the server acknowledged survives a crash, a restart and a signal.

A 201 is a promise: the object is stored. These tests hold the server to it
with real processes on real data dirs:

- crash: several clients create ConfigMaps as fast as they can while the
  server is killed with SIGKILL mid-stream; restarted on the same data dir
  and port, it must serve every create it answered 201, with the uid, data
  and resourceVersion it answered with, invent nothing beyond the requests
  that were in flight, and take new writes with higher resourceVersions;
- restart: after a clean SIGTERM stop, objects come back with the same uid
  and resourceVersion, new writes get greater resourceVersions, and the
  certificates and kubeconfig are reused, so a kubeconfig saved before the
  restart still works with kubectl;
- signals: SIGTERM and SIGINT (Ctrl-C) stop the server with exit code 0 in
  a few seconds, even with a watch open.

Crash and restart run on both datastores (SQLite in the data dir, etcd).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import secrets
import shutil
import signal
import ssl
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from tests.support import Etcd, Server, kubectl, kubectl_json, manifest

WRITERS = 6  # concurrent create streams in the crash test
KILL_AFTER = 300  # acknowledged creates before the SIGKILL
NS = "default"


@pytest.fixture(params=["sqlite", "etcd"])
def endpoint(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The server's --datastore-endpoint: "" for SQLite, a fresh etcd's URL for etcd."""
    if request.param == "sqlite":
        yield ""
        return
    etcd = Etcd(tmp_path / "etcd")
    try:
        yield etcd.start().endpoint
    finally:
        etcd.stop()


@pytest.fixture
def server(endpoint: str, tmp_path: Path) -> Iterator[Server]:
    """A started server; stopped (or killed, if it won't stop) after the test."""
    s = Server(tmp_path / "server", endpoint)
    try:
        yield s.start()
    finally:
        s.stop()


def ssl_context(kubeconfig: Path, workdir: Path) -> ssl.SSLContext:
    """Trust the cluster CA and present the admin certificate embedded in a kubeconfig."""
    cfg = yaml.safe_load(kubeconfig.read_text())
    cluster, user = cfg["clusters"][0]["cluster"], cfg["users"][0]["user"]
    workdir.mkdir(exist_ok=True)
    paths = {}
    for name, data in (("ca.crt", cluster["certificate-authority-data"]),
                       ("client.crt", user["client-certificate-data"]),
                       ("client.key", user["client-key-data"])):
        paths[name] = workdir / name
        paths[name].write_bytes(base64.b64decode(data))
    ctx = ssl.create_default_context(cafile=str(paths["ca.crt"]))
    ctx.load_cert_chain(str(paths["client.crt"]), str(paths["client.key"]))
    return ctx


@contextlib.asynccontextmanager
async def http(server: Server, workdir: Path) -> AsyncIterator[aiohttp.ClientSession]:
    ctx = ssl_context(server.kubeconfig, workdir)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ctx),
                                     timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield session


def configmap(name: str, data: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


def rv(obj: dict[str, Any]) -> int:
    return int(obj["metadata"]["resourceVersion"])


# Crash ------------------------------------------------------------------------------


async def test_acknowledged_creates_survive_sigkill(server: Server, tmp_path: Path) -> None:
    url = f"{server.url}/api/v1/namespaces/{NS}/configmaps"
    acked: dict[str, dict[str, Any]] = {}
    sent: set[str] = set()

    async def writer(session: aiohttp.ClientSession, w: int) -> None:
        for i in range(100_000):
            name = f"crash-{w}-{i}"
            body = configmap(name, {"writer": str(w), "seq": str(i),
                                    "payload": secrets.token_hex(32)})
            sent.add(name)
            try:
                async with session.post(url, json=body) as resp:
                    raw = await resp.read()
            except (aiohttp.ClientError, OSError):
                return  # the server is gone: this create's outcome is unknown
            assert resp.status == 201, raw  # before the kill everything must succeed
            obj = json.loads(raw)
            assert obj["data"] == body["data"]
            acked[name] = obj

    async with http(server, tmp_path / "client") as session:
        tasks = [asyncio.create_task(writer(session, w)) for w in range(WRITERS)]
        deadline = time.monotonic() + 20
        while len(acked) < KILL_AFTER and time.monotonic() < deadline:
            if any(t.done() for t in tasks):
                await asyncio.gather(*tasks)  # a writer failed before the kill: show why
            await asyncio.sleep(0.002)
        assert len(acked) >= KILL_AFTER, f"only {len(acked)} creates in 20 s"
        server.kill()  # SIGKILL, with creates in flight
        await asyncio.wait_for(asyncio.gather(*tasks), 30)
    assert server.proc is not None and server.proc.returncode == -signal.SIGKILL

    server.start()  # same data dir, same port
    async with http(server, tmp_path / "client") as session:
        async with session.get(url) as resp:
            assert resp.status == 200
            listed = await resp.json()
        stored = {o["metadata"]["name"]: o for o in listed["items"]
                  if o["metadata"]["name"].startswith("crash-")}
        missing = sorted(set(acked) - set(stored))
        assert not missing, f"{len(missing)} acknowledged creates lost, e.g. {missing[:5]}"
        for name, obj in acked.items():
            got = stored[name]
            assert got["metadata"]["uid"] == obj["metadata"]["uid"], name
            assert got["metadata"]["resourceVersion"] == obj["metadata"]["resourceVersion"]
            assert got["data"] == obj["data"], name
        # Beyond what was acknowledged, only creates that were in flight may exist.
        unacked = set(stored) - set(acked)
        assert unacked <= sent and len(unacked) <= WRITERS, sorted(unacked)

        # It serves and takes writes again, after everything it had stored.
        async with session.post(url, json=configmap("after-crash", {"k": "v"})) as resp:
            assert resp.status == 201, await resp.text()
            created = await resp.json()
        assert rv(created) > max(rv(o) for o in stored.values())
        assert int(listed["metadata"]["resourceVersion"]) < rv(created)
        async with session.get(f"{url}/after-crash") as resp:
            assert resp.status == 200
            assert (await resp.json())["metadata"]["uid"] == created["metadata"]["uid"]


# Clean restart --------------------------------------------------------------------------


def _identity(items: list[dict[str, Any]]) -> dict[tuple[str, str], tuple[str, str, Any]]:
    return {(o["kind"], o["metadata"]["name"]):
            (o["metadata"]["uid"], o["metadata"]["resourceVersion"], o.get("data"))
            for o in items}


def test_restart_keeps_objects_versions_and_credentials(server: Server, tmp_path: Path
                                                        ) -> None:
    ns = "durable"
    server.kubectl("create", "-f", "-", input=manifest(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
        {**configmap("one", {"a": "1"}), "metadata": {"name": "one", "namespace": ns}},
        {**configmap("two", {"b": "2"}), "metadata": {"name": "two", "namespace": ns}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": ns},
         "data": {"password": base64.b64encode(b"hunter2").decode()}},
    ))
    server.kubectl("-n", ns, "patch", "configmap", "two", "--type=merge",
                   "-p", '{"data": {"b": "3"}}')
    before = kubectl_json(server.kubeconfig, "-n", ns, "get", "configmaps,secrets")["items"]
    namespace = kubectl_json(server.kubeconfig, "get", "namespace", ns)
    newest = max(rv(o) for o in [*before, namespace])

    old_kubeconfig = tmp_path / "old-kubeconfig.yaml"
    shutil.copy(server.kubeconfig, old_kubeconfig)
    tls = server.data_dir / "tls"
    certs = {p.name: p.read_bytes() for p in sorted(tls.iterdir())}

    server.stop()
    assert server.proc is not None and server.proc.returncode == 0
    server.start()

    # Same certificates and credentials: the saved kubeconfig still works unchanged.
    assert {p.name: p.read_bytes() for p in sorted(tls.iterdir())} == certs
    assert server.kubeconfig.read_text() == old_kubeconfig.read_text()
    after = kubectl_json(old_kubeconfig, "-n", ns, "get", "configmaps,secrets")["items"]
    assert _identity(after) == _identity(before)
    again = kubectl_json(old_kubeconfig, "get", "namespace", ns)
    assert again["metadata"]["uid"] == namespace["metadata"]["uid"]
    assert again["metadata"]["resourceVersion"] == namespace["metadata"]["resourceVersion"]

    # New writes come after everything written before the restart.
    kubectl(old_kubeconfig, "create", "-f", "-", input=manifest(
        {**configmap("three", {"c": "3"}), "metadata": {"name": "three", "namespace": ns}}))
    kubectl(old_kubeconfig, "-n", ns, "patch", "configmap", "one", "--type=merge",
            "-p", '{"data": {"a": "2"}}')
    three = kubectl_json(old_kubeconfig, "-n", ns, "get", "configmap", "three")
    one = kubectl_json(old_kubeconfig, "-n", ns, "get", "configmap", "one")
    assert newest < rv(three) < rv(one)
    assert one["data"] == {"a": "2"}


# Signals -------------------------------------------------------------------------------


def _watchers(server: Server) -> int:
    text = server.kubectl("get", "--raw", "/metrics").stdout
    for line in text.splitlines():
        if line.startswith('apiserver_longrunning_requests{verb="WATCH",resource="configmaps"}'):
            return int(line.split()[-1])
    return 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_server_cleanly(sig: signal.Signals, tmp_path: Path) -> None:
    server = Server(tmp_path / "server")
    watch: subprocess.Popen[bytes] | None = None
    try:
        server.start()
        watch = subprocess.Popen(
            ["kubectl", "--kubeconfig", str(server.kubeconfig), "get", "configmaps", "-A",
             "-w"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while _watchers(server) < 1:  # an open watch must not hold up the shutdown
            assert time.monotonic() < deadline, "kubectl's watch never reached the server"
            time.sleep(0.1)
        assert server.proc is not None
        start = time.monotonic()
        server.proc.send_signal(sig)
        code = server.proc.wait(timeout=10)
        elapsed = time.monotonic() - start
        assert code == 0, server.log_path.read_text()[-2000:]
        assert elapsed < 5, f"took {elapsed:.1f} s to stop"
    finally:
        if watch is not None:
            watch.kill()
            watch.wait()
        server.kill()
