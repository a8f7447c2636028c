"""The API server's HTTP application: authenticate, route, dispatch, account.

Every request goes through one aiohttp handler:

1. authenticate (client certificate or token; 401 otherwise), apply any
   impersonation headers, and authorize with RBAC (403 otherwise);
2. parse the path into a `RequestInfo` (Kubernetes' URL grammar);
3. non-resource paths (discovery, OpenAPI, health, version, metrics) are
   answered here; resource paths find their `ResourceType` in the registry and
   the handler module for their verb and subresource;
4. any `APIError` becomes a `metav1.Status` reply with its code; anything
   unexpected is logged and becomes a 500 Status, never a dropped connection;
5. the request is counted in /metrics by verb, resource and code.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import orjson
from aiohttp import web

from pyk8s.api import errors
from pyk8s.api.registry import Registry
from pyk8s.apiserver import discovery
from pyk8s.apiserver.authn import ANONYMOUS, AUTHENTICATOR, Authenticator, public
from pyk8s.apiserver.authorization import REQUEST_USER, Attributes, reviews
from pyk8s.apiserver.authorization.aggregation import ClusterRoleAggregationController
from pyk8s.apiserver.authorization.impersonation import impersonate
from pyk8s.apiserver.authorization.rbac import AUTHORIZER, RBACAuthorizer
from pyk8s.apiserver.context import JSON, RequestContext, User
from pyk8s.apiserver.handlers import (
    binding,
    create,
    delete,
    eviction,
    get,
    list,
    patch,
    podproxy,
    scale,
    selfsubjectreview,
    tokenrequest,
    tokenreview,
    update,
    watch,
)
from pyk8s.apiserver.metrics import METRICS
from pyk8s.apiserver.openapi import V2_PROTOBUF, OpenAPI, wants_v2_protobuf
from pyk8s.apiserver.requestinfo import RequestInfo, parse
from pyk8s.apiserver.rest import Storages
from pyk8s.apiserver.serviceaccount.tokencontroller import TokenController
from pyk8s.apiserver.serviceaccount.tokens import TOKENS
from pyk8s.metrics import api as metrics_api
from pyk8s.metrics.scraper import MetricsScraper
from pyk8s.version import version_info

log = logging.getLogger(__name__)

# Writes that need a name in the path; `create` must not have one.
NAMED_WRITES = frozenset({"update", "patch"})

Handler = Callable[[RequestContext], Awaitable[web.StreamResponse]]

VERB_HANDLERS: dict[str, Handler] = {
    "get": get.handle,
    "list": list.handle,
    "watch": watch.handle,
    "create": create.handle,
    "update": update.handle,
    "patch": patch.handle,
    "delete": delete.handle,
    "deletecollection": delete.handle_collection,
}
# subresource -> verbs it accepts, and the handler for each
SUBRESOURCE_HANDLERS: dict[str, dict[str, Handler]] = {
    "status": {"get": get.handle, "update": update.handle, "patch": patch.handle},
    "finalize": {"update": update.handle},
    "scale": {"get": scale.handle, "update": scale.handle, "patch": scale.handle},
    "binding": {"create": binding.handle},
    "eviction": {"create": eviction.handle},
    # proxied to the pod's kubelet: GET for WebSocket clients, POST for SPDY ones
    "log": {"get": podproxy.log},
    "exec": {"get": podproxy.exec_, "create": podproxy.exec_},
    "attach": {"get": podproxy.attach, "create": podproxy.attach},
    "portforward": {"get": podproxy.portforward, "create": podproxy.portforward},
    "token": {"create": tokenrequest.handle},
}
# Create-only kinds that are questions answered in the reply, never stored.
REVIEW_HANDLERS: dict[str, Handler] = {
    "TokenReview": tokenreview.handle,
    "SelfSubjectReview": selfsubjectreview.handle,
    "SubjectAccessReview": reviews.subject_access_review,
    "LocalSubjectAccessReview": reviews.subject_access_review,
    "SelfSubjectAccessReview": reviews.self_subject_access_review,
    "SelfSubjectRulesReview": reviews.self_subject_rules_review,
}


def _json(obj: object, status: int = 200, content_type: str = JSON) -> web.Response:
    return web.Response(body=orjson.dumps(obj), status=status,
                        headers={"Content-Type": content_type})


class APIServerApp:
    def __init__(self, storages: Storages, registry: Registry, authenticator: Authenticator,
                 server_address: str, metric_resolution: float = 15.0) -> None:
        self.storages = storages
        self.registry = registry
        self.authenticator = authenticator
        self.authorizer = RBACAuthorizer(storages)
        self.server_address = server_address
        self.openapi = OpenAPI(registry)
        self.discovery = discovery.Discovery(registry)
        self.metrics = MetricsScraper(storages, authenticator.node_token, metric_resolution)
        self.ready = False

    def build(self) -> web.Application:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app[podproxy.NODE_TOKEN] = self.authenticator.node_token
        app[AUTHENTICATOR] = self.authenticator
        app[AUTHORIZER] = self.authorizer
        app[TOKENS] = self.authenticator.service_accounts
        app.cleanup_ctx.append(self._controllers)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app

    async def _controllers(self, app: web.Application) -> AsyncIterator[None]:
        """Loops that run while the app serves, on its own caches: the token controller
        (legacy token Secrets need the signing key), ClusterRole aggregation and the
        metrics scraper (metrics.k8s.io is served from its memory)."""
        tasks = [
            asyncio.create_task(TokenController(
                self.storages, self.authenticator.service_accounts).run(),
                name="token-controller"),
            asyncio.create_task(ClusterRoleAggregationController(self.storages).run(),
                                name="clusterrole-aggregation-controller"),
            asyncio.create_task(self.metrics.run(), name="metrics-scraper"),
        ]
        yield
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def handle(self, request: web.Request) -> web.StreamResponse:
        start = time.perf_counter()
        info = parse(request.method, request.path, request.query.get("watch", "") in
                     ("1", "true", "True"))
        code = 500
        try:
            resp = await self._handle(request, info)
            code = resp.status
            return resp
        except errors.APIError as e:
            code = e.code
            return _json(e.status(), e.code) if not e.headers else web.Response(
                body=orjson.dumps(e.status()), status=e.code,
                headers={"Content-Type": JSON, **e.headers})
        except Exception as e:
            log.exception("%s %s failed", request.method, request.path_qs)
            return _json(errors.internal(str(e) or type(e).__name__).status(), 500)
        finally:
            verb = info.verb.upper() if info.is_resource else request.method
            resource = info.resource + (f"/{info.subresource}" if info.subresource else "")
            METRICS.observe_request(verb, resource, code, time.perf_counter() - start)

    async def _handle(self, request: web.Request, info: RequestInfo) -> web.StreamResponse:
        user = await self.authenticator.authenticate(request)
        if user is None:
            if not public(request.path) or "Authorization" in request.headers:
                raise errors.unauthorized()
            user = ANONYMOUS
        user = impersonate(request, user, self.authorizer)
        self._authorize(user, info)
        REQUEST_USER.set(user)
        if not info.is_resource:
            return await self._non_resource(request, info)
        r = self.registry.lookup(info.group, info.version, info.resource)
        if r is None or (info.namespace and not r.namespaced and r.kind != "Namespace"):
            raise errors.APIError(404, "NotFound",
                                  "the server could not find the requested resource")
        ctx = RequestContext(request, info, user, self.storages, r)
        if r.deprecation_warning:
            ctx.warnings.append(r.deprecation_warning)
        if r.group == metrics_api.GROUP:
            return await metrics_api.handle(ctx, self.metrics)
        if info.subresource:
            handler = SUBRESOURCE_HANDLERS.get(info.subresource, {}).get(info.verb)
            if info.subresource not in r.subresources or handler is None:
                raise errors.APIError(404, "NotFound",
                                      "the server could not find the requested resource")
            return await handler(ctx)
        if r.kind == "Binding" and info.verb == "create":
            return await binding.handle(ctx)
        if r.kind in REVIEW_HANDLERS and info.verb == "create" and not info.name:
            return await REVIEW_HANDLERS[r.kind](ctx)
        misaddressed = (info.verb == "create" and info.name) or (
            info.verb in NAMED_WRITES and not info.name)
        if info.verb not in r.verbs or misaddressed:
            raise errors.method_not_allowed()
        if r.namespaced and not info.namespace and info.verb not in ("list", "watch"):
            raise errors.APIError(404, "NotFound",
                                  "the server could not find the requested resource")
        return await VERB_HANDLERS[info.verb](ctx)

    def _authorize(self, user: User, info: RequestInfo) -> None:
        if not info.is_resource:
            verb = "get" if info.verb == "head" else info.verb
            if not self.authorizer.authorize(Attributes(user, verb, resource_request=False,
                                                        path=info.path)).allowed:
                raise errors.forbidden_message(
                    f'forbidden: User "{user.name}" cannot {verb} path "{info.path}"')
            return
        a = Attributes(user, info.verb, namespace=info.namespace, api_group=info.group,
                       resource=info.resource, subresource=info.subresource, name=info.name)
        if self.authorizer.authorize(a).allowed:
            return
        resource = f"{info.resource}/{info.subresource}" if info.subresource else info.resource
        what = f"{info.resource}.{info.group}" if info.group else info.resource
        named = f' "{info.name}"' if info.name else ""
        scope = f' in the namespace "{info.namespace}"' if info.namespace else \
            " at the cluster scope"
        raise errors.forbidden_message(
            f'{what}{named} is forbidden: User "{user.name}" cannot {info.verb} resource '
            f'"{resource}" in API group "{info.group}"{scope}', info.resource, info.group,
            info.name)

    async def _non_resource(self, request: web.Request, info: RequestInfo
                            ) -> web.StreamResponse:
        path = request.path.rstrip("/") or "/"
        parts = [p for p in path.split("/") if p]
        accept = request.headers.get("Accept", "")
        if not parts:
            raise errors.APIError(404, "NotFound", "the server could not find the requested "
                                  "resource")
        if path == "/version":
            return _json(version_info())
        if path in ("/healthz", "/livez", "/readyz") or path.startswith(("/livez/",
                                                                          "/readyz/")):
            if path.startswith("/readyz") and not self.ready:
                return web.Response(text="[-]ready failed: not started yet\n", status=500)
            return web.Response(text="ok", content_type="text/plain")
        if path == "/metrics":
            return web.Response(text=METRICS.render(), content_type="text/plain")
        if path in ("/api", "/apis"):
            aggregated = discovery.wants_aggregated(accept)
            if aggregated:
                version = "v2" if aggregated == discovery.AGGREGATED_V2 else "v2beta1"
                doc = self.discovery.aggregated(core=path == "/api",
                                                api_version=f"apidiscovery.k8s.io/{version}")
                return _json(doc, content_type=aggregated)
            if path == "/api":
                return _json(discovery.api_versions(self.server_address))
            return _json(self.discovery.api_group_list())
        if parts[0] == "api" and len(parts) == 2 and \
                parts[1] in self.registry.groups().get("", []):
            return _json(self.discovery.resource_list("", parts[1]))
        if parts[0] == "apis" and len(parts) == 2:
            group = self.discovery.api_group(parts[1])
            if group is not None:
                return _json(group)
        if parts[0] == "apis" and len(parts) == 3 and \
                parts[2] in self.registry.groups().get(parts[1], []):
            return _json(self.discovery.resource_list(parts[1], parts[2]))
        if path == "/openapi/v3":
            return web.Response(body=self.openapi.index(), content_type=JSON)
        if path.startswith("/openapi/v3/"):
            found = self.openapi.get(path[len("/openapi/v3/"):])
            if found is not None:
                body, digest = found
                cache = "public, immutable" if request.query.get("hash") == digest \
                    else "no-cache, private"
                return web.Response(body=body, content_type=JSON, headers={
                    "Cache-Control": cache, "Etag": f'"{digest}"'})
        if path == "/openapi/v2":
            protobuf = wants_v2_protobuf(accept)
            body, digest = self.openapi.v2(protobuf=protobuf)
            return web.Response(body=body, headers={
                "Content-Type": V2_PROTOBUF if protobuf else JSON, "Etag": f'"{digest}"'})
        raise errors.APIError(404, "NotFound", "the server could not find the requested "
                              "resource")
