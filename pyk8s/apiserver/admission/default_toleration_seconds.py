"""DefaultTolerationSeconds: every new pod tolerates unhealthy nodes for 300 s.

As in Kubernetes, a pod created without a NoExecute toleration for
`node.kubernetes.io/not-ready` (or for `node.kubernetes.io/unreachable`)
gets one with `operator: Exists` and `tolerationSeconds: 300`. The node
lifecycle controller taints nodes that stop reporting; this toleration is
what makes their pods wait five minutes before eviction instead of going at
once. A toleration with an empty key (and `Exists`) already covers both.
"""

from __future__ import annotations

from pyk8s.apiserver.admission import AdmissionPlugin, Attributes, Obj

DEFAULT_TOLERATION_SECONDS = 300
NODE_TAINTS = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")


def add_default_tolerations(spec: Obj) -> None:
    tolerations = spec.get("tolerations") or []
    for taint in NODE_TAINTS:
        if any(t.get("key", "") in (taint, "") and t.get("effect", "") in ("NoExecute", "")
               for t in tolerations):
            continue
        tolerations.append({"key": taint, "operator": "Exists", "effect": "NoExecute",
                            "tolerationSeconds": DEFAULT_TOLERATION_SECONDS})
    spec["tolerations"] = tolerations


class DefaultTolerationSeconds(AdmissionPlugin):
    async def create(self, a: Attributes, obj: Obj) -> None:
        if a.resource.kind == "Pod" and not a.subresource:
            add_default_tolerations(obj.setdefault("spec", {}))
