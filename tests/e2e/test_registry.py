"""Real image pulls through CRI from Debian's docker-registry on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import Cluster, wait_for
from tests.support import free_port, stop_process, wait_for_port

USER, PASSWORD = "puller", "s3cret-pw"


def _htpasswd(path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt

    path.write_text(f"{USER}:{crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_BLOWFISH))}\n")


def _registry(root: Path, *, auth: bool) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    config = {"version": 0.1, "log": {"level": "error"},
              "storage": {"filesystem": {"rootdirectory": str(root / "data")}},
              "http": {"addr": f"127.0.0.1:{port}"}}
    if auth:
        _htpasswd(root / "htpasswd")
        config["auth"] = {"htpasswd": {"realm": "pyk8s-test", "path": str(root / "htpasswd")}}
    (root / "config.yml").write_text(json.dumps(config))  # JSON is YAML
    proc = subprocess.Popen(["docker-registry", "serve", str(root / "config.yml")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port, proc=proc)
    return proc, port


@pytest.fixture
def registries(tmp_path: Path) -> Iterator[tuple[int, int]]:
    if shutil.which("docker-registry") is None:
        pytest.skip("docker-registry is not installed (scripts/setup --test installs it)")
    (tmp_path / "open").mkdir()
    (tmp_path / "locked").mkdir()
    open_registry, open_port = _registry(tmp_path / "open", auth=False)
    locked_registry, locked_port = _registry(tmp_path / "locked", auth=True)
    try:
        yield open_port, locked_port
    finally:
        stop_process(open_registry)
        stop_process(locked_registry)


def _push(cluster: Cluster, target: str, user: str | None = None) -> None:
    socket = cluster.agent.data_dir / "agent" / "containerd" / "state" / "containerd.sock"
    subprocess.run(["ctr", "--address", str(socket), "-n", "k8s.io", "images", "push",
                    "--plain-http", *(["--user", user] if user else []), target,
                    "docker.io/library/busybox:1.35"], check=True, capture_output=True,
                   timeout=60)


def _pod(name: str, image: str, secret: str | None = None) -> str:
    spec: dict[str, object] = {
        "nodeName": "e2e-node", "terminationGracePeriodSeconds": 1,
        "containers": [{"name": "main", "image": image, "command": ["sleep", "3600"]}]}
    if secret:
        spec["imagePullSecrets"] = [{"name": secret}]
    return json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                       "spec": spec})


def _waiting(pod: dict) -> str:  # type: ignore[type-arg]
    statuses = pod["status"].get("containerStatuses") or [{}]
    return str(statuses[0].get("state", {}).get("waiting", {}).get("reason", ""))


def test_pull_from_a_local_registry_with_and_without_credentials(
        cluster: Cluster, ns: str, registries: tuple[int, int]) -> None:
    open_port, locked_port = registries
    public = f"127.0.0.1:{open_port}/test/busybox:1.0"
    private = f"127.0.0.1:{locked_port}/team/busybox:1.0"
    _push(cluster, public)
    _push(cluster, private, f"{USER}:{PASSWORD}")
    auth = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    docker_config = {"auths": {f"127.0.0.1:{locked_port}": {"auth": auth}}}
    cluster.kubectl("create", "-n", ns, "-f", "-", input=json.dumps({
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "regcred"},
        "type": "kubernetes.io/dockerconfigjson",
        "data": {".dockerconfigjson": base64.b64encode(
            json.dumps(docker_config).encode()).decode()}}))
    cluster.apply(ns, _pod("public", public))
    cluster.apply(ns, _pod("private", private, secret="regcred"))
    cluster.apply(ns, _pod("denied", private))
    pod = cluster.wait_running(ns, "public", timeout=90)
    assert pod["status"]["containerStatuses"][0]["image"] == public
    cluster.wait_running(ns, "private", timeout=90)
    denied = cluster.wait_pod(ns, "denied", lambda p: _waiting(p) in (
        "ErrImagePull", "ImagePullBackOff"), "a pull error", timeout=90)
    assert private in denied["status"]["containerStatuses"][0]["state"]["waiting"]["message"]
    events = wait_for("Pulled events", lambda: (lambda out: out if "Successfully pulled image"
                                                in out else None)(
        cluster.kubectl("get", "events", "-n", ns).stdout))
    assert f'Pulling image "{public}"' in events or "Pulling" in events
