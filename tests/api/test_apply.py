"""Client-side `kubectl apply`, `kubectl diff` and `kubectl edit` with the real kubectl.

Client-side apply is GET, then POST with the last-applied-configuration
annotation, then three-way strategic merge patches computed by kubectl; it
converges when the server merges those patches as kube-apiserver does. Every
write is also recorded in managedFields for its manager.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support import kubectl, kubectl_json, manifest

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def web(image: str = "nginx:1", *, tier: str = "front", env: dict[str, str] | None = None
        ) -> dict[str, Any]:
    env = {"A": "1", "B": "2"} if env is None else env
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web", "tier": tier}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{
                     "name": "web", "image": image, "ports": [{"containerPort": 80}],
                     "env": [{"name": k, "value": v} for k, v in env.items()]}]}}},
    }


def managers(obj: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(e["manager"], e["operation"]): e["fieldsV1"]
            for e in obj["metadata"].get("managedFields", [])}


def test_apply_creates_then_converges(kubeconfig: Path, ns: str) -> None:
    out = kubectl(kubeconfig, "-n", ns, "apply", "-f", "-", input=manifest(web()))
    assert out.stdout.strip() == "deployment.apps/web created"
    again = kubectl(kubeconfig, "-n", ns, "apply", "-f", "-", input=manifest(web()))
    assert again.stdout.strip() == "deployment.apps/web unchanged"
    # Someone else labels it; the manifest then drops env B and changes tier and image.
    kubectl(kubeconfig, "-n", ns, "label", "deployment", "web", "owner=ops")
    changed = web("nginx:2", tier="back", env={"A": "1"})
    out = kubectl(kubeconfig, "-n", ns, "apply", "-f", "-", input=manifest(changed))
    assert out.stdout.strip() == "deployment.apps/web configured"
    obj = kubectl_json(kubeconfig, "-n", ns, "get", "deployment", "web",
                       "--show-managed-fields")
    assert obj["metadata"]["labels"] == {"app": "web", "tier": "back", "owner": "ops"}
    container = obj["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "nginx:2"
    assert container["env"] == [{"name": "A", "value": "1"}]
    assert json.loads(obj["metadata"]["annotations"][LAST_APPLIED])["metadata"]["labels"] == {
        "app": "web", "tier": "back"}
    owners = managers(obj)
    assert "f:owner" in owners[("kubectl-label", "Update")]["f:metadata"]["f:labels"]
    csa = owners[("kubectl-client-side-apply", "Update")]
    assert "f:replicas" in csa["f:spec"] and "f:owner" not in csa["f:metadata"]["f:labels"]
    last = kubectl(kubeconfig, "-n", ns, "apply", "-f", "-", input=manifest(changed))
    assert last.stdout.strip() == "deployment.apps/web unchanged"


def test_diff_shows_what_apply_would_change(kubeconfig: Path, ns: str) -> None:
    kubectl(kubeconfig, "-n", ns, "apply", "-f", "-", input=manifest(web()))
    before = kubectl_json(kubeconfig, "-n", ns, "get", "deployment", "web")
    same = kubectl(kubeconfig, "-n", ns, "diff", "-f", "-", input=manifest(web()), check=False)
    assert (same.returncode, same.stdout) == (0, "")
    out = kubectl(kubeconfig, "-n", ns, "diff", "-f", "-", check=False,
                  input=manifest(web("nginx:2", tier="back", env={"A": "1"})))
    assert out.returncode == 1, out.stderr
    lines = {line.rstrip() for line in out.stdout.splitlines()
             if line[:1] in "+-" and line[:3] not in ("+++", "---")}
    assert {"-    tier: front", "+    tier: back", "-        - name: B",
            "-        image: nginx:1", "+        image: nginx:2"} <= lines, out.stdout
    after = kubectl_json(kubeconfig, "-n", ns, "get", "deployment", "web")
    assert after["spec"] == before["spec"]
    assert after["metadata"]["labels"] == before["metadata"]["labels"]


def test_edit_with_an_editor_script(kubeconfig: Path, ns: str, tmp_path: Path) -> None:
    kubectl(kubeconfig, "-n", ns, "apply", "-f", "-", input=manifest(web()))
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys\n"
        "path = sys.argv[-1]\n"
        "text = open(path).read().replace('image: nginx:1', 'image: nginx:edited')\n"
        "open(path, 'w').write(text)\n")
    command = f"{sys.executable} {editor}"
    env = {**os.environ, "KUBECONFIG": str(kubeconfig), "EDITOR": command, "KUBE_EDITOR": command}
    out = subprocess.run(["kubectl", "-n", ns, "edit", "deployment", "web"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "deployment.apps/web edited"
    obj = kubectl_json(kubeconfig, "-n", ns, "get", "deployment", "web",
                       "--show-managed-fields")
    assert obj["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:edited"
    edit = managers(obj)[("kubectl-edit", "Update")]
    assert edit["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"web"}'] == {
        "f:image": {}}
    # The next apply of the manifest puts the image back: it is in the manifest.
    kubectl(kubeconfig, "-n", ns, "apply", "-f", "-", input=manifest(web()))
    obj = kubectl_json(kubeconfig, "-n", ns, "get", "deployment", "web")
    assert obj["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1"


def test_apply_of_a_configmap_and_service_removes_dropped_entries(kubeconfig: Path, ns: str
                                                                   ) -> None:
    cm: dict[str, Any] = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"},
          "data": {"a": "1", "b": "2"}}
    svc: dict[str, Any] = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc"},
           "spec": {"selector": {"app": "x"}, "ports": [
               {"name": "http", "port": 80}, {"name": "https", "port": 443}]}}
    kubectl(kubeconfig, "-n", ns, "apply", "-f", "-", input=manifest(cm, svc))
    cm2, svc2 = copy.deepcopy(cm), copy.deepcopy(svc)
    del cm2["data"]["b"]
    svc2["spec"]["ports"] = svc2["spec"]["ports"][1:]
    kubectl(kubeconfig, "-n", ns, "apply", "-f", "-", input=manifest(cm2, svc2))
    assert kubectl_json(kubeconfig, "-n", ns, "get", "configmap", "cfg")["data"] == {"a": "1"}
    ports = kubectl_json(kubeconfig, "-n", ns, "get", "service", "svc")["spec"]["ports"]
    assert [p["port"] for p in ports] == [443]
