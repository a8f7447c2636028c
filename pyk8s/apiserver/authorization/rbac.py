"""The RBAC authorizer: Roles, ClusterRoles and their bindings, evaluated in memory.

A request is allowed when some rule granted to its user allows it; there are
no deny rules, and members of `system:masters` are allowed everything without
a look at the rules. A rule allows a request when its verbs, API groups,
resources (`pods`, `pods/log`, `*/scale`, `*`) and resource names (none: all
names) all match, or, for a non-resource request, its verbs and
`nonResourceURLs` (exact, or a prefix ending in `*`) match. Rules reach a user
through bindings whose subjects name the user, one of its groups, or the
service account it is (`system:serviceaccount:<ns>:<name>`); a
ClusterRoleBinding grants everywhere, a RoleBinding only in its namespace.

The authorizer never reads the datastore per request: it keeps a `Policy`
built from the four kinds' watch caches and rebuilds it when any of those
caches has applied a newer revision, so a new binding counts from the
moment it is stored. In the policy, rules are already resolved from the
bound role and indexed by subject, and a ClusterRole with an
`aggregationRule` gets the rules of every ClusterRole its selectors match
(followed transitively, as Kubernetes' aggregation controller would fill
them in).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from pyk8s.api.errors import APIError
from pyk8s.api.selectors import selector_from_object
from pyk8s.apiserver.authorization import MASTERS, Attributes
from pyk8s.apiserver.context import User
from pyk8s.apiserver.rest import Storages

Obj = dict[str, Any]
GROUP = "rbac.authorization.k8s.io"
STORAGES = tuple(f"{plural}.{GROUP}" for plural in
                 ("clusterroles", "roles", "clusterrolebindings", "rolebindings"))
SubjectKey = tuple[str, str]  # ("User" | "Group", name)


def strings(rule: Obj, key: str) -> list[str]:
    values = rule.get(key)
    return [v for v in values if isinstance(v, str)] if isinstance(values, list) else []


def _resource_matches(rule: Obj, resource: str, subresource: str) -> bool:
    combined = f"{resource}/{subresource}" if subresource else resource
    for r in strings(rule, "resources"):
        if r in ("*", combined) or (subresource and r == f"*/{subresource}"):
            return True
    return False


def _url_matches(rule: Obj, path: str) -> bool:
    for url in strings(rule, "nonResourceURLs"):
        if url == "*" or url == path or (url.endswith("*") and path.startswith(url[:-1])):
            return True
    return False


def rule_allows(rule: Obj, a: Attributes) -> bool:
    verbs = strings(rule, "verbs")
    if "*" not in verbs and a.verb not in verbs:
        return False
    if not a.resource_request:
        return _url_matches(rule, a.path)
    groups = strings(rule, "apiGroups")
    if "*" not in groups and a.api_group not in groups:
        return False
    if not _resource_matches(rule, a.resource, a.subresource):
        return False
    names = strings(rule, "resourceNames")
    return not names or a.name in names


def subject_keys(user: User) -> list[SubjectKey]:
    return [("User", user.name), *(("Group", g) for g in user.groups)]


def _subject_key(subject: Obj, binding_namespace: str) -> SubjectKey | None:
    kind, name = subject.get("kind"), subject.get("name")
    if not isinstance(name, str):
        return None
    if kind == "ServiceAccount":
        namespace = subject.get("namespace") or binding_namespace
        return ("User", f"system:serviceaccount:{namespace}:{name}")
    if kind in ("User", "Group"):
        return (str(kind), name)
    return None


def aggregated_rules(cluster_roles: dict[str, Obj]) -> dict[str, list[Obj]]:
    """Every ClusterRole's effective rules, aggregation rules resolved."""
    out: dict[str, list[Obj]] = {}

    def rules_of(name: str, visiting: frozenset[str]) -> list[Obj]:
        if name in out:
            return out[name]
        role = cluster_roles[name]
        aggregation = role.get("aggregationRule")
        if not isinstance(aggregation, dict):
            rules = [r for r in role.get("rules") or [] if isinstance(r, dict)]
        else:
            selectors = []
            for s in aggregation.get("clusterRoleSelectors") or []:
                try:
                    selectors.append(selector_from_object(s))
                except APIError:
                    continue
            rules = []
            for other, obj in sorted(cluster_roles.items()):
                if other == name or other in visiting:
                    continue
                labels = obj.get("metadata", {}).get("labels") or {}
                if any(s.matches(labels) for s in selectors):
                    rules += [r for r in rules_of(other, visiting | {name}) if r not in rules]
        out[name] = rules
        return rules

    for name in cluster_roles:
        rules_of(name, frozenset())
    return out


@dataclass(slots=True)
class Grant:
    """The rules one binding gives, and how to name it in a decision's reason."""

    source: str
    rules: list[Obj]


@dataclass(slots=True)
class Policy:
    cluster: dict[SubjectKey, list[Grant]] = field(default_factory=lambda: defaultdict(list))
    namespaced: dict[str, dict[SubjectKey, list[Grant]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list)))

    def grants(self, user: User, namespace: str) -> list[Grant]:
        keys = subject_keys(user)
        out = [g for k in keys for g in self.cluster.get(k, ())]
        if namespace and namespace in self.namespaced:
            local = self.namespaced[namespace]
            out += [g for k in keys for g in local.get(k, ())]
        return out


def build_policy(cluster_roles: list[Obj], roles: list[Obj], cluster_bindings: list[Obj],
                 bindings: list[Obj]) -> Policy:
    effective = aggregated_rules({r["metadata"]["name"]: r for r in cluster_roles})
    local_roles = {(r["metadata"].get("namespace", ""), r["metadata"]["name"]):
                   [x for x in r.get("rules") or [] if isinstance(x, dict)] for r in roles}
    policy = Policy()
    for b in [*cluster_bindings, *bindings]:
        md = b.get("metadata", {})
        namespace = md.get("namespace", "")
        ref = b.get("roleRef") or {}
        if ref.get("kind") == "ClusterRole":
            rules = effective.get(ref.get("name", ""), [])
        else:
            rules = local_roles.get((namespace, ref.get("name", "")), [])
        kind = "RoleBinding" if namespace else "ClusterRoleBinding"
        for subject in b.get("subjects") or []:
            key = _subject_key(subject, namespace) if isinstance(subject, dict) else None
            if key is None:
                continue
            grant = Grant(f'{kind} "{md.get("name")}" of {ref.get("kind")} '
                          f'"{ref.get("name")}" to {subject.get("kind")} "{key[1]}"', rules)
            target = policy.namespaced[namespace] if namespace else policy.cluster
            target[key].append(grant)
    return policy


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str = ""


class RBACAuthorizer:
    def __init__(self, storages: Storages) -> None:
        self.storages = storages
        self._revisions: tuple[int, ...] = ()
        self._policy = Policy()

    def policy(self) -> Policy:
        caches = [self.storages.of(s).cache for s in STORAGES]
        revisions = tuple(c.revision for c in caches)
        if revisions != self._revisions:
            cluster_roles, roles, cluster_bindings, bindings = (
                list(c.objects.values()) for c in caches)
            self._policy = build_policy(cluster_roles, roles, cluster_bindings, bindings)
            self._revisions = revisions
        return self._policy

    def authorize(self, a: Attributes) -> Decision:
        if MASTERS in a.user.groups:
            return Decision(True, f'allowed as a member of "{MASTERS}"')
        for grant in self.policy().grants(a.user, a.namespace if a.resource_request else ""):
            if any(rule_allows(rule, a) for rule in grant.rules):
                return Decision(True, f"RBAC: allowed by {grant.source}")
        return Decision(False)

    def rules_for(self, user: User, namespace: str) -> list[Obj]:
        """Every rule granted to `user` in `namespace` (cluster-wide ones included)."""
        if MASTERS in user.groups:
            return [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]},
                    {"verbs": ["*"], "nonResourceURLs": ["*"]}]
        out: list[Obj] = []
        for grant in self.policy().grants(user, namespace):
            out += [r for r in grant.rules if r not in out]
        return out


AUTHORIZER = web.AppKey("authorizer", RBACAuthorizer)
