"""Issue and authenticate service-account tokens, as kube-apiserver does.

Bound tokens (TokenRequest) carry the claims Kubernetes puts in them: `iss`
(this API server, `https://kubernetes.default.svc.cluster.local`), `sub`
(`system:serviceaccount:<ns>:<name>`), `aud`, `iat`/`nbf`/`exp`, a `jti`, and
a private `kubernetes.io` claim naming the namespace, the service account
(name and uid) and, when the token is bound to one, the pod or secret. Such
a token authenticates only while it has not expired, names an audience the
verifier accepts (the API server's own unless a TokenReview asks for
others), and the objects it names still exist with the same uids.

Legacy tokens (issuer `kubernetes/serviceaccount`) are what the token
controller puts into `kubernetes.io/service-account-token` Secrets; they
never expire and are valid while that Secret exists and still holds them.

Objects are looked up in the watch caches, with a datastore read only when
the cache does not (yet) hold them, so a valid token costs no datastore hit.
The user has the groups `system:serviceaccounts`,
`system:serviceaccounts:<ns>` and `system:authenticated`, and, for
pod-bound tokens, the extras `authentication.kubernetes.io/pod-name` and
`pod-uid`.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hmac
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from aiohttp import web

from pyk8s.api.errors import APIError
from pyk8s.apiserver.context import User
from pyk8s.apiserver.rest import Storages
from pyk8s.apiserver.serviceaccount.jwt import Claims, Signer, load_or_create_key

Obj = dict[str, Any]
ISSUER = "https://kubernetes.default.svc.cluster.local"
API_AUDIENCES = (ISSUER,)
LEGACY_ISSUER = "kubernetes/serviceaccount"
LEGACY = "kubernetes.io/serviceaccount/"
EXTRA = "authentication.kubernetes.io/"
LEEWAY = 60  # seconds of clock skew tolerated on nbf/exp


def username(namespace: str, name: str) -> str:
    return f"system:serviceaccount:{namespace}:{name}"


def service_account_user(namespace: str, name: str, uid: str,
                         extra: dict[str, list[str]] | None = None) -> User:
    return User(username(namespace, name),
                ("system:serviceaccounts", f"system:serviceaccounts:{namespace}",
                 "system:authenticated"), uid, extra or {})


class ServiceAccountTokens:
    def __init__(self, signer: Signer, storages: Storages, ca_cert: bytes = b"") -> None:
        self.signer = signer
        self.storages = storages
        self.ca_cert = ca_cert  # what legacy token Secrets carry as ca.crt

    @classmethod
    def load(cls, key_path: Path, storages: Storages, ca_cert: Path) -> ServiceAccountTokens:
        return cls(Signer(load_or_create_key(key_path)), storages, ca_cert.read_bytes())

    # Issuing --------------------------------------------------------------

    def issue(self, service_account: Obj, audiences: list[str], expiration_seconds: int,
              bound: Obj | None = None) -> tuple[str, int]:
        """A bound token and its expiry (Unix seconds)."""
        md = service_account["metadata"]
        now = int(time.time())
        private: Obj = {"namespace": md["namespace"],
                        "serviceaccount": {"name": md["name"], "uid": md["uid"]}}
        if bound is not None:
            private[bound["kind"].lower()] = {"name": bound["metadata"]["name"],
                                              "uid": bound["metadata"]["uid"]}
        exp = now + expiration_seconds
        claims: Claims = {
            "aud": audiences, "exp": exp, "iat": now, "iss": ISSUER,
            "jti": str(uuid.uuid4()), "kubernetes.io": private, "nbf": now,
            "sub": username(md["namespace"], md["name"]),
        }
        return self.signer.sign(claims), exp

    def issue_legacy(self, service_account: Obj, secret_name: str) -> str:
        md = service_account["metadata"]
        return self.signer.sign({
            "iss": LEGACY_ISSUER,
            f"{LEGACY}namespace": md["namespace"],
            f"{LEGACY}secret.name": secret_name,
            f"{LEGACY}service-account.name": md["name"],
            f"{LEGACY}service-account.uid": md["uid"],
            "sub": username(md["namespace"], md["name"]),
        })

    # Authenticating -------------------------------------------------------

    async def _lookup(self, storage: str, namespace: str, name: str) -> Obj | None:
        s = self.storages.of(storage)
        obj = s.cache.get(s.key(namespace, name))
        if obj is not None:
            return obj
        try:
            return await s.get(s.hub, namespace, name)
        except APIError:
            return None

    async def _named(self, storage: str, namespace: str, ref: Any) -> Obj | None:
        """The object a claim names, if it still exists with the claimed uid."""
        if not isinstance(ref, dict) or not isinstance(ref.get("name"), str):
            return None
        obj = await self._lookup(storage, namespace, ref["name"])
        if obj is None or obj["metadata"].get("uid") != ref.get("uid"):
            return None
        return obj

    async def authenticate(self, token: str, audiences: Iterable[str] = API_AUDIENCES
                           ) -> User | None:
        claims = self.signer.verify(token)
        if claims is None:
            return None
        if claims.get("iss") == LEGACY_ISSUER:
            return await self._legacy(token, claims)
        if claims.get("iss") != ISSUER:
            return None
        now = time.time()
        exp, nbf = claims.get("exp"), claims.get("nbf", 0)
        if not isinstance(exp, int) or not isinstance(nbf, int) or \
                exp + LEEWAY < now or nbf - LEEWAY > now:
            return None
        aud = claims.get("aud")
        token_audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        if not set(token_audiences) & set(audiences):
            return None
        private = claims.get("kubernetes.io")
        if not isinstance(private, dict) or not isinstance(private.get("namespace"), str):
            return None
        namespace = private["namespace"]
        sa = await self._named("serviceaccounts", namespace, private.get("serviceaccount"))
        if sa is None:
            return None
        extra: dict[str, list[str]] = {}
        if "pod" in private:
            pod = await self._named("pods", namespace, private["pod"])
            if pod is None:
                return None
            extra = {f"{EXTRA}pod-name": [pod["metadata"]["name"]],
                     f"{EXTRA}pod-uid": [pod["metadata"]["uid"]]}
        if "secret" in private and \
                await self._named("secrets", namespace, private["secret"]) is None:
            return None
        extra[f"{EXTRA}credential-id"] = [f"JTI={claims.get('jti', '')}"]
        return service_account_user(namespace, sa["metadata"]["name"], sa["metadata"]["uid"],
                                    extra)

    async def _legacy(self, token: str, claims: Claims) -> User | None:
        namespace = claims.get(f"{LEGACY}namespace")
        secret_name = claims.get(f"{LEGACY}secret.name")
        name = claims.get(f"{LEGACY}service-account.name")
        if not all(isinstance(x, str) for x in (namespace, secret_name, name)):
            return None
        assert isinstance(namespace, str) and isinstance(secret_name, str)
        sa = await self._named("serviceaccounts", namespace, {
            "name": name, "uid": claims.get(f"{LEGACY}service-account.uid")})
        secret = await self._lookup("secrets", namespace, secret_name)
        if sa is None or secret is None:
            return None
        stored = (secret.get("data") or {}).get("token", "")
        try:
            stored_token = base64.b64decode(stored).decode()
        except (binascii.Error, ValueError):
            return None
        if not hmac.compare_digest(stored_token, token):
            return None
        return service_account_user(namespace, sa["metadata"]["name"], sa["metadata"]["uid"])


def rfc3339(unix: int) -> str:
    return datetime.datetime.fromtimestamp(unix, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


TOKENS = web.AppKey("service_account_tokens", ServiceAccountTokens)
