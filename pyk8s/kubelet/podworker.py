"""`PodWorker`: one per pod on this node, making the runtime match the pod.

Each worker is an asyncio task that runs `sync()` whenever it is woken (the
pod changed in the informer, the runtime relist saw one of its containers
change, a probe result changed) and at the latest every few seconds or when
a back-off expires. `sync()` is level-triggered: it looks at the pod and at
what CRI shows for the pod's UID, and takes the next steps:

1. deleted (deletionTimestamp): preStop hooks, stop every container with the
   grace period (SIGTERM, then SIGKILL from the runtime), remove the sandbox,
   unmount the volumes, then delete the pod object (grace 0, UID
   precondition) so it is gone from the API;
2. no ready sandbox: set up volumes, RunPodSandbox (hostname, DNS, port
   mappings, cgroup parent by QoS class, host network, sysctls); containers
   get the pod's /etc/hosts (its IP and hostname, hostAliases) and a
   termination-log file;
3. init containers one at a time, in order, each to exit 0;
4. app containers: start the missing ones, restart exited ones when the
   restart policy says so, after Kubernetes' back-off (none for the first
   restart, then 10 s doubling to 5 min: CrashLoopBackOff meanwhile);
5. compute the status (`status.py`) and patch `pods/status` when it changed;
6. a pod whose phase became Succeeded or Failed has its sandbox stopped;
   one past its activeDeadlineSeconds has its containers stopped and is
   Failed with reason DeadlineExceeded.

The CRI attempt number of a container is its restartCount; the newest
exited attempt of each container is kept (for `lastState` and `kubectl logs
--previous`), older ones are removed. Everything is derived from CRI and
the pod again on every sync, so a restarted kubelet adopts running pods
without restarting any container.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grpc.aio

from pyk8s.client import NORMAL, WARNING
from pyk8s.client.rest import is_not_found
from pyk8s.kubelet import cri as labels
from pyk8s.kubelet import status as st
from pyk8s.kubelet.cri import pb
from pyk8s.kubelet.downward import quantity
from pyk8s.kubelet.envvars import ConfigError, ObjectSource, environment, expand
from pyk8s.kubelet.hooks import run_handler
from pyk8s.kubelet.images import ImagePullError
from pyk8s.kubelet.logs import LogReader
from pyk8s.kubelet.status import ContainerRecord, Waiting
from pyk8s.kubelet.volumes import PodVolumes

if TYPE_CHECKING:
    from pyk8s.kubelet.kubelet import Kubelet

log = logging.getLogger(__name__)

Obj = dict[str, Any]
RESYNC = 10.0
RETRY = 2.0  # containers that could not be created are tried again this often
MAX_MESSAGE = 4096  # bytes of a termination message, as Kubernetes keeps
FALLBACK_LOG_BYTES = 2048
DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"
CLUSTER_DNS = "10.43.0.10"
CLUSTER_DOMAIN = "cluster.local"
PROTOCOLS = {"TCP": pb.TCP, "UDP": pb.UDP, "SCTP": pb.SCTP}


def restart_delay(attempt: int) -> float:
    """Seconds to wait before starting attempt `attempt + 1` of a container."""
    return 0.0 if attempt == 0 else min(10.0 * 2 ** (attempt - 1), 300.0)


def go_duration(seconds: float) -> str:
    """10s, 1m20s, 5m0s: how Go prints a time.Duration of whole seconds."""
    s = int(seconds)
    return f"{s}s" if s < 60 else f"{s // 60}m{s % 60}s"


def cgroup_parent(pod: Obj) -> str:
    qos = st.qos_class(pod)
    uid = pod["metadata"]["uid"]
    return f"/pyk8s/pod{uid}" if qos == "Guaranteed" else f"/pyk8s/{qos.lower()}/pod{uid}"


def _milli_cpu(value: Any) -> int:
    return int(quantity(value) * 1000)


def linux_resources(container: Obj) -> Any:
    res = container.get("resources") or {}
    req, lim = res.get("requests") or {}, res.get("limits") or {}
    cpu_request = req.get("cpu", lim.get("cpu"))
    shares = max(2, _milli_cpu(cpu_request) * 1024 // 1000) if cpu_request else 2
    out = pb.LinuxContainerResources(cpu_shares=shares)
    if "cpu" in lim:
        out.cpu_period = 100000
        out.cpu_quota = max(1000, _milli_cpu(lim["cpu"]) * 100)
    if "memory" in lim:
        out.memory_limit_in_bytes = int(quantity(lim["memory"]))
    return out


def dns_config(pod: Obj) -> Any:
    spec = pod["spec"]
    policy = spec.get("dnsPolicy", "ClusterFirst")
    if policy == "ClusterFirstWithHostNet" or (policy == "ClusterFirst"
                                              and not spec.get("hostNetwork")):
        ns = pod["metadata"]["namespace"]
        servers = [CLUSTER_DNS]
        searches = [f"{ns}.svc.{CLUSTER_DOMAIN}", f"svc.{CLUSTER_DOMAIN}", CLUSTER_DOMAIN]
        options = ["ndots:5"]
    elif policy == "None":
        servers, searches, options = [], [], []
    else:  # Default, or ClusterFirst with hostNetwork: the node's resolv.conf
        servers, searches, options = _host_resolv()
    extra = spec.get("dnsConfig") or {}
    servers += [s for s in extra.get("nameservers") or [] if s not in servers]
    searches += [s for s in extra.get("searches") or [] if s not in searches]
    for o in extra.get("options") or []:
        text = o["name"] + (f":{o['value']}" if o.get("value") else "")
        options = [x for x in options if x.split(":")[0] != o["name"]] + [text]
    return pb.DNSConfig(servers=servers, searches=searches, options=options)


def _host_resolv() -> tuple[list[str], list[str], list[str]]:
    servers: list[str] = []
    searches: list[str] = []
    options: list[str] = []
    with contextlib.suppress(OSError):
        for line in Path("/etc/resolv.conf").read_text().splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0] == "nameserver":
                servers.append(parts[1])
            elif parts and parts[0] in ("search", "domain"):
                searches = parts[1:]
            elif parts and parts[0] == "options":
                options += parts[1:]
    return servers, searches, options


class PodWorker:
    def __init__(self, kubelet: Kubelet, pod: Obj) -> None:
        self.kubelet = kubelet
        self.pod = pod
        self.uid: str = pod["metadata"]["uid"]
        self.wake = asyncio.Event()
        self.waiting: dict[str, Waiting] = {}
        self.volumes = PodVolumes(kubelet.pods_dir, pod)
        self.sandbox_id = ""
        self.pod_ip = ""
        self.start_time: str | None = (pod.get("status") or {}).get("startTime")
        self.last_status: Obj | None = None
        self.deadline_exceeded = False
        self.done = False
        self.task: asyncio.Task[None] | None = None

    @property
    def key(self) -> str:
        md = self.pod["metadata"]
        return f"{md['namespace']}/{md['name']}"

    def update(self, pod: Obj) -> None:
        self.pod = pod
        self.volumes.pod = pod
        self.wake.set()

    def start(self) -> None:
        self.task = asyncio.create_task(self._run(), name=f"pod {self.key}")

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task

    async def _run(self) -> None:
        while not self.done:
            self.wake.clear()
            delay = RESYNC
            try:
                delay = await self.sync()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("syncing pod %s failed", self.key)
                delay = 2.0
            if self.done:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=delay)
        self.kubelet.forget(self.uid)

    # The runtime's view ---------------------------------------------------------

    async def _sandboxes(self) -> list[Any]:
        reply = await self.kubelet.cri.runtime.ListPodSandbox(pb.ListPodSandboxRequest(
            filter=pb.PodSandboxFilter(label_selector={labels.POD_UID: self.uid})))
        return sorted(reply.items, key=lambda s: s.created_at)

    async def records(self) -> dict[str, list[ContainerRecord]]:
        """CRI containers of this pod by name, newest attempt first."""
        reply = await self.kubelet.cri.runtime.ListContainers(pb.ListContainersRequest(
            filter=pb.ContainerFilter(label_selector={labels.POD_UID: self.uid})))
        by_name: dict[str, list[ContainerRecord]] = {}
        for c in reply.containers:
            rec = await self.kubelet.container_record(c.id)
            if rec is not None:
                by_name.setdefault(rec.name, []).append(rec)
        for recs in by_name.values():
            recs.sort(key=lambda r: (r.attempt, r.created_at), reverse=True)
        return by_name

    # Sync -------------------------------------------------------------------------

    async def sync(self) -> float:
        pod = self.pod
        if pod["metadata"].get("deletionTimestamp"):
            await self.terminate()
            return RESYNC
        phase = (pod.get("status") or {}).get("phase")
        sandboxes = await self._sandboxes()
        ready = [s for s in sandboxes if s.state == pb.SANDBOX_READY]
        records = await self.records()
        if phase in ("Succeeded", "Failed"):
            for s in ready:
                await self._stop_sandbox(s.id)
            return 60.0
        next_wake = RESYNC
        if ready:
            if not self.sandbox_id or self.sandbox_id != ready[-1].id:
                self.sandbox_id = ready[-1].id
                self.pod_ip = await self._sandbox_ip(self.sandbox_id)
        elif not self._finished(records):
            for s in sandboxes:  # a sandbox that died takes its containers with it
                await self._stop_sandbox(s.id)
            await self._run_sandbox(attempt=len(sandboxes))
            records = await self.records()
            if not self.sandbox_id:  # a volume could not be set up yet: try again soon
                next_wake = RETRY
        if self.sandbox_id and self.start_time is None:
            self.start_time = st.now()
        left = self._deadline_left()
        if left is not None and left <= 0 and not self.deadline_exceeded:
            self.deadline_exceeded = True
            self.kubelet.events.event(pod, WARNING, "DeadlineExceeded", DEADLINE_MESSAGE)
            await self._stop_containers(records, int(pod["spec"].get(
                "terminationGracePeriodSeconds", 30)))
            records = await self.records()
        elif self.sandbox_id:
            if left is not None:
                next_wake = min(next_wake, left)
            next_wake = min(next_wake, await self._sync_containers(records))
            records = await self.records()
        await self._report(records)
        if self.last_status and self.last_status["phase"] in ("Succeeded", "Failed"):
            for s in await self._sandboxes():
                if s.state == pb.SANDBOX_READY:
                    await self._stop_sandbox(s.id)
        return next_wake

    def _deadline_left(self) -> float | None:
        """Seconds until spec.activeDeadlineSeconds runs out, counted from startTime."""
        deadline = self.pod["spec"].get("activeDeadlineSeconds")
        if deadline is None or not self.start_time:
            return None
        started = datetime.datetime.fromisoformat(self.start_time.replace("Z", "+00:00"))
        return started.timestamp() + int(deadline) - time.time()

    async def _stop_containers(self, records: dict[str, list[ContainerRecord]],
                               grace: int) -> None:
        running = [recs[0] for recs in records.values() if recs[0].state == st.RUNNING]
        await asyncio.gather(*(self.kubelet.cri.runtime.StopContainer(
            pb.StopContainerRequest(container_id=r.id, timeout=grace), timeout=grace + 30)
            for r in running), return_exceptions=True)

    def _finished(self, records: dict[str, list[ContainerRecord]]) -> bool:
        """Every container ran and will not be restarted (the pod is terminal)."""
        policy = self.pod["spec"].get("restartPolicy", "Always")
        if policy == "Always":
            return False
        for c in self.pod["spec"]["containers"]:
            recs = records.get(c["name"])
            if not recs or recs[0].state != st.EXITED or \
                    st.should_restart(policy, recs[0].exit_code):
                return False
        return True

    async def _sandbox_ip(self, sandbox_id: str) -> str:
        if self.pod["spec"].get("hostNetwork"):
            return self.kubelet.node_ip
        reply = await self.kubelet.cri.runtime.PodSandboxStatus(
            pb.PodSandboxStatusRequest(pod_sandbox_id=sandbox_id))
        return str(reply.status.network.ip)

    def sandbox_config(self, attempt: int) -> Any:
        pod = self.pod
        md, spec = pod["metadata"], pod["spec"]
        # A host-network pod has the node's UTS namespace and so its hostname.
        hostname = "" if spec.get("hostNetwork") else (spec.get("hostname") or md["name"])
        ports = [pb.PortMapping(protocol=PROTOCOLS.get(p.get("protocol", "TCP"), pb.TCP),
                                container_port=p["containerPort"], host_port=p["hostPort"],
                                host_ip=p.get("hostIP", ""))
                 for c in spec["containers"] for p in c.get("ports") or [] if p.get("hostPort")]
        ns_options = pb.NamespaceOption(
            network=pb.NODE if spec.get("hostNetwork") else pb.POD,
            pid=pb.POD if spec.get("shareProcessNamespace") else pb.CONTAINER,
            ipc=pb.NODE if spec.get("hostIPC") else pb.POD)
        if spec.get("hostPID"):
            ns_options.pid = pb.NODE
        return pb.PodSandboxConfig(
            metadata=pb.PodSandboxMetadata(name=md["name"], namespace=md["namespace"],
                                           uid=self.uid, attempt=attempt),
            hostname=hostname[:63],
            log_directory=str(self.log_dir),
            dns_config=dns_config(pod),
            port_mappings=ports,
            labels={labels.POD_UID: self.uid, labels.POD_NAME: md["name"],
                    labels.POD_NAMESPACE: md["namespace"]},
            annotations={k: str(v) for k, v in (md.get("annotations") or {}).items()},
            linux=pb.LinuxPodSandboxConfig(
                cgroup_parent=cgroup_parent(pod),
                sysctls={x["name"]: str(x["value"]) for x in
                         (spec.get("securityContext") or {}).get("sysctls") or []},
                security_context=pb.LinuxSandboxSecurityContext(namespace_options=ns_options)),
        )

    @property
    def log_dir(self) -> Path:
        md = self.pod["metadata"]
        return self.kubelet.logs_dir / f"{md['namespace']}_{md['name']}_{self.uid}"

    async def _run_sandbox(self, attempt: int) -> None:
        source = ObjectSource(self.kubelet.client, self.pod["metadata"]["namespace"])
        try:
            await self.volumes.setup(source, pod_ip="", host_ip=self.kubelet.node_ip)
        except ConfigError as e:
            self.kubelet.events.event(self.pod, WARNING, "FailedMount",
                                      f"MountVolume.SetUp failed: {e}")
            self.sandbox_id = ""
            return
        self.log_dir.mkdir(parents=True, exist_ok=True)
        config = self.sandbox_config(attempt)
        try:
            reply = await self.kubelet.cri.runtime.RunPodSandbox(
                pb.RunPodSandboxRequest(config=config))
        except grpc.aio.AioRpcError as e:
            message = f"Failed to create pod sandbox: {_grpc_message(e)}"
            self.kubelet.events.event(self.pod, WARNING, "FailedCreatePodSandBox", message)
            log.warning("pod %s: %s", self.key, message)
            return
        self.sandbox_id = reply.pod_sandbox_id
        self.pod_ip = await self._sandbox_ip(self.sandbox_id)

    async def _sync_containers(self, records: dict[str, list[ContainerRecord]]) -> float:
        """Start or restart what should run; returns when to look again."""
        spec = self.pod["spec"]
        policy = spec.get("restartPolicy", "Always")
        next_wake = RESYNC
        for c in spec.get("initContainers") or []:
            recs = records.get(c["name"], [])
            cur = recs[0] if recs else None
            if cur is None:
                await self._start(c, 0, recs)
                return 1.0
            if cur.state != st.EXITED:
                return RESYNC
            if cur.exit_code == 0:
                continue
            if policy == "Never":
                return RESYNC
            return await self._maybe_restart(c, cur, recs)
        for c in spec["containers"]:
            recs = records.get(c["name"], [])
            cur = recs[0] if recs else None
            if cur is None:
                await self._start(c, 0, recs)
            elif cur.state == st.EXITED and st.should_restart(policy, cur.exit_code):
                next_wake = min(next_wake, await self._maybe_restart(c, cur, recs))
            elif cur.state == st.CREATED:
                with contextlib.suppress(Exception):
                    await self.kubelet.cri.runtime.StartContainer(
                        pb.StartContainerRequest(container_id=cur.id))
        if self.waiting.keys() & {c["name"] for c in spec["containers"]} - {
                n for n, w in self.waiting.items() if w.reason == "CrashLoopBackOff"}:
            # A missing ConfigMap or image may appear any moment (image pulls
            # keep their own back-off).
            next_wake = min(next_wake, RETRY)
        return next_wake

    async def _maybe_restart(self, c: Obj, cur: ContainerRecord,
                             recs: list[ContainerRecord]) -> float:
        delay = restart_delay(cur.attempt)
        due = cur.finished_at / 1e9 + delay
        left = due - time.time()
        if left > 0:
            md = self.pod["metadata"]
            self.waiting[c["name"]] = Waiting(
                "CrashLoopBackOff",
                f"back-off {go_duration(delay)}"
                f" restarting failed container={c['name']} pod={md['name']}_{md['namespace']}"
                f"({self.uid})")
            if self.kubelet.events:
                self.kubelet.events.event(self.pod, WARNING, "BackOff",
                                          "Back-off restarting failed container "
                                          f"{c['name']} in pod {md['name']}_{md['namespace']}"
                                          f"({self.uid})")
            return left
        await self._start(c, cur.attempt + 1, recs)
        return RESYNC

    async def _start(self, c: Obj, attempt: int, recs: list[ContainerRecord]) -> None:
        name = c["name"]
        k = self.kubelet
        source = ObjectSource(k.client, self.pod["metadata"]["namespace"])
        try:
            image_ref = await k.images.ensure(self.pod, c)
        except ImagePullError as e:
            self.waiting[name] = Waiting(e.reason, e.message)
            return
        try:
            env = await environment(self.pod, c, source, pod_ip=self.pod_ip,
                                    host_ip=k.node_ip)
            mounts = self.volumes.mounts(c)
            mounts.append(pb.Mount(
                container_path=c.get("terminationMessagePath") or "/dev/termination-log",
                host_path=str(self._termination_log(name, attempt, create=True))))
            hosts = self._etc_hosts()
            if hosts is not None and not any(m.container_path == "/etc/hosts" for m in mounts):
                mounts.append(pb.Mount(container_path="/etc/hosts", host_path=str(hosts)))
        except ConfigError as e:
            self.waiting[name] = Waiting("CreateContainerConfigError", str(e))
            k.events.event(self.pod, WARNING, "Failed", f"Error: {e}")
            return
        sc = c.get("securityContext") or {}
        psc = self.pod["spec"].get("securityContext") or {}
        security = pb.LinuxContainerSecurityContext(
            privileged=bool(sc.get("privileged")),
            readonly_rootfs=bool(sc.get("readOnlyRootFilesystem")),
            namespace_options=self.sandbox_config(0).linux.security_context.namespace_options)
        for field in ("runAsUser", "runAsGroup"):
            value = sc.get(field, psc.get(field))
            if value is not None:
                target = security.run_as_user if field == "runAsUser" else security.run_as_group
                target.value = int(value)
        groups = [*([psc["fsGroup"]] if "fsGroup" in psc else []),
                  *(psc.get("supplementalGroups") or [])]
        security.supplemental_groups.extend(int(g) for g in groups)
        caps = sc.get("capabilities") or {}
        if caps:
            security.capabilities.add_capabilities.extend(caps.get("add") or [])
            security.capabilities.drop_capabilities.extend(caps.get("drop") or [])
        config = pb.ContainerConfig(
            metadata=pb.ContainerMetadata(name=name, attempt=attempt),
            image=pb.ImageSpec(image=image_ref),
            command=[expand(x, env) for x in c.get("command") or []],
            args=[expand(x, env) for x in c.get("args") or []],
            working_dir=c.get("workingDir", ""),
            envs=[pb.KeyValue(key=k_, value=v) for k_, v in env.items()],
            mounts=mounts,
            labels={labels.POD_UID: self.uid, labels.CONTAINER_NAME: name,
                    labels.POD_NAME: self.pod["metadata"]["name"],
                    labels.POD_NAMESPACE: self.pod["metadata"]["namespace"]},
            annotations={labels.RESTART_COUNT: str(attempt)},
            log_path=f"{name}/{attempt}.log",
            stdin=bool(c.get("stdin")), stdin_once=bool(c.get("stdinOnce")),
            tty=bool(c.get("tty")),
            linux=pb.LinuxContainerConfig(resources=linux_resources(c),
                                          security_context=security),
        )
        if not self.sandbox_id:
            return
        try:
            reply = await k.cri.runtime.CreateContainer(pb.CreateContainerRequest(
                pod_sandbox_id=self.sandbox_id, config=config,
                sandbox_config=self.sandbox_config(0)))
        except Exception as e:
            self.waiting[name] = Waiting("CreateContainerError", _grpc_message(e))
            k.events.event(self.pod, WARNING, "Failed", f"Error: {_grpc_message(e)}")
            return
        k.events.event(self.pod, NORMAL, "Created", f"Created container {name}")
        try:
            await k.cri.runtime.StartContainer(
                pb.StartContainerRequest(container_id=reply.container_id))
        except Exception as e:
            self.waiting.pop(name, None)
            k.events.event(self.pod, WARNING, "Failed", f"Error: {_grpc_message(e)}")
            return
        self.waiting.pop(name, None)
        k.events.event(self.pod, NORMAL, "Started", f"Started container {name}")
        for old in recs[1:]:  # keep only the newest exited attempt
            with contextlib.suppress(Exception):
                await k.cri.runtime.RemoveContainer(pb.RemoveContainerRequest(
                    container_id=old.id))
        post_start = (c.get("lifecycle") or {}).get("postStart")
        if post_start:
            error = await run_handler(k, reply.container_id, self.pod_ip, post_start)
            if error:
                k.events.event(self.pod, WARNING, "FailedPostStartHook", error)
                await k.cri.runtime.StopContainer(pb.StopContainerRequest(
                    container_id=reply.container_id, timeout=2))
        k.probes.container_started(self, c, reply.container_id)

    def _etc_hosts(self) -> Path | None:
        """The pod's /etc/hosts, as the kubelet writes it: localhost, the pod's own
        IP and hostname, then hostAliases (host-network pods keep the node's)."""
        spec = self.pod["spec"]
        if spec.get("hostNetwork") or not self.pod_ip:
            return None
        md = self.pod["metadata"]
        hostname = spec.get("hostname") or md["name"]
        fqdn = (f"{hostname}.{spec['subdomain']}.{md['namespace']}.svc.{CLUSTER_DOMAIN}"
                if spec.get("subdomain") else "")
        lines = ["# Kubernetes-managed hosts file.", "127.0.0.1\tlocalhost",
                 "::1\tlocalhost ip6-localhost ip6-loopback", "fe00::0\tip6-localnet",
                 "fe00::0\tip6-mcastprefix", "fe00::1\tip6-allnodes",
                 "fe00::2\tip6-allrouters",
                 f"{self.pod_ip}\t{fqdn + chr(9) if fqdn else ''}{hostname}"]
        aliases = spec.get("hostAliases") or []
        if aliases:
            lines.append("\n# Entries added by HostAliases.")
            lines += [f"{a['ip']}\t{chr(9).join(a.get('hostnames') or [])}" for a in aliases]
        path = self.volumes.dir / "etc-hosts"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n")
        return path

    def _termination_log(self, name: str, attempt: int, *, create: bool = False) -> Path:
        path = self.volumes.dir / "containers" / name / f"{attempt}-termination-log"
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o666)
        return path

    def _termination_message(self, c: Obj, rec: ContainerRecord) -> None:
        """The message of a terminated container: its termination-log file or, with
        FallbackToLogsOnError after a failure, the end of its log (as Kubernetes)."""
        if rec.state != st.EXITED or rec.message:
            return
        with contextlib.suppress(OSError):
            rec.message = self._termination_log(rec.name, rec.attempt).read_bytes()[
                :MAX_MESSAGE].decode(errors="replace")
        if not rec.message and rec.exit_code != 0 and \
                c.get("terminationMessagePolicy") == "FallbackToLogsOnError":
            with contextlib.suppress(OSError):
                raw = (self.log_dir / rec.name / f"{rec.attempt}.log").read_bytes()
                lines = LogReader(timestamps=False, since=None).feed(raw)[-80:]
                rec.message = b"".join(lines)[-FALLBACK_LOG_BYTES:].decode(errors="replace")

    # Status ----------------------------------------------------------------------

    def compute_status(self, records: dict[str, list[ContainerRecord]]) -> Obj:
        pod = self.pod
        spec = pod["spec"]
        old = pod.get("status") or {}
        old_conditions = old.get("conditions") or []
        k = self.kubelet

        def one(c: Obj, init: bool) -> Obj:
            recs = records.get(c["name"], [])
            cur = recs[0] if recs else None
            prev = recs[1] if len(recs) > 1 else None
            waiting = self.waiting.get(c["name"])
            if cur is not None and cur.state == st.RUNNING:
                waiting = None
            elif cur is None and waiting is None:
                waiting = Waiting("PodInitializing" if init or not self._init_done(records)
                                  else "ContainerCreating")
            if cur is not None and cur.state == st.EXITED and waiting is not None and \
                    waiting.reason in ("CreateContainerConfigError", "ErrImagePull",
                                       "ImagePullBackOff", "CreateContainerError"):
                prev = cur
            for rec in (cur, prev):
                if rec is not None:
                    self._termination_message(c, rec)
            cid = cur.id if cur is not None else ""
            ready = k.probes.ready(self.uid, c, cid)
            started = k.probes.started(self.uid, c, cid)
            return st.container_status(c, cur, prev, waiting, ready=ready, started=started,
                                       init=init)

        init_statuses = [one(c, True) for c in spec.get("initContainers") or []]
        statuses = [one(c, False) for c in spec["containers"]]
        initialized = all("terminated" in s["state"] and
                          s["state"]["terminated"]["exitCode"] == 0 for s in init_statuses)
        sandbox_ready = bool(self.sandbox_id)
        phase = st.phase(pod, init_statuses, statuses, sandbox_ready)
        containers_ready = all(s["ready"] for s in statuses) and phase == "Running"
        conditions = [
            st.condition("PodReadyToStartContainers", sandbox_ready and phase not in (
                "Succeeded", "Failed"), old_conditions),
            st.condition("Initialized", initialized, old_conditions,
                         "ContainersNotInitialized"),
            st.condition("Ready", containers_ready, old_conditions,
                         "PodCompleted" if phase in ("Succeeded", "Failed")
                         else "ContainersNotReady"),
            st.condition("ContainersReady", containers_ready, old_conditions,
                         "PodCompleted" if phase in ("Succeeded", "Failed")
                         else "ContainersNotReady"),
        ]
        for cond in conditions:
            if cond["status"] == "False" and cond.get("reason") == "ContainersNotReady":
                names = [s["name"] for s in statuses if not s["ready"]]
                cond["message"] = f"containers with unready status: [{' '.join(names)}]"
            elif cond["status"] == "False" and cond.get("reason") == "ContainersNotInitialized":
                names = [s["name"] for s in init_statuses
                         if "terminated" not in s["state"]
                         or s["state"]["terminated"]["exitCode"] != 0]
                cond["message"] = f"containers with incomplete status: [{' '.join(names)}]"
        conditions += [c for c in old_conditions if c.get("type") not in
                       {x["type"] for x in conditions}]
        status: Obj = {
            "phase": phase,
            "conditions": conditions,
            "hostIP": k.node_ip, "hostIPs": [{"ip": k.node_ip}],
            "startTime": self.start_time,
            "qosClass": st.qos_class(pod),
            "containerStatuses": statuses,
        }
        if init_statuses:
            status["initContainerStatuses"] = init_statuses
        if self.deadline_exceeded:
            status.update(phase="Failed", reason="DeadlineExceeded", message=DEADLINE_MESSAGE)
        if self.pod_ip and phase not in ("Succeeded", "Failed"):
            status["podIP"] = self.pod_ip
            status["podIPs"] = [{"ip": self.pod_ip}]
        elif old.get("podIP"):
            status["podIP"] = old["podIP"]
            status["podIPs"] = old.get("podIPs") or [{"ip": old["podIP"]}]
        return status

    def _init_done(self, records: dict[str, list[ContainerRecord]]) -> bool:
        for c in self.pod["spec"].get("initContainers") or []:
            recs = records.get(c["name"])
            if not recs or recs[0].state != st.EXITED or recs[0].exit_code != 0:
                return False
        return True

    async def _report(self, records: dict[str, list[ContainerRecord]]) -> None:
        status = self.compute_status(records)
        if status == self.last_status:
            return
        md = self.pod["metadata"]
        try:
            updated = await self.kubelet.client.patch(
                "v1", "pods", md["name"], {"status": status}, md["namespace"],
                subresource="status")
        except Exception as e:
            if is_not_found(e):
                return
            raise
        self.last_status = status
        if updated["metadata"]["uid"] == self.uid:
            self.pod = updated
            self.volumes.pod = updated

    # Termination -----------------------------------------------------------------

    async def terminate(self) -> None:
        """Graceful deletion: preStop, SIGTERM, grace period, SIGKILL, then remove."""
        pod = self.pod
        md = pod["metadata"]
        grace = md.get("deletionGracePeriodSeconds")
        if grace is None:
            grace = pod["spec"].get("terminationGracePeriodSeconds", 30)
        k = self.kubelet
        k.probes.forget_pod(self.uid)
        records = await self.records()
        running = [(c, records[c["name"]][0]) for c in
                   [*(pod["spec"].get("initContainers") or []), *pod["spec"]["containers"]]
                   if records.get(c["name"]) and records[c["name"]][0].state == st.RUNNING]
        deadline = time.monotonic() + grace

        async def stop(c: Obj, rec: ContainerRecord) -> None:
            pre_stop = (c.get("lifecycle") or {}).get("preStop")
            if pre_stop and grace > 0:
                with contextlib.suppress(TimeoutError):
                    error = await asyncio.wait_for(
                        run_handler(k, rec.id, self.pod_ip, pre_stop), timeout=grace)
                    if error:
                        k.events.event(pod, WARNING, "FailedPreStopHook", error)
            k.events.event(pod, NORMAL, "Killing", f"Stopping container {c['name']}")
            left = max(0, int(deadline - time.monotonic() + 0.999))
            with contextlib.suppress(Exception):
                await k.cri.runtime.StopContainer(
                    pb.StopContainerRequest(container_id=rec.id, timeout=left),
                    timeout=left + 30)

        await asyncio.gather(*(stop(c, rec) for c, rec in running))
        records = await self.records()
        with contextlib.suppress(Exception):
            await self._report(records)
        for s in await self._sandboxes():
            await self._stop_sandbox(s.id)
            await k.cri.runtime.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=s.id))
        self.volumes.teardown()
        k.remove_cgroups(pod)
        try:
            await k.client.delete("v1", "pods", md["name"], md["namespace"],
                                  grace_period_seconds=0, preconditions={"uid": self.uid})
        except Exception as e:
            if not is_not_found(e) and "Precondition" not in str(e) and "409" not in str(e):
                raise
        self.done = True

    async def _stop_sandbox(self, sandbox_id: str) -> None:
        try:
            await self.kubelet.cri.runtime.StopPodSandbox(
                pb.StopPodSandboxRequest(pod_sandbox_id=sandbox_id))
        except Exception as e:
            if not labels.is_not_found(e):
                raise
        if sandbox_id == self.sandbox_id:
            self.sandbox_id = ""


def _grpc_message(e: BaseException) -> str:
    details = getattr(e, "details", None)
    if callable(details):
        return str(details())
    return str(e)
