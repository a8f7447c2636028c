"""ObjectMeta rules common to every kind: what the server sets and what it checks.

On create the server fills `uid`, `creationTimestamp`, `name` from
`generateName`, and `generation`; on update it carries over what clients may
not change (uid, creationTimestamp, deletion fields) and bumps `generation`
when the spec changes. `validate` checks names, labels, annotations,
finalizers and ownerReferences with per-field causes.
"""

from __future__ import annotations

import datetime
import random
import uuid
from collections.abc import Callable
from typing import Any

from pyk8s.api import validation as v
from pyk8s.api.errors import Cause

Obj = dict[str, Any]

# Kubernetes' generateName alphabet: no vowels (no accidental words), no
# look-alike characters.
_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
SERVER_OWNED = ("uid", "creationTimestamp", "deletionTimestamp",
                "deletionGracePeriodSeconds", "generation")


def now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_uid() -> str:
    return str(uuid.uuid4())


def generate_name(base: str) -> str:
    base = base[: 63 - 5]
    return base + "".join(random.choices(_SUFFIX_ALPHABET, k=5))


def validate(meta: Any, *, namespaced: bool, name_rule: Callable[[str], list[str]],
             kube_finalizers: bool = True) -> list[Cause]:
    if not isinstance(meta, dict):
        return [v.invalid("metadata", meta, "must be an object")]
    out: list[Cause] = []
    name = meta.get("name")
    if not name:
        if not meta.get("generateName"):
            out.append(v.required("metadata.name", "name or generateName is required"))
    elif not isinstance(name, str):
        out.append(v.invalid("metadata.name", name, "must be a string"))
    else:
        out += v.check("metadata.name", name, name_rule(name))
    if namespaced and not meta.get("namespace"):
        out.append(v.required("metadata.namespace"))
    if not namespaced and meta.get("namespace"):
        out.append(v.forbidden("metadata.namespace", "not allowed on this type"))
    out += v.labels("metadata.labels", meta.get("labels"))
    out += v.annotation_map("metadata.annotations", meta.get("annotations"))
    finalizers = meta.get("finalizers") or []
    if not isinstance(finalizers, list):
        out.append(v.invalid("metadata.finalizers", finalizers, "must be a list of strings"))
    else:
        for i, f in enumerate(finalizers):
            if not isinstance(f, str) or not f:
                out.append(v.invalid(f"metadata.finalizers[{i}]", f, "must be a non-empty "
                                     "string"))
                continue
            errs = v.qualified_name_errors(f)
            if errs:
                out += v.check(f"metadata.finalizers[{i}]", f, errs)
            elif kube_finalizers and "/" not in f and \
                    f not in ("kubernetes", "orphan", "foregroundDeletion"):
                out.append(v.invalid(
                    f"metadata.finalizers[{i}]", f,
                    "name is neither a standard finalizer name nor is it fully qualified"))
    refs = meta.get("ownerReferences") or []
    if not isinstance(refs, list):
        out.append(v.invalid("metadata.ownerReferences", refs, "must be a list"))
        refs = []
    controllers = 0
    for i, ref in enumerate(refs):
        p = f"metadata.ownerReferences[{i}]"
        if not isinstance(ref, dict):
            out.append(v.invalid(p, ref, "must be an object"))
            continue
        for f in ("apiVersion", "kind", "name", "uid"):
            if not ref.get(f):
                out.append(v.required(f"{p}.{f}", f"{f} must not be empty"))
        if ref.get("controller"):
            controllers += 1
    if controllers > 1:
        out.append(v.invalid("metadata.ownerReferences", refs,
                             "Only one reference can have Controller set to true"))
    return out


def carry_over(new: Obj, old: Obj) -> None:
    """On update: keep the fields of metadata that only the server may set."""
    nm, om = new.setdefault("metadata", {}), old.get("metadata", {})
    for f in SERVER_OWNED:
        if f in om:
            nm[f] = om[f]
        else:
            nm.pop(f, None)
    nm["name"] = om.get("name")
    if "namespace" in om:
        nm["namespace"] = om["namespace"]


def spec_changed(new: Obj, old: Obj) -> bool:
    """Anything but metadata and status differs: the object's generation moves."""
    skip = ("metadata", "status", "apiVersion", "kind")
    keys = (set(new) | set(old)) - set(skip)
    return any(new.get(k) != old.get(k) for k in keys)
