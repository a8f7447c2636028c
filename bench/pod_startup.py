"""Pod start-up benchmark: many busybox pods created at once on one real node.

Usage (from the repository root, as root, with containerd installed):

    .venv/bin/python bench/pod_startup.py [--pods 100] [--scheduled]

It starts its own `pyk8s server` and one `pyk8s agent` (with its own
containerd) through the e2e test helpers, creates `--pods` busybox pods
(`sleep 3600`) concurrently, bound to the node (`spec.nodeName`), or left
to the scheduler with `--scheduled`, and watches them: each pod's latency
is from the moment its create request was sent to the first watch event
showing it Running (Kubernetes' pod start-up SLO measures the same span,
p99 <= 5 s). Then it deletes them all and waits until they are gone.

It prints p50 / p90 / p99 / max latency, the time until the last pod ran,
the deletion time, the CPU seconds and resident memory of the agent, of
containerd and of the shims, and the CPU time the whole machine was busy
meanwhile (shims, runc and CNI plugins are most of a pod's start-up cost,
and whatever else runs on the machine counts too); it asserts nothing. Every process it
starts is stopped by its PID, and the node is cleaned up (containers,
network namespaces, mounts, iptables chains) on the way out.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pyk8s.client import APIClient  # noqa: E402
from tests.e2e.node import Agent, clean_node, runtime_unavailable  # noqa: E402
from tests.support import Server  # noqa: E402

NAMESPACE = "bench"
TICKS = os.sysconf("SC_CLK_TCK")


def log(text: str) -> None:
    print(text, flush=True)


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def machine_busy_seconds() -> float:
    """CPU time the whole machine spent busy (all processes, all cores)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / TICKS


def shim_pids(socket: str) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            with contextlib.suppress(OSError):
                argv = (proc / "cmdline").read_bytes().split(b"\0")
                if argv[0].endswith(b"containerd-shim-runc-v2") and socket.encode() in argv:
                    pids.append(int(proc.name))
    return pids


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def pod(name: str, node: str | None) -> dict[str, Any]:
    spec: dict[str, Any] = {"terminationGracePeriodSeconds": 1, "containers": [
        {"name": "main", "image": "busybox:1.35", "command": ["sleep", "3600"]}]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


async def run(server: Server, agent: Agent, count: int, scheduled: bool) -> None:
    async with APIClient.from_kubeconfig(server.kubeconfig) as client:
        while True:
            with contextlib.suppress(Exception):
                node = await client.get("v1", "nodes", agent.node_name)
                if (node.get("spec") or {}).get("podCIDR"):
                    break
                await client.patch("v1", "nodes", agent.node_name, {"spec": {
                    "podCIDR": "10.42.0.0/24", "podCIDRs": ["10.42.0.0/24"]}})
            await asyncio.sleep(0.5)
        await client.create("v1", "namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                 "metadata": {"name": NAMESPACE}})
        await asyncio.sleep(1.0)  # let the node settle: start-up work is not counted
        agent_pid = agent.proc.pid if agent.proc else 0
        containerd_pid = int((agent.data_dir / "agent" / "containerd" / "containerd.pid")
                             .read_text())
        socket = str(agent.data_dir / "agent" / "containerd" / "state" / "containerd.sock")
        cpu_before = {p: cpu_seconds(p) for p in (agent_pid, containerd_pid)}
        busy_before = machine_busy_seconds()
        sent: dict[str, float] = {}
        running: dict[str, float] = {}
        names = [f"p{i:04d}" for i in range(count)]
        listing = await client.list("v1", "pods", NAMESPACE)

        async def watch() -> None:
            async for ev in client.watch("v1", "pods", NAMESPACE,
                                         resource_version=listing["metadata"]["resourceVersion"],
                                         timeout_seconds=600):
                if ev.type == "BOOKMARK":
                    continue
                name = ev.object["metadata"]["name"]
                if ev.object.get("status", {}).get("phase") == "Running" and \
                        name not in running:
                    running[name] = time.monotonic()
                    if len(running) == count:
                        return

        watcher = asyncio.create_task(watch())

        async def create(name: str) -> None:
            sent[name] = time.monotonic()
            await client.create("v1", "pods", pod(name, None if scheduled else
                                                  agent.node_name), NAMESPACE)

        start = time.monotonic()
        await asyncio.gather(*(create(n) for n in names))
        await asyncio.wait_for(watcher, timeout=600)
        all_running = time.monotonic() - start
        latencies = [running[n] - sent[n] for n in names]
        shims = shim_pids(socket)
        cpu_after = {p: cpu_seconds(p) for p in (agent_pid, containerd_pid)}
        busy = machine_busy_seconds() - busy_before
        figures = {
            "pods": count,
            "p50_s": round(statistics.median(latencies), 3),
            "p90_s": round(percentile(latencies, 90), 3),
            "p99_s": round(percentile(latencies, 99), 3),
            "max_s": round(max(latencies), 3),
            "all_running_s": round(all_running, 3),
            "agent_cpu_s": round(cpu_after[agent_pid] - cpu_before[agent_pid], 2),
            "containerd_cpu_s": round(cpu_after[containerd_pid] - cpu_before[containerd_pid],
                                      2),
            "agent_rss_mib": round(rss_mib(agent_pid), 1),
            "containerd_rss_mib": round(rss_mib(containerd_pid), 1),
            "machine_cpu_s": round(busy, 1),  # shims, runc, CNI plugins, ... and others
            "shims": len(shims),
            "shims_rss_mib": round(sum(rss_mib(p) for p in shims), 1),
        }
        start = time.monotonic()
        await asyncio.gather(*(client.delete("v1", "pods", n, NAMESPACE) for n in names))
        while (await client.list("v1", "pods", NAMESPACE))["items"]:
            await asyncio.sleep(0.25)
        figures["delete_all_s"] = round(time.monotonic() - start, 3)
        log(json.dumps(figures, indent=2))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pods", type=int, default=100)
    p.add_argument("--scheduled", action="store_true",
                   help="leave nodeName unset: the scheduler binds the pods")
    args = p.parse_args()
    why = runtime_unavailable()
    if why:
        print(f"pod_startup: {why}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="pyk8s-bench-") as tmp:
        server = Server(Path(tmp) / "server").start()
        node_dir = Path(tmp) / "node"
        token = (server.data_dir / "node-token").read_text().strip()
        agent = Agent(node_dir, server.url, token, node_name="bench-node").start()
        try:
            asyncio.run(run(server, agent, args.pods, args.scheduled))
        finally:
            agent.stop()
            server.stop()
            clean_node(node_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
