"""Usage figures as the metrics API writes them: CPU in nanocores, memory in bytes.

metrics-server answers with exact quantities (`123456789n`, `10240Ki`); the
same here, in the largest unit that keeps the figure whole, so that clients
which compare strings see stable values.
"""

from __future__ import annotations

from decimal import Decimal

from pyk8s.api.resources._quantity import parse_quantity


def cpu(nanocores: int) -> str:
    if nanocores % 1_000_000 == 0:
        return f"{nanocores // 1_000_000}m"
    return f"{nanocores}n"


def memory(size: int) -> str:
    if size and size % (1 << 20) == 0:
        return f"{size >> 20}Mi"
    if size and size % 1024 == 0:
        return f"{size >> 10}Ki"
    return str(size)


def nanocores(text: object) -> int:
    """A cpu quantity (`300m`, `1`) in nanocores; 0 if absent or malformed."""
    value = parse_quantity(text) if text is not None else None
    return int(value * Decimal(1_000_000_000)) if value is not None and value > 0 else 0


def bytes_of(text: object) -> int:
    """A memory quantity (`64Mi`) in bytes; 0 if absent or malformed."""
    value = parse_quantity(text) if text is not None else None
    return int(value) if value is not None and value > 0 else 0
