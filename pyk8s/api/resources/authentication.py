"""authentication.k8s.io/v1: TokenReview and SelfSubjectReview.

Both are questions, not objects: they can only be created, are answered in
the reply's `status` and never stored (`pyk8s.apiserver.handlers.tokenreview`
and `selfsubjectreview` answer them). TokenRequest, the body of
`serviceaccounts/<name>/token`, belongs to this group too but is a
subresource's kind, so it is only declared in `pyk8s.api.types`.
"""

from __future__ import annotations

from pyk8s.api.resource import ResourceType

GROUP = "authentication.k8s.io"

TOKENREVIEW = ResourceType(
    group=GROUP, version="v1", kind="TokenReview", plural="tokenreviews", namespaced=False,
    verbs=("create",),
)
SELFSUBJECTREVIEW = ResourceType(
    group=GROUP, version="v1", kind="SelfSubjectReview", plural="selfsubjectreviews",
    namespaced=False, verbs=("create",),
)

RESOURCES: list[ResourceType] = [SELFSUBJECTREVIEW, TOKENREVIEW]
