"""The downward API: pod fields and container resources as text.

Used by `valueFrom.fieldRef` / `resourceFieldRef` in env and by downwardAPI
(and projected) volume items. Labels and annotations render as Kubernetes
writes them: one `key="value"` per line, sorted by key. A resource without a
limit falls back to the node's allocatable amount, as in Kubernetes.
"""

from __future__ import annotations

import math
import os
import re
from typing import Any

Obj = dict[str, Any]
_QUANTITY = re.compile(r"^([0-9.]+)([a-zA-Z]*)$")
_SUFFIX = {"": 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
           "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}


def quantity(text: str) -> float:
    m = _QUANTITY.match(str(text).strip())
    if not m or m.group(2) not in _SUFFIX:
        raise ValueError(f"invalid quantity {text!r}")
    return float(m.group(1)) * _SUFFIX[m.group(2)]


def _lines(mapping: dict[str, str]) -> str:
    return "\n".join(f'{k}="{v}"' for k, v in sorted(mapping.items()))


def field_value(pod: Obj, path: str, *, pod_ip: str, host_ip: str) -> str:
    md, spec = pod["metadata"], pod["spec"]
    m = re.match(r"^metadata\.(labels|annotations)\['(.+)'\]$", path)
    if m:
        return str((md.get(m.group(1)) or {}).get(m.group(2), ""))
    simple = {
        "metadata.name": md.get("name", ""), "metadata.namespace": md.get("namespace", ""),
        "metadata.uid": md.get("uid", ""),
        "metadata.labels": _lines(md.get("labels") or {}),
        "metadata.annotations": _lines(md.get("annotations") or {}),
        "spec.nodeName": spec.get("nodeName", ""),
        "spec.serviceAccountName": spec.get("serviceAccountName", ""),
        "status.podIP": pod_ip, "status.podIPs": pod_ip,
        "status.hostIP": host_ip, "status.hostIPs": host_ip,
    }
    return str(simple.get(path, ""))


def _node_allocatable(resource: str) -> float:
    if resource.endswith("cpu"):
        return float(os.cpu_count() or 1)
    if resource.endswith("memory"):
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    return 0.0


def resource_value(container: Obj, ref: Obj) -> str:
    resource = ref["resource"]  # limits.cpu, requests.memory, ...
    kind, _, name = resource.partition(".")
    res = container.get("resources") or {}
    raw = (res.get(kind) or {}).get(name)
    if raw is None and kind == "requests":
        raw = (res.get("limits") or {}).get(name)
    value = quantity(raw) if raw is not None else _node_allocatable(resource)
    divisor = quantity(ref.get("divisor") or "1")
    return str(math.ceil(value / divisor))
