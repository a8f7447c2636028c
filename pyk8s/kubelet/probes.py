"""Liveness, readiness and startup probes: one asyncio task per probed container.

`container_started()` starts a prober for each running container that has
probes. The prober waits `initialDelaySeconds`, then every `periodSeconds`
runs the check (`hooks.check`, with `timeoutSeconds`) and counts successes
and failures against `successThreshold` / `failureThreshold`:

- startup first: until it succeeds the container is not `started` and the
  other probes do not run; reaching its failure threshold kills the container;
- readiness: the container is `ready` after `successThreshold` successes and
  unready after `failureThreshold` failures (no readiness probe: ready as
  soon as started);
- liveness: reaching the failure threshold stops the container with the
  pod's grace period; the pod worker then restarts it per restartPolicy.

Every change of a result wakes the pod worker so the status follows at once.
A prober ends when its container is no longer running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

from pyk8s.client import NORMAL, WARNING
from pyk8s.kubelet.cri import pb
from pyk8s.kubelet.hooks import check

if TYPE_CHECKING:
    from pyk8s.kubelet.kubelet import Kubelet
    from pyk8s.kubelet.podworker import PodWorker

log = logging.getLogger(__name__)
Obj = dict[str, Any]


class ProbeManager:
    def __init__(self, kubelet: Kubelet) -> None:
        self.kubelet = kubelet
        self._ready: dict[tuple[str, str], tuple[str, bool]] = {}
        self._started: dict[tuple[str, str], tuple[str, bool]] = {}
        self._tasks: dict[tuple[str, str], asyncio.Task[None]] = {}

    def ready(self, uid: str, container: Obj, container_id: str) -> bool:
        if "readinessProbe" not in container:
            return self.started(uid, container, container_id)
        cid, ok = self._ready.get((uid, container["name"]), ("", False))
        return ok and cid == container_id

    def started(self, uid: str, container: Obj, container_id: str) -> bool:
        if "startupProbe" not in container:
            return True
        cid, ok = self._started.get((uid, container["name"]), ("", False))
        return ok and cid == container_id

    def container_started(self, worker: PodWorker, container: Obj, container_id: str) -> None:
        if not any(k in container for k in ("livenessProbe", "readinessProbe", "startupProbe")):
            return
        key = (worker.uid, container["name"])
        old = self._tasks.pop(key, None)
        if old is not None:
            old.cancel()
        self._tasks[key] = asyncio.create_task(
            self._probe(worker, container, container_id), name=f"probe {key}")

    def adopt(self, worker: PodWorker, container: Obj, container_id: str) -> None:
        """A running container found after a kubelet restart gets its probers back."""
        if (worker.uid, container["name"]) not in self._tasks:
            self.container_started(worker, container, container_id)

    def forget_pod(self, uid: str) -> None:
        for key in [k for k in self._tasks if k[0] == uid]:
            self._tasks.pop(key).cancel()
        for d in (self._ready, self._started):
            for key in [k for k in d if k[0] == uid]:
                del d[key]

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _run_probe(self, worker: PodWorker, container: Obj, container_id: str,
                         kind: str, on_result: Any) -> bool:
        """Probe until the container stops; returns True when a startup probe succeeded."""
        probe = container[kind]
        period = max(1, int(probe.get("periodSeconds", 10)))
        timeout = max(1, int(probe.get("timeoutSeconds", 1)))
        success_threshold = max(1, int(probe.get("successThreshold", 1)))
        failure_threshold = max(1, int(probe.get("failureThreshold", 3)))
        successes = failures = 0
        while await self._running(container_id):
            error = await check(self.kubelet, container_id, worker.pod_ip, probe, timeout,
                                container)
            if error is None:
                successes, failures = successes + 1, 0
                if successes >= success_threshold and await on_result(True):
                    return True
            else:
                successes, failures = 0, failures + 1
                what = {"livenessProbe": "Liveness", "readinessProbe": "Readiness",
                        "startupProbe": "Startup"}[kind]
                self.kubelet.events.event(worker.pod, WARNING, "Unhealthy",
                                          f"{what} probe failed: {error}")
                if failures >= failure_threshold and await on_result(False):
                    return False
            await asyncio.sleep(period)
        return False

    async def _running(self, container_id: str) -> bool:
        rec = await self.kubelet.container_record(container_id, fresh=True)
        return rec is not None and rec.state == "running"

    async def _kill(self, worker: PodWorker, container: Obj, container_id: str,
                    why: str) -> None:
        self.kubelet.events.event(worker.pod, NORMAL, "Killing",
                                  f"Container {container['name']} {why}, will be restarted")
        grace = int(worker.pod["spec"].get("terminationGracePeriodSeconds", 30))
        with contextlib.suppress(Exception):
            await self.kubelet.cri.runtime.StopContainer(
                pb.StopContainerRequest(container_id=container_id, timeout=grace),
                timeout=grace + 30)
        worker.wake.set()

    async def _probe(self, worker: PodWorker, container: Obj, container_id: str) -> None:
        key = (worker.uid, container["name"])

        def record(results: dict[tuple[str, str], tuple[str, bool]], ok: bool) -> None:
            if results.get(key) != (container_id, ok):
                results[key] = (container_id, ok)
                worker.wake.set()

        async def delay(kind: str) -> None:
            await asyncio.sleep(int(container[kind].get("initialDelaySeconds", 0)))

        async def startup_result(ok: bool) -> bool:
            if ok:
                record(self._started, True)
                return True
            await self._kill(worker, container, container_id, "failed startup probe")
            return True

        async def readiness_result(ok: bool) -> bool:
            record(self._ready, ok)
            return False

        async def liveness_result(ok: bool) -> bool:
            if not ok:
                await self._kill(worker, container, container_id, "failed liveness probe")
                return True
            return False

        try:
            if "startupProbe" in container:
                record(self._started, False)
                await delay("startupProbe")
                if not await self._run_probe(worker, container, container_id, "startupProbe",
                                             startup_result):
                    return
            probers = []
            if "readinessProbe" in container:
                record(self._ready, False)

                async def readiness() -> None:
                    await delay("readinessProbe")
                    await self._run_probe(worker, container, container_id, "readinessProbe",
                                          readiness_result)
                probers.append(readiness())
            if "livenessProbe" in container:
                async def liveness() -> None:
                    await delay("livenessProbe")
                    await self._run_probe(worker, container, container_id, "livenessProbe",
                                          liveness_result)
                probers.append(liveness())
            await asyncio.gather(*probers)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("probing %s failed", key)
        finally:
            if self._tasks.get(key) is asyncio.current_task():
                del self._tasks[key]
