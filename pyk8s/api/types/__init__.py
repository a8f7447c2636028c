"""The built-in API types, declared once (see `_dsl` for the vocabulary).

Importing this package imports every declaration module, which registers its
structs; then `kind_schema(group, version, kind)` finds a kind's schema and
`struct(qualified_name)` any definition. Each module declares one Kubernetes
group-version (`core_v1`, `apps_v1`, ...); `meta_v1` holds ObjectMeta and the
other apimachinery types they share. `MODULES` lists the declaration modules,
each of which exposes its `PKG` (a `_dsl.Package`).
"""

from __future__ import annotations

from pyk8s.api.types import (
    apiextensions_v1,
    apps_v1,
    authentication_v1,
    authorization_v1,
    autoscaling_v1,
    autoscaling_v2,
    batch_v1,
    coordination_v1,
    core_v1,
    discovery_v1,
    events_v1,
    meta_v1,
    metrics_v1beta1,
    networking_v1,
    policy_v1,
    rbac_v1,
    scheduling_v1,
    storage_v1,
)
from pyk8s.api.types._dsl import (
    GVK,
    Field,
    FieldType,
    ListOf,
    MapOf,
    Ref,
    Scalar,
    Struct,
    all_structs,
    item_struct,
    kind_schema,
    struct,
)

MODULES = (
    meta_v1, core_v1, apps_v1, batch_v1, autoscaling_v1, autoscaling_v2, networking_v1,
    coordination_v1, discovery_v1, storage_v1, rbac_v1, events_v1, policy_v1, scheduling_v1,
    apiextensions_v1, authentication_v1, authorization_v1, metrics_v1beta1,
)

__all__ = [
    "GVK",
    "MODULES",
    "Field",
    "FieldType",
    "ListOf",
    "MapOf",
    "Ref",
    "Scalar",
    "Struct",
    "all_structs",
    "item_struct",
    "kind_schema",
    "struct",
]
