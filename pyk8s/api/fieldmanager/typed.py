"""Objects walked with their schema: field sets, comparison, merge and pruning.

These are the four operations server-side apply is built from, with
structured-merge-diff's semantics, over plain JSON values and a
`schema.Node`:

* `field_set(obj)`: the fields an object (an applied configuration) sets:
  every leaf (scalars, atomic lists and structs, `null`, empty objects),
  every list item, and every member of a map that is not a declared struct
  field (a label, an annotation, any member of a deduced object);
* `compare(old, new)`: which paths were added, modified and removed; an
  object or list that appears or goes is itself added or removed, except a
  non-empty built-in struct that Go's zero value of the object already
  holds (`spec`, `status`, a pod template; see `schema`);
* `merge(live, config)`: the configuration laid over the live object.
  Objects merge member by member, associative lists and sets item by item
  (items in the configuration's order, live-only items keeping their place
  between them), everything else is replaced; `null` unsets;
* `prune(obj, last, keep)`: remove what an applier set last time (`last`)
  and nobody sets now (`keep`). A path counts as kept when it is in `keep`,
  or when it is a declared struct member with kept fields below it; an
  emptied object or list goes with its last member.

A configuration that does not fit its schema (a member a built-in kind does
not declare, a list-map item without its key, two items with the same key)
raises `schema.TypedError`; live objects are taken as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyk8s.api.fieldmanager.fieldpath import FieldSet
from pyk8s.api.fieldmanager.schema import STRUCT, Node, TypedError
from pyk8s.api.patch import deep_copy

__all__ = ["MISSING", "Comparison", "compare", "field_set", "merge", "prune"]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _children(value: Any, node: Node, how: str, *, strict: bool
              ) -> list[tuple[str, Any, Node, bool]]:
    """(path element, value, its node, declared struct member) of a granular value."""
    if how == "map":
        out = []
        for k, v in value.items():
            child, declared = node.member(k)
            out.append(("f:" + k, v, child, declared))
        return out
    item = node.element
    seen: set[str] = set()
    items = []
    for i, v in enumerate(value):
        try:
            pe = node.item_element(v)
        except TypedError as e:
            raise TypedError(f"element {i}: {e.message}") from None
        if pe in seen:
            if strict:
                from pyk8s.api.fieldmanager.fieldpath import element_string

                raise TypedError(f"duplicate entries for key {element_string(pe)[1:-1]}")
            continue
        seen.add(pe)
        items.append((pe, v, item, False))
    return items


# ---------------------------------------------------------------------------
# Field sets

def field_set(obj: Any, node: Node) -> FieldSet:
    """The set of fields `obj` sets (duplicate list keys are an error)."""
    out = FieldSet()
    how = node.granular(obj)
    if how:
        _collect(obj, node, how, out)
    return out


def _collect(value: Any, node: Node, how: str, out: FieldSet) -> None:
    for pe, v, child, declared in _children(value, node, how, strict=True):
        if not declared and node.kind == STRUCT and node.zero_present:
            raise TypedError("field not declared in schema", (pe,))
        sub_how = child.granular(v)
        if sub_how:
            sub = FieldSet()
            try:
                _collect(v, child, sub_how, sub)
            except TypedError as e:
                raise e.within(pe) from None
            if sub:
                out.children[pe] = sub
        if how == "list" or not sub_how or not declared or (isinstance(v, dict) and not v):
            out.members.add(pe)


# ---------------------------------------------------------------------------
# Comparison

@dataclass
class Comparison:
    added: FieldSet
    modified: FieldSet
    removed: FieldSet

    def changed(self) -> FieldSet:
        """Added or modified: the paths whose owner a write becomes."""
        return self.added.union(self.modified)


def compare(old: Any, new: Any, node: Node) -> Comparison:
    """What changed from `old` to `new` (MISSING for an object that did not exist)."""
    c = Comparison(FieldSet(), FieldSet(), FieldSet())
    if old is MISSING:
        old = {}
    how = node.granular(new) or node.granular(old)
    if how and node.granular(old) == node.granular(new):
        _compare_children(old, new, node, how, c.added, c.modified, c.removed, True)
    return c


def _compare_children(old: Any, new: Any, node: Node, how: str, added: FieldSet,
                      modified: FieldSet, removed: FieldSet, zero: bool) -> None:
    """`zero`: Go's zero value of the object holds this position's built-in structs."""
    olds = {pe: (v, n) for pe, v, n, _ in _children(old, node, how, strict=False)} \
        if old is not MISSING else {}
    news = {pe: (v, n) for pe, v, n, _ in _children(new, node, how, strict=False)} \
        if new is not MISSING else {}
    for pe in [*olds, *(pe for pe in news if pe not in olds)]:
        ov, child = olds.get(pe, (MISSING, None))
        nv, nchild = news.get(pe, (MISSING, None))
        child = child or nchild
        assert child is not None
        if ov is not MISSING and nv is not MISSING and _same(ov, nv):
            continue
        ohow = child.granular(ov) if ov is not MISSING else ""
        nhow = child.granular(nv) if nv is not MISSING else ""
        container = (ohow or ov is MISSING) and (nhow or nv is MISSING) and \
            (ov is MISSING or nv is MISSING or ohow == nhow)
        if not container:
            if ov is MISSING:
                added.members.add(pe)
            elif nv is MISSING:
                removed.members.add(pe)
            else:
                modified.members.add(pe)
            continue
        in_zero = zero and how == "map" and child.kind == STRUCT and child.zero_present
        a, m, r = FieldSet(), FieldSet(), FieldSet()
        _compare_children(ov, nv, child, ohow or nhow, a, m, r, in_zero)
        for target, sub in ((added, a), (modified, m), (removed, r)):
            if sub:
                target.children[pe] = sub
        if ov is MISSING and (not in_zero or nv == {}):
            added.members.add(pe)
        elif nv is MISSING:
            removed.members.add(pe)


# ---------------------------------------------------------------------------
# Merge

def merge(live: Any, config: Any, node: Node) -> Any:
    """`config` laid over `live` (either may be MISSING); neither is modified."""
    if config is MISSING:
        return live
    how = node.granular(config)
    if live is MISSING or not how or node.granular(live) != how:
        return _without_nulls(deep_copy(config))
    if how == "map":
        out = dict(live)
        for k, v in config.items():
            if v is None:
                out.pop(k, None)
            else:
                out[k] = merge(live.get(k, MISSING), v, node.member(k)[0])
        return out
    return _merge_list(live, config, node)


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _merge_list(live: list[Any], config: list[Any], node: Node) -> list[Any]:
    """Config items in config order; live-only items stay where they were among them."""
    item = node.element
    rhs = [(pe, v) for pe, v, _, _ in _children(config, node, "list", strict=True)]
    lhs_all = [(node.item_element(v), v) for v in live] if live else []
    lhs_by: dict[str, Any] = {}
    for pe, v in lhs_all:
        lhs_by.setdefault(pe, v)
    rhs_by = dict(rhs)
    shared = [pe for pe, _ in rhs if pe in lhs_by]
    out: list[Any] = []
    done: set[str] = set()
    li = ri = si = 0

    def next_shared() -> str | None:
        nonlocal si
        while si < len(shared) and shared[si] in done:
            si += 1
        return shared[si] if si < len(shared) else None

    while li < len(lhs_all) or ri < len(rhs):
        if li < len(lhs_all) and ri < len(rhs):
            lpe = lhs_all[li][0]
            if lpe == rhs[ri][0]:
                if lpe not in done:
                    out.append(merge(lhs_by[lpe], rhs[ri][1], item))
                    done.add(lpe)
                li += 1
                ri += 1
                continue
            want = next_shared()
            if lpe in rhs_by and want is not None and want != lpe:
                li += 1
                continue
        if li < len(lhs_all):
            lpe, lv = lhs_all[li]
            if lpe not in rhs_by:
                out.append(lv)
                li += 1
                continue
            if lpe in done:
                li += 1
                continue
        if ri < len(rhs):
            rpe, rv = rhs[ri]
            out.append(merge(lhs_by.get(rpe, MISSING), rv, item))
            done.add(rpe)
            ri += 1
    return out


# ---------------------------------------------------------------------------
# Pruning

_EMPTIED = MISSING


def prune(obj: Any, node: Node, last: FieldSet, keep: FieldSet) -> Any:
    """`obj` without what `last` holds and `keep` does not (see the module docstring)."""
    how = node.granular(obj)
    if not how or not last:
        return obj
    out = _prune(obj, node, how, last, keep)
    return {} if out is _EMPTIED else out


def _prune(value: Any, node: Node, how: str, last: FieldSet, keep: FieldSet | None) -> Any:
    changed = False
    kept: list[tuple[str, Any]] = []
    children = _children(value, node, how, strict=False) if how == "map" else \
        [(node.item_element(v), v, node.element, False) for v in value]
    for pe, v, child, declared in children:
        named = declared and node.kind == STRUCT
        lsub = last.children.get(pe)
        in_last = pe in last.members or (named and lsub is not None)
        if not in_last and lsub is None:
            kept.append((pe, v))
            continue
        ksub = keep.children.get(pe) if keep is not None else None
        in_keep = keep is not None and (pe in keep.members or (named and ksub is not None))
        if in_last and not in_keep:
            changed = True
            continue
        sub_how = child.granular(v)
        if lsub is not None and sub_how:
            nv = _prune(v, child, sub_how, lsub, ksub)
            if nv is not v:
                changed = True
                if nv is _EMPTIED:
                    continue
                v = nv
        kept.append((pe, v))
    if not changed:
        return value
    if not kept:
        return _EMPTIED
    if how == "map":
        return {pe[2:]: v for pe, v in kept}
    return [v for _, v in kept]
