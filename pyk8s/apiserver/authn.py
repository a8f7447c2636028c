"""Authentication: who is calling, from the TLS client certificate or a bearer token.

- A client certificate signed by the cluster CA (verified by the TLS layer)
  names the user in its CN and the groups in its O fields, as in Kubernetes
  (the admin kubeconfig's certificate is `system:admin` in `system:masters`).
- A bearer token equal to the cluster's node token (`<data-dir>/node-token`)
  identifies a joining node agent: user `system:node-agent` in the group
  `system:nodes`, which the bootstrap policy binds to the `system:node` role.
- Any other bearer token must be a service-account token this server signed
  (`pyk8s.apiserver.serviceaccount.tokens`).

Everyone authenticated is also in `system:authenticated`. A request with no
credentials is anonymous (`system:anonymous`, group `system:unauthenticated`)
for the health and version endpoints Kubernetes serves to everyone, and gets
401 elsewhere, as does a request with a token nobody recognises.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from typing import Any

from aiohttp import web

from pyk8s.apiserver.context import User
from pyk8s.apiserver.serviceaccount.tokens import API_AUDIENCES, ServiceAccountTokens

PUBLIC_PATHS = frozenset({"/healthz", "/livez", "/readyz", "/version"})
AUTHENTICATED = "system:authenticated"
NODES = "system:nodes"
ANONYMOUS = User("system:anonymous", ("system:unauthenticated",))


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
    return User(cn, (*groups, AUTHENTICATED))


class Authenticator:
    def __init__(self, node_token: str, service_accounts: ServiceAccountTokens) -> None:
        self.node_token = node_token
        self.service_accounts = service_accounts

    async def authenticate(self, request: web.Request) -> User | None:
        transport = request.transport
        if transport is not None:
            user = _from_cert(transport.get_extra_info("peercert"))
            if user is not None:
                return user
        auth = request.headers.get("Authorization", "")
        if auth[:7].lower() == "bearer ":
            return await self.authenticate_token(auth[7:].strip())
        return None

    async def authenticate_token(self, token: str, audiences: Iterable[str] = API_AUDIENCES
                                 ) -> User | None:
        """Who a bearer token names; service-account tokens must be meant for `audiences`."""
        if not token:
            return None
        if self.node_token and hmac.compare_digest(token, self.node_token):
            return User("system:node-agent", (NODES, AUTHENTICATED))
        return await self.service_accounts.authenticate(token, audiences)


def public(path: str) -> bool:
    """May anonymous callers reach this path at all (before authorization)?"""
    return path in PUBLIC_PATHS or path.startswith(("/livez", "/readyz"))


AUTHENTICATOR = web.AppKey("authenticator", Authenticator)
