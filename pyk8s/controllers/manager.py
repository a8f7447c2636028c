"""The controller manager: every controller of `pyk8s/controllers/`, run by the leader.

`controller_manager(options)` is the `Component` that `pyk8s server` runs.
Given an admin `APIClient` it campaigns for the Lease
`kube-system/kube-controller-manager` (`LeaderElector`): of several servers
sharing one datastore only the holder runs controllers; a follower takes
over within the lease duration (15 s) of the leader's death. Leading means:

1. one `SharedInformerFactory` for all controllers (each resource is listed
   and watched once, whoever reads it);
2. one `EventRecorder` per controller, named as in Kubernetes
   (`replicaset-controller`, `deployment-controller`, ...);
3. each enabled controller's `run()` in one task group, so that one failing
   stops them all and the server's supervisor starts the manager afresh
   (informers relist, nothing is assumed).

Losing the Lease cancels everything the same way. `--controllers` picks
which run, as kube-controller-manager's flag does: `*` for all, a name to
add one, `-name` to leave one out; names are Kubernetes' (`deployment-controller`,
`garbage-collector-controller`, ...) or their older short forms (`deployment`).
A controller off by default (the root CA publisher, for now) runs only when
named.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import socket
import uuid
from collections.abc import Awaitable, Callable

from pyk8s.client import APIClient, EventRecorder, LeaderElector, SharedInformerFactory
from pyk8s.controllers.context import Controller, ControllerContext, ControllerOptions
from pyk8s.controllers.cronjob import CronJobController
from pyk8s.controllers.daemonset import DaemonSetController
from pyk8s.controllers.deployment import DeploymentController
from pyk8s.controllers.disruption import DisruptionController
from pyk8s.controllers.endpoints import EndpointsController
from pyk8s.controllers.endpointslice import EndpointSliceController
from pyk8s.controllers.endpointslicemirroring import EndpointSliceMirroringController
from pyk8s.controllers.garbagecollector import GarbageCollector
from pyk8s.controllers.horizontalpodautoscaler import HorizontalPodAutoscalerController
from pyk8s.controllers.job import JobController
from pyk8s.controllers.namespace import NamespaceController
from pyk8s.controllers.nodeipam import NodeIpamController
from pyk8s.controllers.nodelifecycle import NodeLifecycleController
from pyk8s.controllers.podgc import PodGCController
from pyk8s.controllers.replicaset import ReplicaSetController
from pyk8s.controllers.replication import ReplicationControllerController
from pyk8s.controllers.resourcequota import ResourceQuotaController
from pyk8s.controllers.rootcacertpublisher import RootCACertPublisher
from pyk8s.controllers.serviceaccount import ServiceAccountController
from pyk8s.controllers.statefulset import StatefulSetController
from pyk8s.controllers.ttlafterfinished import TTLAfterFinishedController

log = logging.getLogger(__name__)

LEASE_NAMESPACE = "kube-system"
LEASE_NAME = "kube-controller-manager"

CONTROLLERS: tuple[type[Controller], ...] = (
    CronJobController,
    DaemonSetController,
    DeploymentController,
    DisruptionController,
    EndpointsController,
    EndpointSliceController,
    EndpointSliceMirroringController,
    GarbageCollector,
    HorizontalPodAutoscalerController,
    JobController,
    NamespaceController,
    NodeIpamController,
    NodeLifecycleController,
    PodGCController,
    ReplicaSetController,
    ReplicationControllerController,
    ResourceQuotaController,
    RootCACertPublisher,
    ServiceAccountController,
    StatefulSetController,
    TTLAfterFinishedController,
)


def enabled(options: ControllerOptions) -> list[type[Controller]]:
    by_name = {n: c.name for c in CONTROLLERS for n in (c.name, c.alias)}
    names = set()
    for item in options.controllers:
        name = item.removeprefix("-")
        if item == "*":
            names |= {c.name for c in CONTROLLERS if c.enabled_by_default}
        elif name not in by_name:
            raise ValueError(f"unknown controller {name!r}; known: "
                             f"{', '.join(sorted(c.name for c in CONTROLLERS))}")
        elif item.startswith("-"):
            names.discard(by_name[name])
        else:
            names.add(by_name[name])
    return [c for c in CONTROLLERS if c.name in names]


class ControllerManager:
    def __init__(self, client: APIClient, options: ControllerOptions,
                 identity: str | None = None) -> None:
        self.client = client
        self.options = options
        self.identity = identity or f"{socket.gethostname()}_{uuid.uuid4()}"

    async def run(self) -> None:
        elector = LeaderElector(self.client, LEASE_NAMESPACE, LEASE_NAME, self.identity)
        await elector.run(self.lead)

    async def lead(self) -> None:
        classes = enabled(self.options)
        log.info("controller manager %s leading: %s", self.identity,
                 ", ".join(c.name for c in classes))
        async with SharedInformerFactory(self.client) as informers, \
                contextlib.AsyncExitStack() as stack:
            ctx = ControllerContext(self.client, informers, self.options)
            controllers = []
            for cls in classes:
                recorder = await stack.enter_async_context(
                    EventRecorder(self.client, cls.component))
                controllers.append(cls(ctx, recorder))
            async with asyncio.TaskGroup() as tg:
                for controller in controllers:
                    tg.create_task(controller.run(), name=f"{controller.name} controller")


def controller_manager(options: ControllerOptions) -> Callable[[APIClient], Awaitable[None]]:
    """The `Component` that runs the controller manager with these options."""

    async def run(client: APIClient) -> None:
        await ControllerManager(client, options).run()

    return run


def _controller_list(text: str) -> tuple[str, ...]:
    """`--controllers` as a tuple of names, refusing unknown ones as a usage error."""
    names = tuple(c.strip() for c in text.split(",") if c.strip())
    try:
        enabled(ControllerOptions(controllers=names))
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return names


def add_flags(parser: argparse.ArgumentParser, duration: Callable[[str], float]) -> None:
    """The controller manager's flags on `pyk8s server`."""
    g = parser.add_argument_group("controller manager")
    g.add_argument("--disable-controller-manager", action="store_true",
                   help="do not run the controllers on this server")
    g.add_argument("--controllers", type=_controller_list, default=("*",),
                   help="comma-separated controllers to run: '*' for those on by default, "
                        "'name' to add one, "
                        "'-name' to leave one out")
    g.add_argument("--node-monitor-grace-period", type=duration, default=40.0,
                   help="how long a node may go without a heartbeat before it is Unknown")
    g.add_argument("--node-monitor-period", type=duration, default=5.0,
                   help="how often node heartbeats are checked")
    g.add_argument("--cluster-cidr", default="10.42.0.0/16",
                   help="the pod network; each node gets a slice of it")
    g.add_argument("--node-cidr-mask-size", type=int, default=24,
                   help="the prefix length of each node's pod CIDR")
    g.add_argument("--terminated-pod-gc-threshold", type=int, default=12500,
                   help="finished pods kept before the oldest are deleted")
    g.add_argument("--horizontal-pod-autoscaler-sync-period", type=duration, default=15.0,
                   help="how often each HorizontalPodAutoscaler is re-evaluated")
    g.add_argument("--horizontal-pod-autoscaler-downscale-stabilization", type=duration,
                   default=300.0, help="how far back the highest recommendation is kept "
                   "before scaling down, unless the HPA's behavior says otherwise")


def components(args: argparse.Namespace) -> dict[str, Callable[[APIClient], Awaitable[None]]]:
    """{"controller-manager": component} unless disabled by the flags."""
    if args.disable_controller_manager:
        return {}
    options = ControllerOptions(
        controllers=args.controllers,
        node_monitor_grace_period=args.node_monitor_grace_period,
        node_monitor_period=args.node_monitor_period,
        cluster_cidr=args.cluster_cidr,
        node_cidr_mask_size=args.node_cidr_mask_size,
        terminated_pod_gc_threshold=args.terminated_pod_gc_threshold,
        hpa_sync_period=args.horizontal_pod_autoscaler_sync_period,
        hpa_downscale_stabilization=args.horizontal_pod_autoscaler_downscale_stabilization,
    )
    return {"controller-manager": controller_manager(options)}
