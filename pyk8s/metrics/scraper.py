"""`MetricsScraper`: every resolution, the usage of every node, pod and container.

One scrape lists Nodes and Pods from the API server's storage, then asks all
real kubelets at once for `/stats/summary` (a kubelet that does not answer
within the resolution is skipped this round and keeps no metrics: stale
figures would mislead an autoscaler). Pods on simulated nodes take their
usage from their annotations (`pyk8s.metrics.simulated`).

CPU of a real container is `Δ usageCoreNanoSeconds / Δ time` between this
scrape and the last one that saw the same container (pod UID and name), the
time measured by when the summaries arrived (theirs have a resolution of one
second); a counter that went backwards (the container restarted) starts over. The result
replaces the previous window whole: `nodes` and `pods` hold ready-made
NodeMetrics and PodMetrics objects.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from pyk8s.apiserver.rest import ListOptions, Storages
from pyk8s.metrics import quantity, simulated

log = logging.getLogger(__name__)

Obj = dict[str, Any]
API_VERSION = "metrics.k8s.io/v1beta1"


@dataclass(frozen=True, slots=True)
class Sample:
    timestamp: float  # seconds since the epoch
    cpu: int  # cumulative core-nanoseconds


def _time(when: float) -> str:
    return datetime.datetime.fromtimestamp(int(when), datetime.UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def _window(seconds: float) -> str:
    return f"{max(seconds, 0.001):.3f}".rstrip("0").rstrip(".") + "s"


def _labels(obj: Obj) -> dict[str, str]:
    return dict(obj["metadata"].get("labels") or {})


def _usage(cpu: int, memory: int) -> Obj:
    return {"cpu": quantity.cpu(cpu), "memory": quantity.memory(memory)}


class MetricsScraper:
    def __init__(self, storages: Storages, node_token: str, resolution: float = 15.0) -> None:
        self.storages = storages
        self.node_token = node_token
        self.resolution = resolution
        self.nodes: dict[str, Obj] = {}  # name -> NodeMetrics
        self.pods: dict[tuple[str, str], Obj] = {}  # (namespace, name) -> PodMetrics
        self._samples: dict[str, Sample] = {}  # "node" / "ns/pod/container" -> last sample

    async def run(self) -> None:
        async with aiohttp.ClientSession() as session:
            while True:
                started = time.monotonic()
                try:
                    await self.scrape(session)
                except Exception:
                    log.exception("metrics scrape failed")
                await asyncio.sleep(max(self.resolution - (time.monotonic() - started), 0.1))

    async def _list(self, plural: str) -> list[Obj]:
        r = self.storages.registry.lookup("", "v1", plural)
        assert r is not None
        return (await self.storages.for_resource(r).list(r, "", ListOptions())).items

    async def scrape(self, session: aiohttp.ClientSession) -> None:
        nodes, pods = await self._list("nodes"), await self._list("pods")
        by_node: dict[str, list[Obj]] = {}
        for pod in pods:
            name = (pod.get("spec") or {}).get("nodeName")
            if name:
                by_node.setdefault(name, []).append(pod)
        now = time.time()
        real = [n for n in nodes if not simulated.is_simulated(n)]
        summaries = await asyncio.gather(*(self._summary(session, n) for n in real))
        received = time.time()
        node_metrics: dict[str, Obj] = {}
        pod_metrics: dict[tuple[str, str], Obj] = {}
        samples: dict[str, Sample] = {}
        for node in nodes:
            name = node["metadata"]["name"]
            if simulated.is_simulated(node):
                self._simulated(node, by_node.get(name, []), now, node_metrics, pod_metrics)
        for node, summary in zip(real, summaries, strict=True):
            if summary is not None:
                self._real(node, summary, received, by_node.get(node["metadata"]["name"], []),
                           samples, node_metrics, pod_metrics)
        self.nodes, self.pods, self._samples = node_metrics, pod_metrics, samples

    def _simulated(self, node: Obj, pods: list[Obj], now: float, node_metrics: dict[str, Obj],
                   pod_metrics: dict[tuple[str, str], Obj]) -> None:
        total_cpu = total_memory = 0
        window = _window(self.resolution)
        for pod in pods:
            usage = simulated.container_usage(pod)
            if not usage:
                continue
            md = pod["metadata"]
            pod_metrics[(md["namespace"], md["name"])] = self._pod_metrics(
                pod, now, window, [(c, cpu, mem) for c, (cpu, mem) in usage.items()])
            total_cpu += sum(cpu for cpu, _ in usage.values())
            total_memory += sum(mem for _, mem in usage.values())
        name = node["metadata"]["name"]
        node_metrics[name] = self._node_metrics(node, now, window, total_cpu, total_memory)

    def _real(self, node: Obj, summary: Obj, now: float, pods: list[Obj],
              samples: dict[str, Sample],
              node_metrics: dict[str, Obj], pod_metrics: dict[tuple[str, str], Obj]) -> None:
        known = {(p["metadata"]["namespace"], p["metadata"]["name"]): p for p in pods}
        stats = summary.get("node") or {}
        rate = self._rate(f"node/{node['metadata']['name']}", stats.get("cpu") or {}, now, samples)
        if rate is not None:
            cpu, seconds, when = rate
            memory = int((stats.get("memory") or {}).get("workingSetBytes") or 0)
            node_metrics[node["metadata"]["name"]] = self._node_metrics(
                node, when, _window(seconds), cpu, memory)
        for entry in summary.get("pods") or []:
            ref = entry.get("podRef") or {}
            pod = known.get((ref.get("namespace", ""), ref.get("name", "")))
            if pod is None:
                continue
            containers, windows, latest = [], [], 0.0
            for c in entry.get("containers") or []:
                key = f"{ref.get('uid', '')}/{c['name']}"
                rate = self._rate(key, c.get("cpu") or {}, now, samples)
                if rate is None:
                    continue
                cpu, seconds, when = rate
                memory = int((c.get("memory") or {}).get("workingSetBytes") or 0)
                containers.append((c["name"], cpu, memory))
                windows.append(seconds)
                latest = max(latest, when)
            if containers:
                pod_metrics[(ref["namespace"], ref["name"])] = self._pod_metrics(
                    pod, latest, _window(max(windows)), containers)

    def _rate(self, key: str, cpu: Obj, now: float, samples: dict[str, Sample]
              ) -> tuple[int, float, float] | None:
        """(nanocores, window seconds, timestamp) since the last sample, remembering this one.

        The summary's own timestamps have a resolution of a second, so the
        window is measured by the moments the scraper received the summaries."""
        usage = cpu.get("usageCoreNanoSeconds")
        if not isinstance(usage, int):
            return None
        current = Sample(now, usage)
        samples[key] = current
        previous = self._samples.get(key)
        if previous is None or current.timestamp <= previous.timestamp or \
                current.cpu < previous.cpu:
            return None
        seconds = current.timestamp - previous.timestamp
        return int((current.cpu - previous.cpu) / seconds), seconds, current.timestamp

    async def _summary(self, session: aiohttp.ClientSession, node: Obj) -> Obj | None:
        status = node.get("status") or {}
        address = next((a["address"] for a in status.get("addresses") or []
                        if a.get("type") == "InternalIP"), None)
        port = ((status.get("daemonEndpoints") or {}).get("kubeletEndpoint") or {}).get("Port")
        if not address or not port:
            return None
        host = f"[{address}]" if ":" in address else address
        try:
            async with session.get(
                    f"https://{host}:{port}/stats/summary", ssl=False,
                    headers={"Authorization": f"Bearer {self.node_token}"},
                    timeout=aiohttp.ClientTimeout(total=self.resolution)) as resp:
                if resp.status != 200:
                    log.warning("metrics: node %s answered %d for its summary",
                                node["metadata"]["name"], resp.status)
                    return None
                summary: Obj = await resp.json()
                return summary
        except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as e:
            log.warning("metrics: cannot scrape node %s: %s", node["metadata"]["name"], e)
            return None

    @staticmethod
    def _node_metrics(node: Obj, when: float, window: str, cpu: int, memory: int) -> Obj:
        md = node["metadata"]
        return {"kind": "NodeMetrics", "apiVersion": API_VERSION,
                "metadata": {"name": md["name"], "creationTimestamp": _time(time.time()),
                             "labels": _labels(node)},
                "timestamp": _time(when), "window": window, "usage": _usage(cpu, memory)}

    @staticmethod
    def _pod_metrics(pod: Obj, when: float, window: str,
                     containers: list[tuple[str, int, int]]) -> Obj:
        md = pod["metadata"]
        return {"kind": "PodMetrics", "apiVersion": API_VERSION,
                "metadata": {"name": md["name"], "namespace": md["namespace"],
                             "creationTimestamp": _time(time.time()), "labels": _labels(pod)},
                "timestamp": _time(when), "window": window,
                "containers": [{"name": name, "usage": _usage(cpu, memory)}
                               for name, cpu, memory in containers]}
