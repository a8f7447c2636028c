"""RBAC through the real kubectl: roles, bindings, aggregation, impersonation, reviews.

Users are reached with `kubectl --as` (the admin may impersonate anyone), with a
client certificate of their own, or with a service-account token; what each
may do is asked with `kubectl auth can-i` and shown by what kubectl gets done.
"""

from __future__ import annotations

import base64
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from pyk8s.apiserver.pki import PKI, issue_client_cert
from tests.api.test_serviceaccount_tokens import create_token, token_kubeconfig
from tests.support import Server, kubectl, kubectl_json, manifest, raw

RBAC = "rbac.authorization.k8s.io/v1"


def can_i(kubeconfig: Path, *args: str) -> bool:
    out = kubectl(kubeconfig, "auth", "can-i", *args, check=False)
    assert out.stdout.strip() in ("yes", "no"), (out.stdout, out.stderr)
    return out.stdout.strip() == "yes"


def eventually(check: Callable[[], bool], timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def refused(out: subprocess.CompletedProcess[str]) -> str:
    assert out.returncode != 0, out.stdout
    return out.stderr


def test_default_policy(kubeconfig: Path) -> None:
    names = ["cluster-admin", "admin", "edit", "view", "system:discovery", "system:basic-user",
             "system:public-info-viewer", "system:node"]
    roles = kubectl_json(kubeconfig, "get", "clusterroles", *names)["items"]
    assert [r["metadata"]["name"] for r in roles] == names
    binding = kubectl_json(kubeconfig, "get", "clusterrolebinding", "cluster-admin")
    assert binding["subjects"] == [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group",
                                    "name": "system:masters"}]
    assert can_i(kubeconfig, "*", "*", "--all-namespaces")
    who = kubectl_json(kubeconfig, "auth", "whoami")["status"]["userInfo"]
    assert who["username"] == "system:admin" and "system:masters" in who["groups"]


def test_unbound_user_gets_kubernetes_forbidden_message(kubeconfig: Path, ns: str) -> None:
    out = kubectl(kubeconfig, "--as=alice", "-n", ns, "get", "pods", check=False)
    assert (f'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in '
            f'the namespace "{ns}"') in refused(out)
    out = kubectl(kubeconfig, "--as=alice", "get", "nodes", "x", check=False)
    assert ('nodes "x" is forbidden: User "alice" cannot get resource "nodes" in API group "" '
            'at the cluster scope') in refused(out)
    out = kubectl(kubeconfig, "--as=alice", "get", "--raw", "/metrics", check=False)
    assert 'User "alice" cannot get path "/metrics"' in refused(out)
    assert kubectl(kubeconfig, "--as=alice", "get", "--raw", "/version").stdout
    assert kubectl(kubeconfig, "--as=alice", "api-resources").returncode == 0
    assert kubectl_json(kubeconfig, "--as=alice", "auth", "whoami")["status"]["userInfo"][
        "username"] == "alice"


def test_anonymous_callers_see_only_public_paths(cluster: Server) -> None:
    context = ssl.create_default_context(cafile=str(cluster.data_dir / "tls" / "ca.crt"))
    with urllib.request.urlopen(f"{cluster.url}/version", context=context) as reply:
        assert reply.status == 200
    try:
        urllib.request.urlopen(f"{cluster.url}/api/v1/pods", context=context)
        raise AssertionError("anonymous list was served")
    except urllib.error.HTTPError as e:
        assert e.code == 401


def test_role_binding_grants_in_its_namespace_only(kubeconfig: Path, ns: str) -> None:
    kubectl(kubeconfig, "-n", ns, "create", "role", "reader", "--verb=get,list,watch",
            "--resource=pods,deployments.apps")
    kubectl(kubeconfig, "-n", ns, "create", "rolebinding", "alice-reads", "--role=reader",
            "--user=alice")
    assert kubectl(kubeconfig, "--as=alice", "-n", ns, "get", "pods,deployments").returncode == 0
    assert can_i(kubeconfig, "--as=alice", "-n", ns, "watch", "deployments.apps")
    assert not can_i(kubeconfig, "--as=alice", "-n", ns, "create", "pods")
    assert not can_i(kubeconfig, "--as=alice", "-n", "default", "list", "pods")
    assert not can_i(kubeconfig, "--as=alice", "-n", ns, "list", "replicasets.apps")
    assert not can_i(kubeconfig, "--as=bob", "-n", ns, "list", "pods")


def test_resource_names_and_subresources(kubeconfig: Path, ns: str) -> None:
    kubectl(kubeconfig, "-n", ns, "create", "configmap", "mine")
    kubectl(kubeconfig, "-n", ns, "create", "configmap", "theirs")
    kubectl(kubeconfig, "-n", ns, "create", "-f", "-", input=manifest({
        "apiVersion": RBAC, "kind": "Role", "metadata": {"name": "narrow"},
        "rules": [
            {"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["mine"],
             "verbs": ["get", "update"]},
            {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]},
        ]}))
    kubectl(kubeconfig, "-n", ns, "create", "rolebinding", "narrow", "--role=narrow",
            "--group=devs")
    as_dev = ("--as=carol", "--as-group=devs", "-n", ns)
    assert kubectl_json(kubeconfig, *as_dev, "get", "configmap", "mine")["metadata"]["name"]
    out = kubectl(kubeconfig, *as_dev, "get", "configmap", "theirs", check=False)
    assert 'configmaps "theirs" is forbidden: User "carol"' in refused(out)
    assert not can_i(kubeconfig, *as_dev, "list", "configmaps")
    assert can_i(kubeconfig, *as_dev, "get", "pods", "--subresource=log")
    assert not can_i(kubeconfig, *as_dev, "get", "pods")
    listed = kubectl(kubeconfig, *as_dev, "auth", "can-i", "--list").stdout
    assert any(line.split()[:2] == ["configmaps", "[]"] and "[mine]" in line
               for line in listed.splitlines()), listed


def test_aggregated_cluster_roles(kubeconfig: Path, ns: str) -> None:
    label = f"example.com/aggregate-{ns}"
    kubectl(kubeconfig, "create", "-f", "-", input=manifest(
        {"apiVersion": RBAC, "kind": "ClusterRole", "metadata": {"name": f"agg-{ns}"},
         "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {label: "true"}}]}},
        {"apiVersion": RBAC, "kind": "ClusterRole",
         "metadata": {"name": f"part-{ns}", "labels": {label: "true",
                      "rbac.authorization.k8s.io/aggregate-to-view": "true"}},
         "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]}]}))
    try:
        kubectl(kubeconfig, "-n", ns, "create", "rolebinding", "agg", f"--clusterrole=agg-{ns}",
                "--user=dave")
        kubectl(kubeconfig, "-n", ns, "create", "rolebinding", "view", "--clusterrole=view",
                "--user=erin")
        assert can_i(kubeconfig, "--as=dave", "-n", ns, "list", "secrets")
        assert not can_i(kubeconfig, "--as=dave", "-n", ns, "list", "pods")
        part_rule = {"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]}
        assert eventually(lambda: kubectl_json(kubeconfig, "get", "clusterrole", f"agg-{ns}")
                          .get("rules") == [part_rule])
        assert eventually(lambda: part_rule in kubectl_json(
            kubeconfig, "get", "clusterrole", "admin").get("rules", []))
        # view aggregates the new part too, and so do edit and admin above it
        assert can_i(kubeconfig, "--as=erin", "-n", ns, "list", "secrets")
        assert can_i(kubeconfig, "--as=erin", "-n", ns, "get", "pods", "--subresource=log")
        kubectl(kubeconfig, "label", "clusterrole", f"part-{ns}", f"{label}-")
        assert not can_i(kubeconfig, "--as=dave", "-n", ns, "list", "secrets")
    finally:
        kubectl(kubeconfig, "delete", "clusterrole", f"agg-{ns}", f"part-{ns}")
    assert not can_i(kubeconfig, "--as=erin", "-n", ns, "list", "secrets")


def test_builtin_roles_admin_edit_view(kubeconfig: Path, ns: str) -> None:
    for role in ("admin", "edit", "view"):
        kubectl(kubeconfig, "-n", ns, "create", "rolebinding", role, f"--clusterrole={role}",
                f"--user={role}-user")
    assert can_i(kubeconfig, "--as=admin-user", "-n", ns, "create", "rolebindings")
    assert not can_i(kubeconfig, "--as=edit-user", "-n", ns, "create", "rolebindings")
    assert can_i(kubeconfig, "--as=edit-user", "-n", ns, "create", "deployments.apps")
    assert can_i(kubeconfig, "--as=edit-user", "-n", ns, "get", "secrets")
    assert not can_i(kubeconfig, "--as=view-user", "-n", ns, "get", "secrets")
    assert can_i(kubeconfig, "--as=view-user", "-n", ns, "list", "deployments.apps")
    assert not can_i(kubeconfig, "--as=view-user", "-n", ns, "delete", "pods")
    assert kubectl(kubeconfig, "--as=edit-user", "-n", ns, "create", "configmap",
                   "c").returncode == 0


def test_service_account_lists_its_rules_and_may_not_impersonate(
        cluster: Server, kubeconfig: Path, ns: str, tmp_path: Path) -> None:
    kubectl(kubeconfig, "-n", ns, "create", "serviceaccount", "bot")
    kubectl(kubeconfig, "-n", ns, "create", "rolebinding", "bot-view", "--clusterrole=view",
            f"--serviceaccount={ns}:bot")
    listed = kubectl(kubeconfig, "-n", ns, "auth", "can-i", "--list",
                     f"--as=system:serviceaccount:{ns}:bot").stdout
    rows = {line.split()[0]: line for line in listed.splitlines()[1:] if line.strip()}
    assert "[get list watch]" in rows["pods"] and "secrets" not in rows
    assert "[create]" in rows["selfsubjectaccessreviews.authorization.k8s.io"]

    bot = token_kubeconfig(cluster, create_token(kubeconfig, ns, "bot"), tmp_path / "bot.yaml")
    out = kubectl(bot, "--as=alice", "-n", ns, "get", "pods", check=False)
    assert (f'users "alice" is forbidden: User "system:serviceaccount:{ns}:bot" cannot '
            f'impersonate resource "users" in API group "" at the cluster scope') in refused(out)
    # users are cluster-scoped: only a ClusterRoleBinding can grant impersonating them
    kubectl(kubeconfig, "create", "clusterrole", f"imp-{ns}", "--verb=impersonate",
            "--resource=users", "--resource-name=alice")
    try:
        kubectl(kubeconfig, "-n", ns, "create", "rolebinding", "imp", f"--clusterrole=imp-{ns}",
                f"--serviceaccount={ns}:bot")
        out = kubectl(bot, "--as=alice", "-n", ns, "get", "pods", check=False)
        assert 'cannot impersonate resource "users"' in refused(out)
        kubectl(kubeconfig, "create", "clusterrolebinding", f"imp-{ns}",
                f"--clusterrole=imp-{ns}", f"--serviceaccount={ns}:bot")
        out = kubectl(bot, "--as=alice", "-n", ns, "get", "pods", check=False)
        assert 'User "alice" cannot list resource "pods"' in refused(out)
        assert "cannot impersonate" in refused(kubectl(bot, "--as=bob", "get", "pods",
                                                       check=False))
    finally:
        kubectl(kubeconfig, "delete", "clusterrole", f"imp-{ns}")
        kubectl(kubeconfig, "delete", "clusterrolebinding", f"imp-{ns}", check=False)


def test_client_certificate_users_and_groups(cluster: Server, kubeconfig: Path, ns: str,
                                             tmp_path: Path) -> None:
    cert, key = tmp_path / "frank.crt", tmp_path / "frank.key"
    issue_client_cert(PKI(cluster.data_dir / "tls"), cert, key, "frank", f"team-{ns}")
    config = yaml.safe_load(kubeconfig.read_text())
    config["users"][0]["user"] = {
        "client-certificate-data": base64.b64encode(cert.read_bytes()).decode(),
        "client-key-data": base64.b64encode(key.read_bytes()).decode()}
    frank = tmp_path / "frank.yaml"
    frank.write_text(yaml.safe_dump(config))
    who = kubectl_json(frank, "auth", "whoami")["status"]["userInfo"]
    assert who["username"] == "frank" and who["groups"] == [f"team-{ns}", "system:authenticated"]
    assert "forbidden" in refused(kubectl(frank, "-n", ns, "get", "pods", check=False))
    kubectl(kubeconfig, "-n", ns, "create", "rolebinding", "team", "--clusterrole=edit",
            f"--group=team-{ns}")
    assert kubectl(frank, "-n", ns, "create", "configmap", "by-frank").returncode == 0


def test_subject_access_reviews(kubeconfig: Path, ns: str, k8s: Any) -> None:
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    kubectl(kubeconfig, "-n", ns, "create", "rolebinding", "g", "--clusterrole=view",
            "--user=gina")
    authz = client.AuthorizationV1Api(k8s)

    def allowed(**attributes: str) -> bool:
        review = authz.create_subject_access_review(client.V1SubjectAccessReview(
            spec=client.V1SubjectAccessReviewSpec(
                user="gina", resource_attributes=client.V1ResourceAttributes(**attributes))))
        return bool(review.status.allowed)

    assert allowed(namespace=ns, verb="list", resource="pods")
    assert not allowed(namespace=ns, verb="delete", resource="pods")
    assert not allowed(namespace="default", verb="list", resource="pods")
    local = authz.create_namespaced_local_subject_access_review(
        ns, client.V1LocalSubjectAccessReview(spec=client.V1SubjectAccessReviewSpec(
            user="gina", resource_attributes=client.V1ResourceAttributes(
                namespace=ns, verb="get", resource="services"))))
    assert local.status.allowed
    url = client.V1SubjectAccessReview(spec=client.V1SubjectAccessReviewSpec(
        user="gina", groups=["system:authenticated"],
        non_resource_attributes=client.V1NonResourceAttributes(path="/apis/apps", verb="get")))
    assert authz.create_subject_access_review(url).status.allowed
    rules = raw(k8s, "POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", {
        "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview",
        "spec": {"namespace": ns}})["status"]
    assert {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]} in rules["resourceRules"]
    try:
        raw(k8s, "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
            "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
            "spec": {"resourceAttributes": {"verb": "get", "resource": "pods"}}})
        raise AssertionError("a review without a user was answered")
    except ApiException as e:
        assert e.status == 422 and "at least one of user or group must be specified" in e.body


def test_node_token_has_the_node_role_not_admin(cluster: Server, kubeconfig: Path, ns: str,
                                                tmp_path: Path) -> None:
    node = token_kubeconfig(cluster, (cluster.data_dir / "node-token").read_text().strip(),
                            tmp_path / "node.yaml")
    who = kubectl_json(node, "auth", "whoami")["status"]["userInfo"]
    assert "system:nodes" in who["groups"] and "system:masters" not in who["groups"]
    assert can_i(node, "list", "pods", "--all-namespaces")
    assert can_i(node, "patch", "nodes", "--subresource=status")
    assert can_i(node, "-n", ns, "create", "serviceaccounts", "--subresource=token")
    assert can_i(node, "-n", "kube-node-lease", "update", "leases.coordination.k8s.io")
    assert not can_i(node, "create", "namespaces")
    assert not can_i(node, "create", "clusterrolebindings.rbac.authorization.k8s.io")
    kubectl(kubeconfig, "-n", ns, "create", "serviceaccount", "bot")
    token = kubectl(node, "-n", ns, "create", "token", "bot").stdout.strip()
    assert token.count(".") == 2


def test_nobody_grants_what_they_do_not_hold(kubeconfig: Path, ns: str) -> None:
    kubectl(kubeconfig, "-n", ns, "create", "rolebinding", "amy", "--clusterrole=admin",
            "--user=amy")
    amy = ("--as=amy", "-n", ns)
    kubectl(kubeconfig, *amy, "create", "role", "pods", "--verb=get", "--resource=pods")
    kubectl(kubeconfig, *amy, "create", "rolebinding", "bo", "--clusterrole=view", "--user=bo")
    out = kubectl(kubeconfig, *amy, "create", "role", "nodes", "--verb=get", "--resource=nodes",
                  check=False)
    assert ('roles.rbac.authorization.k8s.io "nodes" is forbidden: user "amy" '
            '(groups=["system:authenticated"]) is attempting to grant RBAC permissions not '
            'currently held:\n{APIGroups:[""], Resources:["nodes"], Verbs:["get"]}'
            ) in refused(out)
    out = kubectl(kubeconfig, *amy, "create", "rolebinding", "root",
                  "--clusterrole=cluster-admin", "--user=bo", check=False)
    assert "is attempting to grant RBAC permissions not currently held" in refused(out)
    kubectl(kubeconfig, "create", "clusterrole", f"bind-{ns}", "--verb=bind",
            "--resource=clusterroles", "--resource-name=cluster-admin")
    try:
        kubectl(kubeconfig, "-n", ns, "create", "rolebinding", "amy-binds",
                f"--clusterrole=bind-{ns}", "--user=amy")
        kubectl(kubeconfig, *amy, "create", "rolebinding", "root", "--clusterrole=cluster-admin",
                "--user=bo")
        assert can_i(kubeconfig, "--as=bo", "-n", ns, "delete", "secrets")
    finally:
        kubectl(kubeconfig, "delete", "clusterrole", f"bind-{ns}")
