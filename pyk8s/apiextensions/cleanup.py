"""CustomResourceCleanup: deleting a CRD first deletes its custom resources.

Kubernetes never lets a CRD vanish while objects of its kind remain. On the
first DELETE of a CRD the API server adds the finalizer
`customresourcecleanup.apiextensions.k8s.io` and a Terminating condition, so
the store only marks the CRD (deletionTimestamp) and the CRD controller
removes the custom resources, then the finalizer. This admission plugin is
that first step: it changes the object the delete is about to store. While
the CRD is terminating, creating objects of its kind is refused (405).
"""

from __future__ import annotations

from pyk8s.api import errors
from pyk8s.api.meta import now
from pyk8s.apiserver.admission import AdmissionPlugin, Attributes, Obj

FINALIZER = "customresourcecleanup.apiextensions.k8s.io"
CRDS = "customresourcedefinitions.apiextensions.k8s.io"
TERMINATING = {
    "type": "Terminating", "status": "True", "reason": "InstanceDeletionPending",
    "message": "CustomResourceDefinition marked for deletion; CustomResource deletion will "
               "begin soon",
}


class CustomResourceCleanup(AdmissionPlugin):
    async def create(self, a: Attributes, obj: Obj) -> None:
        # A custom resource's stored name (`plural.group`) is its CRD's name.
        crds = self.storages.by_storage.get(CRDS)
        crd = crds.cache.get(crds.key("", a.resource.storage)) if crds else None
        if crd is not None and crd["metadata"].get("deletionTimestamp"):
            raise errors.method_not_allowed(
                "create not allowed while custom resource definition is terminating")

    async def delete(self, a: Attributes, obj: Obj) -> None:
        if a.resource.kind != "CustomResourceDefinition" or \
                a.resource.group != "apiextensions.k8s.io":
            return
        md = obj["metadata"]
        if md.get("deletionTimestamp"):
            return
        finalizers = md.setdefault("finalizers", [])
        if FINALIZER not in finalizers:
            finalizers.append(FINALIZER)
        status = obj.setdefault("status", {})
        conditions = [c for c in status.get("conditions") or []
                      if c.get("type") != "Terminating"]
        status["conditions"] = [*conditions, {**TERMINATING, "lastTransitionTime": now()}]
