"""coordination.k8s.io/v1 Leases: the heartbeats and locks of nodes and controllers.

Kubelets renew a Lease per node in `kube-node-lease`; controllers elect a
leader by holding one. The API server only checks the durations (a lease
lasts a positive number of seconds, transitions never go negative) and prints
who holds it.
"""

from __future__ import annotations

from pyk8s.api import validation as v
from pyk8s.api.errors import Cause
from pyk8s.api.resource import Obj, ResourceType
from pyk8s.api.resources._common import column, is_int, mapping, text
from pyk8s.api.tables import AGE


def validate_lease(lease: Obj) -> list[Cause]:
    spec = mapping(lease, "spec")
    duration = spec.get("leaseDurationSeconds")
    out: list[Cause] = []
    if duration is not None and not (is_int(duration) and duration > 0):
        out.append(v.invalid("spec.leaseDurationSeconds", duration, "must be greater than 0"))
    return out + v.non_negative("spec.leaseTransitions", spec.get("leaseTransitions"))


LEASE = ResourceType(
    group="coordination.k8s.io", version="v1", kind="Lease", plural="leases",
    columns=(column("Holder", lambda o: text(o, "spec", "holderIdentity")), AGE),
    validate=validate_lease,
)

RESOURCES: list[ResourceType] = [LEASE]
