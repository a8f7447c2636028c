"""NodePorts (Filter): a pod's host ports must be free on the node.

Ports clash when protocol and port are equal and either side listens on
every address (0.0.0.0) or both name the same hostIP.
"""

from __future__ import annotations

from pyk8s.scheduler.framework import (
    POD_DELETE,
    SKIP,
    CycleState,
    Plugin,
    Status,
    unschedulable,
)
from pyk8s.scheduler.nodeinfo import NodeInfo, PodInfo

REASON = "node(s) didn't have free ports for the requested pod ports"
ANY = "0.0.0.0"


class NodePorts(Plugin):
    name = "NodePorts"
    events = frozenset({POD_DELETE})

    def pre_filter(self, state: CycleState, pod: PodInfo) -> Status | None:
        return None if pod.host_ports else SKIP

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        if not node.used_ports:
            return None
        for ip, protocol, port in pod.host_ports:
            for used_ip, used_protocol, used_port in node.used_ports:
                if used_port == port and used_protocol == protocol and (
                        ANY in (ip, used_ip) or ip == used_ip):
                    return unschedulable(REASON)
        return None
