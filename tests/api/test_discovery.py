"""Discovery through the real clients: aggregated and legacy documents, and their agreement.

kubectl asks `/api` and `/apis` for the aggregated `APIGroupDiscoveryList`;
the Python client walks the legacy tree (APIVersions, APIGroupList, one
APIResourceList per group-version). Both must say the same thing about every
resource, and `kubectl api-resources` must print it as Kubernetes does.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.support import kubectl

SQLITE = pytest.mark.parametrize("cluster", ["sqlite"], indirect=True)
AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


def get(api: Any, path: str, accept: str = "application/json") -> tuple[str, Any]:
    method, url, headers, _, _ = api.param_serialize(
        "GET", path, header_params={"Accept": accept}, auth_settings=["BearerToken"])
    resp = api.call_api(method, url, header_params=headers)
    assert resp.status == 200, path
    return resp.getheader("Content-Type") or "", json.loads(resp.read())


def aggregated_view(api: Any) -> dict[str, Any]:
    """(group-version, resource) -> what aggregated discovery says of it."""
    out: dict[str, Any] = {}
    for root in ("/api", "/apis"):
        ctype, doc = get(api, root, f"{AGGREGATED},application/json")
        assert ctype == AGGREGATED
        assert doc["kind"] == "APIGroupDiscoveryList"
        for group in doc["items"]:
            name = group["metadata"].get("name", "")
            for version in group["versions"]:
                gv = f"{name}/{version['version']}" if name else version["version"]
                for r in version["resources"]:
                    assert r["responseKind"]["kind"], r
                    out[f"{gv} {r['resource']}"] = {
                        "kind": r["responseKind"]["kind"],
                        "namespaced": r["scope"] == "Namespaced",
                        "singular": r["singularResource"],
                        "verbs": sorted(r["verbs"]),
                        "shortNames": r.get("shortNames", []),
                        "categories": r.get("categories", []),
                    }
                    for sub in r.get("subresources", []):
                        kind = sub["responseKind"]
                        out[f"{gv} {r['resource']}/{sub['subresource']}"] = {
                            "kind": kind["kind"],
                            "gv": f"{kind['group']}/{kind['version']}".lstrip("/"),
                            "verbs": sorted(sub["verbs"]),
                        }
    return out


def legacy_view(api: Any) -> dict[str, Any]:
    _, versions = get(api, "/api")
    assert versions["kind"] == "APIVersions" and versions["versions"] == ["v1"]
    _, groups = get(api, "/apis")
    assert groups["kind"] == "APIGroupList"
    gvs = ["v1"] + [v["groupVersion"] for g in groups["groups"] for v in g["versions"]]
    for g in groups["groups"]:
        assert g["preferredVersion"] == g["versions"][0]
    out: dict[str, Any] = {}
    for gv in gvs:
        _, doc = get(api, f"/api/{gv}" if gv == "v1" else f"/apis/{gv}")
        assert doc["kind"] == "APIResourceList" and doc["groupVersion"] == gv
        for r in doc["resources"]:
            if "/" in r["name"]:
                group, version = r.get("group"), r.get("version")
                own = f"{group}/{version}".lstrip("/") if version else gv
                out[f"{gv} {r['name']}"] = {"kind": r["kind"], "gv": own,
                                            "verbs": sorted(r["verbs"])}
            else:
                out[f"{gv} {r['name']}"] = {
                    "kind": r["kind"], "namespaced": r["namespaced"],
                    "singular": r["singularName"], "verbs": sorted(r["verbs"]),
                    "shortNames": r.get("shortNames", []),
                    "categories": r.get("categories", []),
                }
    return out


@SQLITE
def test_aggregated_and_legacy_discovery_agree(k8s: Any) -> None:
    aggregated, legacy = aggregated_view(k8s), legacy_view(k8s)
    assert aggregated == legacy

    assert aggregated["apps/v1 deployments/scale"] == {
        "kind": "Scale", "gv": "autoscaling/v1", "verbs": ["get", "patch", "update"]}
    assert aggregated["apps/v1 deployments"]["shortNames"] == ["deploy"]
    assert aggregated["apps/v1 deployments"]["categories"] == ["all"]
    assert aggregated["v1 pods/eviction"] == {"kind": "Eviction", "gv": "policy/v1",
                                              "verbs": ["create"]}
    assert aggregated["v1 pods/log"]["kind"] == "Pod"
    assert aggregated["v1 namespaces"]["namespaced"] is False
    assert aggregated["autoscaling/v2 horizontalpodautoscalers"]["singular"] == \
        "horizontalpodautoscaler"


@SQLITE
def test_preferred_versions_come_first(k8s: Any) -> None:
    _, doc = get(k8s, "/apis", AGGREGATED)
    autoscaling = next(g for g in doc["items"] if g["metadata"]["name"] == "autoscaling")
    assert [v["version"] for v in autoscaling["versions"]] == ["v2", "v1"]
    _, group = get(k8s, "/apis/autoscaling")
    assert group["preferredVersion"]["version"] == "v2"


@SQLITE
def test_kubectl_api_resources(kubeconfig: Path) -> None:
    out = kubectl(kubeconfig, "api-resources").stdout.splitlines()
    assert re.split(r"\s{2,}", out[0]) == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED",
                                           "KIND"]
    rows = {tuple(re.split(r"\s+", line.strip())) for line in out[1:]}
    assert ("deployments", "deploy", "apps/v1", "true", "Deployment") in rows
    assert ("namespaces", "ns", "v1", "false", "Namespace") in rows
    assert ("horizontalpodautoscalers", "hpa", "autoscaling/v2", "true",
            "HorizontalPodAutoscaler") in rows
    assert ("bindings", "v1", "true", "Binding") in rows

    wide = kubectl(kubeconfig, "api-resources", "--api-group=apps", "-o", "wide").stdout
    line = next(x for x in wide.splitlines() if x.startswith("deployments"))
    assert "create,delete,deletecollection,get,list,patch,update,watch" in line
    assert line.rstrip().endswith("all")

    namespaced = kubectl(kubeconfig, "api-resources", "--namespaced=false", "-o",
                         "name").stdout.split()
    assert "nodes" in namespaced and "pods" not in namespaced
    versions = kubectl(kubeconfig, "api-versions").stdout.split()
    assert {"v1", "apps/v1", "autoscaling/v1", "autoscaling/v2"} <= set(versions)
