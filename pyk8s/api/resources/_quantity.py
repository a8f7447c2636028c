"""Resource quantities (`500m`, `1.5Gi`, `2e3`) parsed and compared exactly.

Kubernetes writes CPU, memory and storage amounts as `resource.Quantity`
strings: a signed decimal number and an optional suffix, binary (`Ki` .. `Ei`,
powers of 1024), decimal SI (`n`, `u`, `m`, `k`, `M` .. `E`) or a decimal
exponent (`e3`, `E-2`). Values are parsed into `Decimal`s so that `1Gi`,
`1024Mi` and `1073741824` compare equal, and so that `requests <= limits`
checks never suffer float rounding. JSON numbers (`cpu: 2`) are accepted
too, as the API server accepts them.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from pyk8s.api import validation as v
from pyk8s.api.errors import Cause

# The grammar is stricter than the regular expression Kubernetes quotes in its
# error message (that one is only the first, coarse check it makes).
_QUANTITY = re.compile(
    r"^(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$"
)
_MULTIPLIERS: dict[str, Decimal] = {
    "": Decimal(1),
    "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"),
    "k": Decimal("1e3"), "M": Decimal("1e6"), "G": Decimal("1e9"),
    "T": Decimal("1e12"), "P": Decimal("1e15"), "E": Decimal("1e18"),
    "Ki": Decimal(2**10), "Mi": Decimal(2**20), "Gi": Decimal(2**30),
    "Ti": Decimal(2**40), "Pi": Decimal(2**50), "Ei": Decimal(2**60),
}

QUANTITY_ERROR = (
    "quantities must match the regular expression "
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)


def parse_quantity(value: Any) -> Decimal | None:
    """The amount a quantity denotes, or None if it is not a quantity."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(str(value))
    if not isinstance(value, str):
        return None
    m = _QUANTITY.match(value)
    if m is None:
        return None
    suffix = m.group("suffix") or ""
    try:
        number = Decimal(m.group("number"))
        if suffix[:1] in ("e", "E"):
            return number.scaleb(int(suffix[1:]))
    except (InvalidOperation, ValueError):
        return None
    return number * _MULTIPLIERS[suffix]


def quantity_causes(path: str, value: Any) -> list[Cause]:
    """A quantity that parses and is not negative."""
    amount = parse_quantity(value)
    if amount is None:
        return [v.invalid(path, value, QUANTITY_ERROR)]
    if amount < 0:
        return [v.invalid(path, value, "must be greater than or equal to 0")]
    return []


def resource_list_causes(path: str, resources: Any) -> list[Cause]:
    """Every value of a ResourceList (`{cpu: 500m, memory: 1Gi}`) is a quantity."""
    if not isinstance(resources, dict):
        return []
    out: list[Cause] = []
    for name, value in resources.items():
        out += quantity_causes(f"{path}[{name}]", value)
    return out
