"""Server-side Tables through the real kubectl: Kubernetes' columns for every kind.

`kubectl get` prints the columns the server sends; these tests create one
object of every kind and compare the headers kubectl prints, plain and with
`-o wide`, with Kubernetes 1.32's. The kubectl options that work on the rows'
objects (`-A`, `--show-labels`, `-L`, `--sort-by`) and the one-row Tables of
`kubectl get -w` are checked on ConfigMaps.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from pyk8s.api.registry import builtin
from tests.api.test_every_kind import examples
from tests.support import kubectl, manifest

# Tables do not depend on the datastore: one server is enough.
SQLITE = pytest.mark.parametrize("cluster", ["sqlite"], indirect=True)

WORKLOAD_WIDE = ["CONTAINERS", "IMAGES", "SELECTOR"]
EVENT = ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
EVENT_WIDE = ["LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE",
              "FIRST SEEN", "COUNT", "NAME"]
BINDING = ["NAME", "ROLE", "AGE"]
# resource -> (columns, columns -o wide adds at the end), as Kubernetes 1.32 prints them
COLUMNS: dict[str, tuple[list[str], list[str]]] = {
    "configmaps": (["NAME", "DATA", "AGE"], []),
    "endpoints": (["NAME", "ENDPOINTS", "AGE"], []),
    "events": (EVENT, []),
    "limitranges": (["NAME", "CREATED AT"], []),
    "namespaces": (["NAME", "STATUS", "AGE"], []),
    "nodes": (["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
              ["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION",
               "CONTAINER-RUNTIME"]),
    "persistentvolumeclaims": (["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES",
                                "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "AGE"],
                               ["VOLUMEMODE"]),
    "persistentvolumes": (["NAME", "CAPACITY", "ACCESS MODES", "RECLAIM POLICY", "STATUS",
                           "CLAIM", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "REASON", "AGE"],
                          ["VOLUMEMODE"]),
    "pods": (["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
             ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"]),
    "podtemplates": (["NAME", "CONTAINERS", "IMAGES", "POD LABELS"], []),
    "replicationcontrollers": (["NAME", "DESIRED", "CURRENT", "READY", "AGE"], WORKLOAD_WIDE),
    "resourcequotas": (["NAME", "REQUEST", "LIMIT", "AGE"], []),
    "secrets": (["NAME", "TYPE", "DATA", "AGE"], []),
    "serviceaccounts": (["NAME", "SECRETS", "AGE"], []),
    "services": (["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
                 ["SELECTOR"]),
    "controllerrevisions.apps": (["NAME", "CONTROLLER", "REVISION", "AGE"], []),
    "daemonsets.apps": (["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE",
                         "NODE SELECTOR", "AGE"], WORKLOAD_WIDE),
    "deployments.apps": (["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"], WORKLOAD_WIDE),
    "replicasets.apps": (["NAME", "DESIRED", "CURRENT", "READY", "AGE"], WORKLOAD_WIDE),
    "statefulsets.apps": (["NAME", "READY", "AGE"], ["CONTAINERS", "IMAGES"]),
    "events.events.k8s.io": (EVENT, []),
    "horizontalpodautoscalers.v2.autoscaling": (
        ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"], []),
    "horizontalpodautoscalers.v1.autoscaling": (
        ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"], []),
    "cronjobs.batch": (["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE",
                        "AGE"], WORKLOAD_WIDE),
    "jobs.batch": (["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"], WORKLOAD_WIDE),
    "ingressclasses.networking.k8s.io": (["NAME", "CONTROLLER", "PARAMETERS", "AGE"], []),
    "ingresses.networking.k8s.io": (["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"], []),
    "networkpolicies.networking.k8s.io": (["NAME", "POD-SELECTOR", "AGE"], []),
    "poddisruptionbudgets.policy": (["NAME", "MIN AVAILABLE", "MAX UNAVAILABLE",
                                     "ALLOWED DISRUPTIONS", "AGE"], []),
    "clusterrolebindings.rbac.authorization.k8s.io": (
        BINDING, ["USERS", "GROUPS", "SERVICEACCOUNTS"]),
    "clusterroles.rbac.authorization.k8s.io": (["NAME", "CREATED AT"], []),
    "rolebindings.rbac.authorization.k8s.io": (BINDING, ["USERS", "GROUPS", "SERVICEACCOUNTS"]),
    "roles.rbac.authorization.k8s.io": (["NAME", "CREATED AT"], []),
    "storageclasses.storage.k8s.io": (["NAME", "PROVISIONER", "RECLAIMPOLICY",
                                       "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION", "AGE"], []),
    "priorityclasses.scheduling.k8s.io": (["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE",
                                           "PREEMPTIONPOLICY"], []),
    "leases.coordination.k8s.io": (["NAME", "HOLDER", "AGE"], []),
    "endpointslices.discovery.k8s.io": (["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"],
                                        []),
}


def headers(line: str) -> list[str]:
    return re.split(r"\s{2,}", line.strip())


@SQLITE
def test_every_kind_prints_kubernetes_columns(kubeconfig: Path, ns: str) -> None:
    docs = examples(ns)
    kubectl(kubeconfig, "-n", ns, "create", "-f", "-", input=manifest(*docs))
    try:
        for resource, (columns, wide) in COLUMNS.items():
            plain = kubectl(kubeconfig, "-n", ns, "get", resource).stdout.splitlines()
            assert headers(plain[0]) == columns, resource
            assert len(plain) >= 2, resource
            wide_columns = EVENT_WIDE if resource.startswith("events") else columns + wide
            out = kubectl(kubeconfig, "-n", ns, "get", resource, "-o", "wide").stdout
            assert headers(out.splitlines()[0]) == wide_columns, resource
    finally:
        kubectl(kubeconfig, "-n", ns, "delete", "-f", "-", "--wait=false",
                input=manifest(*docs), check=False)


def test_every_listed_kind_is_checked_here() -> None:
    # CustomResourceDefinitions (NAME, CREATED AT) are printed in the CRD tests, the
    # metrics.k8s.io kinds (read from simulated nodes) in test_metrics.
    listed = {(r.plural, r.group) for r in builtin() if "list" in r.verbs
              and r.group not in ("apiextensions.k8s.io", "metrics.k8s.io")}
    checked = set()
    for resource in COLUMNS:
        plural, _, rest = resource.partition(".")
        checked.add((plural, re.sub(r"^v\d+\.", "", rest)))
    assert listed == checked


def configmaps(ns: str, *names: str, labels: dict[str, str] | None = None) -> str:
    return manifest(*({"apiVersion": "v1", "kind": "ConfigMap",
                       "metadata": {"name": n, "namespace": ns, "labels": labels or {}},
                       "data": {"k": n}} for n in names))


@SQLITE
def test_all_namespaces_labels_and_sorting(kubeconfig: Path, ns: str) -> None:
    kubectl(kubeconfig, "create", "-f", "-", input=configmaps(ns, "cm-b", "cm-c", "cm-a",
                                                              labels={"tier": "web"}))
    everywhere = kubectl(kubeconfig, "get", "configmaps", "-A").stdout.splitlines()
    assert headers(everywhere[0]) == ["NAMESPACE", "NAME", "DATA", "AGE"]
    assert any(headers(line)[:2] == [ns, "cm-a"] for line in everywhere[1:])

    labelled = kubectl(kubeconfig, "-n", ns, "get", "configmap", "cm-a",
                       "--show-labels").stdout.splitlines()
    assert headers(labelled[0]) == ["NAME", "DATA", "AGE", "LABELS"]
    assert headers(labelled[1])[-1] == "tier=web"

    column = kubectl(kubeconfig, "-n", ns, "get", "configmaps", "-l", "tier",
                     "-L", "tier").stdout.splitlines()
    assert headers(column[0]) == ["NAME", "DATA", "AGE", "TIER"]
    assert [headers(line)[-1] for line in column[1:]] == ["web"] * 3

    by_name = kubectl(kubeconfig, "-n", ns, "get", "configmaps", "-l", "tier",
                      "--sort-by=.metadata.name", "-o", "name").stdout.split()
    assert by_name == ["configmap/cm-a", "configmap/cm-b", "configmap/cm-c"]
    by_data = kubectl(kubeconfig, "-n", ns, "get", "configmaps", "-l", "tier",
                      "--sort-by=.data.k", "--no-headers").stdout.splitlines()
    assert [headers(line)[0] for line in by_data] == ["cm-a", "cm-b", "cm-c"]


@SQLITE
def test_watch_prints_one_row_per_change(kubeconfig: Path, ns: str) -> None:
    kubectl(kubeconfig, "create", "-f", "-", input=configmaps(ns, "before"))
    env = {**os.environ, "KUBECONFIG": str(kubeconfig)}
    proc = subprocess.Popen(["kubectl", "-n", ns, "get", "configmaps", "-w", "-o", "wide"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        assert headers(proc.stdout.readline()) == ["NAME", "DATA", "AGE"]
        assert headers(proc.stdout.readline())[0] == "before"
        kubectl(kubeconfig, "create", "-f", "-", input=configmaps(ns, "after"))
        assert headers(proc.stdout.readline())[:2] == ["after", "1"]
        kubectl(kubeconfig, "-n", ns, "patch", "configmap", "after", "--type=merge",
                "-p", '{"data": {"k2": "v"}}')
        assert headers(proc.stdout.readline())[:2] == ["after", "2"]
    finally:
        proc.kill()
        proc.wait()
