"""Matching rules several plugins share: node selectors, node affinity, tolerations.

- `required_node_affinity(pod)` compiles `spec.nodeSelector` and the
  required node affinity (`nodeSelectorTerms`, ORed; within a term
  `matchExpressions` and `matchFields` ANDed; operators In, NotIn, Exists,
  DoesNotExist, Gt, Lt) into one predicate over a node. A term with nothing
  in it matches no node, as in Kubernetes.
- `tolerates(tolerations, taint)`: a toleration with an empty effect covers
  every effect; `operator: Exists` with no key covers every taint; `Equal`
  (the default) needs key and value to match.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pyk8s.api.selectors import (
    OP_DOES_NOT_EXIST,
    OP_EXISTS,
    OP_GT,
    OP_IN,
    OP_LT,
    OP_NOT_IN,
    LabelSelector,
    Requirement,
    selector_from_map,
)

Obj = dict[str, Any]
NodePredicate = Callable[[Obj], bool]

_OPERATORS = {"In": OP_IN, "NotIn": OP_NOT_IN, "Exists": OP_EXISTS,
              "DoesNotExist": OP_DOES_NOT_EXIST, "Gt": OP_GT, "Lt": OP_LT}


def _requirements(exprs: Iterable[Obj]) -> LabelSelector | None:
    """A selector for node selector requirements; None if one is malformed."""
    reqs = []
    for e in exprs:
        op = _OPERATORS.get(e.get("operator", ""))
        if op is None:
            return None
        reqs.append(Requirement(str(e.get("key") or ""), op,
                                tuple(str(v) for v in e.get("values") or ())))
    return LabelSelector(tuple(reqs))


def node_selector_term(term: Obj) -> NodePredicate:
    exprs = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not exprs and not fields:
        return lambda node: False
    labels_sel = _requirements(exprs)
    fields_sel = _requirements(fields)
    if labels_sel is None or fields_sel is None:
        return lambda node: False

    def matches(node: Obj) -> bool:
        md = node.get("metadata") or {}
        if exprs and not labels_sel.matches(md.get("labels") or {}):
            return False
        return not fields or fields_sel.matches({"metadata.name": md.get("name", "")})
    return matches


def node_selector_terms(terms: list[Obj]) -> NodePredicate:
    preds = [node_selector_term(t) for t in terms]
    return lambda node: any(p(node) for p in preds)


def required_node_affinity(pod: Obj) -> NodePredicate | None:
    """The pod's nodeSelector and required node affinity as one predicate (None: any node)."""
    spec = pod.get("spec") or {}
    preds: list[NodePredicate] = []
    if spec.get("nodeSelector"):
        sel = selector_from_map(spec["nodeSelector"])
        preds.append(lambda node: sel.matches((node.get("metadata") or {}).get("labels")))
    required = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution"))
    if required is not None:
        preds.append(node_selector_terms(required.get("nodeSelectorTerms") or []))
    if not preds:
        return None
    return lambda node: all(p(node) for p in preds)


def tolerates(tolerations: Iterable[Obj], taint: Obj) -> bool:
    for t in tolerations:
        effect = t.get("effect") or ""
        if effect and effect != taint.get("effect"):
            continue
        key = t.get("key") or ""
        if t.get("operator") == "Exists":
            if not key or key == taint.get("key"):
                return True
        elif key == taint.get("key") and (t.get("value") or "") == (taint.get("value") or ""):
            return True
    return False


def untolerated(taints: Iterable[Obj], tolerations: list[Obj],
                effects: tuple[str, ...] = ("NoSchedule", "NoExecute")) -> Obj | None:
    """The first taint with one of `effects` that the tolerations do not cover."""
    for taint in taints:
        if taint.get("effect") in effects and not tolerates(tolerations, taint):
            return taint
    return None
