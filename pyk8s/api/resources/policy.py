"""policy/v1 PodDisruptionBudgets: how many selected pods voluntary evictions may take.

A budget states `minAvailable` or `maxUnavailable` (an integer or a
percentage, not both); the disruption controller fills `status` and the
eviction subresource consults it. Nothing is defaulted.
"""

from __future__ import annotations

from pyk8s.api import validation as v
from pyk8s.api.errors import Cause
from pyk8s.api.resource import Obj, ResourceType
from pyk8s.api.resources._common import column, int_or_percent, mapping, number, one_of
from pyk8s.api.tables import AGE

EVICTION_POLICIES = ["AlwaysAllow", "IfHealthyBudget"]


def validate_pdb(pdb: Obj) -> list[Cause]:
    spec = mapping(pdb, "spec")
    out: list[Cause] = []
    if spec.get("minAvailable") is not None and spec.get("maxUnavailable") is not None:
        out.append(v.invalid("spec", spec, "minAvailable and maxUnavailable cannot be both set"))
    for name in ("minAvailable", "maxUnavailable"):
        out += int_or_percent(f"spec.{name}", spec.get(name), max_100=True)
    out += v.label_selector("spec.selector", spec.get("selector"))
    return out + one_of("spec.unhealthyPodEvictionPolicy", spec.get("unhealthyPodEvictionPolicy"),
                        EVICTION_POLICIES, required=False)


def _bound(pdb: Obj, field: str) -> str:
    value = mapping(pdb, "spec").get(field)
    return "N/A" if value is None else str(value)


PODDISRUPTIONBUDGET = ResourceType(
    group="policy", version="v1", kind="PodDisruptionBudget", plural="poddisruptionbudgets",
    short_names=("pdb",), subresources=("status",),
    columns=(
        column("Min Available", lambda o: _bound(o, "minAvailable"),
               description="The minimum number of pods that must be available."),
        column("Max Unavailable", lambda o: _bound(o, "maxUnavailable"),
               description="The maximum number of pods that may be unavailable."),
        column("Allowed Disruptions", lambda o: number(o, "status", "disruptionsAllowed"),
               type="integer"),
        AGE,
    ),
    validate=validate_pdb,
)

RESOURCES: list[ResourceType] = [PODDISRUPTIONBUDGET]
