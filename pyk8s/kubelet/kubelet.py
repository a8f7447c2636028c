"""`Kubelet`: the pods bound to this node, run through CRI.

What flows in: the pods whose `spec.nodeName` is this node (an informer with
that field selector) and the runtime's containers (a relist of CRI every
second, Kubernetes' PLEG). What flows out: containers in containerd, pod
status patches, Events.

- Each pod UID gets a `PodWorker` (podworker.py) that owns everything about
  that pod; the informer's events and the relist only wake workers, so a
  slow pod never holds up another.
- A pod removed from the API without a graceful deletion (force delete) is
  stopped with the 2 s minimum grace period.
- After the informer's first list, sandboxes and volume dirs whose pod UID
  is not among the node's pods are leftovers from pods deleted while the
  kubelet was down: they are stopped and removed.
- ConfigMap, Secret and downward-API volumes are refreshed every few seconds,
  so object updates reach running containers.

`container_record()` caches ContainerStatus for exited containers (they do
not change any more); running ones are asked for again each time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from pathlib import Path
from typing import Any

from pyk8s.client import APIClient, EventRecorder, Informer
from pyk8s.kubelet import cri as labels
from pyk8s.kubelet import status as st
from pyk8s.kubelet.cri import CRI, pb
from pyk8s.kubelet.envvars import ObjectSource
from pyk8s.kubelet.images import ImageManager
from pyk8s.kubelet.podworker import PodWorker, cgroup_parent
from pyk8s.kubelet.probes import ProbeManager
from pyk8s.kubelet.volumes import PROJECTED, PodVolumes

log = logging.getLogger(__name__)
Obj = dict[str, Any]
RELIST_PERIOD = 1.0
VOLUME_REFRESH_PERIOD = 5.0
MINIMUM_GRACE = 2

_STATES = {pb.CONTAINER_RUNNING: st.RUNNING, pb.CONTAINER_EXITED: st.EXITED,
           pb.CONTAINER_CREATED: st.CREATED, pb.CONTAINER_UNKNOWN: st.EXITED}


class Kubelet:
    def __init__(self, client: APIClient, cri: CRI, events: EventRecorder, *,
                 node_name: str, node_ip: str, agent_dir: Path) -> None:
        self.client = client
        self.cri = cri
        self.events = events
        self.node_name = node_name
        self.node_ip = node_ip
        self.pods_dir = agent_dir / "pods"
        self.logs_dir = agent_dir / "logs"
        self.images = ImageManager(self)
        self.probes = ProbeManager(self)
        self.workers: dict[str, PodWorker] = {}
        self._exited: dict[str, st.ContainerRecord] = {}
        self.informer = Informer(client, "v1", "pods",
                                 field_selector=f"spec.nodeName={node_name}")

    # Runtime state --------------------------------------------------------------

    async def container_record(self, container_id: str, *, fresh: bool = False
                               ) -> st.ContainerRecord | None:
        if not fresh and container_id in self._exited:
            return self._exited[container_id]
        try:
            reply = await self.cri.runtime.ContainerStatus(
                pb.ContainerStatusRequest(container_id=container_id))
        except Exception as e:
            if labels.is_not_found(e):
                self._exited.pop(container_id, None)
                return None
            raise
        s = reply.status
        rec = st.ContainerRecord(
            id=s.id, name=s.metadata.name, attempt=s.metadata.attempt,
            state=_STATES.get(s.state, st.EXITED), created_at=s.created_at,
            started_at=s.started_at, finished_at=s.finished_at, exit_code=s.exit_code,
            reason=s.reason, message=s.message, image=s.image.image, image_ref=s.image_ref)
        if rec.state == st.EXITED:
            self._exited[container_id] = rec
        return rec

    def remove_cgroups(self, pod: Obj) -> None:
        parent = cgroup_parent(pod).lstrip("/")
        root = Path("/sys/fs/cgroup")
        for hierarchy in [root, *root.iterdir()] if root.exists() else []:
            with contextlib.suppress(OSError):
                (hierarchy / parent).rmdir()

    # Pods -----------------------------------------------------------------------

    def _dispatch(self, pod: Obj) -> None:
        uid = pod["metadata"]["uid"]
        worker = self.workers.get(uid)
        if worker is None:
            worker = self.workers[uid] = PodWorker(self, pod)
            worker.start()
        else:
            worker.update(pod)

    def _deleted(self, pod: Obj) -> None:
        worker = self.workers.get(pod["metadata"]["uid"])
        if worker is None or worker.pod["metadata"].get("deletionTimestamp"):
            return
        gone = dict(worker.pod)
        gone["metadata"] = {**gone["metadata"], "deletionTimestamp": st.now(),
                            "deletionGracePeriodSeconds": MINIMUM_GRACE}
        worker.update(gone)

    def forget(self, uid: str) -> None:
        self.workers.pop(uid, None)

    async def _remove_orphans(self) -> None:
        known = {p["metadata"]["uid"] for p in self.informer.store.list()}
        reply = await self.cri.runtime.ListPodSandbox(pb.ListPodSandboxRequest())
        for s in reply.items:
            uid = s.labels.get(labels.POD_UID) or s.metadata.uid
            if uid in known:
                continue
            log.info("removing sandbox %s of pod %s/%s, which is gone", s.id[:12],
                     s.metadata.namespace, s.metadata.name)
            with contextlib.suppress(Exception):
                await self.cri.runtime.StopPodSandbox(
                    pb.StopPodSandboxRequest(pod_sandbox_id=s.id))
                await self.cri.runtime.RemovePodSandbox(
                    pb.RemovePodSandboxRequest(pod_sandbox_id=s.id))
        for pod_dir in self.pods_dir.iterdir():  # volumes of pods that are gone
            if pod_dir.name not in known:
                PodVolumes(self.pods_dir, {"metadata": {"uid": pod_dir.name}}).teardown()

    async def _adopt_probes(self) -> None:
        """Running containers of adopted pods get their probers again."""
        for worker in list(self.workers.values()):
            with contextlib.suppress(Exception):
                records = await worker.records()
                for c in worker.pod["spec"]["containers"]:
                    recs = records.get(c["name"])
                    if recs and recs[0].state == st.RUNNING:
                        self.probes.adopt(worker, c, recs[0].id)

    async def _relist_forever(self) -> None:
        seen: dict[str, tuple[int, str]] = {}
        while True:
            await asyncio.sleep(RELIST_PERIOD)
            try:
                reply = await self.cri.runtime.ListContainers(pb.ListContainersRequest())
            except Exception as e:
                log.warning("relisting containers failed: %s", e)
                continue
            now = {c.id: (c.state, c.labels.get(labels.POD_UID, "")) for c in reply.containers}
            for gone in self._exited.keys() - now.keys():
                del self._exited[gone]
            changed = {uid for cid, (state, uid) in now.items() if seen.get(cid) !=
                       (state, uid)} | {uid for cid, (_, uid) in seen.items() if cid not in now}
            seen = now
            for uid in changed:
                worker = self.workers.get(uid)
                if worker is not None:
                    worker.wake.set()

    async def _refresh_volumes_forever(self) -> None:
        while True:
            await asyncio.sleep(VOLUME_REFRESH_PERIOD)
            sources: dict[str, ObjectSource] = {}  # each object read once a round
            for worker in list(self.workers.values()):
                pod = worker.pod
                if worker.done or not any(k in v for v in pod["spec"].get("volumes") or []
                                          for k in PROJECTED):
                    continue
                ns = pod["metadata"]["namespace"]
                source = sources.setdefault(ns, ObjectSource(self.client, ns))
                try:
                    await worker.volumes.refresh(source, pod_ip=worker.pod_ip,
                                                 host_ip=self.node_ip)
                except Exception as e:
                    log.debug("refreshing volumes of %s failed: %s", worker.key, e)

    async def run(self) -> None:
        self.pods_dir.mkdir(parents=True, exist_ok=True)
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.logs_dir, 0o755)
        self.informer.add_handlers(on_add=self._dispatch,
                                   on_update=lambda _old, new: self._dispatch(new),
                                   on_delete=self._deleted)
        tasks: list[asyncio.Task[None]] = []
        try:
            self.informer.start()
            await self.informer.wait_synced()
            await self._remove_orphans()
            await self._adopt_probes()
            tasks = [asyncio.create_task(self._relist_forever(), name="pleg"),
                     asyncio.create_task(self._refresh_volumes_forever(), name="volumes")]
            await asyncio.gather(*tasks)
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.informer.stop()
            await self.probes.stop()
            workers = list(self.workers.values())
            await asyncio.gather(*(w.stop() for w in workers), return_exceptions=True)
