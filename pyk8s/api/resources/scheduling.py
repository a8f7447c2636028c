"""scheduling.k8s.io/v1 PriorityClasses: named pod priorities.

User classes may go up to one billion; higher values belong to the two
built-in `system-` classes, whose names, values and defaults are fixed. A
class's value and preemption policy never change after creation (pods
already carry the number).
"""

from __future__ import annotations

from pyk8s.api import validation as v
from pyk8s.api.errors import Cause
from pyk8s.api.resource import Obj, ResourceType
from pyk8s.api.resources._common import column, immutable, number, one_of, set_default, text
from pyk8s.api.tables import AGE

HIGHEST_USER_PRIORITY = 1_000_000_000
SYSTEM_PREFIX = "system-"
# name -> (value, globalDefault) of the built-in classes
SYSTEM_CLASSES = {"system-node-critical": (2_000_001_000, False),
                  "system-cluster-critical": (2_000_000_000, False)}
PREEMPTION_POLICIES = ["PreemptLowerPriority", "Never"]


def _system_class_error(pc: Obj) -> str | None:
    name = text(pc, "metadata", "name")
    if name not in SYSTEM_CLASSES:
        return f"{name} is not a known system priority class"
    value, global_default = SYSTEM_CLASSES[name]
    if pc.get("value") != value:
        return f"value of {name} PriorityClass must be {value}"
    if (pc.get("globalDefault") is True) != global_default:
        return f"globalDefault of {name} PriorityClass must be {str(global_default).lower()}"
    return None


def validate_priorityclass(pc: Obj) -> list[Cause]:
    out: list[Cause] = []
    if text(pc, "metadata", "name").startswith(SYSTEM_PREFIX):
        error = _system_class_error(pc)
        if error:
            out.append(v.forbidden("metadata.name", f"priority class names with "
                                   f"'{SYSTEM_PREFIX}' prefix are reserved for system use only. "
                                   f"error: {error}"))
    elif number(pc, "value") > HIGHEST_USER_PRIORITY:
        out.append(v.forbidden("value", f"maximum allowed value of a user defined priority is "
                               f"{HIGHEST_USER_PRIORITY}"))
    return out + one_of("preemptionPolicy", pc.get("preemptionPolicy"), PREEMPTION_POLICIES,
                        required=False)


def validate_priorityclass_update(new: Obj, old: Obj) -> list[Cause]:
    out = [] if new.get("value") == old.get("value") else \
        [v.forbidden("value", "may not be changed in an update.")]
    return out + immutable("preemptionPolicy", new.get("preemptionPolicy"),
                           old.get("preemptionPolicy"))


PRIORITYCLASS = ResourceType(
    group="scheduling.k8s.io", version="v1", kind="PriorityClass", plural="priorityclasses",
    namespaced=False, short_names=("pc",),
    columns=(
        column("Value", lambda o: number(o, "value"), type="integer"),
        column("Global-Default", lambda o: o.get("globalDefault") is True, type="boolean"),
        AGE,
        column("PreemptionPolicy", lambda o: text(o, "preemptionPolicy")),
    ),
    default=lambda pc: set_default(pc, "preemptionPolicy", "PreemptLowerPriority"),
    validate=validate_priorityclass,
    validate_update=validate_priorityclass_update,
)

RESOURCES: list[ResourceType] = [PRIORITYCLASS]
