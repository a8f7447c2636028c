"""`GET /stats/summary`: CPU and memory of the node, its pods and their containers.

The shape is the kubelet's Summary API (`node`, `pods[].containers[]`, with
`cpu.usageNanoCores` / `usageCoreNanoSeconds` and `memory.workingSetBytes` /
`usageBytes`), which the metrics pipeline reads. Container figures come from
CRI ListContainerStats; a pod's are the sums of its containers'; the node's
come from /proc. usageNanoCores is the rate between this call and the
previous one for the same container (0 on the first call).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web

from pyk8s.kubelet import cri as labels
from pyk8s.kubelet import status as st
from pyk8s.kubelet.cri import pb

if TYPE_CHECKING:
    from pyk8s.kubelet.server import KubeletServer

_last: dict[str, tuple[int, int]] = {}  # id -> (timestamp ns, usage core ns)


def _rate(key: str, timestamp: int, usage: int) -> int:
    prev = _last.get(key)
    _last[key] = (timestamp, usage)
    if prev is None or timestamp <= prev[0]:
        return 0
    return int((usage - prev[1]) * 1e9 / (timestamp - prev[0]))


def _node_cpu() -> int:
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    ticks = sum(int(x) for x in fields[:3]) + sum(int(x) for x in fields[5:8])
    return int(ticks * 1e9 / os.sysconf("SC_CLK_TCK"))


def _node_memory() -> tuple[int, int]:
    info = {}
    for line in Path("/proc/meminfo").read_text().splitlines():
        key, _, value = line.partition(":")
        info[key] = int(value.split()[0]) * 1024
    used = info["MemTotal"] - info.get("MemFree", 0)
    return used, used - info.get("Cached", 0) - info.get("Buffers", 0)


async def summary(server: KubeletServer) -> dict[str, Any]:
    k = server.kubelet
    reply = await k.cri.runtime.ListContainerStats(pb.ListContainerStatsRequest())
    now = time.time_ns()
    pods: dict[str, dict[str, Any]] = {}
    for s in reply.stats:
        a = s.attributes
        uid = a.labels.get(labels.POD_UID, "")
        worker = k.workers.get(uid)
        if worker is None:
            continue
        ts = s.cpu.timestamp or now
        usage = s.cpu.usage_core_nano_seconds.value
        container = {
            "name": a.metadata.name, "startTime": st.rfc3339(ts),
            "cpu": {"time": st.rfc3339(ts), "usageNanoCores": _rate(a.id, ts, usage),
                    "usageCoreNanoSeconds": usage},
            "memory": {"time": st.rfc3339(s.memory.timestamp or now),
                       "workingSetBytes": s.memory.working_set_bytes.value,
                       "usageBytes": s.memory.working_set_bytes.value},
        }
        md = worker.pod["metadata"]
        pod = pods.setdefault(uid, {
            "podRef": {"name": md["name"], "namespace": md["namespace"], "uid": uid},
            "startTime": worker.start_time, "containers": [],
            "cpu": {"time": st.rfc3339(now), "usageNanoCores": 0, "usageCoreNanoSeconds": 0},
            "memory": {"time": st.rfc3339(now), "workingSetBytes": 0, "usageBytes": 0}})
        pod["containers"].append(container)
        for field in ("usageNanoCores", "usageCoreNanoSeconds"):
            pod["cpu"][field] += container["cpu"][field]
        for field in ("workingSetBytes", "usageBytes"):
            pod["memory"][field] += container["memory"][field]
    cpu = _node_cpu()
    used, working = _node_memory()
    return {
        "node": {"nodeName": k.node_name,
                 "cpu": {"time": st.rfc3339(now), "usageNanoCores": _rate("node", now, cpu),
                         "usageCoreNanoSeconds": cpu},
                 "memory": {"time": st.rfc3339(now), "usageBytes": used,
                            "workingSetBytes": working}},
        "pods": list(pods.values()),
    }


async def handle(server: KubeletServer, request: web.Request) -> web.Response:
    return web.Response(body=orjson.dumps(await summary(server)),
                        content_type="application/json")
