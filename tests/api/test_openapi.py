"""OpenAPI through the real clients: `kubectl explain`, validation, the v2 and v3 documents.

kubectl finds schemas and the `fieldValidation` parameter in `/openapi/v3`,
falls back to `/openapi/v2` in protobuf (`explain --output
plaintext-openapiv2` always reads that one), and leaves validation to the
server, whose strict-decoding errors and warnings it prints as they come.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support import kubectl, manifest

SQLITE = pytest.mark.parametrize("cluster", ["sqlite"], indirect=True)
V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"


def get(api: Any, path: str, accept: str = "application/json") -> tuple[int, str, bytes]:
    method, url, headers, _, _ = api.param_serialize(
        "GET", path, header_params={"Accept": accept}, auth_settings=["BearerToken"])
    resp = api.call_api(method, url, header_params=headers)
    return resp.status, resp.getheader("Content-Type") or "", resp.read()


def deployment(ns: str, **extra: Any) -> dict[str, Any]:
    container = {"name": "c", "image": "busybox", **extra.pop("container", {})}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": extra.pop("name", "web"), "namespace": ns},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [container]}},
                 **extra},
    }


@SQLITE
def test_explain_describes_fields(kubeconfig: Path) -> None:
    out = kubectl(kubeconfig, "explain", "deployment.spec.strategy").stdout
    assert "KIND:       Deployment" in out and "FIELD: strategy <DeploymentStrategy>" in out
    assert "How old pods are replaced by new ones." in out
    assert "rollingUpdate\t<RollingUpdateDeployment>" in out
    assert "enum: Recreate, RollingUpdate" in out

    pods = kubectl(kubeconfig, "explain", "pods.spec.containers").stdout
    assert "image\t<string>" in pods and "name\t<string> -required-" in pods

    recursive = kubectl(kubeconfig, "explain", "cronjobs.spec", "--recursive").stdout
    assert "jobTemplate\t<JobTemplateSpec> -required-" in recursive

    v2 = kubectl(kubeconfig, "explain", "deployment.spec.strategy",
                 "--output", "plaintext-openapiv2").stdout
    assert "RESOURCE: strategy <Object>" in v2 and "How old pods are replaced" in v2
    assert "rollingUpdate\t<Object>" in v2

    missing = kubectl(kubeconfig, "explain", "deployment.spec.nothing", check=False)
    assert missing.returncode != 0 and 'field "nothing" does not exist' in missing.stderr


@SQLITE
def test_unknown_fields_fail_strict_and_warn_otherwise(kubeconfig: Path, ns: str) -> None:
    bad = manifest(deployment(ns, replicaz=2, container={"imagePolicy": "Always"}))
    strict = kubectl(kubeconfig, "apply", "-f", "-", input=bad, check=False)
    assert strict.returncode == 1
    assert ('Deployment in version "v1" cannot be handled as a Deployment: strict decoding '
            'error: unknown field "spec.replicaz", unknown field '
            '"spec.template.spec.containers[0].imagePolicy"') in strict.stderr

    warned = kubectl(kubeconfig, "create", "-f", "-", "--validate=warn", input=bad)
    assert 'Warning: unknown field "spec.replicaz"' in warned.stderr
    assert "deployment.apps/web created" in warned.stdout

    quiet = manifest(deployment(ns, name="quiet", replicaz=2))
    ignored = kubectl(kubeconfig, "create", "-f", "-", "--validate=false", input=quiet)
    assert "Warning" not in ignored.stderr

    good = kubectl(kubeconfig, "apply", "-f", "-", input=manifest(deployment(ns, name="ok")))
    assert "deployment.apps/ok created" in good.stdout
    # Re-applying with a typo: kubectl patches, and the server judges the patched object.
    typo = manifest(deployment(ns, name="ok", container={"imagePolicy": "Always"}))
    patched = kubectl(kubeconfig, "apply", "-f", "-", input=typo, check=False)
    assert patched.returncode == 1
    assert "The request is invalid: patch: Invalid value: " in patched.stderr
    assert ('strict decoding error: unknown field '
            '"spec.template.spec.containers[0].imagePolicy"') in patched.stderr


@SQLITE
def test_v3_index_points_at_documents_by_hash(k8s: Any) -> None:
    status, ctype, body = get(k8s, "/openapi/v3")
    assert status == 200 and ctype.startswith("application/json")
    url = json.loads(body)["paths"]["apis/apps/v1"]["serverRelativeURL"]
    assert url.startswith("/openapi/v3/apis/apps/v1?hash=")
    status, _, body = get(k8s, url)
    doc = json.loads(body)
    assert doc["openapi"].startswith("3.")
    schema = doc["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"]
    assert schema["x-kubernetes-group-version-kind"] == [
        {"group": "apps", "kind": "Deployment", "version": "v1"}]


@SQLITE
def test_v2_is_served_as_json_and_protobuf(k8s: Any) -> None:
    status, ctype, body = get(k8s, "/openapi/v2")
    assert status == 200 and ctype.startswith("application/json")
    doc = json.loads(body)
    assert doc["swagger"] == "2.0"
    assert "io.k8s.api.core.v1.Pod" in doc["definitions"]
    assert "/api/v1/namespaces/{namespace}/pods/{name}" in doc["paths"]

    status, ctype, proto = get(k8s, "/openapi/v2", V2_PROTOBUF)
    assert status == 200
    assert ctype == "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
    assert proto[:5] == b"\x0a\x032.0"  # field 1 (swagger), 3 bytes
