"""Service-account tokens: `kubectl create token`, bearer-token requests, TokenReview.

A token from `kubectl create token` (a protobuf TokenRequest) authenticates
kubectl and the `kubernetes` client as `system:serviceaccount:<ns>:<name>`,
with exactly the rights RBAC gives that account; it stops working when its
audience is not the API server's, or when the service account or the pod it
is bound to is gone. The kubeconfig used for token requests holds no client
certificate, since a certificate would authenticate first, as in Kubernetes.
"""

from __future__ import annotations

import base64
import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import Server, kubectl, kubectl_json, raw


def token_kubeconfig(cluster: Server, token: str, path: Path) -> Path:
    """A kubeconfig that authenticates with `token` only."""
    ca = (cluster.data_dir / "tls" / "ca.crt").read_bytes()
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "t",
        "clusters": [{"name": "c", "cluster": {
            "server": cluster.url, "certificate-authority-data": base64.b64encode(ca).decode()}}],
        "users": [{"name": "u", "user": {"token": token}}],
        "contexts": [{"name": "t", "context": {"cluster": "c", "user": "u"}}],
    }))
    return path


def create_token(kubeconfig: Path, ns: str, name: str, *args: str) -> str:
    return kubectl(kubeconfig, "-n", ns, "create", "token", name, *args).stdout.strip()


def claims(token: str) -> Any:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def forbidden(out: subprocess.CompletedProcess[str]) -> str:
    assert out.returncode != 0, out.stdout
    return out.stderr


def test_token_reads_what_view_allows_and_nothing_more(cluster: Server, kubeconfig: Path,
                                                       ns: str, tmp_path: Path) -> None:
    kubectl(kubeconfig, "-n", ns, "create", "serviceaccount", "bot")
    kubectl(kubeconfig, "-n", ns, "create", "rolebinding", "bot-view", "--clusterrole=view",
            f"--serviceaccount={ns}:bot")
    kubectl(kubeconfig, "-n", ns, "create", "configmap", "seen", "--from-literal=a=b")
    token = create_token(kubeconfig, ns, "bot")
    bot = token_kubeconfig(cluster, token, tmp_path / "bot.yaml")

    assert "seen" in kubectl(bot, "-n", ns, "get", "configmaps").stdout
    out = kubectl(bot, "-n", ns, "create", "configmap", "x", check=False)
    assert (f'configmaps is forbidden: User "system:serviceaccount:{ns}:bot" cannot create '
            f'resource "configmaps" in API group "" in the namespace "{ns}"') in forbidden(out)
    assert "cannot list resource" in forbidden(kubectl(bot, "-n", "default", "get", "pods",
                                                       check=False))
    assert "cannot list resource \"secrets\"" in forbidden(
        kubectl(bot, "-n", ns, "get", "secrets", check=False))

    who = kubectl_json(bot, "auth", "whoami")["status"]["userInfo"]
    assert who["username"] == f"system:serviceaccount:{ns}:bot"
    assert who["groups"] == ["system:serviceaccounts", f"system:serviceaccounts:{ns}",
                             "system:authenticated"]
    sa = kubectl_json(kubeconfig, "-n", ns, "get", "serviceaccount", "bot")
    assert who["uid"] == sa["metadata"]["uid"]

    c = claims(token)
    assert c["iss"] == "https://kubernetes.default.svc.cluster.local"
    assert c["sub"] == f"system:serviceaccount:{ns}:bot"
    assert c["aud"] == ["https://kubernetes.default.svc.cluster.local"]
    assert c["exp"] - c["iat"] == 3600
    assert c["kubernetes.io"]["serviceaccount"] == {"name": "bot", "uid": sa["metadata"]["uid"]}

    kubectl(kubeconfig, "-n", ns, "delete", "serviceaccount", "bot")
    out = kubectl(bot, "-n", ns, "get", "configmaps", check=False)
    assert "Unauthorized" in forbidden(out)


def test_token_requests_are_checked(kubeconfig: Path, ns: str) -> None:
    out = kubectl(kubeconfig, "-n", ns, "create", "token", "nobody", check=False)
    assert 'serviceaccounts "nobody" not found' in forbidden(out)
    kubectl(kubeconfig, "-n", ns, "create", "serviceaccount", "bot")
    out = kubectl(kubeconfig, "-n", ns, "create", "token", "bot", "--duration=5m", check=False)
    assert ("spec.expirationSeconds: Invalid value: 300: may not specify a duration less "
            "than 10 minutes") in forbidden(out)
    token = create_token(kubeconfig, ns, "bot", "--duration=2h", "--audience=vault")
    assert claims(token)["aud"] == ["vault"]
    assert claims(token)["exp"] - claims(token)["iat"] == 7200


def test_token_review_honours_audiences(cluster: Server, kubeconfig: Path, ns: str,
                                        tmp_path: Path, k8s: Any) -> None:
    kubectl(kubeconfig, "-n", ns, "create", "serviceaccount", "bot")
    token = create_token(kubeconfig, ns, "bot", "--audience=vault")
    bot = token_kubeconfig(cluster, token, tmp_path / "bot.yaml")
    assert "Unauthorized" in forbidden(kubectl(bot, "-n", ns, "get", "pods", check=False))

    def review(token: str, audiences: list[str]) -> Any:
        return raw(k8s, "POST", "/apis/authentication.k8s.io/v1/tokenreviews", {
            "apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview",
            "spec": {"token": token, "audiences": audiences}})["status"]

    status = review(token, ["vault"])
    assert status["authenticated"] is True and status["audiences"] == ["vault"]
    assert status["user"]["username"] == f"system:serviceaccount:{ns}:bot"
    assert review(token, [])["authenticated"] is False
    assert review(token[:-4] + "AAAA", ["vault"])["authenticated"] is False


def test_pod_bound_token_ends_with_the_pod(cluster: Server, kubeconfig: Path, ns: str,
                                           tmp_path: Path) -> None:
    kubectl(kubeconfig, "-n", ns, "create", "serviceaccount", "bot")
    kubectl(kubeconfig, "-n", ns, "create", "rolebinding", "bot-view", "--clusterrole=view",
            f"--serviceaccount={ns}:bot")
    kubectl(kubeconfig, "-n", ns, "run", "p", "--image=busybox", "--restart=Never")
    pod = kubectl_json(kubeconfig, "-n", ns, "get", "pod", "p")
    token = create_token(kubeconfig, ns, "bot", "--bound-object-kind=Pod",
                         "--bound-object-name=p")
    assert claims(token)["kubernetes.io"]["pod"] == {"name": "p", "uid": pod["metadata"]["uid"]}
    bot = token_kubeconfig(cluster, token, tmp_path / "bot.yaml")
    who = kubectl_json(bot, "auth", "whoami")["status"]["userInfo"]
    assert who["extra"]["authentication.kubernetes.io/pod-name"] == ["p"]
    kubectl(kubeconfig, "-n", ns, "delete", "pod", "p", "--grace-period=0", "--force")
    assert "Unauthorized" in forbidden(kubectl(bot, "-n", ns, "get", "pods", check=False))
    out = kubectl(kubeconfig, "-n", ns, "create", "token", "bot", "--bound-object-kind=Pod",
                  "--bound-object-name=p", check=False)
    assert 'pods "p" not found' in forbidden(out)


def test_python_client_with_a_bearer_token(cluster: Server, kubeconfig: Path, ns: str) -> None:
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    kubectl(kubeconfig, "-n", ns, "create", "serviceaccount", "bot")
    kubectl(kubeconfig, "-n", ns, "create", "rolebinding", "bot-view", "--clusterrole=view",
            f"--serviceaccount={ns}:bot")
    token = create_token(kubeconfig, ns, "bot")
    cfg = client.Configuration()
    cfg.host = cluster.url
    cfg.ssl_ca_cert = str(cluster.data_dir / "tls" / "ca.crt")
    cfg.api_key = {"BearerToken": token}
    cfg.api_key_prefix = {"BearerToken": "Bearer"}
    with client.ApiClient(cfg) as api:
        core = client.CoreV1Api(api)
        assert core.list_namespaced_pod(ns).items == []
        with pytest.raises(ApiException) as e:
            core.create_namespaced_config_map(ns, client.V1ConfigMap(
                metadata=client.V1ObjectMeta(name="x")))
        assert e.value.status == 403
        assert json.loads(e.value.body)["reason"] == "Forbidden"
        review = client.AuthorizationV1Api(api).create_self_subject_access_review(
            client.V1SelfSubjectAccessReview(spec=client.V1SelfSubjectAccessReviewSpec(
                resource_attributes=client.V1ResourceAttributes(
                    namespace=ns, verb="list", resource="pods"))))
        assert review.status.allowed is True


def test_legacy_token_secret_is_filled_and_dies_with_it(cluster: Server, kubeconfig: Path,
                                                        ns: str, tmp_path: Path) -> None:
    # the Secret may come first: it is filled once its account exists
    kubectl(kubeconfig, "-n", ns, "create", "-f", "-", input=yaml.safe_dump({
        "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
        "metadata": {"name": "bot-token",
                     "annotations": {"kubernetes.io/service-account.name": "bot"}}}))
    kubectl(kubeconfig, "-n", ns, "create", "serviceaccount", "bot")
    deadline = time.monotonic() + 20
    secret = kubectl_json(kubeconfig, "-n", ns, "get", "secret", "bot-token")
    while "token" not in secret.get("data", {}) and time.monotonic() < deadline:
        time.sleep(0.1)
        secret = kubectl_json(kubeconfig, "-n", ns, "get", "secret", "bot-token")
    data = {k: base64.b64decode(v) for k, v in secret["data"].items()}
    assert data["namespace"] == ns.encode()
    assert data["ca.crt"] == (cluster.data_dir / "tls" / "ca.crt").read_bytes()
    sa = kubectl_json(kubeconfig, "-n", ns, "get", "serviceaccount", "bot")
    assert secret["metadata"]["annotations"]["kubernetes.io/service-account.uid"] == \
        sa["metadata"]["uid"]
    token = data["token"].decode()
    assert claims(token)["iss"] == "kubernetes/serviceaccount" and "exp" not in claims(token)
    bot = token_kubeconfig(cluster, token, tmp_path / "bot.yaml")
    who = kubectl_json(bot, "auth", "whoami")["status"]["userInfo"]
    assert who["username"] == f"system:serviceaccount:{ns}:bot"
    kubectl(kubeconfig, "-n", ns, "delete", "secret", "bot-token")
    assert "Unauthorized" in forbidden(kubectl(bot, "auth", "whoami", check=False))
