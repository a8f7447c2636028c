"""Which Ingresses are ours: IngressClasses naming our controller.

An Ingress is served when its `spec.ingressClassName` (or, as older
Ingresses say it, the `kubernetes.io/ingress.class` annotation) names an
IngressClass whose `spec.controller` is `pyk8s.io/ingress-nginx`; an
Ingress naming no class is served when one of our IngressClasses is the
cluster's default (`ingressclass.kubernetes.io/is-default-class: "true"`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

Obj = dict[str, Any]
CONTROLLER = "pyk8s.io/ingress-nginx"
DEFAULT_CLASS = "ingressclass.kubernetes.io/is-default-class"
CLASS_ANNOTATION = "kubernetes.io/ingress.class"


def ours(ingresses: Iterable[Obj], classes: Iterable[Obj]) -> list[Obj]:
    names: set[str] = set()
    default = False
    for c in classes:
        if (c.get("spec") or {}).get("controller") != CONTROLLER:
            continue
        names.add(c["metadata"]["name"])
        if (c["metadata"].get("annotations") or {}).get(DEFAULT_CLASS) == "true":
            default = True
    out = []
    for ing in ingresses:
        name = (ing.get("spec") or {}).get("ingressClassName") or \
            (ing["metadata"].get("annotations") or {}).get(CLASS_ANNOTATION)
        if (name in names) if name else default:
            out.append(ing)
    return out
