"""authorization.k8s.io/v1: the access reviews that ask the authorizer questions.

Declared in the vocabulary of `pyk8s.api.types._dsl`; facts (JSON names, protobuf
numbers, list and patch semantics, required members) follow Kubernetes 1.32, the
descriptions are our own. Members are listed in Kubernetes' declaration order.
None of these kinds is stored, so none has a list kind.
"""

from __future__ import annotations

from pyk8s.api.types import meta_v1
from pyk8s.api.types._dsl import BOOLEAN, STRING, Field, ListOf, MapOf, Package

PKG = Package("io.k8s.api.authorization.v1", "authorization.k8s.io", "v1")
_ref = PKG.ref
_meta = meta_v1.PKG.ref
_METADATA = "Standard object metadata: name, namespace, labels, annotations and the like."


def _review(kind: str, doc: str, spec: str) -> None:
    PKG.kind(kind, doc, [
        Field("metadata", _meta("ObjectMeta"), 1, _METADATA),
        Field("spec", _ref(spec), 2, "The question.", required=True),
        Field("status", _ref("SubjectAccessReviewStatus"), 3, "The answer."),
    ], listable=False)


_review("SubjectAccessReview", "Asks whether a user may do something.",
        "SubjectAccessReviewSpec")
_review("LocalSubjectAccessReview", "Asks whether a user may do something in a namespace.",
        "SubjectAccessReviewSpec")
_review("SelfSubjectAccessReview", "Asks whether the caller may do something.",
        "SelfSubjectAccessReviewSpec")

PKG.struct("SubjectAccessReviewSpec", "A user and what they would do.", [
    Field("resourceAttributes", _ref("ResourceAttributes"), 1, "A request on a resource."),
    Field("nonResourceAttributes", _ref("NonResourceAttributes"), 2,
          "A request on a non-resource path."),
    Field("user", STRING, 3, "The user asked about."),
    Field("groups", ListOf(STRING, "atomic"), 4, "The groups of that user."),
    Field("extra", MapOf(ListOf(STRING, "atomic")), 5, "Further facts about the user."),
    Field("uid", STRING, 6, "The user's uid."),
])

PKG.struct("SelfSubjectAccessReviewSpec", "What the caller would do.", [
    Field("resourceAttributes", _ref("ResourceAttributes"), 1, "A request on a resource."),
    Field("nonResourceAttributes", _ref("NonResourceAttributes"), 2,
          "A request on a non-resource path."),
])

PKG.struct("ResourceAttributes", "A request on a resource, as the authorizer sees it.", [
    Field("namespace", STRING, 1, "The namespace; empty for cluster-scoped or all."),
    Field("verb", STRING, 2, "The verb, e.g. get, list or create; * for all."),
    Field("group", STRING, 3, "The API group; * for all."),
    Field("version", STRING, 4, "The API version; * for all."),
    Field("resource", STRING, 5, "The resource; * for all."),
    Field("subresource", STRING, 6, "The subresource, e.g. log."),
    Field("name", STRING, 7, "The object's name; empty for all."),
])

PKG.struct("NonResourceAttributes", "A request on a non-resource path.", [
    Field("path", STRING, 1, "The URL path."),
    Field("verb", STRING, 2, "The lower-case HTTP verb."),
])

PKG.struct("SubjectAccessReviewStatus", "The authorizer's answer.", [
    Field("allowed", BOOLEAN, 1, "Whether the request is allowed.", required=True),
    Field("reason", STRING, 2, "Why it is allowed or denied."),
    Field("evaluationError", STRING, 3, "A problem met while answering."),
    Field("denied", BOOLEAN, 4, "Whether the request is explicitly denied."),
])

PKG.kind("SelfSubjectRulesReview", "Asks what the caller may do in a namespace.", [
    Field("metadata", _meta("ObjectMeta"), 1, _METADATA),
    Field("spec", _ref("SelfSubjectRulesReviewSpec"), 2, "The namespace asked about.",
          required=True),
    Field("status", _ref("SubjectRulesReviewStatus"), 3, "The answer."),
], listable=False)

PKG.struct("SelfSubjectRulesReviewSpec", "The namespace asked about.", [
    Field("namespace", STRING, 1, "The namespace to list rules in."),
])

PKG.struct("SubjectRulesReviewStatus", "What a user may do.", [
    Field("resourceRules", ListOf(_ref("ResourceRule"), "atomic"), 1,
          "What the user may do on resources.", required=True),
    Field("nonResourceRules", ListOf(_ref("NonResourceRule"), "atomic"), 2,
          "What the user may do on non-resource paths.", required=True),
    Field("incomplete", BOOLEAN, 3, "Whether the rules may be incomplete.", required=True),
    Field("evaluationError", STRING, 4, "A problem met while listing rules."),
])

PKG.struct("ResourceRule", "Verbs allowed on resources.", [
    Field("verbs", ListOf(STRING, "atomic"), 1, "The verbs; * for all.", required=True),
    Field("apiGroups", ListOf(STRING, "atomic"), 2, "The API groups; * for all."),
    Field("resources", ListOf(STRING, "atomic"), 3, "The resources; * for all."),
    Field("resourceNames", ListOf(STRING, "atomic"), 4, "The names; all when empty."),
])

PKG.struct("NonResourceRule", "Verbs allowed on non-resource paths.", [
    Field("verbs", ListOf(STRING, "atomic"), 1, "The verbs; * for all.", required=True),
    Field("nonResourceURLs", ListOf(STRING, "atomic"), 2, "The paths; * for all."),
])
