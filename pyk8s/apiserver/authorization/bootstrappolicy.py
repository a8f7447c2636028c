"""The roles and bindings every cluster starts with (Kubernetes' bootstrap policy).

- `cluster-admin` (everything), bound to the group `system:masters`;
- the user-facing roles `admin`, `edit` and `view`, each an aggregation of
  the ClusterRoles labelled `rbac.authorization.k8s.io/aggregate-to-<role>`
  (`edit` aggregates into `admin` and `view` into `edit`, so that a CRD's
  author adds one labelled ClusterRole and every level sees it); their base
  rules live in `system:aggregate-to-admin|edit|view`;
- `system:discovery`, `system:basic-user` (the self reviews) and
  `system:public-info-viewer` for every authenticated user, the last one
  for anonymous ones too;
- `system:node`, bound to the group `system:nodes` that node agents joining
  with the node token belong to: read everything, write what a kubelet
  writes (nodes, pods and their status, leases, events, volumes, tokens);
- `system:auth-delegator` and `system:monitoring` for the review and metrics
  endpoints.

Each object is created when missing, as on every kube-apiserver start. A
ClusterRole still annotated `rbac.authorization.kubernetes.io/autoupdate:
"true"` is put back to these rules if it drifted; remove the annotation to
keep local changes. Bindings are only created, never changed.
"""

from __future__ import annotations

from typing import Any

from pyk8s.api.errors import APIError
from pyk8s.apiserver.rest import ResourceStorage, Storages

Obj = dict[str, Any]
GROUP = "rbac.authorization.k8s.io"
USER = "system:apiserver"
AUTOUPDATE = "rbac.authorization.kubernetes.io/autoupdate"
AGGREGATE = f"{GROUP}/aggregate-to-"
READ = ["get", "list", "watch"]
WRITE = ["create", "delete", "deletecollection", "patch", "update"]
ALL = ["*"]


def rule(verbs: list[str], groups: list[str], resources: list[str]) -> Obj:
    return {"verbs": verbs, "apiGroups": groups, "resources": resources}


def urls(verbs: list[str], paths: list[str]) -> Obj:
    return {"verbs": verbs, "nonResourceURLs": paths}


EDITABLE = {
    "": ["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "configmaps",
         "endpoints", "events", "persistentvolumeclaims", "replicationcontrollers",
         "replicationcontrollers/scale", "secrets", "serviceaccounts", "services",
         "services/proxy"],
    "apps": ["daemonsets", "deployments", "deployments/rollback", "deployments/scale",
             "replicasets", "replicasets/scale", "statefulsets", "statefulsets/scale"],
    "autoscaling": ["horizontalpodautoscalers"],
    "batch": ["cronjobs", "jobs"],
    "networking.k8s.io": ["ingresses", "networkpolicies"],
    "policy": ["poddisruptionbudgets"],
    "coordination.k8s.io": ["leases"],
    "discovery.k8s.io": ["endpointslices"],
}
VIEWABLE = {
    "": ["pods", "pods/log", "pods/status", "configmaps", "endpoints", "events", "bindings",
         "limitranges", "namespaces", "namespaces/status", "persistentvolumeclaims",
         "persistentvolumeclaims/status", "replicationcontrollers",
         "replicationcontrollers/scale", "replicationcontrollers/status", "resourcequotas",
         "resourcequotas/status", "serviceaccounts", "services", "services/status"],
    "apps": ["controllerrevisions", "daemonsets", "daemonsets/status", "deployments",
             "deployments/scale", "deployments/status", "replicasets", "replicasets/scale",
             "replicasets/status", "statefulsets", "statefulsets/scale", "statefulsets/status"],
    "autoscaling": ["horizontalpodautoscalers", "horizontalpodautoscalers/status"],
    "batch": ["cronjobs", "cronjobs/status", "jobs", "jobs/status"],
    "networking.k8s.io": ["ingresses", "ingresses/status", "networkpolicies"],
    "policy": ["poddisruptionbudgets", "poddisruptionbudgets/status"],
    "discovery.k8s.io": ["endpointslices"],
    "events.k8s.io": ["events"],
}
# What a node agent writes; it reads everything.
NODE_WRITES = {
    "": ["nodes", "nodes/status", "pods", "pods/status", "pods/eviction", "pods/binding",
         "events", "configmaps", "endpoints", "services", "services/status",
         "persistentvolumeclaims", "persistentvolumeclaims/status", "persistentvolumes",
         "persistentvolumes/status", "serviceaccounts/token"],
    "coordination.k8s.io": ["leases"],
    "events.k8s.io": ["events"],
    "discovery.k8s.io": ["endpointslices"],
    "networking.k8s.io": ["ingresses/status"],
    "storage.k8s.io": ["volumeattachments", "csinodes"],
    "authentication.k8s.io": ["tokenreviews"],
    "authorization.k8s.io": ["subjectaccessreviews"],
}
PUBLIC_INFO = ["/healthz", "/livez", "/readyz", "/version", "/version/"]


def cluster_role(name: str, rules: list[Obj], *, labels: dict[str, str] | None = None,
                 aggregate_from: str = "") -> Obj:
    role: Obj = {
        "apiVersion": f"{GROUP}/v1", "kind": "ClusterRole",
        "metadata": {"name": name, "annotations": {AUTOUPDATE: "true"},
                     "labels": {"kubernetes.io/bootstrapping": "rbac-defaults",
                                **(labels or {})}},
        "rules": rules,
    }
    if aggregate_from:
        role["aggregationRule"] = {"clusterRoleSelectors": [
            {"matchLabels": {f"{AGGREGATE}{aggregate_from}": "true"}}]}
        role["rules"] = []
    return role


def binding(name: str, role: str, groups: list[str]) -> Obj:
    return {
        "apiVersion": f"{GROUP}/v1", "kind": "ClusterRoleBinding",
        "metadata": {"name": name, "annotations": {AUTOUPDATE: "true"},
                     "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
        "roleRef": {"apiGroup": GROUP, "kind": "ClusterRole", "name": role},
        "subjects": [{"apiGroup": GROUP, "kind": "Group", "name": g} for g in groups],
    }


def _aggregate_to(level: str) -> dict[str, str]:
    return {f"{AGGREGATE}{level}": "true"}


def cluster_roles() -> list[Obj]:
    return [
        cluster_role("cluster-admin", [rule(ALL, ALL, ALL), urls(ALL, ALL)]),
        cluster_role("admin", [], aggregate_from="admin"),
        cluster_role("edit", [], aggregate_from="edit", labels=_aggregate_to("admin")),
        cluster_role("view", [], aggregate_from="view", labels=_aggregate_to("edit")),
        cluster_role("system:aggregate-to-admin", [
            rule(WRITE + READ, [GROUP], ["roles", "rolebindings"]),  # not escalate or bind
            rule(["create"], ["authorization.k8s.io"], ["localsubjectaccessreviews"]),
        ], labels=_aggregate_to("admin")),
        cluster_role("system:aggregate-to-edit", [
            *(rule(WRITE, [g], resources) for g, resources in EDITABLE.items()),
            rule(READ, [""], ["secrets"]),
            rule(["impersonate"], [""], ["serviceaccounts"]),
            rule(["create"], [""], ["pods/eviction", "serviceaccounts/token"]),
        ], labels=_aggregate_to("edit")),
        cluster_role("system:aggregate-to-view", [
            rule(READ, [g], resources) for g, resources in VIEWABLE.items()
        ], labels=_aggregate_to("view")),
        cluster_role("system:discovery", [urls(["get"], [
            "/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi",
            "/openapi/*", "/readyz", "/version", "/version/"])]),
        cluster_role("system:basic-user", [
            rule(["create"], ["authorization.k8s.io"],
                 ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
            rule(["create"], ["authentication.k8s.io"], ["selfsubjectreviews"]),
        ]),
        cluster_role("system:public-info-viewer", [urls(["get"], PUBLIC_INFO)]),
        cluster_role("system:node", [
            rule(READ, ALL, ALL),
            *(rule(ALL, [g], resources) for g, resources in NODE_WRITES.items()),
        ]),
        cluster_role("system:auth-delegator", [
            rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
            rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"]),
        ]),
        cluster_role("system:monitoring", [urls(["get"], [
            "/healthz", "/healthz/*", "/livez", "/livez/*", "/metrics", "/readyz",
            "/readyz/*"])]),
    ]


def cluster_role_bindings() -> list[Obj]:
    return [
        binding("cluster-admin", "cluster-admin", ["system:masters"]),
        binding("system:discovery", "system:discovery", ["system:authenticated"]),
        binding("system:basic-user", "system:basic-user", ["system:authenticated"]),
        binding("system:public-info-viewer", "system:public-info-viewer",
                ["system:authenticated", "system:unauthenticated"]),
        binding("system:node", "system:node", ["system:nodes"]),
        binding("system:monitoring", "system:monitoring", ["system:monitoring"]),
    ]


async def _create(storage: ResourceStorage, obj: Obj) -> None:
    try:
        await storage.create(storage.hub, "", obj, user=USER)
    except APIError as e:
        if e.code != 409:  # another API server on the same datastore was first
            raise


async def bootstrap_policy(storages: Storages) -> None:
    roles = storages.of(f"clusterroles.{GROUP}")
    for role in cluster_roles():
        name = role["metadata"]["name"]
        try:
            current = await roles.get(roles.hub, "", name)
        except APIError as e:
            if e.code != 404:
                raise
            await _create(roles, role)
            continue
        drifted = any(current.get(k) != role.get(k) for k in ("rules", "aggregationRule"))
        if (current["metadata"].get("annotations") or {}).get(AUTOUPDATE) == "true" and \
                drifted and "aggregationRule" not in role:
            await roles.update(roles.hub, "", name, {**current, "rules": role["rules"]},
                               user=USER)
    bindings = storages.of(f"clusterrolebindings.{GROUP}")
    for b in cluster_role_bindings():
        try:
            await bindings.get(bindings.hub, "", b["metadata"]["name"])
        except APIError as e:
            if e.code != 404:
                raise
            await _create(bindings, b)
