"""Protobuf on the wire: kubectl's typed commands, and clients that ask for protobuf.

kubectl 1.32's typed generators (`create deployment|secret|...`, `autoscale`)
POST `application/vnd.kubernetes.protobuf`. The oracle is kubectl itself:
`--dry-run=client -o json` prints the very object the command sends, so the
stored object must hold every member of it (the server only adds defaults
and resets status). `run` and `expose` send JSON in 1.32; they are checked
the same way.

Replies stay JSON for clients that accept JSON; a client that accepts only
protobuf gets protobuf objects, lists and watch frames.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes.client.rest import ApiException

from pyk8s.api import protobuf
from pyk8s.api.protobuf import wire
from tests.support import Server, kubectl, kubectl_json, raw

pytestmark = pytest.mark.parametrize("cluster", ["sqlite"], indirect=True)

PROTOBUF = protobuf.MEDIA_TYPE

# (name of the case, what must exist first, the command, the object it makes,
# the Content-Type kubectl sends). Cluster-scoped names get a unique suffix ({u}).
CASES: list[tuple[str, list[str], list[str], str, str]] = [
    ("deployment", [], ["create", "deployment", "web", "--image=busybox", "--replicas=3",
                        "--port=80"], "deployment/web", PROTOBUF),
    ("deployment-command", [], ["create", "deployment", "sleeper", "--image=busybox", "--",
                                "sleep", "5"], "deployment/sleeper", PROTOBUF),
    ("configmap", [], ["create", "configmap", "cm", "--from-literal=a=b",
                       "--from-file=blob={blob}"], "configmap/cm", PROTOBUF),
    ("secret-generic", [], ["create", "secret", "generic", "s", "--from-literal=a=b"],
     "secret/s", PROTOBUF),
    ("secret-docker-registry", [], ["create", "secret", "docker-registry", "reg",
                                    "--docker-server=r.example", "--docker-username=u",
                                    "--docker-password=p"], "secret/reg", PROTOBUF),
    ("run", [], ["run", "p", "--image=busybox", "--labels=a=b", "--env=X=1", "--port=8080",
                 "--restart=Never", "--", "sleep", "1"], "pod/p", "application/json"),
    ("service-clusterip", [], ["create", "service", "clusterip", "s", "--tcp=80:8080"],
     "service/s", PROTOBUF),
    ("service-headless", [], ["create", "service", "clusterip", "hl", "--clusterip=None"],
     "service/hl", PROTOBUF),
    ("service-loadbalancer", [], ["create", "service", "loadbalancer", "lb", "--tcp=443:https"],
     "service/lb", PROTOBUF),
    ("service-externalname", [], ["create", "service", "externalname", "en",
                                  "--external-name=example.com"], "service/en", PROTOBUF),
    ("expose", ["deployment"], ["expose", "deployment", "web", "--port=80", "--target-port=8080",
                                "--name=web-svc"], "service/web-svc", "application/json"),
    ("job", [], ["create", "job", "j", "--image=busybox", "--", "echo", "hi"], "job/j",
     PROTOBUF),
    ("cronjob", [], ["create", "cronjob", "cj", "--image=busybox", "--schedule=*/5 * * * *",
                     "--restart=OnFailure", "--", "echo"], "cronjob/cj", PROTOBUF),
    ("job-from-cronjob", ["cronjob"], ["create", "job", "manual", "--from=cronjob/cj"],
     "job/manual", PROTOBUF),
    ("namespace", [], ["create", "namespace", "pb-{u}"], "namespace/pb-{u}", PROTOBUF),
    ("serviceaccount", [], ["create", "serviceaccount", "sa"], "serviceaccount/sa", PROTOBUF),
    ("role", [], ["create", "role", "r", "--verb=get,list", "--resource=pods,deployments.apps",
                  "--resource-name=x"], "role/r", PROTOBUF),
    ("rolebinding", [], ["create", "rolebinding", "rb", "--role=r", "--user=alice",
                         "--group=devs", "--serviceaccount={ns}:sa"], "rolebinding/rb", PROTOBUF),
    ("clusterrole", [], ["create", "clusterrole", "cr-{u}", "--verb=get", "--resource=nodes",
                         "--non-resource-url=/logs"], "clusterrole/cr-{u}", PROTOBUF),
    ("clusterrole-aggregated", [], ["create", "clusterrole", "agg-{u}",
                                    "--aggregation-rule=team=a"], "clusterrole/agg-{u}",
     PROTOBUF),
    ("clusterrolebinding", [], ["create", "clusterrolebinding", "crb-{u}", "--clusterrole=view",
                                "--user=bob"], "clusterrolebinding/crb-{u}", PROTOBUF),
    ("quota", [], ["create", "quota", "q", "--hard=cpu=1,memory=1Gi,pods=10",
                   "--scopes=BestEffort"], "resourcequota/q", PROTOBUF),
    ("priorityclass", [], ["create", "priorityclass", "pc-{u}", "--value=1000",
                           "--description=important", "--preemption-policy=Never"],
     "priorityclass/pc-{u}", PROTOBUF),
    ("poddisruptionbudget", [], ["create", "poddisruptionbudget", "pdb", "--selector=app=web",
                                 "--min-available=0"], "pdb/pdb", PROTOBUF),
    ("poddisruptionbudget-percent", [], ["create", "pdb", "pdb2", "--selector=app=web",
                                         "--max-unavailable=50%"], "pdb/pdb2", PROTOBUF),
    ("ingress", [], ["create", "ingress", "ing", "--class=nginx", "--annotation=a=b",
                     "--rule=foo.com/bar*=svc:8080,tls=sec", "--rule=/x=svc2:http",
                     "--default-backend=def:80"], "ingress/ing", PROTOBUF),
    ("autoscale", ["deployment"], ["autoscale", "deployment", "web", "--min=2", "--max=5",
                                   "--cpu-percent=80"],
     "horizontalpodautoscalers.v1.autoscaling/web", PROTOBUF),
]
PREREQUISITES = {
    "deployment": ["create", "deployment", "web", "--image=busybox"],
    "cronjob": ["create", "cronjob", "cj", "--image=busybox", "--schedule=*/5 * * * *"],
}


def missing(want: Any, got: Any, path: str = "") -> list[str]:
    """Where `got` lacks something `want` has (nulls and empty objects are absent)."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return [f"{path}: {got!r} is not {want!r}"]
        out = []
        for key, value in want.items():
            if value is None or value == {}:
                continue
            if key not in got:
                out.append(f"{path}.{key} is missing (want {value!r})")
            else:
                out += missing(value, got[key], f"{path}.{key}")
        return out
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return [f"{path}: {got!r} is not {want!r}"]
        return [m for i, (w, g) in enumerate(zip(want, got, strict=True))
                for m in missing(w, g, f"{path}[{i}]")]
    return [] if want == got else [f"{path}: {got!r} is not {want!r}"]


def sent_content_type(verbose_log: str) -> str:
    """The Content-Type of the POST in a `kubectl -v=8` log."""
    after_post = verbose_log.split(" POST ", 1)[1]
    return after_post.split("Content-Type: ", 1)[1].split()[0]


@pytest.fixture
def unique() -> Iterator[str]:
    yield uuid.uuid4().hex[:6]


@pytest.mark.parametrize(("name", "needs", "command", "ref", "content_type"), CASES,
                         ids=[c[0] for c in CASES])
def test_typed_command_stores_what_kubectl_meant(
        cluster: Server, ns: str, unique: str, tmp_path: Path, name: str, needs: list[str],
        command: list[str], ref: str, content_type: str) -> None:
    blob = tmp_path / "blob"
    blob.write_bytes(b"\x00\xff binary \x80")
    args = [a.format(u=unique, ns=ns, blob=blob) for a in command]
    ref = ref.format(u=unique)
    kc = cluster.kubeconfig
    for need in needs:
        kubectl(kc, "-n", ns, *PREREQUISITES[need])
    # Flags go before a `--` that starts the container's command.
    cut = args.index("--") if "--" in args else len(args)
    dry = [*args[:cut], "--dry-run=client", "-o", "json", *args[cut:]]
    want = json.loads(kubectl(kc, "-n", ns, *dry).stdout)
    try:
        sent = kubectl(kc, "-n", ns, "-v=8", *args)
        assert sent_content_type(sent.stderr) == content_type
        got = kubectl_json(kc, "-n", ns, "get", ref)
        want.pop("status", None)  # status is the system's to write
        assert missing(want, got) == []
        if name == "secret-generic":
            assert got["data"] == {"a": "Yg=="}
        if name == "configmap":
            assert got["binaryData"] == {"blob": "AP8gYmluYXJ5IIA="}
    finally:
        if "{u}" in " ".join(command):  # cluster-scoped: outlives the namespace
            kubectl(kc, "delete", ref, "--wait=false", check=False)


# Clients that send and ask for protobuf themselves ---------------------------

def request(api: Any, method: str, path: str, *, accept: str, body: bytes | None = None,
            content_type: str = PROTOBUF) -> tuple[int, str, bytes]:
    """One request as given: (status, reply Content-Type, reply body)."""
    _, url, headers, _, _ = api.param_serialize(
        method, path, header_params={"Accept": accept, "Content-Type": content_type},
        auth_settings=["BearerToken"])
    resp = api.rest_client.pool_manager.request(method, url, body=body, headers=headers)
    return resp.status, resp.headers.get("Content-Type", ""), resp.data


def configmap(name: str, ns: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": ns, "labels": {"app": "pb"}},
            "data": {"k": "v"}, "binaryData": {"b": "AAE="}}


def test_protobuf_create_update_and_json_reply(k8s: Any, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/configmaps"
    status, ctype, body = request(k8s, "POST", path, accept=f"{PROTOBUF},application/json",
                                  body=protobuf.encode_object(configmap("a", ns)))
    assert (status, ctype.split(";")[0]) == (201, "application/json")
    created = json.loads(body)
    assert created["data"] == {"k": "v"} and created["binaryData"] == {"b": "AAE="}
    created["data"]["k"] = "changed"
    status, _, body = request(k8s, "PUT", f"{path}/a", accept="application/json",
                              body=protobuf.encode_object(created))
    assert status == 200 and json.loads(body)["data"] == {"k": "changed"}


def test_protobuf_only_clients_get_protobuf(k8s: Any, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/configmaps"
    raw(k8s, "POST", path, configmap("a", ns))
    stored = raw(k8s, "GET", f"{path}/a")
    status, ctype, body = request(k8s, "GET", f"{path}/a", accept=PROTOBUF)
    assert (status, ctype) == (200, PROTOBUF)
    assert protobuf.decode_object(body) == stored
    status, ctype, body = request(k8s, "GET", path, accept=PROTOBUF)
    listed = protobuf.decode_object(body)
    assert listed["kind"] == "ConfigMapList" and listed["items"][0]["data"] == {"k": "v"}
    assert listed["metadata"]["resourceVersion"]
    status, ctype, body = request(
        k8s, "GET", f"{path}?watch=true&resourceVersion=0&timeoutSeconds=1", accept=PROTOBUF)
    assert ctype == protobuf.WATCH_MEDIA_TYPE
    events = protobuf.read_watch_frames(body)
    assert [(t, o["metadata"]["name"]) for t, o in events] == [("ADDED", "a")]
    assert events[0][1]["binaryData"] == {"b": "AAE="}


@pytest.mark.parametrize(("body", "message"), [
    (b'{"not": "protobuf"}', "expected the prefix 'k8s\\x00'"),
    (b"k8s\x00\x0a\x05\x0a\x02v1", "envelope (runtime.Unknown) is malformed"),
    (protobuf.encode_object({"apiVersion": "v1", "kind": "ConfigMap"})[:-6] + b"\x12\x7f",
     "claims 127 bytes"),
])
def test_malformed_protobuf_is_400(k8s: Any, ns: str, body: bytes, message: str) -> None:
    status, _, reply = request(k8s, "POST", f"/api/v1/namespaces/{ns}/configmaps",
                               accept="application/json", body=body)
    error = json.loads(reply)
    assert (status, error["reason"]) == (400, "BadRequest")
    assert "error decoding the protobuf request body" in error["message"]
    assert message in error["message"]


def test_unknown_body_type_lists_protobuf(k8s: Any, ns: str) -> None:
    with pytest.raises(ApiException) as e:
        raw(k8s, "POST", f"/api/v1/namespaces/{ns}/configmaps", b"a,b", "text/csv")
    assert e.value.status == 415
    assert "application/json, application/yaml, application/vnd.kubernetes.protobuf" in \
        json.loads(e.value.body)["message"]


def test_protobuf_scale_and_delete_options(k8s: Any, ns: str) -> None:
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
                  "spec": {"selector": {"matchLabels": {"app": "d"}}, "template": {
                      "metadata": {"labels": {"app": "d"}},
                      "spec": {"containers": [{"name": "c", "image": "busybox"}]}}}}
    path = f"/apis/apps/v1/namespaces/{ns}/deployments"
    raw(k8s, "POST", path, deployment)
    scale = {"apiVersion": "autoscaling/v1", "kind": "Scale",
             "metadata": {"name": "d", "namespace": ns}, "spec": {"replicas": 0}}
    status, _, body = request(k8s, "PUT", f"{path}/d/scale", accept="application/json",
                              body=protobuf.encode_object(scale))
    assert status == 200 and json.loads(body)["spec"]["replicas"] == 0
    assert raw(k8s, "GET", f"{path}/d")["spec"]["replicas"] == 0
    # Go clients write DeleteOptions in the group-version of the request.
    options = {"apiVersion": "apps/v1", "kind": "DeleteOptions", "propagationPolicy": "Orphan"}
    status, _, body = request(k8s, "DELETE", f"{path}/d", accept="application/json",
                              body=protobuf.encode_object(options))
    assert status == 200, body
    deleted = json.loads(body)  # the orphan finalizer shows the options were read
    assert "orphan" in deleted["metadata"]["finalizers"]
    assert deleted["metadata"]["deletionTimestamp"]


def test_custom_resources_have_no_protobuf(k8s: Any, ns: str, unique: str) -> None:
    group = f"pb{unique}.example.com"
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": f"widgets.{group}"},
           "spec": {"group": group, "scope": "Namespaced",
                    "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
                    "versions": [{"name": "v1", "served": True, "storage": True, "schema": {
                        "openAPIV3Schema": {"type": "object",
                                            "x-kubernetes-preserve-unknown-fields": True}}}]}}
    crds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    raw(k8s, "POST", crds, crd)
    try:
        path = f"/apis/{group}/v1/namespaces/{ns}/widgets"
        deadline = time.monotonic() + 30
        while request(k8s, "GET", path, accept="application/json")[0] == 404:
            assert time.monotonic() < deadline, "the custom resource was never served"
            time.sleep(0.1)
        widget = envelope_of(f"{group}/v1", "Widget")
        status, _, reply = request(k8s, "POST", path, accept="application/json", body=widget)
        assert status == 415
        message = json.loads(reply)["message"]
        assert "accepted media types include: application/json, application/yaml;" in message
    finally:
        raw(k8s, "DELETE", f"{crds}/widgets.{group}")


def envelope_of(api_version: str, kind: str) -> bytes:
    """An envelope around an empty object, as a Go client would write one."""
    type_meta = bytearray()
    wire.write_bytes(type_meta, 1, api_version.encode())
    wire.write_bytes(type_meta, 2, kind.encode())
    out = bytearray(protobuf.MAGIC)
    wire.write_bytes(out, 1, type_meta)
    wire.write_bytes(out, 2, b"")
    return bytes(out)
