"""One declaration per served resource: the API registry's vocabulary.

A `ResourceType` says everything the API server needs to serve a kind:
its group/version/kind and names (for URLs, discovery and short names), its
scope, subresources, the columns `kubectl get` prints, and its rules:
defaulting, validation on create and on update, extra field selectors and how
its scale subresource maps onto it. Handlers are generic: they never test for
a particular kind, they consult its declaration.

Objects stay plain dicts everywhere; a rule receives the whole object and
mutates (defaulting) or inspects (validation) it. Unknown fields are kept.

Several versions of one resource share one stored form (the "hub"): e.g.
autoscaling/v1 and autoscaling/v2 HorizontalPodAutoscalers are both stored as
autoscaling/v2. A non-hub version declares `to_hub` and `from_hub`
conversions and `storage` names the shared resource (`plural.group`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pyk8s.api.errors import Cause

Obj = dict[str, Any]
Defaulter = Callable[[Obj], None]
Validator = Callable[[Obj], list[Cause]]
UpdateValidator = Callable[[Obj, Obj], list[Cause]]  # (new, old)
Converter = Callable[[Obj], Obj]


@dataclass(frozen=True, slots=True)
class Column:
    """A column of the server-side Table that `kubectl get` prints."""

    name: str
    cell: Callable[[Obj], Any]
    type: str = "string"  # string | integer | number | boolean | date
    priority: int = 0  # 1 = shown only with `-o wide`
    format: str = ""  # "name" for the NAME column
    description: str = ""


@dataclass(frozen=True, slots=True)
class ScaleSpec:
    """Where a kind keeps what its /scale subresource shows."""

    spec_replicas: tuple[str, ...] = ("spec", "replicas")
    status_replicas: tuple[str, ...] = ("status", "replicas")
    # Path of a label selector object (matchLabels/matchExpressions) or a plain
    # label map (ReplicationController's spec.selector).
    selector: tuple[str, ...] = ("spec", "selector")


@dataclass(eq=False)
class ResourceType:
    group: str  # "" for the core group
    version: str
    kind: str
    plural: str
    singular: str = ""
    namespaced: bool = True
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    # Subresources served: status, scale, binding, finalize, log, exec, attach,
    # portforward, eviction, token, proxy, ephemeralcontainers.
    subresources: tuple[str, ...] = ()
    verbs: tuple[str, ...] = (
        "create", "delete", "deletecollection", "get", "list", "patch", "update", "watch",
    )
    # The Table columns after NAME (which a column of format "name" may place
    # elsewhere, as events do); none means NAME and AGE. See `pyk8s.api.tables`.
    columns: tuple[Column, ...] = ()
    default: Defaulter | None = None
    validate: Validator | None = None
    validate_update: UpdateValidator | None = None
    # Extra field selectors, e.g. {"spec.nodeName": lambda pod: ...}; every
    # kind supports metadata.name and metadata.namespace.
    field_selectors: dict[str, Callable[[Obj], str]] = field(default_factory=dict)
    scale: ScaleSpec | None = None
    # Does metadata.generation count spec changes? (kinds with a status
    # subresource do; pods do not in Kubernetes 1.32.)
    tracks_generation: bool | None = None
    storage: str = ""  # shared stored resource, "plural.group"; defaults to own
    to_hub: Converter | None = None
    from_hub: Converter | None = None
    # A custom resource's openAPIV3Schema, as its CRD gives it; built-in kinds
    # take theirs from `pyk8s.api.types`.
    openapi_schema: Obj | None = None
    # Sent as a Warning header on every request to a deprecated version.
    deprecation_warning: str = ""
    # Must an unprefixed finalizer be one of Kubernetes' own (kubernetes, orphan,
    # foregroundDeletion)? kube-apiserver's kinds say so; CRDs and custom
    # resources take any qualified name.
    kube_finalizers: bool = True

    def __post_init__(self) -> None:
        if not self.singular:
            self.singular = self.kind.lower()
        if self.tracks_generation is None:
            self.tracks_generation = "status" in self.subresources and self.kind != "Pod"
        if not self.storage:
            self.storage = self.qualified_plural

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_version(self) -> str:
        return self.api_version

    @property
    def list_kind(self) -> str:
        return self.kind + "List"

    @property
    def qualified_plural(self) -> str:
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def has_status(self) -> bool:
        return "status" in self.subresources

    @property
    def is_hub(self) -> bool:
        return self.to_hub is None
