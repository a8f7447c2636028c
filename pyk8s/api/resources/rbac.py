"""rbac.authorization.k8s.io/v1: Roles, ClusterRoles and their bindings.

RBAC names are path segments, not DNS names (`system:controller:job-controller`
is a valid ClusterRole), so they have their own name rule, `path_segment_errors`,
which `NAME_RULES` applies. Rules must grant at least one verb, on resources
of at least one API group or, for ClusterRoles only, on non-resource URLs. A
binding's `roleRef` can never change: to point elsewhere, recreate the
binding. Subjects' `apiGroup` defaults as Kubernetes defaults it.
"""

from __future__ import annotations

from collections.abc import Callable

from pyk8s.api import validation as v
from pyk8s.api.errors import Cause
from pyk8s.api.resource import Obj, ResourceType
from pyk8s.api.resources._common import (
    column,
    created_at,
    dicts,
    go_quote,
    go_strings,
    invalid_shown,
    items,
    mapping,
    required_text,
    text,
)
from pyk8s.api.tables import AGE

GROUP = "rbac.authorization.k8s.io"
SUBJECT_KINDS = ["ServiceAccount", "User", "Group"]


def path_segment_errors(name: str) -> list[str]:
    """path.IsValidPathSegmentName: RBAC object names."""
    if name in (".", ".."):
        return [f"may not be '{name}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in name]


# Roles and ClusterRoles --------------------------------------------------------


def _rule_causes(rule: Obj, path: str, *, namespaced: bool) -> list[Cause]:
    out: list[Cause] = []
    if not items(rule, "verbs"):
        out.append(v.required(f"{path}.verbs", "verbs must contain at least one value"))
    urls = items(rule, "nonResourceURLs")
    if urls:
        shown = go_strings(urls)
        if namespaced:
            out.append(invalid_shown(f"{path}.nonResourceURLs", shown,
                                     "namespaced rules cannot apply to non-resource URLs"))
        if items(rule, "apiGroups") or items(rule, "resources") or items(rule, "resourceNames"):
            out.append(invalid_shown(f"{path}.nonResourceURLs", shown, "rules cannot apply to "
                                     "both regular resources and non-resource URLs"))
        return out
    if not items(rule, "apiGroups"):
        out.append(v.required(f"{path}.apiGroups",
                              "resource rules must supply at least one api group"))
    if not items(rule, "resources"):
        out.append(v.required(f"{path}.resources",
                              "resource rules must supply at least one resource"))
    return out


def _rules_causes(role: Obj, *, namespaced: bool) -> list[Cause]:
    out: list[Cause] = []
    for i, rule in enumerate(dicts(role, "rules")):
        out += _rule_causes(rule, f"rules[{i}]", namespaced=namespaced)
    return out


def validate_clusterrole(role: Obj) -> list[Cause]:
    out = _rules_causes(role, namespaced=False)
    aggregation = role.get("aggregationRule")
    if isinstance(aggregation, dict):
        selectors = dicts(aggregation, "clusterRoleSelectors")
        if not selectors:
            out.append(v.required("aggregationRule.clusterRoleSelectors", "at least one "
                                  "clusterRoleSelector required if aggregationRule is non-nil"))
        for i, selector in enumerate(selectors):
            out += v.label_selector(f"aggregationRule.clusterRoleSelectors[{i}]", selector)
    return out


ROLE_COLUMNS = (column("Created At", created_at, type="date"),)

ROLE = ResourceType(
    group=GROUP, version="v1", kind="Role", plural="roles", columns=ROLE_COLUMNS,
    validate=lambda role: _rules_causes(role, namespaced=True),
)
CLUSTERROLE = ResourceType(
    group=GROUP, version="v1", kind="ClusterRole", plural="clusterroles", namespaced=False,
    columns=ROLE_COLUMNS, validate=validate_clusterrole,
)


# RoleBindings and ClusterRoleBindings --------------------------------------------


def default_binding(binding: Obj) -> None:
    for subject in dicts(binding, "subjects"):
        if subject.get("apiGroup") is None:
            subject["apiGroup"] = "" if subject.get("kind") == "ServiceAccount" else GROUP


def _subject_causes(subject: Obj, path: str, *, namespaced: bool) -> list[Cause]:
    name, kind = subject.get("name"), subject.get("kind")
    out = required_text(f"{path}.name", name)
    if kind == "ServiceAccount":
        if isinstance(name, str) and name:
            out += v.check(f"{path}.name", name, v.dns1123_subdomain_errors(name))
        if subject.get("apiGroup"):
            out.append(v.not_supported(f"{path}.apiGroup", subject["apiGroup"], [""]))
        if not namespaced:
            out += required_text(f"{path}.namespace", subject.get("namespace"))
    elif kind in ("User", "Group"):
        if subject.get("apiGroup") != GROUP:
            out.append(v.not_supported(f"{path}.apiGroup", subject.get("apiGroup") or "",
                                       [GROUP]))
    else:
        out.append(v.not_supported(f"{path}.kind", kind or "", SUBJECT_KINDS))
    return out


def _binding_causes(binding: Obj, *, namespaced: bool) -> list[Cause]:
    ref = mapping(binding, "roleRef")
    out: list[Cause] = []
    if ref.get("apiGroup") != GROUP:
        out.append(v.not_supported("roleRef.apiGroup", ref.get("apiGroup") or "", [GROUP]))
    kinds = ["Role", "ClusterRole"] if namespaced else ["ClusterRole"]
    if ref.get("kind") not in kinds:
        out.append(v.not_supported("roleRef.kind", ref.get("kind") or "", kinds))
    name = ref.get("name")
    out += required_text("roleRef.name", name)
    if isinstance(name, str) and name:
        out += v.check("roleRef.name", name, path_segment_errors(name))
    for i, subject in enumerate(dicts(binding, "subjects")):
        out += _subject_causes(subject, f"subjects[{i}]", namespaced=namespaced)
    return out


def _role_ref_unchanged(new: Obj, old: Obj) -> list[Cause]:
    ref, old_ref = mapping(new, "roleRef"), mapping(old, "roleRef")
    if ref == old_ref:
        return []
    shown = (f"rbac.RoleRef{{APIGroup:{go_quote(text(ref, 'apiGroup'))}, "
             f"Kind:{go_quote(text(ref, 'kind'))}, Name:{go_quote(text(ref, 'name'))}}}")
    return [invalid_shown("roleRef", shown, "cannot change roleRef")]


def subjects_cell(kind: str) -> Callable[[Obj], str]:
    """USERS, GROUPS or SERVICEACCOUNTS (`namespace/name`) of a binding."""
    def cell(binding: Obj) -> str:
        return ", ".join(
            f"{text(s, 'namespace')}/{text(s, 'name')}" if kind == "ServiceAccount"
            else text(s, "name")
            for s in dicts(binding, "subjects") if s.get("kind") == kind)
    return cell


BINDING_COLUMNS = (
    column("Role", lambda o: f"{text(o, 'roleRef', 'kind')}/{text(o, 'roleRef', 'name')}"),
    AGE,
    column("Users", subjects_cell("User"), priority=1),
    column("Groups", subjects_cell("Group"), priority=1),
    column("ServiceAccounts", subjects_cell("ServiceAccount"), priority=1),
)

ROLEBINDING = ResourceType(
    group=GROUP, version="v1", kind="RoleBinding", plural="rolebindings",
    columns=BINDING_COLUMNS, default=default_binding,
    validate=lambda binding: _binding_causes(binding, namespaced=True),
    validate_update=_role_ref_unchanged,
)
CLUSTERROLEBINDING = ResourceType(
    group=GROUP, version="v1", kind="ClusterRoleBinding", plural="clusterrolebindings",
    namespaced=False, columns=BINDING_COLUMNS, default=default_binding,
    validate=lambda binding: _binding_causes(binding, namespaced=False),
    validate_update=_role_ref_unchanged,
)

RESOURCES: list[ResourceType] = [CLUSTERROLEBINDING, CLUSTERROLE, ROLEBINDING, ROLE]
