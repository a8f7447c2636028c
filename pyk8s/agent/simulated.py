"""Simulated nodes: kubelets without containers, for scheduling, controller and scale tests.

Like kwok, `SimulatedNodes` registers N Nodes (`<prefix>0` .. `<prefix>N-1`)
with the capacity it is told (cpu, memory, pods, ephemeral-storage), the
usual well-known labels plus any given, and taints; then it acts as their
kubelet through the API, as a real kubelet would:

- heartbeats: each node's Lease in `kube-node-lease` is renewed every 10 s
  (spread over the interval), and the node's status is written again when
  its Ready condition is not True (say, the node lifecycle controller marked
  it Unknown) or every 5 minutes;
- pods bound to a node go Pending -> Running at once: Ready, ContainersReady,
  Initialized and PodReadyToStartContainers conditions, a running status per
  container (init containers Completed), `hostIP`, and a `podIP` from the
  node's `spec.podCIDR` (set by the node IPAM controller; a pod waits until
  its node has one; hostNetwork pods take the node's address);
- batch-like pods: the annotation `pyk8s.io/simulate-exit-after: 5s` makes
  the containers exit that long after they started, with
  `pyk8s.io/simulate-exit-code` (default 0). As the restartPolicy says, the
  pod then ends Succeeded or Failed, or its containers restart after the
  kubelet's crash-loop back-off (10 s doubling up to 5 minutes), with
  `restartCount` and `lastState` as a kubelet reports them;
- admission: a pod bound past the scheduler (`spec.nodeName` set by hand)
  that does not fit what the node's running pods leave fails at once, with
  reason `OutOfcpu` (`OutOfmemory`, `OutOfpods`, ...) as a kubelet rejects it;
- graceful deletion: a pod with a deletionTimestamp is "stopped" for
  min(its grace period, 1 s) and then deleted with gracePeriodSeconds=0.

Stopping a node's heartbeats (to test node failure): annotate the Node
`pyk8s.io/simulate-heartbeat=stopped`. The node then behaves as a dead
machine: its Lease is no longer renewed, its status no longer written and
its pods no longer looked after. Removing the annotation brings it back.

Everything is derived from what the API says (container start times,
deletion timestamps), so a restarted agent carries on where it left off.
Node addresses are 127.1.x.y loopback addresses: nothing listens there, and
nothing sent there leaves the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import ipaddress
import logging
import platform
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pyk8s.api import meta
from pyk8s.client import (
    APIClient,
    Informer,
    RequestError,
    SharedInformerFactory,
    WorkQueue,
    by_node_name,
    is_already_exists,
    is_conflict,
    is_not_found,
    micro_time,
    object_key,
    run_workers,
)
from pyk8s.kubelet.node import parse_labels, parse_taints
from pyk8s.scheduler.nodeinfo import pod_requests, resource_list
from pyk8s.version import GIT_VERSION

log = logging.getLogger(__name__)

Obj = dict[str, Any]
HEARTBEAT = "pyk8s.io/simulate-heartbeat"
EXIT_AFTER = "pyk8s.io/simulate-exit-after"
EXIT_CODE = "pyk8s.io/simulate-exit-code"
STOPPED = "stopped"
LEASE_NAMESPACE = "kube-node-lease"
LEASE_DURATION = 40
LEASE_RENEW = 10.0
STATUS_REPORT = 300.0
STOP_TIME = 1.0  # seconds a container takes to stop on deletion, at most its grace period
BACKOFF, MAX_BACKOFF = 10.0, 300.0
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str) -> float | None:
    """Go-style durations: `5s`, `1m30s`, `500ms`, or plain seconds; None if malformed."""
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        pass
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(float(n) * _UNITS[u] for n, u in parts)


def _epoch(timestamp: str | None) -> float:
    if not timestamp:
        return 0.0
    return datetime.datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()


@dataclass(frozen=True)
class SimulatedNodeConfig:
    count: int = 1
    name_prefix: str = "sim-node-"
    cpu: str = "4"
    memory: str = "16Gi"
    max_pods: int = 110
    ephemeral_storage: str = "100Gi"
    labels: dict[str, str] = field(default_factory=dict)
    taints: list[Obj] = field(default_factory=list)


class PodIPs:
    """Pod addresses per node out of its podCIDR (host-local style: .2 upwards)."""

    def __init__(self) -> None:
        self._by_key: dict[str, tuple[str, str]] = {}  # pod key -> (node, address)
        self._used: dict[str, set[str]] = {}  # node -> addresses

    def claim(self, node: str, key: str, ip: str) -> None:
        self._by_key[key] = (node, ip)
        self._used.setdefault(node, set()).add(ip)

    def allocate(self, node: str, cidr: str, key: str) -> str:
        if key in self._by_key:
            return self._by_key[key][1]
        used = self._used.setdefault(node, set())
        network = ipaddress.ip_network(cidr, strict=False)
        for i, host in enumerate(network.hosts()):
            ip = str(host)
            if i > 0 and ip not in used:  # .1 is the bridge's gateway
                self.claim(node, key, ip)
                return ip
        raise RuntimeError(f"no free pod address left in {cidr} on node {node}")

    def release(self, key: str) -> None:
        held = self._by_key.pop(key, None)
        if held is not None:
            self._used[held[0]].discard(held[1])


def heartbeat_stopped(node: Obj) -> bool:
    return (node["metadata"].get("annotations") or {}).get(HEARTBEAT) == STOPPED


def _condition(type_: str, status: bool, now: str, reason: str = "", message: str = "") -> Obj:
    c: Obj = {"type": type_, "status": "True" if status else "False", "lastProbeTime": None,
              "lastTransitionTime": now}
    if reason:
        c["reason"] = reason
    if message:
        c["message"] = message
    return c


class SimulatedNodes:
    def __init__(self, client: APIClient, config: SimulatedNodeConfig) -> None:
        self.client = client
        self.config = config
        self.names = [f"{config.name_prefix}{i}" for i in range(config.count)]
        # Loopback addresses: unique per node, and nothing sent there leaves the machine.
        self._addresses = {name: f"127.1.{i // 250}.{i % 250 + 1}"
                           for i, name in enumerate(self.names)}
        self._leases: dict[str, Obj] = {}
        self._reported: dict[str, float] = {}  # node -> monotonic time of last status write
        self._ips = PodIPs()
        self._admitted: dict[str, dict[str, dict[str, int]]] = {}  # node -> pod -> requests
        self._admitted_on: dict[str, str] = {}  # pod -> node
        self.queue = WorkQueue("simulated-kubelet")
        self._boot_id = str(uuid.uuid4())
        self._nodes: Informer
        self._pods: Informer

    # Nodes -------------------------------------------------------------------------

    def _node_status(self, name: str) -> Obj:
        c = self.config
        now = meta.now()
        resources = {"cpu": c.cpu, "memory": c.memory, "pods": str(c.max_pods),
                     "ephemeral-storage": c.ephemeral_storage}
        current = {cond.get("type"): cond for cond in
                   ((self._nodes.store.get(name) or {}).get("status") or {}).get("conditions")
                   or []}

        def cond(type_: str, status: str, reason: str, message: str) -> Obj:
            same = current.get(type_, {}).get("status") == status
            return {"type": type_, "status": status, "reason": reason, "message": message,
                    "lastHeartbeatTime": now, "lastTransitionTime":
                    current[type_].get("lastTransitionTime", now) if same else now}
        return {
            "capacity": resources, "allocatable": dict(resources),
            "conditions": [
                cond("MemoryPressure", "False", "KubeletHasSufficientMemory",
                     "kubelet has sufficient memory available"),
                cond("DiskPressure", "False", "KubeletHasNoDiskPressure",
                     "kubelet has no disk pressure"),
                cond("PIDPressure", "False", "KubeletHasSufficientPID",
                     "kubelet has sufficient PID available"),
                cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ],
            "addresses": [{"type": "InternalIP", "address": self._addresses[name]},
                          {"type": "Hostname", "address": name}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": uuid.uuid5(uuid.NAMESPACE_DNS, name).hex,
                "systemUUID": str(uuid.uuid5(uuid.NAMESPACE_URL, name)),
                "bootID": self._boot_id, "kernelVersion": platform.release(),
                "osImage": "pyk8s simulated node", "containerRuntimeVersion": "simulated://1.0",
                "kubeletVersion": GIT_VERSION, "kubeProxyVersion": GIT_VERSION,
                "operatingSystem": "linux", "architecture": "amd64",
            },
        }

    async def _register(self, name: str) -> None:
        labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                  "kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
                  "beta.kubernetes.io/arch": "amd64", "type": "simulated",
                  **self.config.labels}
        node: Obj = {"apiVersion": "v1", "kind": "Node",
                     "metadata": {"name": name, "labels": labels,
                                  "annotations": {"node.alpha.kubernetes.io/ttl": "0"}},
                     "spec": {"taints": self.config.taints} if self.config.taints else {},
                     "status": self._node_status(name)}
        try:
            await self.client.create("v1", "nodes", node)
        except RequestError as e:
            if not is_already_exists(e):
                raise
        await self._report(name)

    async def _report(self, name: str) -> None:
        await self.client.patch("v1", "nodes", name, {"status": self._node_status(name)},
                                subresource="status")
        self._reported[name] = time.monotonic()

    def _stopped(self, name: str) -> bool:
        node = self._nodes.store.get(name)
        return node is not None and heartbeat_stopped(node)

    async def _renew_lease(self, name: str) -> None:
        lease = self._leases.get(name)
        if lease is None:
            try:
                lease = await self.client.get("coordination.k8s.io/v1", "leases", name,
                                              LEASE_NAMESPACE)
            except RequestError as e:
                if not is_not_found(e):
                    raise
                node = await self.client.get("v1", "nodes", name)
                self._leases[name] = await self.client.create(
                    "coordination.k8s.io/v1", "leases", {
                        "metadata": {"name": name, "namespace": LEASE_NAMESPACE,
                                     "ownerReferences": [{
                                         "apiVersion": "v1", "kind": "Node", "name": name,
                                         "uid": node["metadata"]["uid"]}]},
                        "spec": {"holderIdentity": name,
                                 "leaseDurationSeconds": LEASE_DURATION,
                                 "renewTime": micro_time()}})
                return
        lease["spec"] = {**lease.get("spec", {}), "holderIdentity": name,
                         "leaseDurationSeconds": LEASE_DURATION, "renewTime": micro_time()}
        try:
            self._leases[name] = await self.client.update("coordination.k8s.io/v1", "leases",
                                                          lease)
        except RequestError as e:
            self._leases.pop(name, None)  # read it afresh next time
            if not (is_conflict(e) or is_not_found(e)):
                raise

    async def _heartbeat(self, name: str) -> None:
        node = self._nodes.store.get(name)
        ready = [c for c in ((node or {}).get("status") or {}).get("conditions") or []
                 if c.get("type") == "Ready"]
        if node is None:  # deleted: register again, as a kubelet does
            await self._register(name)
        elif not ready or ready[0].get("status") != "True" or \
                time.monotonic() - self._reported.get(name, 0) > STATUS_REPORT:
            await self._report(name)
        await self._renew_lease(name)

    async def _heartbeats(self) -> None:
        while True:
            started = time.monotonic()
            for i, name in enumerate(self.names):
                if not self._stopped(name):
                    try:
                        await self._heartbeat(name)
                    except RequestError as e:
                        log.warning("simulated node %s: heartbeat failed: %s", name, e)
                pause = started + LEASE_RENEW * (i + 1) / len(self.names) - time.monotonic()
                if pause > 0:
                    await asyncio.sleep(pause)

    # Pods --------------------------------------------------------------------------

    def _enqueue(self, pod: Obj) -> None:
        if (pod.get("spec") or {}).get("nodeName") in self._addresses:
            self.queue.add(object_key(pod))

    def _on_pod_delete(self, pod: Obj) -> None:
        self._forget(object_key(pod))

    def _on_node_update(self, old: Obj, new: Obj) -> None:
        name = new["metadata"]["name"]
        if name not in self._addresses:
            return
        before, after = old.get("spec") or {}, new.get("spec") or {}
        if (before.get("podCIDR"), before.get("podCIDRs")) != \
                (after.get("podCIDR"), after.get("podCIDRs")) or \
                heartbeat_stopped(old) != heartbeat_stopped(new):
            for pod in self._pods.store.by_index("node", name):
                self.queue.add(object_key(pod))

    async def _sync_pod(self, key: str) -> None:
        pod = self._pods.store.get(key)
        if pod is None:
            self._forget(key)
            return
        node = pod["spec"].get("nodeName")
        if node not in self._addresses or self._stopped(node):
            return
        status = pod.get("status") or {}
        if pod["metadata"].get("deletionTimestamp"):
            await self._finish(key, pod)
        elif status.get("phase") in ("Succeeded", "Failed"):
            self._forget(key)
        elif status.get("phase") != "Running" or not status.get("startTime"):
            await self._start(key, pod, node)
        else:
            await self._run(key, pod)

    async def _patch_status(self, pod: Obj, status: Obj) -> None:
        md = pod["metadata"]
        try:
            await self.client.patch("v1", "pods", md["name"], {"status": status},
                                    md["namespace"], subresource="status")
        except RequestError as e:
            if not is_not_found(e):
                raise

    def _pod_ip(self, key: str, pod: Obj, node_name: str) -> str | None:
        if pod["spec"].get("hostNetwork"):
            return self._addresses[node_name]
        spec = (self._nodes.store.get(node_name) or {}).get("spec") or {}
        cidr = spec.get("podCIDR") or next(iter(spec.get("podCIDRs") or ()), None)
        if not cidr:
            return None  # the node update that brings a podCIDR re-queues the pod
        return self._ips.allocate(node_name, cidr, key)

    def _admit(self, key: str, pod: Obj, node_name: str) -> tuple[str, str] | None:
        """Admit the pod to its node, or say why not: (reason, message).

        As a kubelet rejects pods bound past the scheduler (`spec.nodeName` set
        by hand) that do not fit what its admitted pods leave. Checked and
        recorded without a pause, so concurrent starts cannot overcommit.
        """
        status = (self._nodes.store.get(node_name) or {}).get("status") or {}
        capacity = resource_list(status.get("allocatable") or status.get("capacity"))
        admitted = self._admitted.setdefault(node_name, {})
        used: dict[str, int] = {"pods": len(admitted) - (key in admitted)}
        for other, requests in admitted.items():
            if other != key:
                for name, value in requests.items():
                    used[name] = used.get(name, 0) + value
        wanted = pod_requests(pod["spec"])
        for name, value in {**wanted, "pods": 1}.items():
            if value > 0 and used.get(name, 0) + value > capacity.get(name, 0):
                return f"OutOf{name}", (
                    f"Pod was rejected: Node didn't have enough resource: {name}, requested: "
                    f"{value}, used: {used.get(name, 0)}, capacity: {capacity.get(name, 0)}")
        admitted[key] = wanted
        self._admitted_on[key] = node_name
        return None

    def _forget(self, key: str) -> None:
        """The pod holds nothing on its node any more (finished or gone)."""
        self._ips.release(key)
        node = self._admitted_on.pop(key, None)
        if node is not None:
            self._admitted[node].pop(key, None)

    async def _start(self, key: str, pod: Obj, node_name: str) -> None:
        rejected = self._admit(key, pod, node_name)
        if rejected is not None:
            await self._patch_status(pod, {"phase": "Failed", "reason": rejected[0],
                                           "message": rejected[1]})
            return
        ip = self._pod_ip(key, pod, node_name)
        if ip is None:
            return
        now = meta.now()
        spec, md = pod["spec"], pod["metadata"]
        scheduled = next((c for c in (pod.get("status") or {}).get("conditions") or []
                          if c.get("type") == "PodScheduled"), None) or \
            _condition("PodScheduled", True, now)
        host_ip = self._addresses[node_name]

        def container_id(name: str) -> str:
            return f"simulated://{md.get('uid', '')[:13]}-{name}"
        status = {
            "phase": "Running",
            "conditions": [_condition("PodReadyToStartContainers", True, now),
                           _condition("Initialized", True, now),
                           _condition("Ready", True, now),
                           _condition("ContainersReady", True, now), scheduled],
            "hostIP": host_ip, "hostIPs": [{"ip": host_ip}],
            "podIP": ip, "podIPs": [{"ip": ip}], "startTime": now,
            "containerStatuses": [{
                "name": c["name"], "image": c.get("image", ""),
                "imageID": f"simulated://{c.get('image', '')}",
                "containerID": container_id(c["name"]), "ready": True, "started": True,
                "restartCount": 0, "state": {"running": {"startedAt": now}}, "lastState": {},
            } for c in spec.get("containers") or []],
        }
        if spec.get("initContainers"):
            status["initContainerStatuses"] = [{
                "name": c["name"], "image": c.get("image", ""),
                "imageID": f"simulated://{c.get('image', '')}",
                "containerID": container_id(c["name"]), "ready": True, "started": False,
                "restartCount": 0, "lastState": {},
                "state": {"terminated": {"exitCode": 0, "reason": "Completed",
                                         "startedAt": now, "finishedAt": now,
                                         "containerID": container_id(c["name"])}},
            } for c in spec["initContainers"]]
        await self._patch_status(pod, status)

    async def _run(self, key: str, pod: Obj) -> None:
        """Containers that exit (simulate-exit-after) and, as restartPolicy says, restart."""
        annotations = pod["metadata"].get("annotations") or {}
        exit_after = parse_duration(annotations.get(EXIT_AFTER, ""))
        statuses: list[Obj] = (pod.get("status") or {}).get("containerStatuses") or []
        if exit_after is None or not statuses:
            return
        try:
            code = int(annotations.get(EXIT_CODE, "0"))
        except ValueError:
            code = 1
        first = statuses[0]
        now = time.time()
        if "running" in first.get("state", {}):
            due = _epoch(first["state"]["running"].get("startedAt")) + exit_after
            if now < due:
                self.queue.add_after(key, due - now)
                return
            await self._exit(key, pod, statuses, code)
        elif "waiting" in first.get("state", {}):
            finished = _epoch(((first.get("lastState") or {}).get("terminated") or {})
                              .get("finishedAt"))
            due = finished + self._backoff(int(first.get("restartCount") or 0))
            if now < due:
                self.queue.add_after(key, due - now)
                return
            await self._restart(pod, statuses)

    @staticmethod
    def _backoff(restarts: int) -> float:
        return min(BACKOFF * 2 ** restarts, MAX_BACKOFF)

    async def _exit(self, key: str, pod: Obj, statuses: list[Obj], code: int) -> None:
        now = meta.now()
        policy = pod["spec"].get("restartPolicy") or "Always"
        restart = policy == "Always" or (policy == "OnFailure" and code != 0)
        reason = "Completed" if code == 0 else "Error"
        containers = []
        for cs in statuses:
            terminated = {"exitCode": code, "reason": reason, "finishedAt": now,
                          "startedAt": (cs.get("state", {}).get("running") or {})
                          .get("startedAt", now), "containerID": cs.get("containerID", "")}
            if restart:
                md = pod["metadata"]
                delay = int(self._backoff(int(cs.get("restartCount") or 0)))
                containers.append({**cs, "ready": False, "started": False,
                                   "lastState": {"terminated": terminated},
                                   "state": {"waiting": {
                                       "reason": "CrashLoopBackOff",
                                       "message": f"back-off {delay}s restarting failed "
                                                  f"container={cs['name']} pod={md['name']}_"
                                                  f"{md['namespace']}({md.get('uid', '')})"}}})
            else:
                containers.append({**cs, "ready": False, "started": False,
                                   "state": {"terminated": terminated}})
        names = " ".join(c["name"] for c in containers)
        if restart:
            not_ready = ("ContainersNotReady", f"containers with unready status: [{names}]")
            status: Obj = {"containerStatuses": containers, "conditions": self._conditions(
                pod, now, ready=False, reason=not_ready)}
        else:
            status = {"phase": "Succeeded" if code == 0 else "Failed",
                      "containerStatuses": containers,
                      "conditions": self._conditions(pod, now, ready=False,
                                                     reason=("PodCompleted", ""))}
            self._forget(key)
        await self._patch_status(pod, status)

    async def _restart(self, pod: Obj, statuses: list[Obj]) -> None:
        now = meta.now()
        containers = [{**cs, "ready": True, "started": True,
                       "restartCount": int(cs.get("restartCount") or 0) + 1,
                       "state": {"running": {"startedAt": now}}} for cs in statuses]
        await self._patch_status(pod, {"containerStatuses": containers,
                                       "conditions": self._conditions(pod, now, ready=True)})

    @staticmethod
    def _conditions(pod: Obj, now: str, *, ready: bool,
                    reason: tuple[str, str] = ("", "")) -> list[Obj]:
        out = []
        for c in (pod.get("status") or {}).get("conditions") or []:
            if c.get("type") in ("Ready", "ContainersReady"):
                c = _condition(c["type"], ready, now, *reason)
            out.append(c)
        return out

    async def _finish(self, key: str, pod: Obj) -> None:
        """Graceful deletion: stop the containers, then remove the pod for good."""
        md = pod["metadata"]
        grace = float(md.get("deletionGracePeriodSeconds") or 0)
        requested = _epoch(md["deletionTimestamp"]) - grace
        due = requested + min(grace, STOP_TIME)
        now = time.time()
        if now < due:
            self.queue.add_after(key, due - now)
            return
        try:
            await self.client.delete("v1", "pods", md["name"], md["namespace"],
                                     grace_period_seconds=0,
                                     preconditions={"uid": md.get("uid", "")})
        except RequestError as e:
            if not (is_not_found(e) or is_conflict(e)):
                raise
        self._forget(key)

    # Running -----------------------------------------------------------------------

    def _recover(self, pods: Iterable[Obj]) -> None:
        """After a restart: what the pods already running on our nodes hold."""
        for pod in pods:
            node = pod["spec"].get("nodeName")
            status = pod.get("status") or {}
            if node not in self._addresses or not status.get("startTime") or \
                    status.get("phase") in ("Succeeded", "Failed"):
                continue
            key = object_key(pod)
            self._admitted.setdefault(node, {})[key] = pod_requests(pod["spec"])
            self._admitted_on[key] = node
            if status.get("podIP") and not pod["spec"].get("hostNetwork"):
                self._ips.claim(node, key, status["podIP"])

    async def run(self) -> None:
        async with SharedInformerFactory(self.client) as factory:
            self._nodes = factory.informer("v1", "nodes")
            self._pods = factory.informer("v1", "pods", indexers={"node": by_node_name})
            await factory.wait_synced()
            self._recover(self._pods.store.list())
            limit = asyncio.Semaphore(16)

            async def register(name: str) -> None:
                async with limit:
                    await self._register(name)
                    await self._renew_lease(name)
            await asyncio.gather(*(register(n) for n in self.names if not self._stopped(n)))
            log.info("simulated nodes registered: %s", ", ".join(self.names[:5]) +
                     (f" ... ({len(self.names)})" if len(self.names) > 5 else ""))
            self._nodes.add_handlers(on_update=self._on_node_update)
            self._pods.add_handlers(self._enqueue, lambda old, new: self._enqueue(new),
                                    self._on_pod_delete)
            try:
                async with asyncio.TaskGroup() as tg:
                    tg.create_task(self._heartbeats(), name="simulated heartbeats")
                    tg.create_task(run_workers(self.queue, self._sync_pod, workers=8),
                                   name="simulated kubelet")
            finally:
                self.queue.shutdown()


def simulated_nodes(config: SimulatedNodeConfig) -> Callable[[APIClient], Awaitable[None]]:
    """A control-plane `Component` running `config.count` simulated nodes."""

    async def run(client: APIClient) -> None:
        await SimulatedNodes(client, config).run()
    return run



def add_flags(server: argparse.ArgumentParser, agent: argparse.ArgumentParser) -> None:
    """`pyk8s server --simulated-nodes N` and `pyk8s agent --simulate --nodes N`, with the
    capacity flags both share (labels and taints come from the agent's --node-labels and
    --node-taints)."""
    server.add_argument("--simulated-nodes", type=int, default=0, metavar="N",
                        help="also run N simulated nodes (kubelets without containers)")
    agent.add_argument("--simulate", action="store_true",
                       help="run simulated nodes (kubelets without containers) instead")
    agent.add_argument("--nodes", type=int, default=1, help="with --simulate: how many")
    for p in (server, agent):
        p.add_argument("--node-name-prefix", default="sim-node-",
                       help="simulated nodes are named PREFIX0, PREFIX1, ...")
        p.add_argument("--node-cpu", default="4", help="each simulated node's cpu capacity")
        p.add_argument("--node-memory", default="16Gi", help="each simulated node's memory")
        p.add_argument("--max-pods", type=int, default=110, help="pods per simulated node")


def config_from_args(args: argparse.Namespace, count: int) -> SimulatedNodeConfig:
    return SimulatedNodeConfig(
        count=count, name_prefix=args.node_name_prefix, cpu=args.node_cpu,
        memory=args.node_memory, max_pods=args.max_pods,
        labels=parse_labels(args.node_labels), taints=parse_taints(args.node_taints))


def components(args: argparse.Namespace) -> dict[str, Callable[[APIClient], Awaitable[None]]]:
    """The server's simulated nodes, if `--simulated-nodes N` asks for any."""
    if args.simulated_nodes <= 0:
        return {}
    return {"simulated-nodes": simulated_nodes(config_from_args(args, args.simulated_nodes))}


def run_agent(args: argparse.Namespace) -> int:
    """`pyk8s agent --simulate`: simulated nodes joining the server at --server with --token.

    As the real agent's first join, the token is the shared secret and the
    server's certificate is not checked against a CA.
    """
    import signal

    import uvloop

    from pyk8s.client import ClientConfig

    config = ClientConfig(server=args.server.rstrip("/"), token=args.token,
                          insecure_skip_tls_verify=True)
    nodes = config_from_args(args, args.nodes)

    async def main() -> None:
        async with APIClient(config, user_agent="pyk8s-agent-simulated") as client:
            task = asyncio.create_task(SimulatedNodes(client, nodes).run())
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, task.cancel)
            with contextlib.suppress(asyncio.CancelledError):
                await task

    uvloop.run(main())
    return 0
