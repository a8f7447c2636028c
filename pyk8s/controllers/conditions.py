"""Times and status conditions, as every controller reads and writes them.

Kubernetes timestamps are RFC 3339 in UTC with second precision
(`2026-01-02T03:04:05Z`). Conditions are `{"type", "status", "reason",
"message", "lastTransitionTime", ...}` entries of `status.conditions`, at
most one per type; `replace_condition` keeps each in its place in the list,
so that `kubectl describe` shows them in a stable order.
"""

from __future__ import annotations

import datetime
from typing import Any

Obj = dict[str, Any]


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def format_time(when: datetime.datetime | None = None) -> str:
    return (when or now()).astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: Any) -> datetime.datetime | None:
    """A Time or MicroTime string; None for anything unparseable."""
    if not isinstance(text, str) or not text:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


def get_condition(status: Obj | None, type_: str) -> Obj | None:
    for cond in (status or {}).get("conditions") or []:
        if cond.get("type") == type_:
            return dict(cond)
    return None


def replace_condition(status: Obj, cond: Obj) -> None:
    """Put `cond` where the condition of its type is (or last), as is."""
    conditions = [dict(c) for c in status.get("conditions") or []]
    for i, c in enumerate(conditions):
        if c.get("type") == cond["type"]:
            conditions[i] = cond
            break
    else:
        conditions.append(cond)
    status["conditions"] = conditions
