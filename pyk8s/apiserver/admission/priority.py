"""Priority: a new pod's `spec.priorityClassName` becomes `spec.priority`, as in Kubernetes.

The named PriorityClass gives the pod its integer priority and its
`preemptionPolicy` (which the scheduler reads). A pod that names no class
gets the cluster's `globalDefault` class, if there is one (the lowest such,
should there be several), else priority 0 and PreemptLowerPriority. A name
that matches no class is refused (403 `no PriorityClass with name X was
found`), and so is a pod whose own `priority` or `preemptionPolicy`
contradicts its class. The two built-in `system-` classes resolve even
before they are stored.

(Defaulting gives pods without a class `priority: 0` before admission runs,
so a 0 is taken to mean "not given".)
"""

from __future__ import annotations

from pyk8s.api import errors
from pyk8s.api.resources.scheduling import SYSTEM_CLASSES
from pyk8s.apiserver.admission import AdmissionPlugin, Attributes, Obj

STORAGE = "priorityclasses.scheduling.k8s.io"
DEFAULT_POLICY = "PreemptLowerPriority"


class Priority(AdmissionPlugin):
    def _classes(self) -> list[Obj]:
        return list(self.storages.of(STORAGE).cache.objects.values())

    def _named(self, name: str) -> Obj | None:
        for pc in self._classes():
            if pc["metadata"]["name"] == name:
                return pc
        if name in SYSTEM_CLASSES:
            return {"metadata": {"name": name}, "value": SYSTEM_CLASSES[name][0]}
        return None

    def _global_default(self) -> Obj | None:
        defaults = [pc for pc in self._classes() if pc.get("globalDefault") is True]
        return min(defaults, key=lambda pc: int(pc.get("value") or 0), default=None)

    async def create(self, a: Attributes, obj: Obj) -> None:
        if a.resource.kind != "Pod":
            return
        spec = obj.setdefault("spec", {})
        name = spec.get("priorityClassName") or ""
        pod_name = obj["metadata"].get("name", "")

        def refuse(message: str) -> errors.APIError:
            return errors.forbidden_message(f'pods "{pod_name}" is forbidden: {message}',
                                            "pods", "", pod_name)
        if name:
            pc = self._named(name)
            if pc is None:
                raise refuse(f"no PriorityClass with name {name} was found")
            given = spec.get("priority")
        else:
            pc = self._global_default()
            given = spec.get("priority") or None
            if pc is not None:
                spec["priorityClassName"] = pc["metadata"]["name"]
        value = int(pc.get("value") or 0) if pc is not None else 0
        policy = (pc or {}).get("preemptionPolicy") or DEFAULT_POLICY
        if given is not None and given != value:
            raise refuse(f"the integer value of priority ({given}) must not be provided in pod "
                         f"spec; priority admission controller computed {value} from the "
                         f"given PriorityClass name")
        if spec.get("preemptionPolicy") not in (None, policy):
            raise refuse(f"the string value of PreemptionPolicy ({spec['preemptionPolicy']}) "
                         f"must not be provided in pod spec; priority admission controller "
                         f"computed {policy} from the given PriorityClass name")
        spec["priority"] = value
        spec["preemptionPolicy"] = policy
