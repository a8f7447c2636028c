"""Authentication: who is calling, from the TLS client certificate or a bearer token.

- A client certificate signed by the cluster CA (verified by the TLS layer)
  names the user in its CN and the groups in its O fields, as in Kubernetes.
- A bearer token equal to the cluster's node token (`<data-dir>/node-token`)
  identifies a joining node agent (group `system:nodes`).

Anything else is anonymous and gets 401, except the health and version
endpoints that Kubernetes serves to everyone.
"""

from __future__ import annotations

import hmac
from typing import Any

from aiohttp import web

from pyk8s.apiserver.context import User

PUBLIC_PATHS = frozenset({"/healthz", "/livez", "/readyz", "/version"})
MASTERS = "system:masters"


def _from_cert(peercert: dict[str, Any] | None) -> User | None:
    if not peercert:
        return None
    cn = ""
    groups: list[str] = []
    for rdn in peercert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                cn = value
            elif key == "organizationName":
                groups.append(value)
    if not cn:
        return None
    return User(cn, (*groups, "system:authenticated"))


class Authenticator:
    def __init__(self, node_token: str) -> None:
        self.node_token = node_token

    def authenticate(self, request: web.Request) -> User | None:
        transport = request.transport
        if transport is not None:
            user = _from_cert(transport.get_extra_info("peercert"))
            if user is not None:
                return user
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            token = auth[7:].strip()
            if self.node_token and hmac.compare_digest(token, self.node_token):
                # Node agents act on the whole cluster's pods and nodes; until
                # the Node authorizer exists they are trusted like admins.
                return User("system:node-agent", ("system:nodes", MASTERS,
                                                  "system:authenticated"))
        return None


def authorized(user: User) -> bool:
    """RBAC evaluation is not built yet: members of system:masters may do everything."""
    return MASTERS in user.groups
