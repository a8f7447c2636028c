"""Sets of field paths, and their `FieldsV1` form in `metadata.managedFields`.

A field path names one place in an object: a chain of path elements, each
written the way `FieldsV1` writes it --

* `f:<name>`: a member of an object (`f:spec`, `f:replicas`, `f:app`);
* `k:<json>`: the element of an associative list whose key fields have
  these values (`k:{"name":"nginx"}`, `k:{"containerPort":80,"protocol":"TCP"}`);
* `v:<json>`: the element of a set with this value (`v:"example.com/fin"`);
* `i:<n>`: an element of a list by index.

A `FieldSet` is a trie of such paths: at each level, the elements that are
themselves in the set (`members`) and the sub-sets below elements that have
descendants in it (`children`). In `FieldsV1` a member without children is
`{}`, a member with children carries `".": {}` next to them, and an element
that only leads to members has its children alone:

    {"f:metadata": {"f:labels": {".": {}, "f:app": {}}}}

is the set {`.metadata.labels`, `.metadata.labels.app`}. The set algebra
(union, difference, intersection) is element-wise per level, as
structured-merge-diff defines it: removing the path `a` does not remove
`a.b` (`recursive_difference` does).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import orjson

__all__ = ["FieldSet", "element_string", "path_string"]

_MEMBER = "."
_RANK = {"f": 0, "k": 1, "v": 2, "i": 3}


def _order(pe: str) -> tuple[int, Any]:
    kind, _, rest = pe.partition(":")
    if kind == "i" and rest.isdigit():
        return _RANK["i"], int(rest)
    return _RANK.get(kind, 4), rest


class FieldSet:
    """A set of field paths (see the module docstring)."""

    __slots__ = ("children", "members")

    def __init__(self) -> None:
        self.members: set[str] = set()
        self.children: dict[str, FieldSet] = {}

    # Building and reading ----------------------------------------------

    @classmethod
    def of(cls, *paths: Sequence[str]) -> FieldSet:
        out = cls()
        for p in paths:
            out.insert(p)
        return out

    def __bool__(self) -> bool:
        return bool(self.members or self.children)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldSet) and self.members == other.members and \
            self.children == other.children

    def __repr__(self) -> str:
        return f"FieldSet({sorted(path_string(p) for p in self.paths())})"

    def insert(self, path: Sequence[str]) -> None:
        node = self
        for pe in path[:-1]:
            node = node.children.setdefault(pe, FieldSet())
        if path:
            node.members.add(path[-1])

    def has(self, path: Sequence[str]) -> bool:
        node: FieldSet | None = self
        for pe in path[:-1]:
            node = node.children.get(pe) if node is not None else None
            if node is None:
                return False
        return bool(path) and node is not None and path[-1] in node.members

    def child(self, pe: str) -> FieldSet | None:
        return self.children.get(pe)

    def paths(self) -> Iterator[tuple[str, ...]]:
        """Every member path, in FieldsV1 order (a member before its descendants)."""
        for pe in sorted(self.members | set(self.children), key=_order):
            if pe in self.members:
                yield (pe,)
            sub = self.children.get(pe)
            if sub is not None:
                for rest in sub.paths():
                    yield (pe, *rest)

    def copy(self) -> FieldSet:
        out = FieldSet()
        out.members = set(self.members)
        out.children = {pe: c.copy() for pe, c in self.children.items()}
        return out

    # Algebra -------------------------------------------------------------

    def union(self, other: FieldSet) -> FieldSet:
        out = FieldSet()
        out.members = self.members | other.members
        for pe in self.children.keys() | other.children.keys():
            a, b = self.children.get(pe), other.children.get(pe)
            out.children[pe] = a.union(b) if a is not None and b is not None else \
                (a or b or FieldSet()).copy()
        return out

    def intersection(self, other: FieldSet) -> FieldSet:
        out = FieldSet()
        out.members = self.members & other.members
        for pe in self.children.keys() & other.children.keys():
            sub = self.children[pe].intersection(other.children[pe])
            if sub:
                out.children[pe] = sub
        return out

    def difference(self, other: FieldSet) -> FieldSet:
        out = FieldSet()
        out.members = self.members - other.members
        for pe, c in self.children.items():
            o = other.children.get(pe)
            sub = c.difference(o) if o is not None else c.copy()
            if sub:
                out.children[pe] = sub
        return out

    def recursive_difference(self, other: FieldSet) -> FieldSet:
        """Like `difference`, but a member of `other` also takes everything below it."""
        out = FieldSet()
        out.members = self.members - other.members
        for pe, c in self.children.items():
            if pe in other.members:
                continue
            o = other.children.get(pe)
            sub = c.recursive_difference(o) if o is not None else c.copy()
            if sub:
                out.children[pe] = sub
        return out

    # FieldsV1 -------------------------------------------------------------

    def to_fields_v1(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for pe in sorted(self.members | set(self.children), key=_order):
            sub = self.children.get(pe)
            if sub is None:
                out[pe] = {}
            else:
                node: dict[str, Any] = {_MEMBER: {}} if pe in self.members else {}
                node.update(sub.to_fields_v1())
                out[pe] = node
        return out

    @classmethod
    def from_fields_v1(cls, doc: Any) -> FieldSet:
        """Decode FieldsV1; ValueError if it is not a valid field set."""
        if not isinstance(doc, dict):
            raise ValueError("FieldsV1 must be an object")
        out = cls()
        for pe, sub in doc.items():
            if pe == _MEMBER:
                continue
            if not isinstance(sub, dict) or pe[:2] not in ("f:", "k:", "v:", "i:"):
                raise ValueError(f"invalid path element {pe!r}")
            if not sub or _MEMBER in sub:
                out.members.add(pe)
            children = cls.from_fields_v1(sub)
            if children:
                out.children[pe] = children
        return out


def element_string(pe: str) -> str:
    """One path element as Kubernetes prints it: `.name`, `[name="c"]`, `[="v"]`, `[0]`."""
    kind, _, rest = pe.partition(":")
    if kind == "f":
        return "." + rest
    if kind == "k":
        try:
            key = orjson.loads(rest)
        except orjson.JSONDecodeError:
            return f"[{rest}]"
        if isinstance(key, dict):
            parts = sorted(f"{k}={orjson.dumps(v).decode()}" for k, v in key.items())
            return "[" + ",".join(parts) + "]"
        return f"[{rest}]"
    if kind == "v":
        return f"[={rest}]"
    return f"[{rest}]"


def path_string(path: Sequence[str]) -> str:
    return "".join(element_string(pe) for pe in path)
