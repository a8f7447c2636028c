"""coordination.k8s.io/v1: Lease.

Declared in the vocabulary of `pyk8s.api.types._dsl`; facts (JSON names, protobuf
numbers, list and patch semantics, required members) follow Kubernetes 1.32, the
descriptions are our own. Members are listed in Kubernetes' declaration order.
"""

from __future__ import annotations

from pyk8s.api.types import meta_v1
from pyk8s.api.types._dsl import INT32, MICRO_TIME, STRING, Field, Package

PKG = Package("io.k8s.api.coordination.v1", "coordination.k8s.io", "v1")
_ref = PKG.ref
_meta = meta_v1.PKG.ref


PKG.kind("Lease", "A lease, used for leader election and node heartbeats.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("spec", _ref("LeaseSpec"), 2, "Desired state, as written by the user."),
])

PKG.struct("LeaseSpec", "Desired state of a lease.", [
    Field("holderIdentity", STRING, 1, "Identity of the current holder.", keep_zero=True),
    Field("leaseDurationSeconds", INT32, 2,
          "Seconds candidates wait before taking over an unrenewed lease.", keep_zero=True),
    Field("acquireTime", MICRO_TIME, 3, "When the current holder acquired the lease.",
          keep_zero=True),
    Field("renewTime", MICRO_TIME, 4, "When the holder last renewed the lease.", keep_zero=True),
    Field("leaseTransitions", INT32, 5, "How many times the lease changed holders.",
          keep_zero=True),
])
