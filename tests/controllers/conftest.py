"""Fixtures for controller tests: one real `pyk8s server` with its controller manager.

No kubelet runs here. Where a test needs running pods, `ready_pods` plays
the node's part through the API, as a kubelet would: every pod of the
namespace that is not being deleted is reported Running and Ready with a pod
IP, except pods whose first container's image contains "unready" (they run
but never pass readiness). Pods are not bound to a node, so deleting one
takes effect at once, without a grace period.

That server runs no scheduler (nothing would bind pods anyway; and its
status writes would race the ones made here). `sim_cluster` is a second
server with the scheduler and three simulated nodes, and a node-monitor
grace period short enough for node failure tests to take seconds, yet
longer than the 10 s between the simulated kubelets' lease renewals.
"""

from __future__ import annotations

import contextlib
import datetime
import itertools
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support import Server

NODE_GRACE = 14  # seconds: above the simulated kubelets' 10 s lease renewal


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("server-controllers"), extra_args=[
        "--disable-scheduler", "--terminated-pod-gc-threshold", "3",
        "--controllers", "*,root-ca-certificate-publisher-controller",
    ]).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sim_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("server-simulated"), extra_args=[
        "--simulated-nodes", "3",
        "--node-monitor-grace-period", f"{NODE_GRACE}s", "--node-monitor-period", "1s",
    ]).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def k8s(cluster: Server) -> Iterator[Any]:
    from kubernetes import client

    api = client.ApiClient(cluster.client_config())
    yield api
    api.close()


@pytest.fixture
def ns(cluster: Server) -> Iterator[str]:
    name = f"t-{uuid.uuid4().hex[:8]}"
    cluster.kubectl("create", "namespace", name)
    yield name
    cluster.kubectl("delete", "namespace", name, "--wait=false", check=False)


def now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ReadyPods:
    """Report the namespace's pods Running and Ready, like a kubelet, until stopped."""

    _ips = itertools.count(2)

    def __init__(self, api: Any, namespace: str) -> None:
        from kubernetes import client

        self.core = client.CoreV1Api(api)
        self.namespace = namespace
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> ReadyPods:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(0.2):
            try:
                pods = self.core.list_namespaced_pod(self.namespace).items
            except Exception:
                continue
            for pod in pods:
                if pod.metadata.deletion_timestamp or (pod.status and pod.status.pod_ip):
                    continue
                self._run(pod)

    def _run(self, pod: Any) -> None:
        ready = "unready" not in pod.spec.containers[0].image
        ip = next(self._ips)
        t = now()
        status = {
            "phase": "Running",
            "podIP": f"10.42.{ip // 250}.{ip % 250 + 2}",
            "startTime": t,
            "conditions": [
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": t},
                {"type": "Initialized", "status": "True", "lastTransitionTime": t},
                {"type": "ContainersReady", "status": str(ready), "lastTransitionTime": t},
                {"type": "Ready", "status": str(ready), "lastTransitionTime": t},
            ],
            "containerStatuses": [
                {"name": c.name, "image": c.image, "imageID": "", "ready": ready,
                 "restartCount": 0, "started": True,
                 "state": {"running": {"startedAt": t}}}
                for c in pod.spec.containers],
        }
        # A pod deleted meanwhile fails here; the next round sees what is left.
        with contextlib.suppress(Exception):
            self.core.patch_namespaced_pod_status(pod.metadata.name, self.namespace,
                                                  {"status": status})


@pytest.fixture
def ready_pods(k8s: Any, ns: str) -> Iterator[ReadyPods]:
    pods = ReadyPods(k8s, ns).start()
    yield pods
    pods.stop()


def eventually(check: Callable[[], Any], timeout: float = 30.0, interval: float = 0.2,
               what: str = "condition") -> Any:
    """Poll `check` until it returns something truthy (returned), or fail with its last
    value or exception."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            last = check()
            if last:
                return last
        except AssertionError as e:
            last = e
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached in {timeout}s; last: {last!r}")
        time.sleep(interval)
