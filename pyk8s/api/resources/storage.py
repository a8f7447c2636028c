"""storage.k8s.io/v1 StorageClasses: how volumes are provisioned on demand.

A class names its provisioner and the parameters handed to it; those, the
reclaim policy and the binding mode are fixed once created (Kubernetes
forbids updating them). Reclaim policy defaults to Delete and binding to
Immediate.
"""

from __future__ import annotations

from pyk8s.api import validation as v
from pyk8s.api.errors import Cause
from pyk8s.api.resource import Obj, ResourceType
from pyk8s.api.resources._common import column, immutable, one_of, required_text, set_default, text
from pyk8s.api.tables import AGE

RECLAIM_POLICIES = ["Delete", "Retain"]
BINDING_MODES = ["Immediate", "WaitForFirstConsumer"]


def default_storageclass(sc: Obj) -> None:
    set_default(sc, "reclaimPolicy", "Delete")
    set_default(sc, "volumeBindingMode", "Immediate")


def validate_storageclass(sc: Obj) -> list[Cause]:
    provisioner = sc.get("provisioner")
    out = required_text("provisioner", provisioner)
    if isinstance(provisioner, str) and provisioner:
        out += v.check("provisioner", provisioner, v.qualified_name_errors(provisioner))
    out += one_of("reclaimPolicy", sc.get("reclaimPolicy"), RECLAIM_POLICIES, required=False)
    return out + one_of("volumeBindingMode", sc.get("volumeBindingMode"), BINDING_MODES,
                        required=False)


def validate_storageclass_update(new: Obj, old: Obj) -> list[Cause]:
    out = [v.forbidden(name, f"updates to {name} are forbidden.")
           for name in ("parameters", "provisioner", "reclaimPolicy")
           if new.get(name) != old.get(name)]
    return out + immutable("volumeBindingMode", new.get("volumeBindingMode"),
                           old.get("volumeBindingMode"))


STORAGECLASS = ResourceType(
    group="storage.k8s.io", version="v1", kind="StorageClass", plural="storageclasses",
    namespaced=False, short_names=("sc",),
    columns=(
        column("Provisioner", lambda o: text(o, "provisioner")),
        column("ReclaimPolicy", lambda o: text(o, "reclaimPolicy") or "Delete"),
        column("VolumeBindingMode", lambda o: text(o, "volumeBindingMode") or "Immediate"),
        column("AllowVolumeExpansion", lambda o: o.get("allowVolumeExpansion") is True,
               type="boolean"),
        AGE,
    ),
    default=default_storageclass,
    validate=validate_storageclass,
    validate_update=validate_storageclass_update,
)

RESOURCES: list[ResourceType] = [STORAGECLASS]
