"""User impersonation: `kubectl --as=alice --as-group=devs ...`.

A request carrying `Impersonate-User` (and optionally `Impersonate-Group`,
repeated, `Impersonate-Uid` and `Impersonate-Extra-<key>`) acts as that user
once the caller has been allowed the verb `impersonate` on each: `users`
(or `serviceaccounts` in their namespace, for
`system:serviceaccount:<ns>:<name>`), `groups`, and in the
`authentication.k8s.io` group `uids` and `userextras/<key>`. The first
refusal is a 403 naming what was refused, as Kubernetes words it. The
impersonated user is in the groups asked for plus `system:authenticated`
(service accounts also in theirs), never in groups the headers left out.
"""

from __future__ import annotations

from urllib.parse import unquote

from aiohttp import web

from pyk8s.api import errors
from pyk8s.apiserver.authorization import Attributes
from pyk8s.apiserver.authorization.rbac import RBACAuthorizer
from pyk8s.apiserver.context import User

USER, GROUP, UID, EXTRA = ("Impersonate-User", "Impersonate-Group", "Impersonate-Uid",
                           "Impersonate-Extra-")
AUTHN = "authentication.k8s.io"


def _check(authorizer: RBACAuthorizer, requester: User, *, resource: str, name: str,
           namespace: str = "", group: str = "", subresource: str = "") -> None:
    a = Attributes(requester, "impersonate", namespace=namespace, api_group=group,
                   resource=resource, subresource=subresource, name=name)
    if not authorizer.authorize(a).allowed:
        raise errors.forbidden(requester.name, "impersonate", resource, group, namespace, name)


def impersonate(request: web.Request, requester: User, authorizer: RBACAuthorizer) -> User:
    """The user this request acts as: `requester`, or whom its headers impersonate."""
    headers = request.headers
    name = headers.get(USER, "")
    groups = headers.getall(GROUP, [])
    uid = headers.get(UID, "")
    extra: dict[str, list[str]] = {}
    for key in headers:
        if key.lower().startswith(EXTRA.lower()):
            extra.setdefault(unquote(key[len(EXTRA):]).lower(), []).extend(headers.getall(key))
    if not name:
        if groups or uid or extra:
            raise errors.bad_request("requested impersonation of groups, uid or extra "
                                     "without impersonating a user")
        return requester
    sa_groups: tuple[str, ...] = ()
    parts = name.split(":")
    if len(parts) == 4 and parts[:2] == ["system", "serviceaccount"]:
        _check(authorizer, requester, resource="serviceaccounts", namespace=parts[2],
               name=parts[3])
        sa_groups = ("system:serviceaccounts", f"system:serviceaccounts:{parts[2]}")
    else:
        _check(authorizer, requester, resource="users", name=name)
    for g in groups:
        _check(authorizer, requester, resource="groups", name=g)
    if uid:
        _check(authorizer, requester, resource="uids", name=uid, group=AUTHN)
    for key, values in extra.items():
        for value in values:
            _check(authorizer, requester, resource="userextras", subresource=key, name=value,
                   group=AUTHN)
    everyone = "system:unauthenticated" if name == "system:anonymous" else \
        "system:authenticated"
    all_groups = [*groups, *(g for g in sa_groups if g not in groups)]
    if everyone not in all_groups:
        all_groups.append(everyone)
    return User(name, tuple(all_groups), uid, extra)
