"""CustomResourceCleanup: deleting a CRD first deletes its custom resources.

Kubernetes never lets a CRD vanish while objects of its kind remain. On the
first DELETE of a CRD the API server adds the finalizer
`customresourcecleanup.apiextensions.k8s.io` and a Terminating condition, so
the store only marks the CRD (deletionTimestamp) and the CRD controller
removes the custom resources, then the finalizer. This admission plugin is
that first step: it changes the object the delete is about to store.
"""

from __future__ import annotations

from pyk8s.api.meta import now
from pyk8s.apiserver.admission import AdmissionPlugin, Attributes, Obj

FINALIZER = "customresourcecleanup.apiextensions.k8s.io"
TERMINATING = {
    "type": "Terminating", "status": "True", "reason": "InstanceDeletionPending",
    "message": "CustomResourceDefinition marked for deletion; CustomResource deletion will "
               "begin soon",
}


class CustomResourceCleanup(AdmissionPlugin):
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
