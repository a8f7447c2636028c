"""ResourceQuota controller: what each namespace's quotas have used.

In: ResourceQuotas and the objects they count, through shared informers
(pods, services, ConfigMaps, Secrets, claims, ReplicationControllers,
ResourceQuotas, and the apps and batch workloads for `count/<plural>.<group>`).
Out: each quota's `status.hard` (= spec.hard) and `status.used`, which
`kubectl describe quota` and `kubectl get quota` show.

For pods (only those not finished) the compute resources are summed as
Kubernetes does: per pod, the larger of its containers' total and its
largest init container, for `requests.cpu` / `cpu`, `requests.memory` /
`memory`, `limits.*` and ephemeral storage. Services count
`services.nodeports` and `services.loadbalancers`; claims sum
`requests.storage`. Quota scopes Terminating / NotTerminating and
BestEffort / NotBestEffort narrow which pods count. A quota is looked at
again whenever something in its namespace changes (at most once a second).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pyk8s.api.resources._quantity import parse_quantity
from pyk8s.client import EventRecorder, Informer, RequestError, Resource, is_not_found, register
from pyk8s.controllers.context import Controller, ControllerContext, by_namespace

Obj = dict[str, Any]
QUOTAS = Resource("", "v1", "resourcequotas", "ResourceQuota")
register(QUOTAS)
SETTLE = 1.0
# (apiVersion, plural, the legacy quota name of its count)
COUNTED = (
    ("v1", "pods", "pods"), ("v1", "services", "services"),
    ("v1", "configmaps", "configmaps"), ("v1", "secrets", "secrets"),
    ("v1", "persistentvolumeclaims", "persistentvolumeclaims"),
    ("v1", "replicationcontrollers", "replicationcontrollers"),
    ("v1", "resourcequotas", "resourcequotas"),
    ("apps/v1", "deployments", None), ("apps/v1", "replicasets", None),
    ("apps/v1", "statefulsets", None), ("apps/v1", "daemonsets", None),
    ("batch/v1", "jobs", None), ("batch/v1", "cronjobs", None),
)
POD_RESOURCES = ("cpu", "memory", "ephemeral-storage")
BINARY = (("Ei", 2**60), ("Pi", 2**50), ("Ti", 2**40), ("Gi", 2**30), ("Mi", 2**20),
          ("Ki", 2**10))


def format_quantity(value: Decimal, like: str) -> str:
    """`value` spelled as Kubernetes would, in the style of the hard limit `like`."""
    if value == value.to_integral_value():
        number = int(value)
        if any(like.endswith(s) for s, _ in BINARY) or number == 0:
            for suffix, size in BINARY:
                if number and number % size == 0:
                    return f"{number // size}{suffix}"
        return str(number)
    return f"{int((value * 1000).to_integral_value())}m"


def pod_usage(pod: Obj) -> dict[str, Decimal]:
    """requests.* and limits.* of one pod: max(sum of containers, largest init container)."""
    spec = pod.get("spec") or {}
    usage: dict[str, Decimal] = {}
    for kind in ("requests", "limits"):
        for name in POD_RESOURCES:
            def amount(c: Obj, kind: str = kind, name: str = name) -> Decimal:
                value = ((c.get("resources") or {}).get(kind) or {}).get(name)
                return parse_quantity(value) or Decimal(0)

            total = sum((amount(c) for c in spec.get("containers") or []), Decimal(0))
            init = max((amount(c) for c in spec.get("initContainers") or []),
                       default=Decimal(0))
            value = max(total, init)
            if value:
                usage[f"{kind}.{name}"] = value
    for name in POD_RESOURCES:
        if f"requests.{name}" in usage:
            usage[name] = usage[f"requests.{name}"]
    return usage


def in_scope(pod: Obj, scopes: list[str]) -> bool:
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    terminating = spec.get("activeDeadlineSeconds") is not None
    best_effort = status.get("qosClass") == "BestEffort"
    checks = {"Terminating": terminating, "NotTerminating": not terminating,
              "BestEffort": best_effort, "NotBestEffort": not best_effort}
    return all(checks.get(scope, True) for scope in scopes)


class ResourceQuotaController(Controller):
    name = "resourcequota-controller"
    alias = "resourcequota"
    component = "resourcequota-controller"
    workers = 2

    def __init__(self, ctx: ControllerContext, recorder: EventRecorder) -> None:
        super().__init__(ctx, recorder)
        self.counted: dict[str, tuple[Informer, str | None]] = {}
        for api_version, plural, legacy in COUNTED:
            informer = self.watch(ctx.informers.informer(
                api_version, plural, indexers={"namespace": by_namespace}))
            group = api_version.rpartition("/")[0]
            self.counted[f"count/{plural}.{group}" if group else f"count/{plural}"] = \
                (informer, legacy)
            informer.add_handlers(self._changed, lambda old, new: self._changed(new),
                                  self._changed)
        self.quotas = self.counted["count/resourcequotas"][0]
        self.pods = self.counted["count/pods"][0]

    def _changed(self, obj: Obj) -> None:
        for quota in self.quotas.store.by_index("namespace", obj["metadata"].get("namespace")
                                                or ""):
            self.queue.add_after(f"{quota['metadata']['namespace']}/"
                                 f"{quota['metadata']['name']}", SETTLE)

    def _used(self, namespace: str, hard: Obj, scopes: list[str]) -> dict[str, Decimal]:
        used: dict[str, Decimal] = {}
        pods = [p for p in self.pods.store.by_index("namespace", namespace)
                if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
                and in_scope(p, scopes)]
        for key, (informer, legacy) in self.counted.items():
            if key not in hard and legacy not in hard:
                continue
            count = len(pods) if key == "count/pods" else \
                len(informer.store.by_index("namespace", namespace))
            used[key] = Decimal(count)
            if legacy:
                used[legacy] = Decimal(count)
        totals: dict[str, Decimal] = {}
        for pod in pods:
            for name, value in pod_usage(pod).items():
                totals[name] = totals.get(name, Decimal(0)) + value
        services = self.counted["count/services"][0].store.by_index("namespace", namespace)
        totals["services.nodeports"] = Decimal(sum(
            1 for s in services if (s.get("spec") or {}).get("type") in
            ("NodePort", "LoadBalancer") for p in (s.get("spec") or {}).get("ports") or []
            if p.get("nodePort")))
        totals["services.loadbalancers"] = Decimal(sum(
            1 for s in services if (s.get("spec") or {}).get("type") == "LoadBalancer"))
        claims = self.counted["count/persistentvolumeclaims"][0].store.by_index(
            "namespace", namespace)
        totals["requests.storage"] = sum(
            (parse_quantity(((c.get("spec") or {}).get("resources") or {}).get(
                "requests", {}).get("storage")) or Decimal(0) for c in claims), Decimal(0))
        for name in hard:
            if name not in used:
                used[name] = totals.get(name, Decimal(0))
        return used

    async def sync(self, key: str) -> None:
        quota = self.quotas.store.get(key)
        if quota is None:
            return
        spec = quota.get("spec") or {}
        hard = dict(spec.get("hard") or {})
        used = self._used(quota["metadata"]["namespace"], hard, list(spec.get("scopes") or []))
        status = {"hard": hard,
                  "used": {name: format_quantity(used[name], str(hard[name])) for name in hard}}
        if status == (quota.get("status") or {}):
            return
        try:
            await self.client.update_status("v1", "resourcequotas", {**quota, "status": status})
        except RequestError as e:
            if not is_not_found(e):
                raise
