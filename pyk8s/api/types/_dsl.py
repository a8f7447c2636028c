"""The vocabulary the API types are declared in, once, for every consumer.

Kubernetes describes each built-in type three times over (Go struct tags, the
generated .proto file, the published OpenAPI document). pyk8s declares each
type once, in the compact form defined here, and derives the rest from it:
strategic-merge-patch metadata (`pyk8s.api.strategicpatch`), and later the
OpenAPI v2/v3 documents (`kubectl explain`), the protobuf codec and
unknown-field detection.

The model:

* A `Struct` is one Kubernetes definition, named as Kubernetes' OpenAPI names
  it (`io.k8s.api.core.v1.Container`). Top-level kinds carry their
  group/version/kind (`gvk`); `Struct.atomic` is `x-kubernetes-map-type:
  atomic` (the struct is replaced as a whole by server-side apply).
  `Struct.embedded` marks a struct that only exists to be inlined into
  another one (Go's `json:",inline"` embedding, e.g. VolumeSource inside
  Volume): Kubernetes publishes no OpenAPI definition for it.
* A `Field` is one member: its JSON name, its type, its protobuf field number,
  a one-sentence description, whether it is required, its enum values, and its
  patch strategy / merge key (`x-kubernetes-patch-strategy`,
  `x-kubernetes-patch-merge-key`). An `inline` field is an embedded struct:
  in JSON its fields appear directly in the parent (see
  `Struct.json_fields`), in protobuf it is a nested message at `number`
  named `name` (or `proto_name`). `keep_zero` marks an optional scalar whose
  explicit zero value means something (`replicas: 0`, `immutable: false`; Go
  holds it by pointer); for the other optional scalars a zero value is the
  same as absence, and Kubernetes does not serialize it (in protobuf, Go
  always writes those; decoders drop the zero values again). Required members
  are always serialized.
* A field type is a `Scalar` (the constants below: STRING, INT32, QUANTITY,
  TIME, ...), a `Ref` to another struct by qualified name, a `ListOf` (with
  `x-kubernetes-list-type` and `-list-map-keys`) or a `MapOf` string keys
  (with `x-kubernetes-map-type`).

Refs are resolved lazily through the registry, so declarations may refer to
each other in any order and across modules. Modules declare their structs
through a `Package`, which prefixes names, registers every struct, and for a
kind adds the `apiVersion`/`kind` members and the matching `<Kind>List`.

Look-ups: `kind_schema(group, version, kind)` (e.g. `("apps", "v1",
"Deployment")`), `struct(qualified_name)`, `all_structs()`. Walking a field's
type: `Ref.resolve()`, `ListOf.item`, `MapOf.value`, or `item_struct(type)`
for "the struct this field holds, through lists and maps".
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

__all__ = [
    "BOOLEAN",
    "BYTES",
    "FIELDS_V1",
    "GVK",
    "INT32",
    "INT64",
    "INT_OR_STRING",
    "MICRO_TIME",
    "NUMBER",
    "QUANTITY",
    "RAW_EXTENSION",
    "STRING",
    "TIME",
    "Field",
    "FieldType",
    "ListOf",
    "MapOf",
    "Package",
    "Ref",
    "Scalar",
    "Struct",
    "all_structs",
    "item_struct",
    "kind_schema",
    "struct",
]

ListType = Literal["atomic", "set", "map"]
MapType = Literal["atomic", "granular"]
Strategy = Literal["merge", "replace", "retainKeys", "merge,retainKeys"]


@dataclass(frozen=True, slots=True)
class Scalar:
    """A leaf type: how it looks in JSON, in OpenAPI and in protobuf."""

    name: str
    json_type: str  # OpenAPI "type"
    format: str = ""  # OpenAPI "format"
    ref: str = ""  # the OpenAPI definition Kubernetes publishes for it, if any
    proto: str = ""  # protobuf field type (scalar type or message name)


STRING = Scalar("string", "string", proto="string")
INT32 = Scalar("int32", "integer", "int32", proto="int32")
INT64 = Scalar("int64", "integer", "int64", proto="int64")
BOOLEAN = Scalar("boolean", "boolean", proto="bool")
NUMBER = Scalar("number", "number", "double", proto="double")
BYTES = Scalar("bytes", "string", "byte", proto="bytes")  # base64 in JSON
QUANTITY = Scalar(
    "quantity", "string", "", "io.k8s.apimachinery.pkg.api.resource.Quantity",
    "k8s.io.apimachinery.pkg.api.resource.Quantity")
INT_OR_STRING = Scalar(
    "int-or-string", "string", "int-or-string", "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
    "k8s.io.apimachinery.pkg.util.intstr.IntOrString")
TIME = Scalar(  # RFC 3339, second precision
    "time", "string", "date-time", "io.k8s.apimachinery.pkg.apis.meta.v1.Time",
    "k8s.io.apimachinery.pkg.apis.meta.v1.Time")
MICRO_TIME = Scalar(  # RFC 3339, microsecond precision
    "micro-time", "string", "date-time", "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime",
    "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime")
RAW_EXTENSION = Scalar(  # any embedded JSON object
    "raw-extension", "object", "", "io.k8s.apimachinery.pkg.runtime.RawExtension",
    "k8s.io.apimachinery.pkg.runtime.RawExtension")
FIELDS_V1 = Scalar(  # the managed-fields set, an opaque JSON object
    "fields-v1", "object", "", "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1",
    "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1")


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to a declared struct, by its qualified name."""

    name: str

    def resolve(self) -> Struct:
        return struct(self.name)


@dataclass(frozen=True, slots=True)
class ListOf:
    """A JSON array. `list_type` None means Kubernetes declares no list type."""

    item: FieldType
    list_type: ListType | None = None
    keys: tuple[str, ...] = ()  # x-kubernetes-list-map-keys, for list_type "map"

    def __post_init__(self) -> None:
        if (self.list_type == "map") != bool(self.keys):
            raise ValueError("list-map keys go with list_type 'map', and only with it")


@dataclass(frozen=True, slots=True)
class MapOf:
    """A JSON object with arbitrary string keys and values of one type."""

    value: FieldType
    map_type: MapType | None = None


FieldType = Scalar | Ref | ListOf | MapOf


@dataclass(frozen=True, slots=True)
class Field:
    """One member of a struct."""

    name: str  # JSON name (for an inline field: the protobuf field name)
    type: FieldType
    number: int | None  # protobuf field number; None for apiVersion/kind
    doc: str
    required: bool = False
    enum: tuple[str, ...] = ()
    strategy: Strategy | None = None  # patch strategy
    merge_key: str | None = None  # patch merge key
    inline: bool = False
    proto_name: str = ""  # protobuf field name when it differs from `name`
    keep_zero: bool = False  # an explicit zero value is kept (Go holds it by pointer)

    def __post_init__(self) -> None:
        if self.merge_key and not (self.strategy or "").startswith("merge"):
            raise ValueError(f"{self.name}: a merge key needs the merge strategy")
        if self.inline and not isinstance(self.type, Ref):
            raise ValueError(f"{self.name}: only a struct can be inlined")
        if self.keep_zero and not isinstance(self.type, Scalar):
            raise ValueError(f"{self.name}: keep_zero is about scalar members")


class GVK(NamedTuple):
    group: str
    version: str
    kind: str

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


class Struct:
    """One declared definition."""

    __slots__ = ("_json", "atomic", "doc", "embedded", "fields", "gvk", "name")

    def __init__(self, name: str, doc: str, fields: Sequence[Field], *, atomic: bool = False,
                 embedded: bool = False, gvk: GVK | None = None) -> None:
        self.name = name
        self.doc = doc
        self.fields = tuple(fields)
        self.atomic = atomic
        self.embedded = embedded
        self.gvk = gvk
        self._json: dict[str, Field] | None = None

    def __repr__(self) -> str:
        return f"Struct({self.name!r})"

    @property
    def short_name(self) -> str:
        return self.name.rsplit(".", 1)[1]

    def json_fields(self) -> Mapping[str, Field]:
        """The members as they appear in JSON, by name: inline structs flattened."""
        if self._json is None:
            out: dict[str, Field] = {}
            for f in self.fields:
                if f.inline:
                    assert isinstance(f.type, Ref)
                    out.update(f.type.resolve().json_fields())
                else:
                    out[f.name] = f
            self._json = out
        return self._json

    def field(self, json_name: str) -> Field | None:
        """The member with this JSON name (looking into inline structs), or None."""
        return self.json_fields().get(json_name)


def item_struct(t: FieldType) -> Struct | None:
    """The struct a value of type `t` holds, looking through lists and maps."""
    while isinstance(t, ListOf | MapOf):
        t = t.item if isinstance(t, ListOf) else t.value
    return t.resolve() if isinstance(t, Ref) else None


# ---------------------------------------------------------------------------
# Registry

_STRUCTS: dict[str, Struct] = {}
_KINDS: dict[GVK, Struct] = {}


def _register(s: Struct) -> Struct:
    if s.name in _STRUCTS:
        raise ValueError(f"{s.name} is declared twice")
    _STRUCTS[s.name] = s
    if s.gvk is not None:
        _KINDS[s.gvk] = s
    return s


def _load() -> None:
    """Import every declaration module (the package imports them all)."""
    importlib.import_module("pyk8s.api.types")


def struct(name: str) -> Struct:
    """The struct with this qualified name; KeyError if none is declared."""
    _load()
    return _STRUCTS[name]


def kind_schema(group: str, version: str, kind: str) -> Struct | None:
    """The schema of a top-level kind (its List kinds included), or None if undeclared."""
    _load()
    return _KINDS.get(GVK(group, version, kind))


def all_structs() -> Iterator[Struct]:
    """Every declared struct, in declaration order."""
    _load()
    return iter(list(_STRUCTS.values()))


# ---------------------------------------------------------------------------
# Declaring

class Package:
    """Declares the structs of one Go package (one OpenAPI name prefix)."""

    def __init__(self, prefix: str, group: str | None = None, version: str | None = None
                 ) -> None:
        self.prefix = prefix
        self.group = group
        self.version = version

    def ref(self, name: str) -> Ref:
        return Ref(f"{self.prefix}.{name}")

    def struct(self, name: str, doc: str, fields: Iterable[Field], *, atomic: bool = False,
               embedded: bool = False) -> Struct:
        return _register(Struct(f"{self.prefix}.{name}", doc, list(fields), atomic=atomic,
                                embedded=embedded))

    def kind(self, name: str, doc: str, fields: Iterable[Field], *, listable: bool = True
             ) -> Struct:
        """A top-level kind: adds apiVersion/kind and, if `listable`, `<name>List`."""
        if self.group is None or self.version is None:
            raise ValueError(f"{self.prefix} declares no kinds")
        gvk = GVK(self.group, self.version, name)
        s = _register(Struct(f"{self.prefix}.{name}", doc, [*_type_meta(), *fields], gvk=gvk))
        if listable:
            _register(Struct(
                f"{self.prefix}.{name}List", f"A list of {name} objects.", [
                    *_type_meta(),
                    Field("metadata", _LIST_META, 1, "Standard list metadata."),
                    Field("items", ListOf(Ref(s.name)), 2, f"The {name} objects.",
                          required=True),
                ], gvk=GVK(self.group, self.version, f"{name}List")))
        return s


_LIST_META = Ref("io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta")


def _type_meta() -> list[Field]:
    """The members every kind carries (metav1.TypeMeta; not part of protobuf messages)."""
    return [
        Field("apiVersion", STRING, None,
              "Versioned schema of this representation, as group/version."),
        Field("kind", STRING, None, "Name of the type of this object, in CamelCase."),
    ]
