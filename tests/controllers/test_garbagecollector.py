"""Cascading deletion in its three modes, and collection of objects whose owners are gone."""

from __future__ import annotations

import json
import uuid
from typing import Any

from tests.controllers.conftest import eventually
from tests.support import Server, manifest

HOLD = "pyk8s.io/test-hold"


def replicaset(name: str, replicas: int = 2, finalizers: list[str] | None = None
               ) -> dict[str, Any]:
    template_md: dict[str, Any] = {"labels": {"app": name}}
    if finalizers:
        template_md["finalizers"] = finalizers
    return {
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": template_md,
                              "spec": {"containers": [{"name": "c", "image": "busybox"}]}}},
    }


def names(cluster: Server, ns: str, kind: str, *args: str) -> list[str]:
    out = cluster.kubectl("-n", ns, "get", kind, *args, "-o", "json").stdout
    return [o["metadata"]["name"] for o in json.loads(out)["items"]]


def objects(cluster: Server, ns: str, kind: str, *args: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads(
        cluster.kubectl("-n", ns, "get", kind, *args, "-o", "json").stdout)["items"]
    return items


def test_background_deletion_removes_dependents(cluster: Server, ns: str) -> None:
    cluster.kubectl("-n", ns, "apply", "-f", "-", input=manifest({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "c", "image": "busybox"}]}}},
    }))
    eventually(lambda: len(names(cluster, ns, "pods")) == 2, what="2 pods")
    cluster.kubectl("-n", ns, "delete", "deployment", "web")
    eventually(lambda: not names(cluster, ns, "replicasets") and not names(cluster, ns, "pods"),
               what="replica sets and pods collected")


def test_orphan_deletion_keeps_dependents(cluster: Server, ns: str) -> None:
    cluster.kubectl("-n", ns, "apply", "-f", "-", input=manifest(replicaset("web")))
    eventually(lambda: len(names(cluster, ns, "pods")) == 2, what="2 pods")
    cluster.kubectl("-n", ns, "delete", "replicaset", "web", "--cascade=orphan")
    assert names(cluster, ns, "replicasets") == []
    pods = objects(cluster, ns, "pods")
    assert len(pods) == 2
    assert all(not p["metadata"].get("ownerReferences") for p in pods)


def test_foreground_deletion_waits_for_dependents(cluster: Server, ns: str) -> None:
    cluster.kubectl("-n", ns, "apply", "-f", "-", input=manifest(
        replicaset("web", finalizers=[HOLD])))
    eventually(lambda: len(names(cluster, ns, "pods")) == 2, what="2 pods")
    cluster.kubectl("-n", ns, "delete", "replicaset", "web", "--cascade=foreground",
                    "--wait=false")

    def all_terminating() -> bool:
        pods = objects(cluster, ns, "pods")
        return len(pods) == 2 and all(p["metadata"].get("deletionTimestamp") for p in pods)

    eventually(all_terminating, what="pods being deleted")
    rs = objects(cluster, ns, "replicasets")
    assert len(rs) == 1, "the owner went before its blocking dependents"
    assert rs[0]["metadata"]["deletionTimestamp"]
    assert "foregroundDeletion" in rs[0]["metadata"]["finalizers"]
    for pod in names(cluster, ns, "pods"):
        cluster.kubectl("-n", ns, "patch", "pod", pod, "--type=merge",
                        "-p", '{"metadata":{"finalizers":null}}')
    eventually(lambda: not names(cluster, ns, "replicasets") and not names(cluster, ns, "pods"),
               what="owner deleted after its dependents")


def test_objects_with_absent_owners_are_collected(cluster: Server, ns: str) -> None:
    cluster.kubectl("-n", ns, "create", "configmap", "owner")
    owner = objects(cluster, ns, "configmaps", "--field-selector", "metadata.name=owner")[0]

    def configmap(name: str, ref_name: str, uid: str) -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {
            "name": name, "ownerReferences": [
                {"apiVersion": "v1", "kind": "ConfigMap", "name": ref_name, "uid": uid}]}}

    cluster.kubectl("-n", ns, "create", "-f", "-", input=manifest(
        configmap("ghost-child", "ghost", str(uuid.uuid4())),
        configmap("child", "owner", owner["metadata"]["uid"])))
    eventually(lambda: "ghost-child" not in names(cluster, ns, "configmaps"),
               what="object of an owner that never existed collected")
    assert "child" in names(cluster, ns, "configmaps")
    cluster.kubectl("-n", ns, "delete", "configmap", "owner")
    eventually(lambda: "child" not in names(cluster, ns, "configmaps"),
               what="dependent of a deleted owner collected")


def test_object_with_a_remaining_owner_loses_only_the_dangling_reference(
        cluster: Server, ns: str) -> None:
    cluster.kubectl("-n", ns, "create", "configmap", "alive")
    alive = objects(cluster, ns, "configmaps", "--field-selector", "metadata.name=alive")[0]
    refs = [{"apiVersion": "v1", "kind": "ConfigMap", "name": "alive",
             "uid": alive["metadata"]["uid"]},
            {"apiVersion": "v1", "kind": "ConfigMap", "name": "gone", "uid": str(uuid.uuid4())}]
    cluster.kubectl("-n", ns, "create", "-f", "-", input=manifest({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "shared", "ownerReferences": refs}}))

    def owners() -> list[str]:
        cm = objects(cluster, ns, "configmaps", "--field-selector", "metadata.name=shared")[0]
        return [r["name"] for r in cm["metadata"].get("ownerReferences") or []]

    eventually(lambda: owners() == ["alive"], what="dangling reference removed")


def test_foreground_deletion_cascades_through_replicasets(cluster: Server, ns: str) -> None:
    cluster.kubectl("-n", ns, "apply", "-f", "-", input=manifest({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "c", "image": "busybox"}]}}},
    }))
    eventually(lambda: len(names(cluster, ns, "pods")) == 2, what="2 pods")
    # kubectl waits until the Deployment is gone, which foreground deletion allows only
    # after its ReplicaSet, which waits for its pods.
    cluster.kubectl("-n", ns, "delete", "deployment", "web", "--cascade=foreground",
                    "--timeout=60s", timeout=90)
    assert names(cluster, ns, "replicasets") == []
    assert names(cluster, ns, "pods") == []
