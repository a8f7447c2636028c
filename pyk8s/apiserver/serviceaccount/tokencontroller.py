"""The token controller: fills legacy `kubernetes.io/service-account-token` Secrets.

In: Secrets of that type (followed in the API server's own watch cache,
because signing needs the service-account key, which only the API server
holds). Out: each such Secret whose service account (annotation
`kubernetes.io/service-account.name`, and `.uid` if given) exists gets
`data.token` (a never-expiring legacy token, valid while the Secret holds
it), `data["ca.crt"]` (the cluster CA) and `data.namespace`, and the
account's uid annotation. A Secret that already holds a token is left alone;
a write that loses a race is retried when the Secret's next event arrives,
and Secrets made before their account are filled when the account appears.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from pyk8s.api.errors import APIError
from pyk8s.apiserver.rest import Storages
from pyk8s.apiserver.serviceaccount.tokens import ServiceAccountTokens

log = logging.getLogger(__name__)

Obj = dict[str, Any]
TYPE = "kubernetes.io/service-account-token"
NAME = "kubernetes.io/service-account.name"
UID = "kubernetes.io/service-account.uid"
USER = "system:serviceaccount:kube-system:token-controller"


def _is_token_secret(secret: Obj) -> bool:
    return secret.get("type") == TYPE and not (secret.get("data") or {}).get("token")


def _b64(data: bytes | str) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


class TokenController:
    def __init__(self, storages: Storages, tokens: ServiceAccountTokens) -> None:
        self.storages = storages
        self.tokens = tokens

    async def run(self) -> None:
        await asyncio.gather(self._follow("secrets", _is_token_secret, self.sync),
                             self._follow("serviceaccounts", lambda _: True, self._account))

    async def _follow(self, storage: str, match: Callable[[Obj], bool],
                      handle: Callable[[Obj], Awaitable[None]]) -> None:
        s = self.storages.of(storage)
        while True:
            try:
                async with s.cache.watch(s.prefix, match, None) as (initial, watcher):
                    for first in initial:
                        await handle(first.obj)
                    while (ev := await watcher.queue.get()) is not None:
                        if ev.type != "DELETED":
                            await handle(ev.obj)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("token controller (%s) failed; restarting in 1s", storage)
                await asyncio.sleep(1)

    async def _account(self, sa: Obj) -> None:
        """A new account may have token Secrets that were waiting for it."""
        md = sa["metadata"]
        secrets = self.storages.of("secrets")
        waiting, _ = secrets.cache.snapshot(secrets.namespace_prefix(md["namespace"]),
                                            _is_token_secret)
        for secret in waiting:
            if (secret["metadata"].get("annotations") or {}).get(NAME) == md["name"]:
                await self.sync(secret)

    async def sync(self, secret: Obj) -> None:
        md = secret["metadata"]
        annotations = md.get("annotations") or {}
        accounts = self.storages.of("serviceaccounts")
        try:
            sa = await accounts.get(accounts.hub, md["namespace"], annotations.get(NAME, ""))
        except APIError:
            return  # no such account (yet): nothing to sign for
        if annotations.get(UID) and annotations[UID] != sa["metadata"]["uid"]:
            return
        token = self.tokens.issue_legacy(sa, md["name"])
        filled = {**secret,
                  "metadata": {**md, "annotations": {**annotations, UID: sa["metadata"]["uid"]}},
                  "data": {**(secret.get("data") or {}), "token": _b64(token),
                           "ca.crt": _b64(self.tokens.ca_cert), "namespace": _b64(md["namespace"])}}
        s = self.storages.of("secrets")
        try:
            await s.update(s.hub, md["namespace"], md["name"], filled, user=USER)
        except APIError as e:
            if e.code not in (404, 409):
                raise
