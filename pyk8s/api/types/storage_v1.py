"""storage.k8s.io/v1: StorageClass.

Declared in the vocabulary of `pyk8s.api.types._dsl`; facts (JSON names, protobuf
numbers, list and patch semantics, required members) follow Kubernetes 1.32, the
descriptions are our own. Members are listed in Kubernetes' declaration order.
"""

from __future__ import annotations

from pyk8s.api.types import core_v1, meta_v1
from pyk8s.api.types._dsl import BOOLEAN, STRING, Field, ListOf, MapOf, Package

PKG = Package("io.k8s.api.storage.v1", "storage.k8s.io", "v1")
_ref = PKG.ref
_core = core_v1.PKG.ref
_meta = meta_v1.PKG.ref


PKG.kind("StorageClass", "A class of dynamically provisioned storage.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("provisioner", STRING, 2, "Name of the volume provisioner.", required=True),
    Field("parameters", MapOf(STRING), 3, "Provisioner-specific parameters."),
    Field("reclaimPolicy", STRING, 4, "Reclaim policy of provisioned volumes: Delete or Retain.",
          enum=("Recycle", "Delete", "Retain"), keep_zero=True),
    Field("mountOptions", ListOf(STRING, "atomic"), 5, "Mount options of provisioned volumes."),
    Field("allowVolumeExpansion", BOOLEAN, 6, "Whether claims of this class may be resized.",
          keep_zero=True),
    Field("volumeBindingMode", STRING, 7,
          "When volumes are bound: Immediate or WaitForFirstConsumer.",
          enum=("Immediate", "WaitForFirstConsumer"), keep_zero=True),
    Field("allowedTopologies", ListOf(_core("TopologySelectorTerm"), "atomic"), 8,
          "Topologies volumes may be provisioned in."),
])
