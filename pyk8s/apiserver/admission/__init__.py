"""Admission: the hooks between a decoded request and the datastore.

Kubernetes runs every write through admission plugins that may change the
object (mutating) or refuse it (validating): refusing objects in a namespace
that is being deleted, allocating a Service's cluster IP, filling a new pod's
status. In pyk8s a plugin is a class in this package overriding any of
`create`, `update` and `delete`; each sees the object in its stored (hub)
form and may raise an `APIError`. Plugins run in `PLUGINS` order, after
defaulting and before validation, as in Kubernetes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pyk8s.api.resource import ResourceType

if TYPE_CHECKING:
    from pyk8s.apiserver.rest import Storages

Obj = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Attributes:
    resource: ResourceType  # the hub version being written
    namespace: str
    user: str
    dry_run: bool
    subresource: str = ""


class AdmissionPlugin:
    def __init__(self, storages: Storages) -> None:
        self.storages = storages

    async def create(self, a: Attributes, obj: Obj) -> None:
        """Mutate or refuse an object about to be created."""

    async def update(self, a: Attributes, new: Obj, old: Obj) -> None:
        """Mutate or refuse an update (`new` may be changed in place)."""

    async def delete(self, a: Attributes, obj: Obj) -> None:
        """Refuse a deletion, or prepare for it."""


def plugins(storages: Storages) -> list[AdmissionPlugin]:
    from pyk8s.apiextensions.cleanup import CustomResourceCleanup
    from pyk8s.apiserver.admission.default_toleration_seconds import DefaultTolerationSeconds
    from pyk8s.apiserver.admission.namespace_lifecycle import NamespaceLifecycle
    from pyk8s.apiserver.admission.pod_status import PodStatus
    from pyk8s.apiserver.admission.priority import Priority
    from pyk8s.apiserver.admission.scheduling_gates import SchedulingGates
    from pyk8s.apiserver.admission.service_ips import ServiceIPs
    from pyk8s.apiserver.authorization.escalation import RBACEscalation

    return [cls(storages) for cls in (NamespaceLifecycle, Priority, PodStatus, SchedulingGates,
                                      DefaultTolerationSeconds, ServiceIPs,
                                      CustomResourceCleanup, RBACEscalation)]
