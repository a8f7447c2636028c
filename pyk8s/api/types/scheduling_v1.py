"""scheduling.k8s.io/v1: PriorityClass.

Declared in the vocabulary of `pyk8s.api.types._dsl`; facts (JSON names, protobuf
numbers, list and patch semantics, required members) follow Kubernetes 1.32, the
descriptions are our own. Members are listed in Kubernetes' declaration order.
"""

from __future__ import annotations

from pyk8s.api.types import meta_v1
from pyk8s.api.types._dsl import BOOLEAN, INT32, STRING, Field, Package

PKG = Package("io.k8s.api.scheduling.v1", "scheduling.k8s.io", "v1")
_ref = PKG.ref
_meta = meta_v1.PKG.ref


PKG.kind("PriorityClass", "Maps a priority class name to a scheduling priority.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("value", INT32, 2, "Priority of pods using the class; higher runs first.",
          required=True),
    Field("globalDefault", BOOLEAN, 3, "Whether the class applies to pods that name none."),
    Field("description", STRING, 4, "Guidance on when to use the class."),
    Field("preemptionPolicy", STRING, 5, "Whether pods of the class may preempt others.",
          enum=("PreemptLowerPriority", "Never"), keep_zero=True),
])
