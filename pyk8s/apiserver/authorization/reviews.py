"""The access reviews: the authorizer's answers, asked over the API.

- SubjectAccessReview (cluster-wide) and LocalSubjectAccessReview (in the
  namespace of its URL): may `spec.user` with `spec.groups` do what
  `spec.resourceAttributes` or `spec.nonResourceAttributes` describe?
- SelfSubjectAccessReview: may the caller (`kubectl auth can-i`)?
- SelfSubjectRulesReview: every rule the caller has in `spec.namespace`
  (`kubectl auth can-i --list`), split into resource and non-resource rules.

Each is created (201) and answered in its `status`, never stored. The
question is evaluated by the same `RBACAuthorizer` that guards requests, so
the answers cannot drift from what the API server actually does.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from pyk8s.api import errors
from pyk8s.api import validation as v
from pyk8s.apiserver.authorization import Attributes
from pyk8s.apiserver.authorization.rbac import AUTHORIZER
from pyk8s.apiserver.context import RequestContext, User

Obj = dict[str, Any]
GROUP = "authorization.k8s.io"


def _attributes(kind: str, spec: Obj, user: User, namespace: str = "") -> Attributes:
    resource, non_resource = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
    if (resource is None) == (non_resource is None) or \
            not isinstance(resource or non_resource, dict):
        raise errors.invalid(kind, "", GROUP, [v.invalid(
            "spec.resourceAttributes", resource, "exactly one of nonResourceAttributes or "
            "resourceAttributes must be specified")])
    if isinstance(non_resource, dict):
        return Attributes(user, str(non_resource.get("verb", "")), resource_request=False,
                          path=str(non_resource.get("path", "")))
    assert isinstance(resource, dict)
    if namespace and resource.get("namespace", namespace) != namespace:
        raise errors.invalid(kind, "", GROUP, [v.invalid(
            "spec.resourceAttributes.namespace", resource.get("namespace"),
            "must match metadata.namespace")])
    return Attributes(user, str(resource.get("verb", "")),
                      namespace=str(resource.get("namespace") or namespace),
                      api_group=str(resource.get("group", "")),
                      resource=str(resource.get("resource", "")),
                      subresource=str(resource.get("subresource", "")),
                      name=str(resource.get("name", "")))


def _subject(kind: str, spec: Obj) -> User:
    name = spec.get("user") or ""
    groups = [g for g in spec.get("groups") or [] if isinstance(g, str)]
    if not name and not groups:
        raise errors.invalid(kind, "", GROUP, [v.invalid(
            "spec.user", name, "at least one of user or group must be specified")])
    extra = spec.get("extra") if isinstance(spec.get("extra"), dict) else {}
    return User(str(name), tuple(groups), str(spec.get("uid") or ""), extra or {})


async def _question(ctx: RequestContext) -> tuple[Obj, Obj]:
    body = await ctx.body(validate_fields=True)
    spec = body.get("spec") if isinstance(body, dict) else None
    if not isinstance(spec, dict):
        raise errors.invalid(ctx.r.kind, "", GROUP, [v.required("spec")])
    return body, spec


def _answer(ctx: RequestContext, body: Obj, spec: Obj, a: Attributes) -> web.Response:
    decision = ctx.request.app[AUTHORIZER].authorize(a)
    status: Obj = {"allowed": decision.allowed}
    if decision.reason:
        status["reason"] = decision.reason
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    return ctx.respond({"kind": ctx.r.kind, "apiVersion": ctx.r.api_version,
                        "metadata": metadata, "spec": spec, "status": status}, 201)


async def subject_access_review(ctx: RequestContext) -> web.StreamResponse:
    body, spec = await _question(ctx)
    user = _subject(ctx.r.kind, spec)
    namespace = ctx.info.namespace if ctx.r.namespaced else ""
    return _answer(ctx, body, spec, _attributes(ctx.r.kind, spec, user, namespace))


async def self_subject_access_review(ctx: RequestContext) -> web.StreamResponse:
    body, spec = await _question(ctx)
    return _answer(ctx, body, spec, _attributes(ctx.r.kind, spec, ctx.user))


async def self_subject_rules_review(ctx: RequestContext) -> web.StreamResponse:
    body, spec = await _question(ctx)
    namespace = spec.get("namespace") or ""
    resource_rules: list[Obj] = []
    non_resource_rules: list[Obj] = []
    for rule in ctx.request.app[AUTHORIZER].rules_for(ctx.user, str(namespace)):
        if rule.get("nonResourceURLs"):
            non_resource_rules.append({"verbs": rule.get("verbs") or [],
                                       "nonResourceURLs": rule["nonResourceURLs"]})
        else:
            resource_rules.append({k: rule[k] for k in
                                   ("verbs", "apiGroups", "resources", "resourceNames")
                                   if rule.get(k)})
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    return ctx.respond({"kind": ctx.r.kind, "apiVersion": ctx.r.api_version,
                        "metadata": metadata, "spec": spec, "status": {
                            "resourceRules": resource_rules,
                            "nonResourceRules": non_resource_rules, "incomplete": False}}, 201)
