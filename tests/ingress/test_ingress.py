"""The Ingress controller end to end: `pyk8s server --ingress` and a real nginx.

No containers: the backends are HTTP servers in this process on 127.0.0.1,
reached through selector-less Services with hand-written EndpointSlices.
The server's nginx listens on free ports on 127.0.0.1; requests carry Host
headers (and SNI for TLS). Skipped, with the reason, when nginx is not
installed; in CI, as root after scripts/setup, it runs. At the end the server
stops and its nginx (by the PID in its pid file) must be gone; so must the
nginx of a server killed with SIGKILL.
"""

from __future__ import annotations

import datetime
import functools
import json
import os
import shutil
import signal
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.support import Server, free_port, manifest

T = TypeVar("T")
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed "
                                "(scripts/setup installs it as root)")
CONTROLLER = "pyk8s.io/ingress-nginx"


def wait_for(what: str, fn: Callable[[], T | None], timeout: float = 30.0) -> T:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


class Backend:
    """An HTTP server on 127.0.0.1 answering "<name> <path>"."""

    def __init__(self, name: str) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = f"{name} {self.path}".encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class Cluster:
    def __init__(self, server: Server, http_port: int, https_port: int) -> None:
        self.server = server
        self.http_port = http_port
        self.https_port = https_port

    def apply(self, ns: str, *docs: dict[str, Any]) -> None:
        self.server.kubectl("apply", "-n", ns, "-f", "-", input=manifest(*docs))

    def replace(self, ns: str, *docs: dict[str, Any]) -> None:
        self.server.kubectl("replace", "-n", ns, "-f", "-", input=manifest(*docs))

    def get(self, *args: str) -> Any:
        return json.loads(self.server.kubectl("get", "-o", "json", *args).stdout)

    def http(self, host: str, path: str = "/") -> tuple[int, str]:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        req = urllib.request.Request(f"http://127.0.0.1:{self.http_port}{path}",
                                     headers={"Host": host})
        try:
            with opener.open(req, timeout=5) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, ""

    def https(self, host: str, cafile: Path, path: str = "/") -> tuple[int, str]:
        """A request with SNI `host`, checking the certificate against `cafile`."""
        ctx = ssl.create_default_context(cafile=str(cafile))
        with socket.create_connection(("127.0.0.1", self.https_port), timeout=5) as raw, \
                ctx.wrap_socket(raw, server_hostname=host) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
                      .encode())
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        return int(head.split()[1]), body.decode()

    def served(self, ns: str, *names: str) -> None:
        """Wait for the status IP, written once nginx serves the Ingress with no old worker
        left running an older config."""
        for name in names:
            wait_for(f"ingress {name}'s status IP", functools.partial(self._has_ip, ns, name))

    def _has_ip(self, ns: str, name: str) -> bool:
        status = self.get("ingress", name, "-n", ns).get("status", {})
        return bool(status.get("loadBalancer") == {"ingress": [{"ip": "127.0.0.1"}]})

    def routes(self, host: str, path: str, want: tuple[int, str]) -> None:
        wait_for(f"{host}{path} to answer {want}", lambda: self.http(host, path) == want)


def nginx_pid(data_dir: Path) -> int | None:
    try:
        return int((data_dir / "ingress" / "nginx.pid").read_text())
    except (OSError, ValueError):
        return None


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    http_port, https_port = free_port(), free_port()
    data_dir = tmp_path_factory.mktemp("ingress") / "server"
    server = Server(data_dir, extra_args=[
        "--ingress", "--ingress-bind-address", "127.0.0.1", "--ingress-http-port",
        str(http_port), "--ingress-https-port", str(https_port), "--disable-scheduler"]).start()
    pid: int | None = None
    try:
        c = Cluster(server, http_port, https_port)
        c.apply("default", {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
                            "metadata": {"name": "pyk8s"}, "spec": {"controller": CONTROLLER}})
        pid = wait_for("nginx to start", lambda: nginx_pid(data_dir))
        wait_for("nginx to answer", lambda: c.http("nothing.test")[0] == 404)
        yield c
    finally:
        pid = nginx_pid(data_dir) or pid
        server.stop()
        if pid is not None:
            still = alive(pid)
            if still:
                os.kill(pid, signal.SIGKILL)
            assert not still, "nginx outlived the server"


@pytest.fixture
def ns(cluster: Cluster) -> Iterator[str]:
    name = f"ing-{uuid.uuid4().hex[:6]}"
    cluster.server.kubectl("create", "namespace", name)
    yield name
    cluster.server.kubectl("delete", "ingresses", "--all", "-n", name, "--wait=false")
    cluster.server.kubectl("delete", "namespace", name, "--wait=false")


@pytest.fixture(scope="module")
def backends() -> Iterator[tuple[Backend, Backend]]:
    a, b = Backend("a"), Backend("b")
    yield a, b
    a.close()
    b.close()


def service(name: str, ports: dict[str, tuple[int, int]]) -> list[dict[str, Any]]:
    """A selector-less Service and its EndpointSlice: port name -> (port, backend port)."""
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
           "spec": {"ports": [{"name": n, "port": p, "protocol": "TCP"}
                              for n, (p, _) in ports.items()]}}
    slices = [{"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
               "metadata": {"name": f"{name}-{n}",
                            "labels": {"kubernetes.io/service-name": name}},
               "addressType": "IPv4", "ports": [{"name": n, "port": bp, "protocol": "TCP"}],
               "endpoints": [{"addresses": ["127.0.0.1"], "conditions": {"ready": True}}]}
              for n, (_, bp) in ports.items()]
    return [svc, *slices]


def backend(name: str, port: int | str) -> dict[str, Any]:
    return {"service": {"name": name,
                        "port": {"number": port} if isinstance(port, int) else {"name": port}}}


def path(p: str, path_type: str, name: str, port: int | str) -> dict[str, Any]:
    return {"path": p, "pathType": path_type, "backend": backend(name, port)}


def ingress(name: str, spec: dict[str, Any], cls: str | None = "pyk8s") -> dict[str, Any]:
    if cls:
        spec = {"ingressClassName": cls, **spec}
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": name}, "spec": spec}


def test_host_and_path_routing_and_status(cluster: Cluster, ns: str,
                                          backends: tuple[Backend, Backend]) -> None:
    a, b = backends
    host_a, host_b = f"a.{ns}.test", f"b.{ns}.test"
    cluster.apply(ns, *service("sa", {"http": (80, a.port)}),
                  *service("sb", {"web": (8080, b.port)}), {
                      "apiVersion": "v1", "kind": "Service", "metadata": {"name": "empty"},
                      "spec": {"ports": [{"port": 80}]}},
                  ingress("web", {"rules": [
                      {"host": host_a, "http": {"paths": [
                          path("/app", "Prefix", "sa", 80),
                          path("/exact", "Exact", "sb", "web"),
                          path("/down", "Prefix", "empty", 80)]}},
                      {"host": host_b, "http": {"paths": [path("/", "Prefix", "sb", 8080)]}}]}))
    cluster.served(ns, "web")
    assert cluster.http(host_a, "/app") == (200, "a /app")
    assert cluster.http(host_a, "/app/x") == (200, "a /app/x")
    assert cluster.http(host_a, "/app/")[0] == 200
    assert cluster.http(host_a, "/appx")[0] == 404  # Prefix matches whole path elements
    assert cluster.http(host_a, "/exact") == (200, "b /exact")
    assert cluster.http(host_a, "/exact/x")[0] == 404
    assert cluster.http(host_a, "/down")[0] == 503  # no endpoints
    assert cluster.http(host_b, "/any/thing") == (200, "b /any/thing")
    assert cluster.http(f"other.{ns}.test", "/app")[0] == 404


def test_default_backend_and_classes(cluster: Cluster, ns: str,
                                     backends: tuple[Backend, Backend]) -> None:
    a, b = backends
    cluster.apply(ns, *service("sa", {"http": (80, a.port)}),
                  *service("sb", {"http": (80, b.port)}),
                  {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
                   "metadata": {"name": f"other-{ns}"},
                   "spec": {"controller": "example.com/other"}},
                  ingress("theirs", {"rules": [{"host": f"t.{ns}.test", "http": {"paths": [
                      path("/", "Prefix", "sa", 80)]}}]}, cls=f"other-{ns}"),
                  ingress("classless", {"rules": [{"host": f"c.{ns}.test", "http": {"paths": [
                      path("/", "Prefix", "sa", 80)]}}]}, cls=None),
                  ingress("fallback", {"defaultBackend": backend("sb", 80), "rules": [
                      {"host": f"f.{ns}.test", "http": {"paths": [
                          path("/a", "Prefix", "sa", 80)]}}]}))
    cluster.served(ns, "fallback")
    assert cluster.http(f"f.{ns}.test", "/a") == (200, "a /a")
    assert cluster.http(f"f.{ns}.test", "/elsewhere") == (200, "b /elsewhere")
    assert cluster.http(f"nowhere.{ns}.test", "/x") == (200, "b /x")  # the default server
    assert cluster.http(f"t.{ns}.test", "/")[1] != "a /"  # another controller's class
    assert cluster.http(f"c.{ns}.test", "/")[1] != "a /"  # no default class yet
    cluster.server.kubectl("annotate", "ingressclass", "pyk8s",
                           "ingressclass.kubernetes.io/is-default-class=true")
    try:
        cluster.routes(f"c.{ns}.test", "/", (200, "a /"))
    finally:
        cluster.server.kubectl("annotate", "ingressclass", "pyk8s",
                               "ingressclass.kubernetes.io/is-default-class-")
        cluster.server.kubectl("delete", "ingressclass", f"other-{ns}")
    theirs = cluster.get("ingress", "theirs", "-n", ns)
    assert not theirs.get("status", {}).get("loadBalancer", {}).get("ingress")


def _self_signed(host: str, directory: Path, weak: bool = False) -> tuple[Path, bytes, bytes]:
    """A certificate for `host`; `weak`: an RSA-1024 key, which OpenSSL 3 refuses to serve."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(65537, 1024) if weak else ec.generate_private_key(
        ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    crt = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    path = directory / f"{host}-{weak}.crt"
    path.write_bytes(crt)
    return path, crt, key_pem


def tls_secret(name: str, crt: bytes, key: bytes) -> dict[str, Any]:
    import base64

    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name},
            "type": "kubernetes.io/tls",
            "data": {"tls.crt": base64.b64encode(crt).decode(),
                     "tls.key": base64.b64encode(key).decode()}}


def test_tls_with_sni_and_a_bad_certificate(cluster: Cluster, ns: str, tmp_path: Path,
                                            backends: tuple[Backend, Backend]) -> None:
    a, _ = backends
    host, other = f"secure.{ns}.test", f"plain.{ns}.test"
    cafile, crt, key = _self_signed(host, tmp_path)
    cluster.apply(ns, *service("sa", {"http": (80, a.port)}), tls_secret("cert", crt, key),
                  ingress("tls", {"tls": [{"hosts": [host], "secretName": "cert"}], "rules": [
                      {"host": h, "http": {"paths": [path("/", "Prefix", "sa", 80)]}}
                      for h in (host, other)]}))
    cluster.served(ns, "tls")
    assert cluster.https(host, cafile, "/s") == (200, "a /s")
    with pytest.raises(ssl.SSLCertVerificationError):  # the default certificate, not ours
        cluster.https(other, cafile)
    certs = cluster.server.data_dir / "ingress" / "certs"
    assert [f.stat().st_mode & 0o777 for f in certs.iterdir()] == [0o600]

    def event(reason: str) -> Callable[[], list[Any]]:
        return lambda: [e for e in cluster.get("events", "-n", ns)["items"]
                        if e["reason"] == reason and e["involvedObject"]["name"] == "tls"]

    # A certificate nginx refuses: the last good config keeps serving, with an Event.
    _, weak_crt, weak_key = _self_signed(host, tmp_path, weak=True)
    cluster.replace(ns, tls_secret("cert", weak_crt, weak_key))
    [e] = wait_for("an InvalidConfiguration event", event("InvalidConfiguration"))
    assert "key too small" in e["message"] and e["type"] == "Warning"
    assert cluster.https(host, cafile, "/still") == (200, "a /still")

    # No certificate at all: the host is served with the default one, with an Event.
    cluster.replace(ns, tls_secret("cert", b"not a certificate", b"nor a key"))
    [e] = wait_for("an InvalidCertificate event", event("InvalidCertificate"))
    assert "holds no PEM certificate" in e["message"]
    wait_for("the default certificate", lambda: _refused(cluster, host, cafile))
    assert cluster.http(host, "/plain") == (200, "a /plain")


def _refused(cluster: Cluster, host: str, cafile: Path) -> bool:
    try:
        cluster.https(host, cafile)
    except ssl.SSLCertVerificationError:
        return True
    return False


def test_updates_are_picked_up(cluster: Cluster, ns: str,
                               backends: tuple[Backend, Backend]) -> None:
    a, b = backends
    host = f"u.{ns}.test"
    objs = service("s", {"one": (80, a.port), "two": (81, a.port)})
    cluster.apply(ns, *objs, ingress("u", {"rules": [{"host": host, "http": {"paths": [
        path("/", "Prefix", "s", 80)]}}]}))
    cluster.routes(host, "/", (200, "a /"))
    # The endpoints move to another port: so does the upstream.
    one = objs[1]
    one["ports"][0]["port"] = b.port
    cluster.apply(ns, one)
    cluster.routes(host, "/", (200, "b /"))
    # The Ingress names another Service port.
    cluster.server.kubectl("patch", "ingress", "u", "-n", ns, "--type=json", "-p", json.dumps(
        [{"op": "replace", "path": "/spec/rules/0/http/paths/0/backend/service/port/number",
          "value": 81}]))
    cluster.routes(host, "/", (200, "a /"))
    cluster.server.kubectl("delete", "ingress", "u", "-n", ns)
    cluster.routes(host, "/", (404, ""))


def test_nginx_that_exits_is_started_again(cluster: Cluster, ns: str,
                                           backends: tuple[Backend, Backend]) -> None:
    a, _ = backends
    cluster.apply(ns, *service("sa", {"http": (80, a.port)}), ingress("r", {"rules": [
        {"host": f"r.{ns}.test", "http": {"paths": [path("/", "Prefix", "sa", 80)]}}]}))
    cluster.served(ns, "r")
    data_dir = cluster.server.data_dir
    pid = nginx_pid(data_dir)
    assert pid is not None
    os.kill(pid, signal.SIGTERM)
    wait_for("a new nginx", lambda: nginx_pid(data_dir) not in (None, pid))
    cluster.routes(f"r.{ns}.test", "/", (200, "a /"))


def test_nginx_ends_with_a_killed_server(tmp_path: Path) -> None:
    server = Server(tmp_path / "server", extra_args=[
        "--ingress", "--ingress-bind-address", "127.0.0.1", "--ingress-http-port",
        str(free_port()), "--ingress-https-port", str(free_port()), "--disable-scheduler",
        "--disable-controller-manager"]).start()
    try:
        pid = wait_for("nginx to start", lambda: nginx_pid(server.data_dir))
    finally:
        server.kill()  # SIGKILL: no chance to stop nginx itself
    try:
        wait_for("nginx to end with the server", lambda: not alive(pid), timeout=10)
    finally:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
