"""RBAC escalation prevention: nobody grants permissions they do not hold.

Writing a Role (ClusterRole) is allowed when every rule in it is covered by
rules its author already has in that namespace (cluster-wide), or the author
may `escalate` roles (clusterroles). A ClusterRole with an aggregationRule
can gather anything, so it needs full authority (`*` on everything) or
`escalate`. Writing a RoleBinding (ClusterRoleBinding) is allowed when the
author holds every rule of the role it refers to, in the binding's
namespace (cluster-wide), or may `bind` that role. Members of
`system:masters` hold everything, so they pass.

Coverage is judged per atom (one verb on one group/resource/name, or one
verb on one URL), with the same matching as requests, so a requested `*`
is only covered by an owned `*`, and a rule for all names only by a rule
without resourceNames. The refusal is Kubernetes' 403: `user "alice"
(groups=[...]) is attempting to grant RBAC permissions not currently held`,
followed by the rules that are missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pyk8s.api import errors
from pyk8s.apiserver.admission import AdmissionPlugin, Attributes
from pyk8s.apiserver.authorization import REQUEST_USER
from pyk8s.apiserver.authorization import Attributes as Request
from pyk8s.apiserver.authorization.rbac import (
    GROUP,
    RBACAuthorizer,
    aggregated_rules,
    rule_allows,
    strings,
)
from pyk8s.apiserver.context import User
from pyk8s.apiserver.rest import Storages

Obj = dict[str, Any]
FULL_AUTHORITY: list[Obj] = [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]},
                             {"verbs": ["*"], "nonResourceURLs": ["*"]}]


def _atoms(user: User, rule: Obj) -> Iterator[Request]:
    for verb in strings(rule, "verbs"):
        urls = strings(rule, "nonResourceURLs")
        for url in urls:
            yield Request(user, verb, resource_request=False, path=url)
        if urls:
            continue
        for group in strings(rule, "apiGroups"):
            for resource in strings(rule, "resources"):
                base, _, sub = resource.partition("/")
                for name in strings(rule, "resourceNames") or [""]:
                    yield Request(user, verb, api_group=group, resource=base,
                                  subresource=sub, name=name)


def missing_rules(user: User, owned: list[Obj], wanted: list[Obj]) -> list[Obj]:
    """The wanted rules that `owned` does not cover."""
    return [rule for rule in wanted
            if not all(any(rule_allows(o, atom) for o in owned) for atom in _atoms(user, rule))]


def _show(rule: Obj) -> str:
    """A rule as Kubernetes prints it: {APIGroups:[""], Resources:["pods"], Verbs:["get"]}."""
    parts = [f"{label}:[{' '.join(f'{chr(34)}{v}{chr(34)}' for v in strings(rule, key))}]"
             for key, label in (("apiGroups", "APIGroups"), ("resources", "Resources"),
                                ("resourceNames", "ResourceNames"),
                                ("nonResourceURLs", "NonResourceURLs"), ("verbs", "Verbs"))
             if strings(rule, key)]
    return "{" + ", ".join(parts) + "}"


class RBACEscalation(AdmissionPlugin):
    def __init__(self, storages: Storages) -> None:
        super().__init__(storages)
        self.authorizer = RBACAuthorizer(storages)

    async def create(self, a: Attributes, obj: Obj) -> None:
        self._check(a, obj)

    async def update(self, a: Attributes, new: Obj, old: Obj) -> None:
        self._check(a, new)

    def _check(self, a: Attributes, obj: Obj) -> None:
        user = REQUEST_USER.get()
        kind = a.resource.kind
        if user is None or a.resource.group != GROUP:
            return
        namespace = a.namespace if a.resource.namespaced else ""
        if kind in ("Role", "ClusterRole"):
            if self._may(user, "escalate", a.resource.plural, namespace):
                return
            wanted = FULL_AUTHORITY if isinstance(obj.get("aggregationRule"), dict) else \
                [r for r in obj.get("rules") or [] if isinstance(r, dict)]
        elif kind in ("RoleBinding", "ClusterRoleBinding"):
            ref = obj.get("roleRef") or {}
            plural = "roles" if ref.get("kind") == "Role" else "clusterroles"
            if self._may(user, "bind", plural, namespace, str(ref.get("name", ""))):
                return
            wanted = self._role_rules(ref, namespace)
        else:
            return
        missing = missing_rules(user, self.authorizer.rules_for(user, namespace), wanted)
        if missing:
            groups = " ".join(f'"{g}"' for g in user.groups)
            raise errors.forbidden_message(
                f'{a.resource.plural}.{GROUP} "{obj["metadata"].get("name", "")}" is forbidden: '
                f'user "{user.name}" (groups=[{groups}]) is attempting to grant RBAC '
                f'permissions not currently held:\n' + "\n".join(_show(r) for r in missing),
                a.resource.plural, GROUP, obj["metadata"].get("name", ""))

    def _may(self, user: User, verb: str, plural: str, namespace: str, name: str = "") -> bool:
        return self.authorizer.authorize(Request(
            user, verb, namespace=namespace, api_group=GROUP, resource=plural,
            name=name)).allowed

    def _role_rules(self, ref: Obj, namespace: str) -> list[Obj]:
        """The rules the referred role grants (none if it does not exist yet)."""
        name = str(ref.get("name", ""))
        if ref.get("kind") == "ClusterRole":
            s = self.storages.of(f"clusterroles.{GROUP}")
            roles = {o["metadata"]["name"]: o for o in s.cache.objects.values()}
            return aggregated_rules(roles).get(name, [])
        s = self.storages.of(f"roles.{GROUP}")
        role = s.cache.get(s.key(namespace, name)) or {}
        return [r for r in role.get("rules") or [] if isinstance(r, dict)]
