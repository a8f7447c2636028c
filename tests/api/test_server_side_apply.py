"""Server-side apply (`kubectl apply --server-side`, the kubernetes client) and managedFields.

Each test drives the real kubectl (v1.32) or the PyPI kubernetes client
against a `pyk8s server` and checks what a user sees: the objects, their
`managedFields` (`kubectl get --show-managed-fields`), conflict messages and
exit codes.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support import kubectl, kubectl_json, manifest

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def deployment(*, replicas: int | None = 2, image: str = "nginx:1",
               labels: dict[str, str] | None = None, env: dict[str, str] | None = None
               ) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{
            "name": "web", "image": image,
            "env": [{"name": k, "value": v} for k, v in (env or {"A": "1"}).items()]}]}}}
    if replicas is not None:
        spec["replicas"] = replicas
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": labels or {"app": "web"}}, "spec": spec}


def apply(kubeconfig: Path, ns: str, *docs: dict[str, Any], args: tuple[str, ...] = (),
          check: bool = True) -> Any:
    return kubectl(kubeconfig, "-n", ns, "apply", "--server-side", *args, "-f", "-",
                   input=manifest(*docs), check=check)


def get(kubeconfig: Path, ns: str, *what: str) -> Any:
    return kubectl_json(kubeconfig, "-n", ns, "get", *what, "--show-managed-fields")


def managers(obj: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(e["manager"], e["operation"]): e["fieldsV1"]
            for e in obj["metadata"].get("managedFields", [])}


def test_apply_creates_owns_and_is_idempotent(kubeconfig: Path, ns: str) -> None:
    out = apply(kubeconfig, ns, deployment())
    assert out.stdout.strip() == "deployment.apps/web serverside-applied"
    obj = get(kubeconfig, ns, "deployment", "web")
    fields = managers(obj)[("kubectl", "Apply")]
    assert fields["f:spec"]["f:replicas"] == {}
    assert fields["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"web"}'][
        "f:image"] == {}
    assert "f:imagePullPolicy" not in json.dumps(fields)  # defaults belong to nobody
    apply(kubeconfig, ns, deployment())
    again = get(kubeconfig, ns, "deployment", "web")
    assert again["metadata"]["managedFields"][0] == obj["metadata"]["managedFields"][0]
    assert again["spec"] == obj["spec"]


def test_conflicts_name_the_owner_and_force_takes_over(kubeconfig: Path, ns: str) -> None:
    kubectl(kubeconfig, "-n", ns, "apply", "-f", "-", input=manifest(deployment()))
    out = apply(kubeconfig, ns, deployment(replicas=3), args=("--field-manager=ci",),
                check=False)
    assert out.returncode == 1
    assert 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using ' \
           'apps/v1: .spec.replicas' in out.stderr
    assert "--force-conflicts" in out.stderr
    assert get(kubeconfig, ns, "deployment", "web")["spec"]["replicas"] == 2
    apply(kubeconfig, ns, deployment(replicas=3), args=("--field-manager=ci",
                                                        "--force-conflicts"))
    obj = get(kubeconfig, ns, "deployment", "web")
    assert obj["spec"]["replicas"] == 3
    owners = managers(obj)
    assert "f:replicas" in owners[("ci", "Apply")]["f:spec"]
    # kubectl then moved the client-side apply entry into its applier's.
    assert ("kubectl-client-side-apply", "Update") not in owners


def test_scaling_takes_replicas_over_through_the_scale_subresource(kubeconfig: Path, ns: str
                                                                   ) -> None:
    apply(kubeconfig, ns, deployment())
    kubectl(kubeconfig, "-n", ns, "scale", "deployment", "web", "--replicas=4")
    out = apply(kubeconfig, ns, deployment(), check=False)
    assert out.returncode == 1
    assert 'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" ' \
           'using apps/v1: .spec.replicas' in out.stderr
    obj = get(kubeconfig, ns, "deployment", "web")
    scaler = next(e for e in obj["metadata"]["managedFields"] if e.get("subresource") == "scale")
    assert scaler["fieldsV1"] == {"f:spec": {"f:replicas": {}}}
    assert "f:replicas" not in managers(obj)[("kubectl", "Apply")]["f:spec"]


def test_two_conflicting_fields_are_listed(kubeconfig: Path, ns: str) -> None:
    apply(kubeconfig, ns, deployment(), args=("--field-manager=team-a",))
    out = apply(kubeconfig, ns, deployment(replicas=5, image="nginx:2"),
                args=("--field-manager=team-b",), check=False)
    assert out.returncode == 1
    assert ('Apply failed with 2 conflicts: conflicts with "team-a":\n'
            '- .spec.replicas\n'
            '- .spec.template.spec.containers[name="web"].image') in out.stderr


def test_dropping_a_field_removes_it_unless_another_manager_owns_it(kubeconfig: Path, ns: str
                                                                    ) -> None:
    apply(kubeconfig, ns, deployment(labels={"app": "web", "tier": "front"},
                                     env={"A": "1", "B": "2"}))
    kubectl(kubeconfig, "-n", ns, "label", "deployment", "web", "owner=ops")
    apply(kubeconfig, ns, deployment(replicas=None, labels={"app": "web"}, env={"A": "1"}))
    obj = get(kubeconfig, ns, "deployment", "web")
    assert obj["metadata"]["labels"] == {"app": "web", "owner": "ops"}
    assert obj["spec"]["template"]["spec"]["containers"][0]["env"] == [
        {"name": "A", "value": "1"}]
    # replicas was only kubectl's: it is removed, and the API defaults it again.
    assert obj["spec"]["replicas"] == 1
    assert "f:replicas" not in managers(obj)[("kubectl", "Apply")]["f:spec"]


def test_migration_from_client_side_apply(kubeconfig: Path, ns: str) -> None:
    kubectl(kubeconfig, "-n", ns, "apply", "-f", "-",
            input=manifest(deployment(env={"A": "1", "B": "2"})))
    out = apply(kubeconfig, ns, deployment(replicas=4, env={"A": "1"}))
    assert out.stdout.strip() == "deployment.apps/web serverside-applied", out.stderr
    assert "error" not in out.stderr.lower() and "warning" not in out.stderr.lower()
    obj = get(kubeconfig, ns, "deployment", "web")
    assert obj["spec"]["replicas"] == 4
    assert obj["spec"]["template"]["spec"]["containers"][0]["env"] == [
        {"name": "A", "value": "1"}]
    owners = managers(obj)
    assert ("kubectl-client-side-apply", "Update") not in owners
    assert owners[("kubectl-last-applied", "Apply")] == {
        "f:metadata": {"f:annotations": {f"f:{LAST_APPLIED}": {}}}}
    assert "f:replicas" in owners[("kubectl", "Apply")]["f:spec"]
    last = json.loads(obj["metadata"]["annotations"][LAST_APPLIED])
    assert last["spec"]["replicas"] == 4
    # From now on dropping a field from the manifest removes it.
    apply(kubeconfig, ns, deployment(replicas=4, labels={"app": "web"}, image="nginx:3"))
    assert get(kubeconfig, ns, "deployment", "web")["spec"]["template"]["spec"][
        "containers"][0]["image"] == "nginx:3"


def test_first_apply_to_an_object_without_managed_fields(kubeconfig: Path, ns: str) -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "old"},
          "data": {"a": "1", "b": "2"}}
    kubectl(kubeconfig, "-n", ns, "create", "-f", "-", input=manifest(cm))
    # `[{}]` clears managedFields, as for an object written before they were tracked.
    kubectl(kubeconfig, "-n", ns, "patch", "configmap", "old", "--type=json", "-p",
            '[{"op": "replace", "path": "/metadata/managedFields", "value": [{}]}]')
    assert "managedFields" not in get(kubeconfig, ns, "configmap", "old")["metadata"]
    out = apply(kubeconfig, ns, {**cm, "data": {"a": "9"}}, args=("--field-manager=new",),
                check=False)
    assert 'conflict with "before-first-apply" using v1: .data.a' in out.stderr
    apply(kubeconfig, ns, {**cm, "data": {"a": "1"}}, args=("--field-manager=new",))
    obj = get(kubeconfig, ns, "configmap", "old")
    assert obj["data"] == {"a": "1", "b": "2"}
    owners = managers(obj)
    assert owners[("new", "Apply")] == {"f:data": {"f:a": {}}}
    assert owners[("before-first-apply", "Update")] == {"f:data": {".": {}, "f:a": {}, "f:b": {}}}


def test_undeclared_fields_fail_as_in_kubernetes(kubeconfig: Path, ns: str) -> None:
    bad = deployment()
    bad["spec"]["replicaz"] = 3
    out = apply(kubeconfig, ns, bad, args=("--validate=false",), check=False)
    assert out.returncode == 1
    assert out.stderr.strip() == (
        f"Error from server: failed to create typed patch object ({ns}/web; apps/v1, "
        f"Kind=Deployment): .spec.replicaz: field not declared in schema")


def test_server_side_diff_and_dry_run_write_nothing(kubeconfig: Path, ns: str) -> None:
    apply(kubeconfig, ns, deployment())
    before = get(kubeconfig, ns, "deployment", "web")
    out = kubectl(kubeconfig, "-n", ns, "diff", "--server-side", "-f", "-", check=False,
                  input=manifest(deployment(image="nginx:2")))
    assert out.returncode == 1, out.stderr
    assert "+        image: nginx:2" in out.stdout
    out = apply(kubeconfig, ns, deployment(image="nginx:3"), args=("--dry-run=server",))
    assert out.stdout.strip() == "deployment.apps/web serverside-applied (server dry run)"
    after = get(kubeconfig, ns, "deployment", "web")
    assert after["spec"] == before["spec"]
    assert after["metadata"]["managedFields"][0] == before["metadata"]["managedFields"][0]


def test_status_subresource_apply(kubeconfig: Path, ns: str) -> None:
    apply(kubeconfig, ns, deployment())
    status = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
              "status": {"conditions": [{"type": "Custom", "status": "True"}]}}
    apply(kubeconfig, ns, status, args=("--subresource=status", "--field-manager=prober"))
    obj = get(kubeconfig, ns, "deployment", "web")
    assert {"type": "Custom", "status": "True"} in [
        {k: c[k] for k in ("type", "status")} for c in obj["status"]["conditions"]]
    entry = next(e for e in obj["metadata"]["managedFields"] if e["manager"] == "prober")
    assert entry["subresource"] == "status" and entry["operation"] == "Apply"
    assert list(entry["fieldsV1"]) == ["f:status"]


def builtin_kinds(suffix: str) -> list[dict[str, Any]]:
    """One small object of every built-in kind (but Node) in namespace `suffix`.

    Cluster-scoped names carry the suffix too.
    """
    pod_spec = {"containers": [{"name": "c", "image": "busybox"}]}
    template = {"metadata": {"labels": {"app": "a"}}, "spec": pod_spec}
    selector = {"matchLabels": {"app": "a"}}
    md = {"name": "a", "labels": {"applied": "yes"}}
    manual = {"name": "manual", "labels": {"applied": "yes"}}  # no service selects it
    cluster = {"name": f"a-{suffix}", "labels": {"applied": "yes"}}

    def obj(api_version: str, kind: str, body: dict[str, Any], meta: dict[str, Any] | None
            = None) -> dict[str, Any]:
        return {"apiVersion": api_version, "kind": kind, "metadata": meta or md, **body}

    return [
        obj("v1", "ConfigMap", {"data": {"k": "v"}}),
        obj("v1", "Secret", {"stringData": {"k": "v"}}),
        obj("v1", "ServiceAccount", {}),
        obj("v1", "Service", {"spec": {"selector": {"app": "a"}, "ports": [{"port": 80}]}}),
        obj("v1", "Pod", {"spec": pod_spec}),
        obj("v1", "PodTemplate", {"template": template}),
        obj("v1", "ReplicationController", {"spec": {"replicas": 0, "selector": {"app": "a"},
                                                     "template": template}}),
        obj("v1", "Endpoints", {"subsets": [{"addresses": [{"ip": "10.1.2.3"}],
                                             "ports": [{"port": 80}]}]}, manual),
        obj("v1", "LimitRange", {"spec": {"limits": [{"type": "Container",
                                                      "default": {"cpu": "100m"}}]}}),
        obj("v1", "ResourceQuota", {"spec": {"hard": {"pods": "10"}}}),
        obj("v1", "PersistentVolumeClaim", {"spec": {"accessModes": ["ReadWriteOnce"],
                                                     "resources": {"requests": {
                                                         "storage": "1Gi"}}}}),
        obj("v1", "PersistentVolume", {"spec": {"capacity": {"storage": "1Gi"},
                                                "accessModes": ["ReadWriteOnce"],
                                                "hostPath": {"path": "/tmp/pv"}}}, cluster),
        obj("v1", "Namespace", {}, {"name": f"applied-{suffix}", "labels": {"applied": "yes"}}),
        obj("apps/v1", "Deployment", {"spec": {"replicas": 0, "selector": selector,
                                               "template": template}}),
        obj("apps/v1", "ReplicaSet", {"spec": {"replicas": 0, "selector": selector,
                                               "template": template}}),
        obj("apps/v1", "StatefulSet", {"spec": {"replicas": 0, "selector": selector,
                                                "serviceName": "a", "template": template}}),
        obj("apps/v1", "DaemonSet", {"spec": {"selector": selector, "template": template}}),
        obj("apps/v1", "ControllerRevision", {"revision": 1, "data": {"x": 1}}),
        obj("batch/v1", "Job", {"spec": {"suspend": True, "template": {
            "spec": {**pod_spec, "restartPolicy": "Never"}}}}),
        obj("batch/v1", "CronJob", {"spec": {"schedule": "*/5 * * * *", "suspend": True,
                                             "jobTemplate": {"spec": {"template": {"spec": {
                                                 **pod_spec, "restartPolicy": "Never"}}}}}}),
        obj("autoscaling/v2", "HorizontalPodAutoscaler", {"spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "a"},
            "minReplicas": 1, "maxReplicas": 3}}),
        obj("networking.k8s.io/v1", "Ingress", {"spec": {"defaultBackend": {"service": {
            "name": "a", "port": {"number": 80}}}}}),
        obj("networking.k8s.io/v1", "IngressClass", {"spec": {"controller": "x.io/c"}},
            cluster),
        obj("networking.k8s.io/v1", "NetworkPolicy", {"spec": {"podSelector": selector}}),
        obj("policy/v1", "PodDisruptionBudget", {"spec": {"minAvailable": 1,
                                                          "selector": selector}}),
        obj("rbac.authorization.k8s.io/v1", "Role", {"rules": [
            {"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}),
        obj("rbac.authorization.k8s.io/v1", "RoleBinding", {
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "a"},
            "subjects": [{"kind": "ServiceAccount", "name": "a"}]}),
        obj("rbac.authorization.k8s.io/v1", "ClusterRole", {"rules": [
            {"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}, cluster),
        obj("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", {
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                        "name": f"a-{suffix}"},
            "subjects": [{"kind": "ServiceAccount", "name": "a", "namespace": "default"}]},
            cluster),
        obj("storage.k8s.io/v1", "StorageClass", {"provisioner": "x.io/p"}, cluster),
        obj("scheduling.k8s.io/v1", "PriorityClass", {"value": 10}, cluster),
        obj("coordination.k8s.io/v1", "Lease", {"spec": {"holderIdentity": "me"}}),
        obj("discovery.k8s.io/v1", "EndpointSlice", {"addressType": "IPv4", "endpoints": [
            {"addresses": ["10.1.2.3"]}], "ports": [{"port": 80}]}),
        obj("v1", "Event", {"involvedObject": {"kind": "Pod", "name": "a", "namespace": suffix},
                            "reason": "Test", "message": "m", "type": "Normal"},
            {"name": "core-event", "labels": {"applied": "yes"}}),
        obj("events.k8s.io/v1", "Event", {
            "eventTime": "2026-01-01T00:00:00.000000Z", "reportingController": "x.io/c",
            "reportingInstance": "i", "action": "Test", "reason": "Test", "type": "Normal",
            "regarding": {"kind": "Pod", "name": "a", "namespace": suffix}}),
    ]


def test_every_builtin_kind_can_be_applied(kubeconfig: Path, ns: str) -> None:
    docs = builtin_kinds(ns)
    out = apply(kubeconfig, ns, *docs)
    assert out.stdout.count("serverside-applied") == len(docs), out.stdout
    again = apply(kubeconfig, ns, *docs)
    assert again.stdout.count("serverside-applied") == len(docs)
    for doc in docs:
        kind = doc["kind"].lower() + "." + (doc["apiVersion"].rpartition("/")[0] or "")
        obj = get(kubeconfig, ns, kind.rstrip("."), doc["metadata"]["name"])
        owned = managers(obj).get(("kubectl", "Apply"))
        assert owned is not None, doc["kind"]
        assert owned["f:metadata"]["f:labels"] == {"f:applied": {}}, doc["kind"]
    for doc in docs:
        if doc["metadata"]["name"] not in ("a", "manual", "core-event"):
            kubectl(kubeconfig, "delete", doc["kind"].lower() + "." + (
                doc["apiVersion"].rpartition("/")[0]), doc["metadata"]["name"],
                "--wait=false", check=False)


def test_custom_resources_lists_are_atomic_unless_declared(kubeconfig: Path, ns: str) -> None:
    group = f"{ns}.example.com"
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": f"widgets.{group}"},
           "spec": {"group": group, "scope": "Namespaced",
                    "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
                    "versions": [{"name": "v1", "served": True, "storage": True, "schema": {
                        "openAPIV3Schema": {"type": "object", "properties": {"spec": {
                            "type": "object", "properties": {
                                "size": {"type": "integer"},
                                "tags": {"type": "array", "items": {"type": "string"}},
                                "ports": {"type": "array", "x-kubernetes-list-type": "map",
                                          "x-kubernetes-list-map-keys": ["name"],
                                          "items": {"type": "object", "properties": {
                                              "name": {"type": "string"},
                                              "port": {"type": "integer"}}}}}}}}}}]}}
    kubectl(kubeconfig, "apply", "--server-side", "-f", "-", input=manifest(crd))
    try:
        widget = {"apiVersion": f"{group}/v1", "kind": "Widget", "metadata": {"name": "w"},
                  "spec": {"size": 1, "tags": ["a"], "ports": [{"name": "p1", "port": 1}]}}
        deadline = time.monotonic() + 30
        while apply(kubeconfig, ns, widget, check=False).returncode != 0:
            assert time.monotonic() < deadline, "the custom resource is never served"
            time.sleep(0.2)
        other = {**widget, "spec": {"ports": [{"name": "p2", "port": 2}]}}
        apply(kubeconfig, ns, other, args=("--field-manager=other",))
        obj = get(kubeconfig, ns, f"widgets.{group}", "w")
        assert [p["name"] for p in obj["spec"]["ports"]] == ["p1", "p2"]
        tags = apply(kubeconfig, ns, {**widget, "spec": {"tags": ["b"]}},
                     args=("--field-manager=other",), check=False)
        assert 'conflict with "kubectl": .spec.tags' in tags.stderr
        apply(kubeconfig, ns, {**widget, "spec": {"size": 1, "tags": ["a"]}})
        obj = get(kubeconfig, ns, f"widgets.{group}", "w")
        assert obj["spec"] == {"size": 1, "tags": ["a"], "ports": [{"name": "p2", "port": 2}]}
    finally:
        kubectl(kubeconfig, "delete", "crd", f"widgets.{group}", "--wait=false", check=False)


def test_kubernetes_client_apply_and_patch_options(k8s: Any, ns: str) -> None:
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    core: Any = client.CoreV1Api(k8s)
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "py"},
            "data": {"a": "1"}}
    created = core.patch_namespaced_config_map(
        "py", ns, body, field_manager="py-operator", _content_type="application/apply-patch+yaml")
    assert created.data == {"a": "1"}
    assert [(m.manager, m.operation) for m in created.metadata.managed_fields] == [
        ("py-operator", "Apply")]
    with pytest.raises(ApiException) as e:
        core.patch_namespaced_config_map("py", ns, {**body, "data": {"a": "2"}},
                                         field_manager="someone",
                                         _content_type="application/apply-patch+yaml")
    assert e.value.status == 409
    assert json.loads(str(e.value.body))["details"]["causes"][0] == {
        "reason": "FieldManagerConflict", "message": 'conflict with "py-operator"',
        "field": ".data.a"}
    forced = core.patch_namespaced_config_map(
        "py", ns, {**body, "data": {"a": "2"}}, field_manager="someone", force=True,
        _content_type="application/apply-patch+yaml")
    assert forced.data == {"a": "2"}
    with pytest.raises(ApiException) as e:
        core.patch_namespaced_config_map("py", ns, body,
                                         _content_type="application/apply-patch+yaml")
    assert e.value.status == 422
    assert json.loads(str(e.value.body))["message"] == (
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required '
        'for apply patch')
    with pytest.raises(ApiException) as e:
        core.patch_namespaced_config_map("py", ns, {"data": {"b": "1"}}, force=True,
                                         _content_type="application/merge-patch+json")
    assert e.value.status == 422
    assert "force: Forbidden: may not be specified for non-apply patch" in str(e.value.body)
    # Plain writes are recorded by manager too (the client's User-Agent by default).
    updated = core.patch_namespaced_config_map("py", ns, {"data": {"b": "1"}},
                                               _content_type="application/merge-patch+json")
    owners = {m.manager: m.operation for m in updated.metadata.managed_fields}
    assert owners["OpenAPI-Generator"] == "Update"


def test_secret_string_data_moves_from_client_side_to_server_side_apply(
        kubeconfig: Path, ns: str) -> None:
    # stringData is folded into data as the Secret is decoded, so no manager
    # ever owns stringData and switching to server-side apply finds no conflict.
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
              "stringData": {"password": "s3cret"}}
    kubectl(kubeconfig, "-n", ns, "apply", "-f", "-", input=manifest(secret))
    out = apply(kubeconfig, ns, secret)
    assert "serverside-applied" in out.stdout
    got = get(kubeconfig, ns, "secret", "s")
    assert got["data"] == {"password": "czNjcmV0"} and "stringData" not in got
