"""The API server as the real kubectl (v1.32) sees it.

Each test drives the kubectl installed on the machine against a real
`pyk8s server` (both datastores, see conftest) and checks what a user would
see: exit codes, printed columns, YAML, error messages.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from tests.support import Server, kubectl, kubectl_json, manifest

APP = [
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web-config"},
     "data": {"GREETING": "hello"}},
    {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "web-secret"},
     "stringData": {"password": "s3cret"}},
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
     "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
              "template": {"metadata": {"labels": {"app": "web"}},
                           "spec": {"containers": [{"name": "web", "image": "nginx:1.27",
                                                    "ports": [{"containerPort": 80}]}]}}}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
     "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 80}]}},
]


def k(kubeconfig: Path, ns: str, *args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return kubectl(kubeconfig, "-n", ns, *args, **kw)  # type: ignore[arg-type]


def test_version_and_namespaces(kubeconfig: Path) -> None:
    out = kubectl(kubeconfig, "version", "-o", "json")
    assert json.loads(out.stdout)["serverVersion"]["gitVersion"].startswith("v1.32")
    names = kubectl(kubeconfig, "get", "ns", "-o", "name").stdout.split()
    for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
        assert f"namespace/{ns}" in names


def test_kubernetes_service_exists(kubeconfig: Path) -> None:
    svc = kubectl_json(kubeconfig, "-n", "default", "get", "service", "kubernetes")
    assert svc["spec"]["clusterIP"] == "10.43.0.1"
    assert svc["spec"]["ports"][0]["port"] == 443


def test_api_resources_and_short_names(kubeconfig: Path) -> None:
    out = kubectl(kubeconfig, "api-resources").stdout
    for line in ("deployments", "deploy", "apps/v1", "Deployment"), ("pods", "po", "v1"):
        assert any(all(word in row.split() for word in line) for row in out.splitlines()), line
    assert kubectl(kubeconfig, "get", "deploy,rs,po,svc,cm", "-A").returncode == 0


def test_create_get_describe_an_app(kubeconfig: Path, ns: str) -> None:
    out = k(kubeconfig, ns, "create", "-f", "-", input=manifest(*APP)).stdout
    assert "deployment.apps/web created" in out
    assert "service/web created" in out

    table = k(kubeconfig, ns, "get", "deployments").stdout.splitlines()
    assert table[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert table[1].split()[:2] == ["web", "0/2"]
    svc = k(kubeconfig, ns, "get", "svc", "web").stdout.splitlines()
    assert svc[0].split()[:4] == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP"]
    assert svc[1].split()[1] == "ClusterIP" and svc[1].split()[2].startswith("10.43.")
    assert "80/TCP" in svc[1]
    cm = k(kubeconfig, ns, "get", "cm", "web-config").stdout.splitlines()
    assert cm[0].split() == ["NAME", "DATA", "AGE"] and cm[1].split()[1] == "1"

    secret = kubectl_json(kubeconfig, "-n", ns, "get", "secret", "web-secret")
    assert secret["data"] == {"password": "czNjcmV0"} and "stringData" not in secret
    assert secret["type"] == "Opaque"

    deploy = kubectl_json(kubeconfig, "-n", ns, "get", "deploy", "web")
    spec = deploy["spec"]
    assert spec["strategy"]["rollingUpdate"] == {"maxSurge": "25%", "maxUnavailable": "25%"}
    assert spec["revisionHistoryLimit"] == 10
    pod_spec = spec["template"]["spec"]
    assert pod_spec["restartPolicy"] == "Always"
    assert pod_spec["dnsPolicy"] == "ClusterFirst"
    assert pod_spec["terminationGracePeriodSeconds"] == 30
    assert pod_spec["containers"][0]["imagePullPolicy"] == "IfNotPresent"
    assert pod_spec["containers"][0]["terminationMessagePath"] == "/dev/termination-log"
    assert deploy["metadata"]["generation"] == 1
    assert deploy["metadata"]["uid"] and deploy["metadata"]["creationTimestamp"]

    assert "Name:" in k(kubeconfig, ns, "describe", "deployment", "web").stdout


def test_label_annotate_scale_replace_delete(kubeconfig: Path, ns: str) -> None:
    k(kubeconfig, ns, "create", "-f", "-", input=manifest(*APP))
    k(kubeconfig, ns, "label", "deployment", "web", "tier=frontend")
    k(kubeconfig, ns, "annotate", "deployment", "web", "note=hello")
    out = k(kubeconfig, ns, "get", "deploy", "-l", "tier=frontend", "--show-labels").stdout
    assert "tier=frontend" in out
    assert k(kubeconfig, ns, "get", "deploy", "-l", "tier in (backend)", "-o", "name"
             ).stdout == ""
    assert k(kubeconfig, ns, "get", "deploy", "-l", "!tier", "-o", "name").stdout == ""

    assert "scaled" in k(kubeconfig, ns, "scale", "deployment", "web", "--replicas=5").stdout
    deploy = kubectl_json(kubeconfig, "-n", ns, "get", "deploy", "web")
    assert deploy["spec"]["replicas"] == 5
    assert deploy["metadata"]["generation"] == 2
    assert deploy["metadata"]["annotations"]["note"] == "hello"

    changed = [dict(o) for o in APP]
    changed[0] = {**APP[0], "data": {"GREETING": "bonjour"}}
    assert "replaced" in k(kubeconfig, ns, "replace", "-f", "-", input=manifest(*changed)).stdout
    cm = kubectl_json(kubeconfig, "-n", ns, "get", "cm", "web-config")
    assert cm["data"] == {"GREETING": "bonjour"}

    out = k(kubeconfig, ns, "delete", "-f", "-", input=manifest(*APP)).stdout
    assert 'deployment.apps "web" deleted' in out
    assert k(kubeconfig, ns, "get", "deploy,svc,cm,secret", "-o", "name").stdout.strip() == ""


def test_get_watch_streams_changes(kubeconfig: Path, ns: str) -> None:
    k(kubeconfig, ns, "create", "-f", "-", input=manifest(APP[0]))
    watch = subprocess.Popen(
        ["kubectl", "--kubeconfig", str(kubeconfig), "-n", ns, "get", "cm", "-w",
         "--request-timeout=8s"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.5)
        k(kubeconfig, ns, "label", "cm", "web-config", "a=b")
        k(kubeconfig, ns, "create", "-f", "-",
          input=manifest({**APP[0], "metadata": {"name": "second"}}))
        time.sleep(1.5)
    finally:
        watch.terminate()
        out, _ = watch.communicate(timeout=10)
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "DATA", "AGE"]
    names = [line.split()[0] for line in lines[1:]]
    assert names[:2] == ["web-config", "web-config"]
    assert "second" in names


def test_strict_validation_rejects_unknown_fields(kubeconfig: Path, ns: str) -> None:
    bad = {**APP[0], "metadata": {"name": "typo", "lables": {"a": "b"}}}
    out = k(kubeconfig, ns, "create", "-f", "-", input=manifest(bad), check=False)
    assert out.returncode != 0
    assert 'unknown field "metadata.lables"' in out.stderr
    ok = k(kubeconfig, ns, "create", "--validate=false", "-f", "-", input=manifest(bad))
    assert "created" in ok.stdout


def test_invalid_objects_get_field_causes(kubeconfig: Path, ns: str) -> None:
    bad = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "Bad_Name"},
           "spec": {"replicas": -1, "selector": {"matchLabels": {"app": "x"}},
                    "template": {"metadata": {"labels": {"app": "y"}},
                                 "spec": {"containers": [{"name": "c"}]}}}}
    out = k(kubeconfig, ns, "create", "-f", "-", input=manifest(bad), check=False)
    assert out.returncode != 0
    err = out.stderr
    assert 'The Deployment "Bad_Name" is invalid' in err
    assert "metadata.name" in err
    assert "spec.replicas" in err
    assert "spec.template.metadata.labels" in err
    assert "spec.template.spec.containers[0].image" in err
    assert k(kubeconfig, ns, "get", "deploy", "-o", "name").stdout == ""


def test_conflicts_and_not_found(kubeconfig: Path, ns: str) -> None:
    k(kubeconfig, ns, "create", "-f", "-", input=manifest(APP[0]))
    dup = k(kubeconfig, ns, "create", "-f", "-", input=manifest(APP[0]), check=False)
    assert "AlreadyExists" in dup.stderr and 'configmaps "web-config" already exists' in dup.stderr
    stale = kubectl_json(kubeconfig, "-n", ns, "get", "cm", "web-config")
    k(kubeconfig, ns, "label", "cm", "web-config", "x=1")
    stale["data"] = {"GREETING": "stale"}
    out = k(kubeconfig, ns, "replace", "-f", "-", input=json.dumps(stale), check=False)
    assert out.returncode != 0 and "the object has been modified" in out.stderr
    missing = k(kubeconfig, ns, "get", "cm", "nope", check=False)
    assert 'configmaps "nope" not found' in missing.stderr


def test_unknown_namespace_and_kind(kubeconfig: Path) -> None:
    out = kubectl(kubeconfig, "-n", "does-not-exist", "create", "-f", "-",
                  input=manifest(APP[0]), check=False)
    assert 'namespaces "does-not-exist" not found' in out.stderr
    out = kubectl(kubeconfig, "get", "frobnicators", check=False)
    assert out.returncode != 0 and "frobnicators" in out.stderr


def test_deleting_namespace_marks_it_terminating(kubeconfig: Path, ns: str) -> None:
    # A finalizer holds the ConfigMap, and so the namespace, in Terminating.
    held = {**APP[0], "metadata": {"name": "held", "finalizers": ["example.com/hold"]}}
    k(kubeconfig, ns, "create", "-f", "-", input=manifest(held))
    kubectl(kubeconfig, "delete", "namespace", ns, "--wait=false")
    phase = kubectl(kubeconfig, "get", "ns", ns, "-o", "jsonpath={.status.phase}").stdout
    assert phase == "Terminating"
    out = k(kubeconfig, ns, "create", "-f", "-",
            input=manifest({**APP[0], "metadata": {"name": "late"}}), check=False)
    assert "because it is being terminated" in out.stderr
    k(kubeconfig, ns, "patch", "configmap", "held", "--type=merge",
      "-p", '{"metadata": {"finalizers": null}}')
    kubectl(kubeconfig, "wait", "--for=delete", f"namespace/{ns}", "--timeout=30s")
    protected = kubectl(kubeconfig, "delete", "namespace", "kube-system", check=False)
    assert protected.returncode != 0 and "may not be deleted" in protected.stderr


def test_unauthenticated_requests_get_401(cluster: Server, tmp_path: Path) -> None:
    out = subprocess.run(
        ["kubectl", "--server", cluster.url, "--insecure-skip-tls-verify", "--token", "bogus",
         "get", "pods"],
        capture_output=True, text=True,
        env={"KUBECONFIG": "/dev/null", "PATH": "/usr/bin", "HOME": str(tmp_path)})
    assert out.returncode != 0
    assert "Unauthorized" in out.stderr or "credentials" in out.stderr


def test_large_bodies_arrive_whole(kubeconfig: Path, ns: str) -> None:
    # Bodies reach the server in several reads: a create and a re-apply patch
    # of 200 kB each (under the last-applied annotation's limit) must be read to the end.
    def big(fill: str) -> str:
        return manifest({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big"},
                         "data": {"blob": fill * 200_000}})

    k(kubeconfig, ns, "apply", "-f", "-", input=big("a"))
    k(kubeconfig, ns, "apply", "-f", "-", input=big("b"))
    blob = k(kubeconfig, ns, "get", "cm", "big", "-o", "jsonpath={.data.blob}").stdout
    assert blob == "b" * 200_000
