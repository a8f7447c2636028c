"""Every built-in resource the API server serves, in discovery order.

Each module declares one API group (`core` is the legacy group at /api/v1)
and exposes `RESOURCES`. `ALL` lists them the way kube-apiserver's discovery
orders groups (core first, then by group priority: apps, events.k8s.io,
autoscaling, batch, ...), and within a group the preferred version first
(autoscaling/v2 before v1).

`NAME_RULES` maps a stored resource (`ResourceType.storage`) to the check
its `metadata.name` must pass when it differs from the default DNS-1123
subdomain: namespaces are DNS labels, services DNS-1035 labels, RBAC objects
mere path segments (`system:node` is fine), and so on.
"""

from __future__ import annotations

from collections.abc import Callable

from pyk8s.api import validation as v
from pyk8s.api.resource import ResourceType
from pyk8s.api.resources import (
    apiextensions,
    apps,
    authentication,
    authorization,
    autoscaling,
    batch,
    coordination,
    core,
    discovery,
    events,
    metrics,
    networking,
    policy,
    rbac,
    scheduling,
    storage,
)

GROUPS = (core, apps, events, authentication, authorization, autoscaling, batch, networking,
          policy, rbac, storage, scheduling,
          coordination, discovery, apiextensions, metrics)

ALL: list[ResourceType] = [r for module in GROUPS for r in module.RESOURCES]

NAME_RULES: dict[str, Callable[[str], list[str]]] = {
    core.NAMESPACE.storage: v.dns1123_label_errors,
    core.SERVICE.storage: v.dns1035_label_errors,
    apps.STATEFULSET.storage: v.dns1123_label_errors,
    batch.CRONJOB.storage: batch.cronjob_name_errors,
    **{r.storage: rbac.path_segment_errors for r in rbac.RESOURCES},
}
