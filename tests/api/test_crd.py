"""CustomResourceDefinitions, as kubectl and the `kubernetes` client see them.

Each test declares its own CRD (a group of its own, so tests never share
names), waits for it to be Established like any operator would, uses the new
kind through the real kubectl and `CustomObjectsApi`, and deletes the CRD at
the end, which deletes its objects.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from kubernetes import client, watch
from kubernetes.client.rest import ApiException

from tests.support import Server, kubectl, kubectl_json, manifest, raw, stop_process

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "required": ["color"],
            "properties": {
                "color": {"type": "string", "enum": ["red", "green", "blue"]},
                "replicas": {"type": "integer", "minimum": 0, "maximum": 10, "default": 1},
                "size": {"type": "string", "maxLength": 5},
                "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            },
        },
        "status": {
            "type": "object",
            "properties": {
                "replicas": {"type": "integer"},
                "selector": {"type": "string"},
                "conditions": {"type": "array", "items": {
                    "type": "object",
                    "properties": {"type": {"type": "string"}, "status": {"type": "string"}}}},
            },
        },
    },
}
COLUMNS = [
    {"name": "Color", "type": "string", "jsonPath": ".spec.color"},
    {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
    {"name": "Ready", "type": "string",
     "jsonPath": '.status.conditions[?(@.type=="Ready")].status'},
    {"name": "Size", "type": "string", "jsonPath": ".spec.size", "priority": 1},
    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
]


def short_name(group: str) -> str:
    """A short name of the group's own: kubectl resolves short names across all groups."""
    return "w" + group.split(".")[0]


def crd_manifest(group: str, *, kind: str = "Widget", plural: str = "widgets",
                 short: str = "", versions: list[dict[str, Any]] | None = None,
                 scope: str = "Namespaced") -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group, "scope": scope,
            "names": {"plural": plural, "singular": kind.lower(), "kind": kind,
                      "shortNames": [short or short_name(group)],
                      "categories": [f"c{group.split('.')[0]}"]},
            "versions": versions or [{
                "name": "v1", "served": True, "storage": True,
                "schema": {"openAPIV3Schema": copy.deepcopy(SCHEMA)},
                "subresources": {"status": {}, "scale": {
                    "specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas",
                    "labelSelectorPath": ".status.selector"}},
                "additionalPrinterColumns": COLUMNS,
                "selectableFields": [{"jsonPath": ".spec.color"}],
            }],
        },
    }


def widget(group: str, name: str, version: str = "v1", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": f"{group}/{version}", "kind": "Widget", "metadata": {"name": name},
            "spec": {"color": "red", **spec}}


def until(condition: Callable[[], bool], timeout: float = 30) -> bool:
    """Poll `condition` until it holds (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def establish(server: Server, crd: dict[str, Any]) -> None:
    server.kubectl("apply", "-f", "-", input=manifest(crd))
    server.kubectl("wait", "--for=condition=Established", "--timeout=30s",
                   f"crd/{crd['metadata']['name']}")


@pytest.fixture
def group(cluster: Server) -> Iterator[str]:
    """A fresh API group; every CRD made in it is deleted afterwards."""
    name = f"g{uuid.uuid4().hex[:8]}.example.com"
    yield name
    found = kubectl_json(cluster.kubeconfig, "get", "crd")["items"]
    for crd in found:
        if crd["spec"]["group"] == name:
            cluster.kubectl("delete", "crd", crd["metadata"]["name"], "--wait=false",
                            check=False)


@pytest.fixture
def custom(k8s: Any) -> client.CustomObjectsApi:
    return client.CustomObjectsApi(k8s)


def test_kubectl_uses_a_new_kind_with_its_columns_names_and_subresources(
        cluster: Server, group: str, ns: str) -> None:
    establish(cluster, crd_manifest(group))
    resources = cluster.kubectl("api-resources", "--api-group", group).stdout
    short = short_name(group)
    assert any(row.split()[:2] == ["widgets", short] for row in resources.splitlines())
    legacy = json.loads(cluster.kubectl("get", "--raw", f"/apis/{group}/v1").stdout)
    assert [r["name"] for r in legacy["resources"]] == [
        "widgets", "widgets/status", "widgets/scale"]
    assert legacy["resources"][0]["shortNames"] == [short]
    out = cluster.kubectl("-n", ns, "apply", "-f", "-",
                          input=manifest(widget(group, "w1", size="big"))).stdout
    assert f"widget.{group}/w1 created" in out

    lines = cluster.kubectl("-n", ns, "get", short).stdout.splitlines()
    assert lines[0].split() == ["NAME", "COLOR", "REPLICAS", "READY", "AGE"]
    assert lines[1].split()[:4] == ["w1", "red", "1", "<none>"]  # replicas defaulted
    wide = cluster.kubectl("-n", ns, "get", "widgets", "-o", "wide").stdout.splitlines()
    assert wide[0].split() == ["NAME", "COLOR", "REPLICAS", "READY", "SIZE", "AGE"]
    category = cluster.kubectl("-n", ns, "get", f"c{group.split('.')[0]}").stdout
    assert "w1" in category

    cluster.kubectl("-n", ns, "patch", short, "w1", "--type=merge",
                    "-p", '{"spec":{"color":"blue"}}')
    smp = cluster.kubectl("-n", ns, "patch", short, "w1", "-p", '{"spec":{"color":"green"}}',
                          check=False)
    assert smp.returncode != 0 and "strategic-merge-patch" in smp.stderr
    cluster.kubectl("-n", ns, "scale", short, "w1", "--replicas=3")
    cluster.kubectl("-n", ns, "patch", short, "w1", "--subresource=status", "--type=merge", "-p",
                    json.dumps({"status": {"replicas": 3, "selector": "app=w1",
                                           "conditions": [{"type": "Ready",
                                                           "status": "True"}]}}))
    row = cluster.kubectl("-n", ns, "get", short, "w1", "--no-headers").stdout.split()
    assert row[:4] == ["w1", "blue", "3", "True"]
    scale = json.loads(cluster.kubectl(
        "get", "--raw", f"/apis/{group}/v1/namespaces/{ns}/widgets/w1/scale").stdout)
    assert scale["spec"] == {"replicas": 3}
    assert scale["status"] == {"replicas": 3, "selector": "app=w1"}
    obj = kubectl_json(cluster.kubeconfig, "-n", ns, "get", short, "w1")
    assert obj["metadata"]["generation"] == 3  # create, color, replicas; status does not count

    explained = cluster.kubectl("explain", f"widgets.{group}.spec").stdout
    assert "color\t<string> -required-" in explained

    cluster.kubectl("delete", "crd", f"widgets.{group}")
    gone = cluster.kubectl("-n", ns, "get", f"widgets.{group}", check=False)
    assert gone.returncode != 0


def test_schema_validation_pruning_and_defaults(custom: client.CustomObjectsApi,
                                                cluster: Server, group: str, ns: str) -> None:
    establish(cluster, crd_manifest(group))
    with pytest.raises(ApiException) as e:
        custom.create_namespaced_custom_object(
            group, "v1", ns, "widgets",
            widget(group, "bad", replicas="many", size="enormous", color="pink"))
    assert e.value.status == 422
    status = json.loads(e.value.body)
    assert status["reason"] == "Invalid"
    causes = {(c["field"], c["reason"]) for c in status["details"]["causes"]}
    assert causes == {("spec.replicas", "FieldValueTypeInvalid"),
                      ("spec.size", "FieldValueTooLong"),
                      ("spec.color", "FieldValueNotSupported")}
    with pytest.raises(ApiException) as e:
        custom.create_namespaced_custom_object(
            group, "v1", ns, "widgets", {**widget(group, "bad"), "spec": {}})
    assert json.loads(e.value.body)["details"]["causes"] == [
        {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.color"}]

    body = widget(group, "w1", junk=1, extra={"anything": {"goes": True}})
    body["topLevel"] = "dropped"
    created = custom.create_namespaced_custom_object(group, "v1", ns, "widgets", body)
    assert created["spec"] == {"color": "red", "replicas": 1,
                               "extra": {"anything": {"goes": True}}}
    assert "topLevel" not in created
    with pytest.raises(ApiException) as e:
        raw(custom.api_client, "POST",
            f"/apis/{group}/v1/namespaces/{ns}/widgets?fieldValidation=Strict",
            widget(group, "w2", junk=1))
    assert e.value.status == 400
    assert 'unknown field \\"spec.junk\\"' in e.value.body

    # A default added to the schema later shows on objects stored before it.
    crd = crd_manifest(group)
    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    schema["properties"]["spec"]["properties"]["mode"] = {"type": "string", "default": "auto"}
    cluster.kubectl("apply", "-f", "-", input=manifest(crd))
    assert until(lambda: custom.get_namespaced_custom_object(
        group, "v1", ns, "widgets", "w1")["spec"].get("mode") == "auto")

    # Status is written only through /status; the main resource ignores it.
    custom.patch_namespaced_custom_object(group, "v1", ns, "widgets", "w1",
                                          {"status": {"replicas": 9}})
    assert "status" not in custom.get_namespaced_custom_object(group, "v1", ns, "widgets", "w1")


def test_versions_share_objects_and_deprecated_ones_warn(
        custom: client.CustomObjectsApi, cluster: Server, group: str, ns: str) -> None:
    open_schema = {"openAPIV3Schema": {"type": "object",
                                       "x-kubernetes-preserve-unknown-fields": True}}
    versions = [
        {"name": "v1beta1", "served": True, "storage": False, "deprecated": True,
         "schema": open_schema},
        {"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": SCHEMA}},
        {"name": "v1alpha1", "served": False, "storage": False, "schema": open_schema},
    ]
    establish(cluster, crd_manifest(group, versions=versions))
    group_doc = json.loads(cluster.kubectl("get", "--raw", f"/apis/{group}").stdout)
    assert group_doc["preferredVersion"]["version"] == "v1"
    assert [v["version"] for v in group_doc["versions"]] == ["v1", "v1beta1"]

    old = cluster.kubectl("-n", ns, "create", "-f", "-",
                          input=manifest(widget(group, "w1", "v1beta1", loose="kept")))
    assert f"{group}/v1beta1 Widget is deprecated" in old.stderr
    patched = cluster.kubectl("-n", ns, "patch", f"widgets.v1beta1.{group}", "w1",
                              "--type=merge", "-p", '{"spec":{"loose":"kept"}}')
    assert f"{group}/v1beta1 Widget is deprecated" in patched.stderr
    as_v1 = custom.get_namespaced_custom_object(group, "v1", ns, "widgets", "w1")
    assert as_v1["apiVersion"] == f"{group}/v1"
    # v1beta1's schema kept `loose`; reads apply the storage version's defaults.
    assert as_v1["spec"] == {"color": "red", "loose": "kept", "replicas": 1}
    listed = custom.list_namespaced_custom_object(group, "v1beta1", ns, "widgets")
    assert [i["apiVersion"] for i in listed["items"]] == [f"{group}/v1beta1"]
    with pytest.raises(ApiException) as e:
        custom.get_namespaced_custom_object(group, "v1alpha1", ns, "widgets", "w1")
    assert e.value.status == 404
    crd = kubectl_json(cluster.kubeconfig, "get", "crd", f"widgets.{group}")
    assert crd["status"]["storedVersions"] == ["v1"]

    # Moving storage to v1beta1: old objects still read in every version.
    versions[0]["storage"], versions[1]["storage"] = True, False
    cluster.kubectl("apply", "-f", "-", input=manifest(crd_manifest(group, versions=versions)))
    assert until(lambda: kubectl_json(cluster.kubeconfig, "get", "crd", f"widgets.{group}")[
        "status"]["storedVersions"] == ["v1", "v1beta1"])
    custom.create_namespaced_custom_object(group, "v1", ns, "widgets", widget(group, "w2"))
    names = [i["metadata"]["name"] for i in
             custom.list_namespaced_custom_object(group, "v1", ns, "widgets")["items"]]
    assert names == ["w1", "w2"]
    assert custom.get_namespaced_custom_object(group, "v1beta1", ns, "widgets", "w1")[
        "apiVersion"] == f"{group}/v1beta1"


def test_bad_crds_are_refused_with_causes_and_names_must_be_free(
        cluster: Server, group: str) -> None:
    bad = crd_manifest(group)
    bad["metadata"]["name"] = f"gadgets.{group}"
    bad["spec"]["scope"] = "Everywhere"
    bad["spec"]["versions"][0]["storage"] = False
    out = cluster.kubectl("apply", "-f", "-", input=manifest(bad), check=False)
    assert out.returncode != 0
    for text in ('metadata.name: Invalid value: "gadgets.', 'must be spec.names.plural+"."'
                 '+spec.group', 'spec.scope: Unsupported value: "Everywhere"',
                 "must have exactly one version marked as storage version"):
        assert text in out.stderr

    establish(cluster, crd_manifest(group))
    rival = crd_manifest(group, kind="Gadget", plural="gadgets", short=short_name(group))
    cluster.kubectl("apply", "-f", "-", input=manifest(rival))
    cluster.kubectl("wait", "--for=condition=NamesAccepted=false", "--timeout=30s",
                    f"crd/gadgets.{group}")
    status = kubectl_json(cluster.kubeconfig, "get", "crd", f"gadgets.{group}")["status"]
    accepted = next(c for c in status["conditions"] if c["type"] == "NamesAccepted")
    assert accepted["reason"] == "ShortNamesConflict"
    assert accepted["message"] == f'"{short_name(group)}" is already in use'
    established = next(c for c in status["conditions"] if c["type"] == "Established")
    assert established["status"] == "False"

    # A built-in resource's names are taken too, and it stays served as it was.
    builtin = crd_manifest("networking.k8s.io", kind="Ingress2", plural="ingresses",
                           short="ing2")
    try:
        cluster.kubectl("apply", "-f", "-", input=manifest(builtin))
        cluster.kubectl("wait", "--for=condition=NamesAccepted=false", "--timeout=30s",
                        "crd/ingresses.networking.k8s.io")
        cluster.kubectl("get", "ingresses.networking.k8s.io", "-A")
    finally:
        cluster.kubectl("delete", "crd", "ingresses.networking.k8s.io")

    # Once the holder goes, the waiting CRD gets its names.
    cluster.kubectl("delete", "crd", f"widgets.{group}")
    cluster.kubectl("wait", "--for=condition=Established", "--timeout=30s",
                    f"crd/gadgets.{group}")


def test_deleting_a_crd_deletes_its_objects_and_waits_for_their_finalizers(
        custom: client.CustomObjectsApi, cluster: Server, group: str, ns: str) -> None:
    establish(cluster, crd_manifest(group))
    custom.create_namespaced_custom_object(group, "v1", ns, "widgets", widget(group, "free"))
    held = widget(group, "held")
    held["metadata"]["finalizers"] = ["hold"]  # custom resources take any qualified name
    custom.create_namespaced_custom_object(group, "v1", ns, "widgets", held)
    cluster.kubectl("delete", "crd", f"widgets.{group}", "--wait=false")
    cluster.kubectl("-n", ns, "wait", "--for=delete", "--timeout=30s", f"widgets.{group}/free")
    def terminating() -> str:
        crd = kubectl_json(cluster.kubeconfig, "get", "crd", f"widgets.{group}")
        assert crd["metadata"]["deletionTimestamp"]
        return next(c["reason"] for c in crd["status"]["conditions"]
                    if c["type"] == "Terminating" and c["status"] == "True")

    assert until(lambda: terminating() == "InstanceDeletionInProgress")
    with pytest.raises(ApiException) as e:  # nothing new while terminating
        custom.create_namespaced_custom_object(group, "v1", ns, "widgets", widget(group, "new"))
    assert e.value.status == 405
    assert "create not allowed while custom resource definition is terminating" in e.value.body
    custom.patch_namespaced_custom_object(group, "v1", ns, "widgets", "held",
                                          {"metadata": {"finalizers": None}})
    cluster.kubectl("wait", "--for=delete", "--timeout=30s", f"crd/widgets.{group}")
    with pytest.raises(ApiException) as e:
        custom.list_namespaced_custom_object(group, "v1", ns, "widgets")
    assert e.value.status == 404


def test_operator_flow_watch_selectors_and_status(custom: client.CustomObjectsApi,
                                                  cluster: Server, group: str, ns: str) -> None:
    """What a kopf-style operator does: watch its kind, react, report through /status."""
    establish(cluster, crd_manifest(group))
    seen: list[tuple[str, str, Any]] = []
    ready = threading.Event()

    def operator() -> None:
        w = watch.Watch()
        for ev in w.stream(custom.list_namespaced_custom_object, group, "v1", ns, "widgets",
                           label_selector="team=a", timeout_seconds=20):
            obj = ev["object"]
            name = obj["metadata"]["name"]
            seen.append((ev["type"], name, (obj.get("status") or {}).get("phase")))
            if ev["type"] == "ADDED" and not obj.get("status"):
                custom.patch_namespaced_custom_object_status(
                    group, "v1", ns, "widgets", name, {"status": {"phase": "Reconciled"}})
            if ev["type"] == "DELETED":
                ready.set()
                w.stop()

    crd = crd_manifest(group)
    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    schema["properties"]["status"]["properties"]["phase"] = {"type": "string"}
    cluster.kubectl("apply", "-f", "-", input=manifest(crd))  # a schema change, served at once
    thread = threading.Thread(target=operator, daemon=True)
    thread.start()
    mine = widget(group, "mine")
    mine["metadata"]["labels"] = {"team": "a"}
    other = widget(group, "other")
    other["metadata"]["labels"] = {"team": "b"}
    custom.create_namespaced_custom_object(group, "v1", ns, "widgets", other)
    custom.create_namespaced_custom_object(group, "v1", ns, "widgets", mine)

    def reconciled() -> bool:
        got = custom.get_namespaced_custom_object(group, "v1", ns, "widgets", "mine")
        return bool(got.get("status") == {"phase": "Reconciled"})

    assert until(reconciled)
    by_name = custom.list_namespaced_custom_object(group, "v1", ns, "widgets",
                                                   field_selector="metadata.name=other")
    assert [i["metadata"]["name"] for i in by_name["items"]] == ["other"]
    custom.patch_namespaced_custom_object(group, "v1", ns, "widgets", "other",
                                          {"spec": {"color": "green"}})
    by_color = custom.list_namespaced_custom_object(group, "v1", ns, "widgets",
                                                    field_selector="spec.color=green")
    assert [i["metadata"]["name"] for i in by_color["items"]] == ["other"]
    with pytest.raises(ApiException) as e:
        custom.list_namespaced_custom_object(group, "v1", ns, "widgets",
                                             field_selector="spec.size=big")
    assert e.value.status == 400 and "field label not supported: spec.size" in e.value.body
    everywhere = custom.list_cluster_custom_object(group, "v1", "widgets",
                                                   label_selector="team in (a,b)")
    assert len(everywhere["items"]) == 2
    custom.delete_namespaced_custom_object(group, "v1", ns, "widgets", "mine")
    assert ready.wait(20)
    thread.join(5)
    assert [(t, n) for t, n, _ in seen] == [("ADDED", "mine"), ("MODIFIED", "mine"),
                                            ("DELETED", "mine")]
    assert seen[1][2] == "Reconciled"


def test_cluster_scoped_kind(custom: client.CustomObjectsApi, cluster: Server,
                             group: str) -> None:
    establish(cluster, crd_manifest(group, scope="Cluster"))
    custom.create_cluster_custom_object(group, "v1", "widgets", widget(group, "c1"))
    assert cluster.kubectl("get", short_name(group), "c1", "-o", "name").stdout.strip() == \
        f"widget.{group}/c1"
    with pytest.raises(ApiException) as e:
        raw(custom.api_client, "GET", f"/apis/{group}/v1/namespaces/default/widgets/c1")
    assert e.value.status == 404


def test_crds_and_their_objects_are_served_again_after_a_restart(tmp_path: Any) -> None:
    server = Server(tmp_path / "data").start()
    try:
        group = "restart.example.com"
        establish(server, crd_manifest(group))
        server.kubectl("-n", "default", "create", "-f", "-",
                       input=manifest(widget(group, "w1")))
        server.stop()
        server.start()  # ready only once stored CRDs are served again: no waiting here
        out = kubectl(server.kubeconfig, "-n", "default", "get", short_name(group), "w1",
                      "--no-headers")
        assert out.stdout.split()[:2] == ["w1", "red"]
    finally:
        server.stop()


OPERATOR = '''
import pathlib

import kopf

GROUP = {group!r}


@kopf.on.create(GROUP, "v1", "widgets")
def created(spec, patch, **_):
    patch.status["phase"] = "Created"
    return {{"color": spec["color"]}}


@kopf.on.update(GROUP, "v1", "widgets", field="spec.color")
def recolored(new, patch, **_):
    patch.status["phase"] = f"Recolored to {{new}}"


@kopf.on.delete(GROUP, "v1", "widgets")
def deleted(name, **_):
    pathlib.Path({marker!r}).write_text(name)
'''


def test_a_kopf_operator_runs_unchanged(custom: client.CustomObjectsApi, cluster: Server,
                                        group: str, ns: str, tmp_path: Any) -> None:
    crd = crd_manifest(group)
    status = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"]
    status["x-kubernetes-preserve-unknown-fields"] = True  # kopf keeps its records there
    establish(cluster, crd)
    marker = tmp_path / "deleted"
    script = tmp_path / "operator.py"
    script.write_text(OPERATOR.format(group=group, marker=str(marker)))
    log = open(tmp_path / "kopf.log", "wb")  # noqa: SIM115 - owned by the process
    proc = subprocess.Popen(
        [sys.executable, "-m", "kopf", "run", "--standalone", "--namespace", ns, str(script)],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "KUBECONFIG":
                                                   str(cluster.kubeconfig)})
    log.close()
    try:
        custom.create_namespaced_custom_object(group, "v1", ns, "widgets", widget(group, "w1"))

        def phase() -> Any:
            obj = custom.get_namespaced_custom_object(group, "v1", ns, "widgets", "w1")
            return (obj.get("status") or {}).get("phase"), obj

        assert until(lambda: phase()[0] == "Created"), (tmp_path / "kopf.log").read_text()
        assert phase()[1]["status"]["created"] == {"color": "red"}
        custom.patch_namespaced_custom_object(group, "v1", ns, "widgets", "w1",
                                              {"spec": {"color": "blue"}})
        assert until(lambda: phase()[0] == "Recolored to blue"), \
            (tmp_path / "kopf.log").read_text()
        cluster.kubectl("-n", ns, "delete", f"widgets.{group}", "w1", "--timeout=30s")
        assert marker.read_text() == "w1"
    finally:
        stop_process(proc)
