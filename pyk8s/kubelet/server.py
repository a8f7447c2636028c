"""The kubelet's HTTPS API on port 10250, which the API server proxies to.

Callers authenticate with the cluster's node token as a bearer token (the
API server has it, and so does every agent); the serving certificate is
self-signed, as a kubelet's is by default, and the API server does not
verify it. Endpoints, as the real kubelet names them:

- `GET /healthz`
- `GET /containerLogs/{ns}/{pod}/{container}`: `follow`, `tailLines`,
  `previous`, `timestamps`, `sinceSeconds`, `limitBytes` (logs.py);
- `GET /exec/{ns}/{pod}/{container}?command=..&stdin&stdout&stderr&tty` and
  `GET /attach/{ns}/{pod}/{container}`:
  a WebSocket speaking the channel protocols (streaming.py);
- `GET /portForward/{ns}/{pod}?ports=P`: a WebSocket, channel 2i data and
  2i+1 errors for the i-th port (streaming.py);
- `GET /stats/summary`: node, pod and container CPU and memory (stats.py).

Errors are metav1.Status objects, like the API server's, so that the proxy
can pass them through as they are.
"""

from __future__ import annotations

import asyncio
import datetime
import hmac
import ipaddress
import logging
import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pyk8s.kubelet import logs, stats, streaming

if TYPE_CHECKING:
    from pyk8s.kubelet.kubelet import Kubelet

log = logging.getLogger(__name__)


def status_error(code: int, reason: str, message: str) -> web.Response:
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}
    return web.Response(body=orjson.dumps(body), status=code,
                        content_type="application/json")


def ensure_serving_cert(directory: Path, node_name: str, node_ip: str) -> tuple[Path, Path]:
    cert_path, key_path = directory / "kubelet.crt", directory / "kubelet.key"
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{node_name}@kubelet")])
    now = datetime.datetime.now(datetime.UTC)
    sans: list[x509.GeneralName] = [x509.DNSName(node_name), x509.DNSName("localhost")]
    for ip in {node_ip, "127.0.0.1"}:
        sans.append(x509.IPAddress(ipaddress.ip_address(ip)))
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .sign(key, hashes.SHA256()))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


async def _healthz(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


class KubeletServer:
    def __init__(self, kubelet: Kubelet, *, token: str, port: int, cert_dir: Path) -> None:
        self.kubelet = kubelet
        self.token = token
        self.port = port
        self.cert_dir = cert_dir

    def find_pod(self, namespace: str, name: str) -> Any:
        for worker in self.kubelet.workers.values():
            md = worker.pod["metadata"]
            if md["namespace"] == namespace and md["name"] == name and not worker.done:
                return worker
        return None

    @web.middleware
    async def _auth(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path == "/healthz":
            return await handler(request)
        auth = request.headers.get("Authorization", "")
        if not (auth.startswith("Bearer ") and
                hmac.compare_digest(auth[7:].strip(), self.token)):
            return status_error(401, "Unauthorized", "Unauthorized")
        return await handler(request)

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._auth])
        app.router.add_get("/healthz", _healthz)
        app.router.add_get("/containerLogs/{namespace}/{pod}/{container}",
                           lambda r: logs.handle(self, r))
        app.router.add_route("*", "/exec/{namespace}/{pod}/{container}",
                             lambda r: streaming.exec_handler(self, r))
        app.router.add_route("*", "/attach/{namespace}/{pod}/{container}",
                             lambda r: streaming.attach_handler(self, r))
        app.router.add_route("*", "/portForward/{namespace}/{pod}",
                             lambda r: streaming.port_forward_handler(self, r))
        app.router.add_get("/stats/summary", lambda r: stats.handle(self, r))
        return app

    async def run(self) -> None:
        cert, key = ensure_serving_cert(self.cert_dir, self.kubelet.node_name,
                                        self.kubelet.node_ip)
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)
        runner = web.AppRunner(self.app(), access_log=None, handle_signals=False,
                               shutdown_timeout=1.0)
        await runner.setup()
        try:
            site = web.TCPSite(runner, "0.0.0.0", self.port, ssl_context=ctx,
                               reuse_address=True)
            await site.start()
            log.info("kubelet serving on :%d", self.port)
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()
