"""`APIClient`: the REST verbs of the Kubernetes API over one HTTPS session.

In: a `ClientConfig` (server, CA, client certificate or token). Out: plain
dicts, exactly the JSON the API server sent. Every component of pyk8s talks
to the API server only through this class, like any external client.

Requests name a resource by API version and plural, as URLs do
(`client.get("apps/v1", "deployments", "web", "default")`); the resource
table (`resources.py`) supplies the kind and scope. Methods map one to one
onto API verbs:

    get / list / create / update / update_status / patch / delete / watch

plus `request(method, path, ...)` for anything else (subresources such as
`pods/binding` or `/scale`, discovery, health).

Failures come out as two exceptions, both `RequestError`s:

- `APIStatusError`: the server answered with a non-2xx code. It carries the
  code, reason and message and the `metav1.Status` itself; `is_not_found`,
  `is_conflict`, `is_already_exists` and `is_gone` classify it.
- `TransportError`: no answer (connection refused or reset, TLS failure,
  timeout).

`watch()` is an async iterator of `WatchEvent(type, object)` read from the
chunked, newline-delimited stream. It ends when the server ends the stream
(its `timeoutSeconds`, or a restart); an `ERROR` event is raised as an
`APIStatusError` (410 Gone means "list again"). Breaking out of a watch
early should close it: `async with contextlib.aclosing(client.watch(...))`.

The session holds a pool of keep-alive connections with no upper bound,
because each open watch holds one connection for its lifetime.
"""

from __future__ import annotations

import os
from collections.abc import AsyncGenerator, Mapping
from typing import Any, Literal, NamedTuple

import aiohttp
import orjson

from pyk8s.client.config import ClientConfig
from pyk8s.client.resources import lookup

Obj = dict[str, Any]
Params = Mapping[str, str | None]
PatchType = Literal["merge", "json", "strategic", "apply"]

JSON = "application/json"
PATCH_CONTENT_TYPES: dict[str, str] = {
    "merge": "application/merge-patch+json",
    "json": "application/json-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "apply": "application/apply-patch+yaml",  # JSON is YAML
}
# metav1.StatusReason for replies that are not a Status (a proxy's error page, say).
REASONS: dict[int, str] = {
    400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
    405: "MethodNotAllowed", 406: "NotAcceptable", 409: "Conflict", 410: "Expired",
    413: "RequestEntityTooLarge", 415: "UnsupportedMediaType", 422: "Invalid",
    429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout",
}


class RequestError(Exception):
    """A request to the API server failed."""


class TransportError(RequestError):
    """The API server could not be reached, or the connection broke."""


class APIStatusError(RequestError):
    """The API server answered with a failure `Status`."""

    def __init__(self, status: Obj) -> None:
        self.status = status
        self.code: int = int(status.get("code") or 0)
        self.reason: str = str(status.get("reason") or "")
        self.message: str = str(status.get("message") or "")
        super().__init__(f"{self.code} {self.reason}: {self.message}")

    @classmethod
    def from_reply(cls, code: int, body: bytes) -> APIStatusError:
        try:
            status = orjson.loads(body)
        except orjson.JSONDecodeError:
            status = None
        if not isinstance(status, dict) or status.get("kind") != "Status":
            status = {"kind": "Status", "apiVersion": "v1", "metadata": {},
                      "status": "Failure", "reason": REASONS.get(code, "Unknown"),
                      "message": body.decode(errors="replace").strip()}
        status["code"] = code
        return cls(status)


def is_not_found(e: BaseException) -> bool:
    return isinstance(e, APIStatusError) and e.code == 404


def is_conflict(e: BaseException) -> bool:
    """A write lost an optimistic-concurrency race (409 Conflict, not AlreadyExists)."""
    return isinstance(e, APIStatusError) and e.code == 409 and e.reason != "AlreadyExists"


def is_already_exists(e: BaseException) -> bool:
    return isinstance(e, APIStatusError) and e.code == 409 and e.reason == "AlreadyExists"


def is_gone(e: BaseException) -> bool:
    """410: the resourceVersion asked for is too old; list again."""
    return isinstance(e, APIStatusError) and e.code == 410


class WatchEvent(NamedTuple):
    type: str  # ADDED | MODIFIED | DELETED | BOOKMARK
    object: Obj


def _params(**values: str | int | bool | None) -> dict[str, str]:
    """Query parameters, dropping unset ones; Kubernetes spells booleans in lower case."""
    out = {}
    for key, value in values.items():
        if value is None:
            continue
        out[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return out


def _namespace_of(body: Obj, namespace: str | None) -> str | None:
    return namespace or body.get("metadata", {}).get("namespace") or None


class APIClient:
    """An HTTPS session with the API server; use as `async with APIClient(config) as c`."""

    def __init__(self, config: ClientConfig, *, request_timeout: float = 30.0,
                 user_agent: str = "pyk8s-client") -> None:
        self.config = config
        self.request_timeout = request_timeout
        self._headers = {"Accept": JSON, "User-Agent": user_agent}
        if config.token:
            self._headers["Authorization"] = f"Bearer {config.token}"
        self._session: aiohttp.ClientSession | None = None

    @classmethod
    def from_kubeconfig(cls, path: str | os.PathLike[str], **kwargs: Any) -> APIClient:
        return cls(ClientConfig.from_kubeconfig(path), **kwargs)

    async def __aenter__(self) -> APIClient:
        connector = aiohttp.TCPConnector(ssl=self.config.ssl_context(), limit=0)
        self._session = aiohttp.ClientSession(self.config.server, connector=connector,
                                              headers=self._headers)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("APIClient is not open: use `async with APIClient(...)`")
        return self._session

    # The generic request ------------------------------------------------------

    async def request(self, method: str, path: str, *, params: Params | None = None,
                      body: Any = None, content_type: str = JSON,
                      timeout: float | None = None) -> Any:
        """One request; returns the decoded JSON reply (the text if it is not JSON).

        `body` is sent as JSON unless it is already `bytes`.
        """
        data = body if body is None or isinstance(body, bytes) else orjson.dumps(body)
        headers = {"Content-Type": content_type} if data is not None else None
        query = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            async with self.session.request(
                method, path, params=query, data=data, headers=headers,
                timeout=aiohttp.ClientTimeout(total=timeout or self.request_timeout),
            ) as resp:
                raw = await resp.read()
                if not 200 <= resp.status < 300:
                    raise APIStatusError.from_reply(resp.status, raw)
                if resp.content_type == JSON or resp.content_type.endswith("+json"):
                    return orjson.loads(raw) if raw else None
                return raw.decode(errors="replace")
        except (aiohttp.ClientError, OSError, TimeoutError) as e:
            raise TransportError(f"{method} {path}: {type(e).__name__}: {e}") from e

    # Verbs --------------------------------------------------------------------

    async def get(self, api_version: str, plural: str, name: str,
                  namespace: str | None = None, *, subresource: str | None = None) -> Obj:
        path = lookup(api_version, plural).path(namespace, name, subresource)
        result: Obj = await self.request("GET", path)
        return result

    async def list(self, api_version: str, plural: str, namespace: str | None = None, *,
                   label_selector: str | None = None, field_selector: str | None = None,
                   limit: int | None = None, continue_token: str | None = None,
                   resource_version: str | None = None,
                   resource_version_match: str | None = None) -> Obj:
        """One page of a collection: the List object (`items`, `metadata.continue`, ...).

        `namespace` None (or "") lists across all namespaces.
        """
        result: Obj = await self.request(
            "GET", lookup(api_version, plural).path(namespace),
            params=_params(labelSelector=label_selector, fieldSelector=field_selector,
                           limit=limit, resourceVersion=resource_version,
                           resourceVersionMatch=resource_version_match,
                           **{"continue": continue_token}))
        return result

    async def create(self, api_version: str, plural: str, body: Obj,
                     namespace: str | None = None, *, subresource: str | None = None) -> Obj:
        """POST `body`; the namespace defaults to the body's `metadata.namespace`.

        With `subresource` (e.g. "binding") the body is posted to that
        subresource of the object named by the body's `metadata.name`.
        """
        r = lookup(api_version, plural)
        ns = _namespace_of(body, namespace) if r.namespaced else namespace
        if r.namespaced and ns is None:
            raise ValueError(f"creating {plural} needs a namespace")
        name = body["metadata"]["name"] if subresource else None
        result: Obj = await self.request("POST", r.path(ns, name, subresource), body=body)
        return result

    async def update(self, api_version: str, plural: str, body: Obj, *,
                     subresource: str | None = None) -> Obj:
        """PUT the object named by `body.metadata`; a resourceVersion there makes it
        conditional (409 Conflict if the object changed since)."""
        r = lookup(api_version, plural)
        md = body["metadata"]
        path = r.path(md.get("namespace") if r.namespaced else None, md["name"], subresource)
        result: Obj = await self.request("PUT", path, body=body)
        return result

    async def update_status(self, api_version: str, plural: str, body: Obj) -> Obj:
        return await self.update(api_version, plural, body, subresource="status")

    async def patch(self, api_version: str, plural: str, name: str, patch: Any,
                    namespace: str | None = None, *, patch_type: PatchType = "merge",
                    subresource: str | None = None, field_manager: str | None = None,
                    force: bool | None = None) -> Obj:
        """PATCH with a merge patch (default), JSON patch (a list of operations),
        strategic merge patch, or server-side apply (which needs `field_manager`)."""
        if patch_type == "apply" and not field_manager:
            raise ValueError("server-side apply needs a field_manager")
        path = lookup(api_version, plural).path(namespace, name, subresource)
        result: Obj = await self.request(
            "PATCH", path, body=patch, content_type=PATCH_CONTENT_TYPES[patch_type],
            params=_params(fieldManager=field_manager, force=force))
        return result

    async def delete(self, api_version: str, plural: str, name: str,
                     namespace: str | None = None, *, propagation_policy: str | None = None,
                     grace_period_seconds: int | None = None,
                     preconditions: Mapping[str, str] | None = None) -> Obj:
        """DELETE; returns what the server answers: a Status, or the object (pods, and
        anything still held by finalizers or a grace period).

        `propagation_policy`: "Orphan" | "Background" | "Foreground".
        `preconditions`: {"uid": ..., "resourceVersion": ...}.
        """
        options: Obj = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if propagation_policy is not None:
            options["propagationPolicy"] = propagation_policy
        if grace_period_seconds is not None:
            options["gracePeriodSeconds"] = grace_period_seconds
        if preconditions:
            options["preconditions"] = dict(preconditions)
        path = lookup(api_version, plural).path(namespace, name)
        result: Obj = await self.request("DELETE", path, body=options)
        return result

    async def watch(self, api_version: str, plural: str, namespace: str | None = None, *,
                    label_selector: str | None = None, field_selector: str | None = None,
                    resource_version: str | None = None, timeout_seconds: int | None = None,
                    allow_bookmarks: bool = True) -> AsyncGenerator[WatchEvent, None]:
        """Changes after `resource_version` (None or "0": synthetic ADDEDs for the
        current state first), until the server ends the stream.

        Raises `APIStatusError` for an ERROR event or a failed request, and
        `TransportError` when the connection fails.
        """
        path = lookup(api_version, plural).path(namespace)
        params = _params(watch=True, labelSelector=label_selector, fieldSelector=field_selector,
                         resourceVersion=resource_version, timeoutSeconds=timeout_seconds,
                         allowWatchBookmarks=allow_bookmarks or None)
        # A silent connection is only suspicious once the server's own timeout has passed.
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=self.request_timeout,
            sock_read=timeout_seconds + self.request_timeout if timeout_seconds else None)
        try:
            async with self.session.get(path, params=params, timeout=timeout) as resp:
                if resp.status != 200:
                    raise APIStatusError.from_reply(resp.status, await resp.read())
                buffer = bytearray()
                async for chunk in resp.content.iter_any():
                    buffer += chunk
                    while (end := buffer.find(b"\n")) >= 0:
                        line = bytes(buffer[:end])
                        del buffer[:end + 1]
                        if line.strip():
                            yield _event(line)
                if buffer.strip():
                    yield _event(bytes(buffer))
        except (aiohttp.ClientError, OSError, TimeoutError) as e:
            raise TransportError(f"watch {path}: {type(e).__name__}: {e}") from e


def _event(line: bytes) -> WatchEvent:
    try:
        ev = orjson.loads(line)
        type_, obj = ev["type"], ev["object"]
    except (orjson.JSONDecodeError, KeyError, TypeError) as e:
        raise TransportError(f"malformed watch event: {line[:200]!r}") from e
    if type_ == "ERROR":
        raise APIStatusError(obj)
    return WatchEvent(type_, obj)
