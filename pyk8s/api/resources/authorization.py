"""authorization.k8s.io/v1: the access reviews.

SubjectAccessReview (may this user do this?), LocalSubjectAccessReview (the
same, asked inside a namespace), SelfSubjectAccessReview (may I?, what
`kubectl auth can-i` asks) and SelfSubjectRulesReview (what may I do here?,
`kubectl auth can-i --list`). All are create-only questions answered in the
reply and never stored (`pyk8s.apiserver.authorization.reviews`).
"""

from __future__ import annotations

from pyk8s.api.resource import ResourceType

GROUP = "authorization.k8s.io"

LOCALSUBJECTACCESSREVIEW = ResourceType(
    group=GROUP, version="v1", kind="LocalSubjectAccessReview",
    plural="localsubjectaccessreviews", verbs=("create",),
)
SELFSUBJECTACCESSREVIEW = ResourceType(
    group=GROUP, version="v1", kind="SelfSubjectAccessReview",
    plural="selfsubjectaccessreviews", namespaced=False, verbs=("create",),
)
SELFSUBJECTRULESREVIEW = ResourceType(
    group=GROUP, version="v1", kind="SelfSubjectRulesReview",
    plural="selfsubjectrulesreviews", namespaced=False, verbs=("create",),
)
SUBJECTACCESSREVIEW = ResourceType(
    group=GROUP, version="v1", kind="SubjectAccessReview", plural="subjectaccessreviews",
    namespaced=False, verbs=("create",),
)

RESOURCES: list[ResourceType] = [LOCALSUBJECTACCESSREVIEW, SELFSUBJECTACCESSREVIEW,
                                 SELFSUBJECTRULESREVIEW, SUBJECTACCESSREVIEW]
