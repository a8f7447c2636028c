"""Controller benchmark: how fast a big Deployment is created, rolled, scaled and deleted.

Usage (from the repository root):

    .venv/bin/python bench/controllers.py [--replicas 1000] [--nodes 20] [--no-nodes]

It starts its own `pyk8s server` (SQLite) through `tests.support`, with
`--simulated-nodes` nodes of 110 pods each (so the scheduler binds and the
simulated kubelets run every pod), or with `--no-nodes` neither scheduler
nor nodes (pods are only created: the controllers alone). Then, timing each
phase from the kubectl-equivalent request to the state it waits for, by
polling the API every 0.25 s (lists from the watch cache):

- create: a Deployment of `--replicas` replicas, until every pod exists
  (ReplicaSet status.replicas), then (with nodes) until all are available;
- rollout: a new image, until the rolling update (25% surge/unavailable)
  completes as `kubectl rollout status` judges it (with nodes only);
- scale: down to 10% of the replicas, until the pods are gone;
- delete: the Deployment with background propagation, until the garbage
  collector has removed every ReplicaSet and pod.

It prints the figures (pods/s for each phase) with the server's CPU time
and resident memory, and asserts nothing. Every process it starts is
stopped by its PID on the way out.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pyk8s.client import APIClient  # noqa: E402
from tests.support import Server  # noqa: E402

NAMESPACE = "bench"
POLL = 0.25


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def deployment(replicas: int, image: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "big", "namespace": NAMESPACE},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "big"}},
                 "template": {"metadata": {"labels": {"app": "big"}}, "spec": {
                     "terminationGracePeriodSeconds": 0,
                     "containers": [{"name": "c", "image": image,
                                     "resources": {"requests": {"cpu": "1m"}}}]}}},
    }


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 1800) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError("the benchmark's phase did not finish")
        await asyncio.sleep(POLL)


async def run(server: Server, replicas: int, with_nodes: bool) -> list[tuple[str, str]]:
    assert server.proc is not None
    pid = server.proc.pid
    rows: list[tuple[str, str]] = [("server RSS idle", f"{rss_mb(pid):.0f} MB")]
    async with APIClient.from_kubeconfig(server.kubeconfig) as c:
        await c.create("v1", "namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                            "metadata": {"name": NAMESPACE}})

        async def rs_total() -> int:
            items = (await c.list("apps/v1", "replicasets", NAMESPACE))["items"]
            return sum(int((rs.get("status") or {}).get("replicas") or 0) for rs in items)

        async def status() -> dict[str, Any]:
            d = await c.get("apps/v1", "deployments", "big", NAMESPACE)
            d.setdefault("status", {})
            return d

        async def complete() -> bool:
            d = await status()
            s, want = d["status"], d["spec"]["replicas"]
            return s.get("observedGeneration", 0) >= d["metadata"]["generation"] and \
                s.get("updatedReplicas", 0) == want and s.get("replicas", 0) == want and \
                s.get("availableReplicas", 0) == want

        async def pods() -> int:
            # From the watch cache: a datastore list of every pod on each poll would be
            # the heaviest load on the server.
            return len((await c.list("v1", "pods", NAMESPACE, resource_version="0"))["items"])

        async def phase(label: str, pods_done: int, action: Callable[[], Awaitable[Any]],
                        check: Callable[[], Awaitable[bool]]) -> None:
            log(f"{label} ...")
            cpu0, t0 = cpu_seconds(pid), time.monotonic()
            await action()
            await until(check)
            elapsed, cpu = time.monotonic() - t0, cpu_seconds(pid) - cpu0
            rows.append((label, f"{elapsed:6.1f} s  {pods_done / elapsed:7.0f} pods/s  "
                                f"server CPU {cpu:5.1f} s"))
            log(f"  {rows[-1][1]}")

        async def all_created() -> bool:
            return await rs_total() >= replicas

        await phase(f"create {replicas} pods", replicas,
                    lambda: c.create("apps/v1", "deployments", deployment(replicas, "app:1")),
                    all_created)
        if with_nodes:
            rows.append(("  ... all available after", "see below"))
            t0 = time.monotonic()
            await until(complete)
            rows[-1] = ("  ... all Running and available", f"{time.monotonic() - t0:6.1f} s "
                                                          f"more")
            await phase(f"rolling update of {replicas}", replicas,
                        lambda: c.patch("apps/v1", "deployments", "big", {"spec": {"template": {
                            "spec": {"containers": [{"name": "c", "image": "app:2"}]}}}},
                            NAMESPACE, patch_type="strategic"),
                        complete)
        rows.append(("server RSS with the pods", f"{rss_mb(pid):.0f} MB"))
        small = max(replicas // 10, 1)

        async def scaled() -> bool:
            return await pods() <= small

        await phase(f"scale {replicas} -> {small}", replicas - small,
                    lambda: c.patch("apps/v1", "deployments", "big",
                                    {"spec": {"replicas": small}}, NAMESPACE,
                                    subresource="scale"),
                    scaled)

        async def collected() -> bool:
            rss = (await c.list("apps/v1", "replicasets", NAMESPACE))["items"]
            return not rss and await pods() == 0

        await phase(f"delete, {small} pods collected", small,
                    lambda: c.delete("apps/v1", "deployments", "big", NAMESPACE,
                                     propagation_policy="Background"),
                    collected)
    rows.append(("server RSS at end", f"{rss_mb(pid):.0f} MB"))
    return rows


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--replicas", type=int, default=1000)
    p.add_argument("--nodes", type=int, default=20, help="simulated nodes (110 pods each)")
    p.add_argument("--no-nodes", action="store_true",
                   help="no scheduler and no nodes: measure the controllers alone")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="pyk8s-bench-") as tmp:
        extra = ["--disable-scheduler"] if args.no_nodes else \
            ["--simulated-nodes", str(args.nodes)]
        server = Server(Path(tmp) / "server", extra_args=extra)
        try:
            server.start()
            rows = asyncio.run(run(server, args.replicas, not args.no_nodes))
        finally:
            server.stop()
    where = "no nodes" if args.no_nodes else f"{args.nodes} simulated nodes"
    print(f"\npyk8s controller benchmark: Deployment of {args.replicas} replicas, {where}, "
          f"{os.cpu_count()} CPUs")
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"  {label.ljust(width)}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
