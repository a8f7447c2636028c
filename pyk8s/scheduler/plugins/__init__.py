"""The in-tree plugins, one per module, by the names profiles enable them with.

`REGISTRY` maps a plugin name to its class. A `Profile` lists names; the
framework instantiates each once per profile and puts it at every
extension point its methods implement (see `pyk8s.scheduler.framework`).
"""

from __future__ import annotations

from pyk8s.scheduler.framework import Plugin
from pyk8s.scheduler.plugins.default_binder import DefaultBinder
from pyk8s.scheduler.plugins.default_preemption import DefaultPreemption
from pyk8s.scheduler.plugins.inter_pod_affinity import InterPodAffinity
from pyk8s.scheduler.plugins.node_affinity import NodeAffinity
from pyk8s.scheduler.plugins.node_name import NodeName
from pyk8s.scheduler.plugins.node_ports import NodePorts
from pyk8s.scheduler.plugins.node_resources_balanced_allocation import (
    NodeResourcesBalancedAllocation,
)
from pyk8s.scheduler.plugins.node_resources_fit import NodeResourcesFit
from pyk8s.scheduler.plugins.node_unschedulable import NodeUnschedulable
from pyk8s.scheduler.plugins.pod_topology_spread import PodTopologySpread
from pyk8s.scheduler.plugins.priority_sort import PrioritySort
from pyk8s.scheduler.plugins.scheduling_gates import SchedulingGates
from pyk8s.scheduler.plugins.taint_toleration import TaintToleration

REGISTRY: dict[str, type[Plugin]] = {cls.name: cls for cls in (
    SchedulingGates, PrioritySort, NodeUnschedulable, NodeName, TaintToleration, NodeAffinity,
    NodePorts, NodeResourcesFit, PodTopologySpread, InterPodAffinity, DefaultPreemption,
    NodeResourcesBalancedAllocation, DefaultBinder,
)}
