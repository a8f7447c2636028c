"""Real processes for tests: an etcd, a pyk8s server, and the kubectl on this machine.

Every process is started by the test that needs it and stopped by its PID
when the test is done; data lives in pytest's temporary directories.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
# `pyk8s server` flags for tests of the API alone: no controller or scheduler
# writes behind the test's back.
API_ONLY = ["--disable-controller-manager", "--disable-scheduler"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for_port(port: int, timeout: float = 15.0, proc: subprocess.Popen[bytes] | None = None
                  ) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on port {port} after {timeout}s")


def stop_process(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM,
                 timeout: float = 10.0) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclass
class Etcd:
    data_dir: Path
    client_port: int = field(default_factory=free_port)
    peer_port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.client_port}"

    def start(self) -> Etcd:
        etcd = shutil.which("etcd")
        if etcd is None:
            raise RuntimeError("etcd is not installed (scripts/setup --test installs it)")
        self.proc = subprocess.Popen(
            [etcd, "--data-dir", str(self.data_dir), "--name", "test",
             "--listen-client-urls", self.endpoint, "--advertise-client-urls", self.endpoint,
             "--listen-peer-urls", f"http://127.0.0.1:{self.peer_port}",
             "--initial-advertise-peer-urls", f"http://127.0.0.1:{self.peer_port}",
             "--initial-cluster", f"test=http://127.0.0.1:{self.peer_port}",
             "--log-level", "error"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.client_port, proc=self.proc)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)


@dataclass
class Server:
    """`pyk8s server` in a child process, on a free port, with its own data dir."""

    data_dir: Path
    datastore_endpoint: str = ""
    port: int = field(default_factory=free_port)
    extra_args: list[str] = field(default_factory=list)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def kubeconfig(self) -> Path:
        return self.data_dir / "kubeconfig.yaml"

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir.parent / f"{self.data_dir.name}-server.log"

    def start(self) -> Server:
        args = [sys.executable, "-m", "pyk8s.cli.main", "server", "--data-dir",
                str(self.data_dir), "--https-listen-port", str(self.port), "--disable-agent",
                *self.extra_args]
        if self.datastore_endpoint:
            args += ["--datastore-endpoint", self.datastore_endpoint]
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the process
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        log.close()
        wait_for_port(self.port, timeout=30, proc=self.proc)
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.kubeconfig.exists():
                out = subprocess.run(
                    ["kubectl", "--kubeconfig", str(self.kubeconfig), "get", "--raw",
                     "/readyz"], capture_output=True, text=True)
                if out.returncode == 0:
                    return
            time.sleep(0.1)
        raise TimeoutError(f"server not ready; log:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def kubectl(self, *args: str, check: bool = True, input: str | None = None,
                timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return kubectl(self.kubeconfig, *args, check=check, input=input, timeout=timeout)

    def client_config(self) -> Any:
        from kubernetes import client, config

        cfg = client.Configuration()
        config.load_kube_config(config_file=str(self.kubeconfig), client_configuration=cfg)
        return cfg


def kubectl(kubeconfig: Path, *args: str, check: bool = True, input: str | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KUBECONFIG": str(kubeconfig)}
    out = subprocess.run(["kubectl", *args], capture_output=True, text=True, input=input,
                         env=env, timeout=timeout)
    if check and out.returncode != 0:
        raise AssertionError(f"kubectl {' '.join(args)} failed ({out.returncode}):\n"
                             f"{out.stdout}\n{out.stderr}")
    return out


def kubectl_json(kubeconfig: Path, *args: str) -> Any:
    return json.loads(kubectl(kubeconfig, *args, "-o", "json").stdout)


def manifest(*docs: dict[str, Any]) -> str:
    return yaml.safe_dump_all(docs, sort_keys=False)


def raw(api: Any, method: str, path: str, body: Any = None, content_type: str | None = None
        ) -> Any:
    """One request through a `kubernetes` ApiClient's connection pool, sent as given.

    For what the typed methods cannot say (odd content types, malformed
    bodies, non-resource paths). `body` is JSON-encoded unless it is bytes.
    Returns the decoded JSON reply (or the text when it is not JSON); raises
    the client's ApiException for error codes, as the typed methods do.
    """
    from kubernetes.client.rest import ApiException

    headers = {"Accept": "application/json, */*"}
    if content_type:
        headers["Content-Type"] = content_type
    _, url, headers, _, _ = api.param_serialize(
        method, path, header_params=headers, auth_settings=["BearerToken"])
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    resp = api.rest_client.pool_manager.request(method, url, body=data, headers=headers)
    text = resp.data.decode("utf-8", "replace")
    if resp.status >= 400:
        raise ApiException(status=resp.status, reason=resp.reason, body=text)
    try:
        return json.loads(text)
    except ValueError:
        return text
