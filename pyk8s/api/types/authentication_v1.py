"""authentication.k8s.io/v1: TokenRequest, TokenReview and SelfSubjectReview.

Declared in the vocabulary of `pyk8s.api.types._dsl`; facts (JSON names, protobuf
numbers, list and patch semantics, required members) follow Kubernetes 1.32, the
descriptions are our own. Members are listed in Kubernetes' declaration order.
None of these kinds is stored, so none has a list kind.
"""

from __future__ import annotations

from pyk8s.api.types import meta_v1
from pyk8s.api.types._dsl import BOOLEAN, INT64, STRING, TIME, Field, ListOf, MapOf, Package

PKG = Package("io.k8s.api.authentication.v1", "authentication.k8s.io", "v1")
_ref = PKG.ref
_meta = meta_v1.PKG.ref
_METADATA = "Standard object metadata: name, namespace, labels, annotations and the like."


PKG.kind("TokenRequest", "A request for a service account token.", [
    Field("metadata", _meta("ObjectMeta"), 1, _METADATA),
    Field("spec", _ref("TokenRequestSpec"), 2, "What token is asked for.", required=True),
    Field("status", _ref("TokenRequestStatus"), 3, "The issued token."),
], listable=False)

PKG.struct("TokenRequestSpec", "The parameters of a requested token.", [
    Field("audiences", ListOf(STRING, "atomic"), 1,
          "Who the token is meant for; verifiers reject tokens not meant for them.",
          required=True),
    Field("boundObjectRef", _ref("BoundObjectReference"), 3,
          "An object the token lives no longer than."),
    Field("expirationSeconds", INT64, 4, "Requested lifetime of the token, in seconds."),
])

PKG.struct("BoundObjectReference", "The object a token is bound to.", [
    Field("kind", STRING, 1, "Pod or Secret."),
    Field("apiVersion", STRING, 2, "API version of the object."),
    Field("name", STRING, 3, "Name of the object."),
    Field("uid", STRING, 4, "UID of the object."),
])

PKG.struct("TokenRequestStatus", "The issued token.", [
    Field("token", STRING, 1, "The token itself.", required=True),
    Field("expirationTimestamp", TIME, 2, "When the token expires.", required=True),
])

PKG.kind("TokenReview", "Asks whether a token authenticates, and as whom.", [
    Field("metadata", _meta("ObjectMeta"), 1, _METADATA),
    Field("spec", _ref("TokenReviewSpec"), 2, "The token to check.", required=True),
    Field("status", _ref("TokenReviewStatus"), 3, "The answer."),
], listable=False)

PKG.struct("TokenReviewSpec", "A token to check.", [
    Field("token", STRING, 1, "The opaque bearer token."),
    Field("audiences", ListOf(STRING, "atomic"), 2,
          "Audiences the token must be meant for; the API server's when empty."),
])

PKG.struct("TokenReviewStatus", "Whether a token authenticates.", [
    Field("authenticated", BOOLEAN, 1, "Whether the token is valid."),
    Field("user", _ref("UserInfo"), 2, "Who the token authenticates as."),
    Field("error", STRING, 3, "Why the token could not be checked."),
    Field("audiences", ListOf(STRING, "atomic"), 4,
          "The requested audiences the token is meant for."),
])

PKG.struct("UserInfo", "An authenticated user.", [
    Field("username", STRING, 1, "The user's name."),
    Field("uid", STRING, 2, "A unique value identifying the user across time."),
    Field("groups", ListOf(STRING, "atomic"), 3, "The groups the user belongs to."),
    Field("extra", MapOf(ListOf(STRING, "atomic")), 4,
          "Further facts the authenticator knows about the user."),
])

PKG.kind("SelfSubjectReview", "Asks who the caller is authenticated as.", [
    Field("metadata", _meta("ObjectMeta"), 1, _METADATA),
    Field("status", _ref("SelfSubjectReviewStatus"), 2, "The answer."),
], listable=False)

PKG.struct("SelfSubjectReviewStatus", "Who the caller is.", [
    Field("userInfo", _ref("UserInfo"), 1, "The caller's user information."),
])
