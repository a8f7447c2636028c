"""Every built-in kind through the real kubectl: create, get, list, label, delete.

One small, valid manifest per registered kind (cluster-scoped ones named after
the test's namespace so that runs do not collide) goes through `kubectl
create -f`; each must then be readable by name with its fields intact, show up
in a `kubectl get` table, take a label, and be gone after `kubectl delete -f`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pyk8s.api.registry import builtin
from tests.support import kubectl, kubectl_json, manifest

Obj = dict[str, Any]
POD_SPEC: Obj = {"containers": [{"name": "c", "image": "busybox"}]}
TEMPLATE: Obj = {"metadata": {"labels": {"app": "x"}}, "spec": POD_SPEC}
SELECTOR: Obj = {"matchLabels": {"app": "x"}}


def examples(ns: str) -> list[Obj]:
    """A valid object of every kind a user can create, for namespace `ns`."""
    def obj(api_version: str, kind: str, name: str = "ex", **body: Any) -> Obj:
        return {"apiVersion": api_version, "kind": kind, "metadata": {"name": name}, **body}

    cluster_name = f"ex-{ns}"
    crd = "ex" + ns.replace("-", "")  # a kind of the test's own
    rule = [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]
    return [
        obj("v1", "ConfigMap", data={"k": "v"}),
        obj("v1", "Endpoints", subsets=[{"addresses": [{"ip": "10.42.0.5"}],
                                         "ports": [{"port": 80}]}]),
        obj("v1", "Event", involvedObject={"kind": "Pod", "name": "ex", "namespace": ns},
            reason="Tested", message="hello", type="Normal"),
        obj("v1", "LimitRange", spec={"limits": [{"type": "Container",
                                                  "default": {"cpu": "500m"}}]}),
        obj("v1", "Namespace", cluster_name),
        obj("v1", "Node", cluster_name, spec={"unschedulable": True}),
        obj("v1", "PersistentVolumeClaim", spec={
            "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}),
        obj("v1", "PersistentVolume", cluster_name, spec={
            "capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
            "hostPath": {"path": "/tmp/ex"}}),
        obj("v1", "Pod", spec=POD_SPEC),
        obj("v1", "PodTemplate", template=TEMPLATE),
        obj("v1", "ReplicationController", spec={"replicas": 0, "selector": {"app": "x"},
                                                 "template": TEMPLATE}),
        obj("v1", "ResourceQuota", spec={"hard": {"pods": "10"}}),
        obj("v1", "Secret", data={"k": "dg=="}),
        obj("v1", "ServiceAccount"),
        obj("v1", "Service", spec={"ports": [{"port": 80}], "selector": {"app": "x"}}),
        obj("apps/v1", "ControllerRevision", data={"spec": {}}, revision=1),
        obj("apps/v1", "DaemonSet", spec={"selector": SELECTOR, "template": TEMPLATE}),
        obj("apps/v1", "Deployment", spec={"replicas": 0, "selector": SELECTOR,
                                           "template": TEMPLATE}),
        obj("apps/v1", "ReplicaSet", spec={"replicas": 0, "selector": SELECTOR,
                                           "template": TEMPLATE}),
        obj("apps/v1", "StatefulSet", spec={"replicas": 0, "selector": SELECTOR,
                                            "serviceName": "ex", "template": TEMPLATE}),
        obj("events.k8s.io/v1", "Event", "ex2", eventTime="2026-01-01T00:00:00.000000Z",
            reportingController="tests", reportingInstance="tests", action="Test",
            reason="Tested", type="Normal",
            regarding={"kind": "Pod", "name": "ex", "namespace": ns}),
        obj("autoscaling/v2", "HorizontalPodAutoscaler", spec={
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "ex"},
            "minReplicas": 1, "maxReplicas": 3}),
        obj("autoscaling/v1", "HorizontalPodAutoscaler", "ex1", spec={
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "ex"},
            "maxReplicas": 3, "targetCPUUtilizationPercentage": 80}),
        obj("batch/v1", "CronJob", spec={"schedule": "*/5 * * * *", "jobTemplate": {
            "spec": {"template": {"spec": {**POD_SPEC, "restartPolicy": "Never"}}}}}),
        obj("batch/v1", "Job", spec={"suspend": True, "template": {
            "spec": {**POD_SPEC, "restartPolicy": "Never"}}}),
        obj("networking.k8s.io/v1", "IngressClass", cluster_name,
            spec={"controller": "pyk8s.io/ingress-nginx"}),
        obj("networking.k8s.io/v1", "Ingress", spec={"rules": [{"host": "ex.local", "http": {
            "paths": [{"path": "/", "pathType": "Prefix", "backend": {
                "service": {"name": "ex", "port": {"number": 80}}}}]}}]}),
        obj("networking.k8s.io/v1", "NetworkPolicy", spec={"podSelector": {},
                                                           "policyTypes": ["Ingress"]}),
        obj("policy/v1", "PodDisruptionBudget", spec={"minAvailable": 1, "selector": SELECTOR}),
        obj("rbac.authorization.k8s.io/v1", "ClusterRole", cluster_name, rules=rule),
        obj("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", cluster_name,
            roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                     "name": cluster_name},
            subjects=[{"kind": "ServiceAccount", "name": "ex", "namespace": "default"}]),
        obj("rbac.authorization.k8s.io/v1", "Role", rules=rule),
        obj("rbac.authorization.k8s.io/v1", "RoleBinding",
            roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "ex"},
            subjects=[{"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"}]),
        obj("storage.k8s.io/v1", "StorageClass", cluster_name,
            provisioner="pyk8s.io/local-path"),
        obj("scheduling.k8s.io/v1", "PriorityClass", cluster_name, value=1000),
        obj("coordination.k8s.io/v1", "Lease", spec={"holderIdentity": "me",
                                                     "leaseDurationSeconds": 15}),
        obj("discovery.k8s.io/v1", "EndpointSlice", addressType="IPv4",
            endpoints=[{"addresses": ["10.42.0.5"]}], ports=[{"port": 80}]),
        obj("apiextensions.k8s.io/v1", "CustomResourceDefinition", f"{crd}s.example.com",
            spec={"group": "example.com", "scope": "Namespaced",
                  "names": {"plural": f"{crd}s", "kind": crd.capitalize()},
                  "versions": [{"name": "v1", "served": True, "storage": True, "schema": {
                      "openAPIV3Schema": {"type": "object"}}}]}),
    ]


def resource_arg(doc: Obj) -> str:
    """`plural.version.group/name`: unambiguous for kubectl (two Event kinds, two HPAs)."""
    r = builtin().by_kind(doc["apiVersion"], doc["kind"])
    assert r is not None, doc["kind"]
    return f"{r.plural}.{r.version}.{r.group}/{doc['metadata']['name']}".replace("..", ".")


def test_every_kind_is_declared_here() -> None:
    creatable = {(r.api_version, r.kind) for r in builtin() if "create" in r.verbs
                 and r.verbs != ("create",)}  # Binding and the reviews: never stored
    assert creatable == {(d["apiVersion"], d["kind"]) for d in examples("x")}


def test_every_kind_round_trips_through_kubectl(kubeconfig: Path, ns: str) -> None:
    docs = examples(ns)
    out = kubectl(kubeconfig, "-n", ns, "create", "-f", "-", input=manifest(*docs))
    assert out.stdout.count(" created") == len(docs), out.stdout

    for doc in docs:
        what = resource_arg(doc)
        got = kubectl_json(kubeconfig, "-n", ns, "get", what)
        assert got["kind"] == doc["kind"] and got["metadata"]["uid"], what
        for field in set(doc) - {"apiVersion", "kind", "metadata", "spec"}:
            assert field in got, (what, field)
        table = kubectl(kubeconfig, "-n", ns, "get", what).stdout
        first = "LAST SEEN" if doc["kind"] == "Event" else "NAME"  # events: NAME only if wide
        assert table.splitlines()[0].startswith(first), (what, table)
        if doc["kind"] != "Event":
            assert doc["metadata"]["name"] in table, (what, table)
        kubectl(kubeconfig, "-n", ns, "label", what, "checked=yes")

    labelled = kubectl(kubeconfig, "-n", ns, "get", "configmaps,secrets,deployments",
                       "-l", "checked=yes", "-o", "name").stdout.split()
    assert sorted(labelled) == ["configmap/ex", "deployment.apps/ex", "secret/ex"]

    kubectl(kubeconfig, "-n", ns, "delete", "-f", "-", "--wait=false", input=manifest(*docs))
    for doc in docs:
        if doc["kind"] == "Namespace":  # stays Terminating until the namespace controller runs
            continue
        if doc["kind"] == "CustomResourceDefinition":  # goes once its objects are cleaned up
            kubectl(kubeconfig, "wait", "--for=delete", "--timeout=30s", resource_arg(doc))
            continue
        gone = kubectl(kubeconfig, "-n", ns, "get", resource_arg(doc), check=False)
        assert gone.returncode != 0 and "NotFound" in gone.stderr, json.dumps(doc)
