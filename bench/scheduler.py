"""Scheduler benchmark: pods scheduled per second and create -> bound latency.

Usage (from the repository root):

    .venv/bin/python bench/scheduler.py [--nodes 100] [--pods 1000] [--clients 8] [--rate 100]

It runs two cases, each on its own `pyk8s server --simulated-nodes N`
(started through `tests.support`; the simulated kubelets and the controller
manager run inside the server process, as a default server runs them), with
nodes of 32 cpu / 64Gi and pods of 100m / 128Mi:

1. steady: `--pods` pods created by `--clients` concurrent creators over
   HTTPS at `--rate` pods/s (0: flat out) while the server's own scheduler
   places them;
2. backlog (kube-scheduler's SchedulingBasic shape): the server runs without
   a scheduler, every pod is created first, then this process starts one
   (`run_scheduler`, as a separate scheduler process would) and the clock
   starts.

3. cycle only: the scheduling cycle (filter, sample, score, assume) run
   directly on an in-memory cache of `--cycle-nodes` nodes (5,000) already
   holding a fifth as many pods, with no API server at all: what the
   scheduler's own code costs per pod. Printed first.

A watch on the namespace notes when each pod is first seen bound
(`spec.nodeName`) and Running. For each case it prints pods bound per
second, create -> bound and create -> Running latency p50/p99 (from the
create request, or from the scheduler's start in the backlog case, to the
watch event), how the pods spread (min/max per node), and the server's CPU
seconds and memory (VmRSS, VmHWM).

Bench and server share the machine, so the creators' and the watcher's CPU
are in the figures. It asserts nothing; the server is stopped by its PID on
the way out.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pyk8s.client import APIClient  # noqa: E402
from tests.support import Server  # noqa: E402

NAMESPACE = "bench"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory(pid: int) -> dict[str, str]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = value.strip()
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def wait_for_nodes(client: APIClient, count: int) -> None:
    while True:
        nodes = (await client.list("v1", "nodes"))["items"]
        ready = [n for n in nodes if any(c["type"] == "Ready" and c["status"] == "True"
                                         for c in n.get("status", {}).get("conditions", []))]
        if len(ready) >= count:
            break
        await asyncio.sleep(0.5)
    await asyncio.sleep(2)  # a node IPAM controller, if running, has had its chance
    for i, node in enumerate(nodes):
        if not node["spec"].get("podCIDR"):
            with contextlib.suppress(Exception):
                await client.patch("v1", "nodes", node["metadata"]["name"],
                                   {"spec": {"podCIDR": f"10.42.{i}.0/24"}})


def pod(i: int) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"pod-{i:05d}", "namespace": NAMESPACE,
                         "labels": {"app": "bench"}},
            "spec": {"containers": [{
                "name": "app", "image": "busybox",
                "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]}}


class Tracker:
    """Watches the namespace: when each pod was first seen bound, and Running."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.bound: dict[str, float] = {}
        self.running: dict[str, float] = {}
        self.nodes: dict[str, str] = {}
        self.done = asyncio.Event()

    async def watch(self, client: APIClient, resource_version: str) -> None:
        stream = client.watch("v1", "pods", NAMESPACE, resource_version=resource_version,
                              timeout_seconds=600)
        async with contextlib.aclosing(stream) as events:
            async for ev in events:
                now = time.monotonic()
                name = ev.object.get("metadata", {}).get("name")
                node = ev.object.get("spec", {}).get("nodeName")
                if name and node and name not in self.bound:
                    self.bound[name] = now
                    self.nodes[name] = node
                if name and ev.object.get("status", {}).get("phase") == "Running":
                    self.running.setdefault(name, now)
                if len(self.running) >= self.expected:
                    self.done.set()
                    return


async def create_pods(client: APIClient, pods: int, clients: int, rate: float
                      ) -> dict[str, float]:
    """Create the pods from `clients` concurrent creators, at most `rate` per second
    (0: as fast as they can); when each create was sent."""
    sent: dict[str, float] = {}
    todo = iter(range(pods))
    start = time.monotonic()

    async def creator() -> None:
        for i in todo:
            if rate:
                await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
            body = pod(i)
            sent[body["metadata"]["name"]] = time.monotonic()
            await client.create("v1", "pods", body)
    await asyncio.gather(*(creator() for _ in range(clients)))
    return sent


async def run(server: Server, nodes: int, pods: int, clients: int, rate: float, *,
              own_scheduler: bool) -> dict[str, Any]:
    """Create the pods and follow them.

    Without `own_scheduler` the server's scheduler places pods while they are
    created. With it the server has none: every pod is created (pending)
    first, then this process runs a scheduler (`run_scheduler`, as a
    separate scheduler process would) and the clock starts.
    """
    from pyk8s.scheduler import run_scheduler

    async with APIClient.from_kubeconfig(server.kubeconfig) as client:
        await wait_for_nodes(client, nodes)
        await client.create("v1", "namespaces", {"metadata": {"name": NAMESPACE}})
        listed = await client.list("v1", "pods", NAMESPACE)
        tracker = Tracker(pods)
        watcher = asyncio.create_task(tracker.watch(client, listed["metadata"]["resourceVersion"]))
        pid = server.proc.pid  # type: ignore[union-attr]
        cpu_before = cpu_seconds(pid)
        start = create_start = time.monotonic()
        sent = await create_pods(client, pods, clients, 0 if own_scheduler else rate)
        created = time.monotonic()
        tasks = [watcher]
        if own_scheduler:
            start = time.monotonic()
            sent = dict.fromkeys(sent, start)
            scheduler_client = APIClient.from_kubeconfig(server.kubeconfig)
            await scheduler_client.__aenter__()
            tasks.append(asyncio.create_task(run_scheduler(scheduler_client)))
        try:
            await asyncio.wait_for(tracker.done.wait(), 300)
        except TimeoutError:
            print(f"timed out: {len(tracker.bound)} bound, {len(tracker.running)} running",
                  file=sys.stderr)
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if own_scheduler:
            await scheduler_client.close()
        return {
            "create_seconds": created - create_start,
            "bound_per_s": len(tracker.bound) / (max(tracker.bound.values()) - start),
            "to_bound": [t - sent[n] for n, t in tracker.bound.items() if n in sent],
            "to_running": [t - sent[n] for n, t in tracker.running.items() if n in sent],
            "per_node": Counter(tracker.nodes.values()),
            "cpu": cpu_seconds(pid) - cpu_before,
            "memory": memory(pid),
        }


def report(title: str, r: dict[str, Any], pods: int, *, own_scheduler: bool) -> None:
    ms = 1000.0
    per_node = r["per_node"]
    print(f"\n{title}")
    rows = [
        ("pods scheduled (bound)/s", f"{r['bound_per_s']:.0f}"),
        ("create -> bound p50 / p99", f"{percentile(r['to_bound'], 50) * ms:.0f} ms / "
                                      f"{percentile(r['to_bound'], 99) * ms:.0f} ms"),
        ("create -> Running p50 / p99", f"{percentile(r['to_running'], 50) * ms:.0f} ms / "
                                        f"{percentile(r['to_running'], 99) * ms:.0f} ms"),
        ("pods per node min / max", f"{min(per_node.values())} / {max(per_node.values())} "
                                    f"over {len(per_node)} nodes"),
        ("server CPU during the run", f"{r['cpu']:.1f} s"),
        ("server memory RSS / peak", f"{r['memory'].get('VmRSS')} / "
                                     f"{r['memory'].get('VmHWM')}"),
    ]
    if not own_scheduler:
        rows.insert(0, ("pods created/s", f"{pods / r['create_seconds']:.0f}"))
    for label, value in rows:
        print(f"  {label:<30} {value}")


def cycle_only(nodes: int, placed: int, pods: int) -> float:
    """Pods/s of the scheduling cycle alone (filter, score, assume), no API: the
    in-memory cache of `nodes` nodes already holding `placed` pods."""
    from pyk8s.scheduler.cache import SchedulerCache
    from pyk8s.scheduler.framework import CycleState, Profile
    from pyk8s.scheduler.nodeinfo import PodInfo
    from pyk8s.scheduler.runtime import Framework

    cache = SchedulerCache()
    for i in range(nodes):
        capacity = {"cpu": "32", "memory": "64Gi", "pods": "110"}
        cache.set_node({"metadata": {"name": f"node-{i}", "labels": {
            "kubernetes.io/hostname": f"node-{i}"}}, "spec": {},
            "status": {"capacity": capacity, "allocatable": capacity}})
    framework = Framework(Profile(), cache=cache, client=None,  # type: ignore[arg-type]
                          recorder=None)  # type: ignore[arg-type]

    def schedule(i: int) -> None:
        info = PodInfo(pod(i))
        cache.assume(info, framework.schedule(CycleState(), info))
    for i in range(placed):
        schedule(i)
    start = time.perf_counter()
    for i in range(placed, placed + pods):
        schedule(i)
    return pods / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=100)
    ap.add_argument("--pods", type=int, default=1000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--rate", type=float, default=100.0,
                    help="steady case: pods created per second (0: as fast as possible)")
    ap.add_argument("--cycle-nodes", type=int, default=5000,
                    help="the cycle-only case: nodes in the in-memory cache")
    args = ap.parse_args()
    placed = args.cycle_nodes // 5
    print(f"\nscheduling cycle alone, no API ({args.cycle_nodes} nodes, {placed} pods placed)")
    print(f"  {'pods scheduled/s':<30} "
          f"{cycle_only(args.cycle_nodes, placed, args.pods):.0f}")
    for own_scheduler in (False, True):
        with tempfile.TemporaryDirectory(prefix="pyk8s-bench-scheduler-") as tmp:
            extra = ["--simulated-nodes", str(args.nodes), "--node-cpu", "32",
                     "--node-memory", "64Gi"]
            if own_scheduler:
                extra.append("--disable-scheduler")
            server = Server(Path(tmp) / "server", extra_args=extra)
            print(f"starting a server with {args.nodes} simulated nodes", file=sys.stderr)
            server.start()
            try:
                r = asyncio.run(run(server, args.nodes, args.pods, args.clients, args.rate,
                                    own_scheduler=own_scheduler))
            except BaseException:
                print(server.log_path.read_text()[-3000:], file=sys.stderr)
                raise
            finally:
                server.stop()
        if own_scheduler:
            report(f"{args.pods} pods already pending, then a scheduler process starts "
                   f"({args.nodes} nodes): times from its start", r, args.pods,
                   own_scheduler=True)
        else:
            pace = f"at {args.rate:.0f}/s" if args.rate else "flat out"
            report(f"{args.pods} pods created by {args.clients} clients {pace} while the "
                   f"server's scheduler runs ({args.nodes} nodes)", r, args.pods,
                   own_scheduler=False)


if __name__ == "__main__":
    main()
