"""Server-side printing: the `meta.k8s.io/v1` Table that `kubectl get` shows.

kubectl asks for `application/json;as=Table;v=v1;g=meta.k8s.io` and prints
the server's columns and cells as they come; only the server knows that a
Deployment shows READY, UP-TO-DATE and AVAILABLE. Each resource declares its
columns (`ResourceType.columns`, Kubernetes' default printer columns; for a
custom resource, its additionalPrinterColumns); NAME comes first unless the
declaration places it, and AGE alone stands in for an empty declaration.
Columns of priority 1 are the ones `-o wide` adds. Cells are computed here,
ages humanized here (`5m3s`, `2d4h`), as Kubernetes does.

Each row carries the object's metadata (or, with `includeObject=Object`, the
whole object): kubectl prints NAMESPACE for `-A`, LABELS for `--show-labels`
and `-L` columns from it, and sorts `--sort-by` on it. `kubectl get -w`
receives one-row Tables on its watch (see the watch handler).
"""

from __future__ import annotations

import datetime
from typing import Any

from pyk8s.api.resource import Column, Obj, ResourceType


def parse_time(ts: str) -> datetime.datetime:
    return datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC)


def human_duration(seconds: float) -> str:
    """Kubernetes' short human duration (`45s`, `3m2s`, `5h10m`, `12d`)."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        return f"{minutes}m" if s % 60 == 0 else f"{minutes}m{s % 60}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        return f"{hours}h" if minutes % 60 == 0 else f"{hours}h{minutes % 60}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{hours // 24}d" if hours % 24 == 0 else f"{hours // 24}d{hours % 24}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if days == 0 else f"{hours // 24 // 365}y{days}d"
    return f"{hours // 24 // 365}y"


def since(ts: str | None) -> str:
    """Human age of an RFC 3339 timestamp, `<unknown>` when absent."""
    if not ts:
        return "<unknown>"
    now = datetime.datetime.now(datetime.UTC)
    return human_duration((now - parse_time(ts)).total_seconds())


AGE = Column(
    "Age",
    lambda o: since(o.get("metadata", {}).get("creationTimestamp")),
    description="CreationTimestamp is a timestamp representing the server time when this "
    "object was created.",
)

NAME = Column(
    "Name",
    lambda o: o.get("metadata", {}).get("name", ""),
    format="name",
    description="Name must be unique within a namespace.",
)


def columns_of(r: ResourceType) -> tuple[Column, ...]:
    """The Table's columns: NAME first, unless the kind places it (events put it last)."""
    if any(c.format == "name" for c in r.columns):
        return r.columns
    return (NAME, *(r.columns or (AGE,)))


def _cell(column: Column, obj: Obj) -> Any:
    try:
        value = column.cell(obj)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        value = None
    if value is None:
        return "<none>" if column.type == "string" else None
    return value


def partial_metadata(obj: Obj) -> Obj:
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj.get("metadata", {}),
    }


def table(
    r: ResourceType,
    objects: list[Obj],
    *,
    resource_version: str,
    continue_token: str = "",
    include_object: str = "Metadata",
) -> Obj:
    cols = columns_of(r)
    rows = []
    for obj in objects:
        row: Obj = {"cells": [_cell(c, obj) for c in cols]}
        if include_object == "Object":
            row["object"] = obj
        elif include_object != "None":
            row["object"] = partial_metadata(obj)
        rows.append(row)
    meta: Obj = {"resourceVersion": resource_version}
    if continue_token:
        meta["continue"] = continue_token
    out: Obj = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta}
    out["columnDefinitions"] = [
        {
            "name": c.name,
            "type": c.type,
            "format": c.format,
            "description": c.description,
            "priority": c.priority,
        }
        for c in cols
    ]
    out["rows"] = rows
    return out
