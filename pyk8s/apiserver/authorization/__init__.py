"""Authorization: may this user do this verb on this resource or path?

`Attributes` is what every authorizer judges (Kubernetes' authorizer.Attributes):
the user, the verb, and either the resource (API group, namespace, resource,
subresource, name) or, for a non-resource request, the URL path. `rbac`
answers from Roles, ClusterRoles and their bindings; members of
`system:masters` are always allowed, before any rule is read.
`impersonation` turns `Impersonate-*` headers into the user a request acts
as, once the caller has been allowed the `impersonate` verb. `reviews` serves
the access-review kinds that ask the authorizer questions over the API,
`bootstrappolicy` holds the roles every cluster starts with, and
`aggregation` writes aggregated ClusterRoles' rules back into them.

`escalation` refuses Roles and bindings that grant more than their author
holds, unless the author has the `escalate` or `bind` verb. It runs as an
admission plugin, which only sees a user's name, so the request's full user
travels in the `REQUEST_USER` context variable that the app sets per request
(writes the API server makes itself have none, and are trusted).
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from pyk8s.apiserver.context import User

MASTERS = "system:masters"
REQUEST_USER: ContextVar[User | None] = ContextVar("request_user", default=None)


@dataclass(frozen=True, slots=True)
class Attributes:
    user: User
    verb: str
    resource_request: bool = True
    namespace: str = ""
    api_group: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""
    path: str = ""  # of a non-resource request
