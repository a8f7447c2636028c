"""`IngressController`: the control loop from the API to a running nginx.

In: IngressClasses, Ingresses, Services, EndpointSlices and Secrets from
shared informers. Any change marks the config dirty; one loop renders the
whole nginx.conf (`nginxconf.render`), at most once per `min_sync_period`:

1. certificates go to `<dir>/certs/` (mode 0600, named by content); a TLS
   Secret that cannot be used gives its Ingress a Warning Event
   `InvalidCertificate` (once per problem);
2. the config is written to `nginx.conf.new` and checked with `nginx -t`;
3. a good one replaces `nginx.conf` and nginx is started or reloaded
   (SIGHUP); a bad one is dropped, nginx keeps serving the last good
   config, and each served Ingress gets a Warning Event
   `InvalidConfiguration` with nginx's message;
4. once nginx's old workers are gone (so that every connection meets the
   new config), the Ingresses in the running config get `status.loadBalancer.ingress:
   [{ip: <address>}]`; one that is no longer ours loses that entry.

Nothing is rendered before the caches have synced. If nginx exits on its
own it is started again on the next round. When the controller is
cancelled it stops nginx.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import os
from pathlib import Path
from typing import Any

from pyk8s.client import (
    WARNING,
    APIClient,
    EventRecorder,
    RequestError,
    Resource,
    SharedInformerFactory,
    is_not_found,
    object_key,
    register,
)
from pyk8s.ingress.ingressclass import ours
from pyk8s.ingress.nginx import Nginx, NginxError
from pyk8s.ingress.nginxconf import Rendered, Settings, render

log = logging.getLogger(__name__)

Obj = dict[str, Any]
NETWORKING = "networking.k8s.io/v1"
register(Resource("networking.k8s.io", "v1", "ingresses", "Ingress"))
register(Resource("networking.k8s.io", "v1", "ingressclasses", "IngressClass", namespaced=False))


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path, 0o600)


def default_certificate(path: Path) -> None:
    """A self-signed certificate for hosts without one of their own."""
    if path.exists():
        return
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pyk8s ingress default")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .sign(key, hashes.SHA256()))
    _write_private(path, cert.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))


def _status(address: str) -> Obj:
    return {"ingress": [{"ip": address}]}


class IngressController:
    def __init__(self, client: APIClient, informers: SharedInformerFactory, directory: Path,
                 *, address: str, http_port: int = 80, https_port: int = 443,
                 bind_address: str = "0.0.0.0", nginx: str = "nginx",
                 min_sync_period: float = 0.5) -> None:
        self.client = client
        self.classes = informers.informer(NETWORKING, "ingressclasses")
        self.ingresses = informers.informer(NETWORKING, "ingresses")
        self.services = informers.informer("v1", "services")
        self.slices = informers.informer("discovery.k8s.io/v1", "endpointslices")
        self.secrets = informers.informer("v1", "secrets")
        self.dir = directory
        self.address = address
        self.settings = Settings(prefix=str(directory), http_port=http_port,
                                 https_port=https_port, bind_address=bind_address)
        self.nginx = Nginx(directory, nginx)
        self.min_sync_period = min_sync_period
        self._dirty = asyncio.Event()
        self._applied: Rendered | None = None
        self._rejected = ""  # the last config nginx -t refused
        self._reported: set[tuple[str, str]] = set()  # (Ingress, problem) told in an Event

    def _informers(self) -> list[Any]:
        return [self.classes, self.ingresses, self.services, self.slices, self.secrets]

    def _changed(self, *_: object) -> None:
        self._dirty.set()

    def rendered(self) -> Rendered:
        served = ours(self.ingresses.store.list(), self.classes.store.list())
        return render(served, self.services.store.list(), self.slices.store.list(),
                      self.secrets.store.list(), self.settings)

    async def sync(self, recorder: EventRecorder) -> None:
        new = self.rendered()
        problems = {(object_key(ing), msg): ing for ing, msg in new.problems}
        for (key, msg), ing in problems.items():
            if (key, msg) not in self._reported:
                recorder.event(ing, WARNING, "InvalidCertificate", msg)
        self._reported = set(problems)
        if self._applied is not None and new.text == self._applied.text and self.nginx.running:
            self._applied = new  # the same config; which Ingresses it serves may differ
        elif new.text != self._rejected:
            await self._apply(new, recorder)
        elif not self.nginx.running and self._applied is not None:
            await self.nginx.start()  # it exited: back, with the last good config
        await self._write_statuses()

    async def _apply(self, new: Rendered, recorder: EventRecorder) -> None:
        certs = self.dir / "certs"
        certs.mkdir(mode=0o700, exist_ok=True)
        for name, pem in new.certs.items():
            if not (certs / name).exists():
                _write_private(certs / name, pem)
        candidate = self.dir / "nginx.conf.new"
        candidate.write_text(new.text)
        try:
            await self.nginx.test(candidate)
        except NginxError as e:
            self._rejected = new.text
            log.error("nginx rejected the new config, keeping the last good one: %s", e)
            for ing in new.served:
                recorder.event(ing, WARNING, "InvalidConfiguration",
                               f"nginx rejected the configuration; serving the last good "
                               f"one: {e}")
            return
        candidate.replace(self.nginx.conf)
        self._rejected = ""
        if self.nginx.running:
            await self.nginx.reload()
        else:
            await self.nginx.start()
        self._applied = new
        for f in certs.iterdir():
            if f.name not in new.certs:
                f.unlink(missing_ok=True)

    async def _write_statuses(self) -> None:
        served = {object_key(i) for i in (self._applied.served if self._applied else [])}
        want = _status(self.address)
        for ing in self.ingresses.store.list():
            current = (ing.get("status") or {}).get("loadBalancer") or {}
            if object_key(ing) in served and current != want:
                patch: Obj = {"status": {"loadBalancer": want}}
            elif object_key(ing) not in served and current == want:
                patch = {"status": {"loadBalancer": {"ingress": None}}}
            else:
                continue
            md = ing["metadata"]
            try:
                await self.client.patch(NETWORKING, "ingresses", md["name"], patch,
                                        md.get("namespace"), subresource="status")
            except RequestError as e:
                if not is_not_found(e):
                    log.warning("cannot write the status of ingress %s/%s: %s",
                                md.get("namespace"), md["name"], e)
                    self._dirty.set()

    async def run(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        default_certificate(self.dir / self.settings.default_cert)
        for informer in self._informers():
            informer.add_handlers(self._changed, self._changed, self._changed)
            informer.start()
        await asyncio.gather(*(i.wait_synced() for i in self._informers()))
        try:
            async with EventRecorder(self.client, "pyk8s-ingress-nginx") as recorder:
                while True:
                    self._dirty.clear()
                    try:
                        await self.sync(recorder)
                    except (OSError, NginxError) as e:
                        log.error("ingress sync failed: %s", e)
                        self._dirty.set()
                    await asyncio.sleep(self.min_sync_period)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._dirty.wait(), 5.0)
        finally:
            await self.nginx.stop()
