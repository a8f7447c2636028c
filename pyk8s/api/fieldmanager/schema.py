"""What server-side apply needs to know about a kind's schema, in one shape.

Three sources describe objects, and each becomes a tree of `Node`s:

* built-in kinds: their declarations in `pyk8s.api.types` -- list types and
  keys (`x-kubernetes-list-type`/`-list-map-keys`), atomic structs and maps.
  A list without a declared list type follows its patch strategy, as
  Kubernetes derives it: merge with a merge key is a map list keyed by it,
  merge alone a set, anything else atomic;
* custom resources: the CRD's openAPIV3Schema (`ResourceType.openapi_schema`),
  whose lists are atomic unless `x-kubernetes-list-type` says otherwise;
* anything else (and members a schema does not declare): deduced from the
  value -- objects merge member by member, lists are atomic, as
  structured-merge-diff's deduced type does.

A node is a `SCALAR` (a leaf), a `STRUCT` (declared members; others are
deduced), a `MAP` (any member name, one value type), a `LIST`, or `ANY`
(deduced). `atomic` makes a struct or map a leaf. Struct nodes of built-in
kinds are `zero_present`: Go's zero value of the parent already holds them,
so a write that adds one does not own the struct itself, only what it holds.

List-map keys a manifest may leave out take their OpenAPI default (a
container port's protocol is TCP), which `KEY_DEFAULTS` records for the
built-in types.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from typing import Any, Literal

import orjson

from pyk8s.api.resource import ResourceType
from pyk8s.api.types import (
    Field,
    FieldType,
    MapOf,
    Ref,
    Scalar,
    Struct,
    kind_schema,
    struct,
)

__all__ = ["Node", "TypedError", "for_resource"]

Kind = Literal["scalar", "struct", "map", "list", "any"]
SCALAR: Kind = "scalar"
STRUCT: Kind = "struct"
MAP: Kind = "map"
LIST: Kind = "list"
ANY: Kind = "any"

OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
# (struct, key field) -> the default of a list-map key field.
KEY_DEFAULTS: dict[tuple[str, str], Any] = {
    ("io.k8s.api.core.v1.ContainerPort", "protocol"): "TCP",
    ("io.k8s.api.core.v1.ServicePort", "protocol"): "TCP",
}


class TypedError(ValueError):
    """An object that does not fit its schema (a list-map element without its key, ...)."""

    def __init__(self, message: str, path: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def within(self, pe: str) -> TypedError:
        return TypedError(self.message, (pe, *self.path))

    def __str__(self) -> str:
        from pyk8s.api.fieldmanager.fieldpath import path_string

        where = path_string(self.path)
        return f"{where}: {self.message}" if where else self.message


class Node:
    """One position of a schema, as server-side apply walks it."""

    __slots__ = ("_element", "_element_fn", "_fields", "_fields_fn", "atomic", "key_defaults",
                 "keys", "kind", "list_type", "zero_present")

    def __init__(self, kind: Kind, *, atomic: bool = False, list_type: str = "atomic",
                 keys: tuple[str, ...] = (), key_defaults: Mapping[str, Any] | None = None,
                 fields: Callable[[], dict[str, Node]] | None = None,
                 element: Callable[[], Node] | None = None, zero_present: bool = False) -> None:
        self.kind = kind
        self.atomic = atomic
        self.list_type = list_type
        self.keys = keys
        self.key_defaults = key_defaults or {}
        self.zero_present = zero_present
        self._fields_fn = fields
        self._fields: dict[str, Node] | None = None
        self._element_fn = element
        self._element: Node | None = None

    def __repr__(self) -> str:
        return f"Node({self.kind}{', atomic' if self.atomic else ''})"

    @property
    def fields(self) -> dict[str, Node]:
        if self._fields is None:
            self._fields = self._fields_fn() if self._fields_fn is not None else {}
        return self._fields

    @property
    def element(self) -> Node:
        """The type of list items, map values and undeclared struct members."""
        if self._element is None:
            self._element = self._element_fn() if self._element_fn is not None else DEDUCED
        return self._element

    def member(self, name: str) -> tuple[Node, bool]:
        """(type of member `name`, whether it is a declared struct field)."""
        if self.kind == STRUCT:
            node = self.fields.get(name)
            if node is not None:
                return node, True
        return self.element, False

    def granular(self, value: Any) -> str:
        """"map" or "list" if `value` is merged member by member here, else "" (a leaf)."""
        if self.atomic:
            return ""
        if isinstance(value, dict):
            return "map" if self.kind in (STRUCT, MAP, ANY) else ""
        if isinstance(value, list):
            return "list" if self.kind == LIST and self.list_type in ("set", "map") else ""
        return ""

    def item_element(self, item: Any) -> str:
        """The path element of a list item (`k:{...}` or `v:...`); TypedError if it has none."""
        if self.list_type == "set":
            if isinstance(item, dict | list):
                raise TypedError("only scalar elements are allowed in a set")
            return "v:" + orjson.dumps(item).decode()
        if not isinstance(item, dict):
            raise TypedError("associative list with keys has an element that is not a map")
        key: dict[str, Any] = {}
        for k in self.keys:
            if k in item and item[k] is not None:
                key[k] = item[k]
            elif k in self.key_defaults:
                key[k] = self.key_defaults[k]
            else:
                raise TypedError(f'associative list with keys has an element that omits key '
                                 f'field "{k}" (and doesn\'t have default value)')
        return "k:" + orjson.dumps(key, option=orjson.OPT_SORT_KEYS).decode()


DEDUCED = Node(ANY)
_SCALAR = Node(SCALAR)


# ---------------------------------------------------------------------------
# Built-in declarations

_STRUCTS: dict[str, Node] = {}


def _struct_node(s: Struct) -> Node:
    node = _STRUCTS.get(s.name)
    if node is None:
        def fields() -> dict[str, Node]:
            return {name: _type_node(f.type, f) for name, f in s.json_fields().items()}
        node = Node(STRUCT, atomic=s.atomic, fields=fields, zero_present=True)
        _STRUCTS[s.name] = node
    return node


def _type_node(t: FieldType, f: Field | None) -> Node:
    if isinstance(t, Scalar):
        return _SCALAR
    if isinstance(t, Ref):
        return _struct_node(t.resolve())
    if isinstance(t, MapOf):
        value = t.value
        return Node(MAP, atomic=t.map_type == "atomic",
                    element=lambda: _type_node(value, None))
    list_type: str = t.list_type or "atomic"
    keys = t.keys
    if t.list_type is None and f is not None and (f.strategy or "").startswith("merge"):
        list_type, keys = ("map", (f.merge_key,)) if f.merge_key else ("set", ())
    item = t.item
    defaults: dict[str, Any] = {}
    if isinstance(item, Ref):
        defaults = {k: KEY_DEFAULTS[(item.name, k)] for k in keys
                    if (item.name, k) in KEY_DEFAULTS}
    return Node(LIST, list_type=list_type, keys=keys, key_defaults=defaults,
                element=lambda: _type_node(item, None))


# ---------------------------------------------------------------------------
# Custom resources (openAPIV3Schema)

def _openapi_node(schema: Any) -> Node:
    if not isinstance(schema, dict):
        return DEDUCED
    kind = schema.get("type")
    if schema.get("x-kubernetes-int-or-string"):
        return _SCALAR
    if kind == "array":
        items = schema.get("items")
        keys = tuple(schema.get("x-kubernetes-list-map-keys") or ())
        list_type = schema.get("x-kubernetes-list-type") or "atomic"
        if list_type == "map" and not keys:
            list_type = "atomic"
        defaults: dict[str, Any] = {}
        if isinstance(items, dict):
            props = items.get("properties") or {}
            defaults = {k: props[k]["default"] for k in keys
                        if isinstance(props.get(k), dict) and "default" in props[k]}
        return Node(LIST, list_type=list_type, keys=keys, key_defaults=defaults,
                    element=lambda: _openapi_node(items))
    props = schema.get("properties")
    extra = schema.get("additionalProperties")
    atomic = schema.get("x-kubernetes-map-type") == "atomic"
    if kind == "object" or props is not None or extra is not None:
        embedded = bool(schema.get("x-kubernetes-embedded-resource"))
        if (isinstance(props, dict) and props) or embedded:
            def fields() -> dict[str, Node]:
                out = {k: _openapi_node(v) for k, v in (props or {}).items()}
                if embedded:
                    out.setdefault("metadata", _struct_node(struct(OBJECT_META)))
                return out
            element = (lambda: _openapi_node(extra)) if isinstance(extra, dict) else None
            return Node(STRUCT, atomic=atomic, fields=fields, element=element)
        if isinstance(extra, dict):
            return Node(MAP, atomic=atomic, element=lambda: _openapi_node(extra))
        return Node(ANY, atomic=atomic)
    if kind in ("string", "integer", "number", "boolean"):
        return _SCALAR
    return DEDUCED


def _custom_root(schema: dict[str, Any] | None) -> Node:
    inner = _openapi_node(schema) if schema is not None else DEDUCED

    def fields() -> dict[str, Node]:
        out = dict(inner.fields) if inner.kind == STRUCT else {}
        out["apiVersion"] = _SCALAR
        out["kind"] = _SCALAR
        out["metadata"] = _struct_node(struct(OBJECT_META))
        return out
    return Node(STRUCT, fields=fields, element=lambda: inner.element if inner.kind in (
        STRUCT, MAP) else DEDUCED)


_ROOTS: weakref.WeakKeyDictionary[ResourceType, Node] = weakref.WeakKeyDictionary()


def for_resource(r: ResourceType) -> Node:
    """The schema of objects of this resource version, as server-side apply sees it."""
    node = _ROOTS.get(r)
    if node is None:
        s = kind_schema(r.group, r.version, r.kind)
        node = _struct_node(s) if s is not None else _custom_root(r.openapi_schema)
        _ROOTS[r] = node
    return node
