"""ReplicationController controller: the ReplicaSet controller for the older kind.

A ReplicationController is a ReplicaSet whose selector is a plain label map
(defaulted from the template's labels); everything else, expectations,
adoption, the deletion order and the status, is `ReplicaSetController`.
"""

from __future__ import annotations

from pyk8s.api.selectors import LabelSelector, selector_from_map
from pyk8s.controllers.replicaset import Obj, ReplicaSetController


class ReplicationControllerController(ReplicaSetController):
    name = "replicationcontroller-controller"
    alias = "replicationcontroller"
    component = "replication-controller"
    api_version = "v1"
    plural = "replicationcontrollers"
    kind = "ReplicationController"

    def selector(self, rs: Obj) -> LabelSelector:
        spec = rs.get("spec") or {}
        labels = spec.get("selector") or \
            ((spec.get("template") or {}).get("metadata") or {}).get("labels")
        return selector_from_map(labels)
