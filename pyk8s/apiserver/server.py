"""`APIServer`: the control plane's front door, assembled and run.

Start-up order matters and is the same on every start:

1. the data dir, certificates, kubeconfig and node token (`pki`);
2. the datastore (SQLite file in the data dir, or etcd when
   `--datastore-endpoint http://...`), wrapped to time every operation;
3. a `ResourceStorage` and watch cache per stored resource;
4. the objects every cluster starts with (`bootstrap`), idempotently, so a
   restart on the same data dir serves the same objects; then the CRD
   controller (`pyk8s.apiextensions`) serves every stored CustomResourceDefinition
   again and keeps following them;
5. the HTTPS listener; /readyz turns ready once all of the above is done;
6. the control-plane components (`ServerConfig.components`: controller
   manager, scheduler, node agent), each given an `APIClient` built from the
   admin kubeconfig. They reach the API over HTTPS like any other client;
   sharing the process only saves start-up time. A component that fails is
   logged and restarted after a pause; on shutdown they are cancelled first.

A background task compacts the datastore's history: each interval it
compacts to the revision it saw one interval earlier, so watches may resume
from anything newer than one interval and older versions get 410 Gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from pyk8s.api.registry import builtin
from pyk8s.apiextensions.controller import CRDController
from pyk8s.apiserver import admission, pki
from pyk8s.apiserver.app import APIServerApp
from pyk8s.apiserver.authn import Authenticator
from pyk8s.apiserver.bootstrap import bootstrap
from pyk8s.apiserver.metrics import TimedDatastore
from pyk8s.apiserver.rest import Storages
from pyk8s.apiserver.serviceaccount.tokens import ServiceAccountTokens
from pyk8s.storage.interface import Datastore

if TYPE_CHECKING:
    from pyk8s.client import APIClient

log = logging.getLogger(__name__)

# A control-plane component: runs until cancelled, talking to the API only
# through the client it is given.
Component = Callable[["APIClient"], Awaitable[None]]


@dataclass
class ServerConfig:
    data_dir: Path
    bind_address: str = "127.0.0.1"
    port: int = 6443
    datastore_endpoint: str = ""
    advertise_address: str = ""
    tls_san: list[str] = field(default_factory=list)
    compaction_interval: float = 300.0
    metric_resolution: float = 15.0  # how often the metrics scraper asks the kubelets
    components: dict[str, Component] = field(default_factory=dict)


def open_datastore(config: ServerConfig) -> Datastore:
    endpoint = config.datastore_endpoint
    if endpoint.startswith(("http://", "https://")):
        from pyk8s.storage.etcd import EtcdDatastore

        return EtcdDatastore(endpoint)
    from pyk8s.storage.sqlite import SQLiteDatastore

    path = Path(endpoint) if endpoint else config.data_dir / "db" / "state.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return SQLiteDatastore(str(path))


class APIServer:
    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.stopping = asyncio.Event()
        self.started = asyncio.Event()
        self.storages: Storages | None = None

    @property
    def url(self) -> str:
        host = self.config.bind_address
        if host in ("0.0.0.0", "::"):
            host = "127.0.0.1"
        return f"https://{host}:{self.config.port}"

    def _ssl_context(self, paths: pki.PKI) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(paths.serving_cert, paths.serving_key)
        ctx.load_verify_locations(paths.ca_cert)
        ctx.verify_mode = ssl.CERT_OPTIONAL
        return ctx

    async def run(self) -> None:
        cfg = self.config
        cfg.data_dir.mkdir(parents=True, exist_ok=True)
        sans = [*cfg.tls_san, *([cfg.advertise_address] if cfg.advertise_address else [])]
        paths = pki.ensure_all(cfg.data_dir, cfg.bind_address, self.url, sans)
        token = pki.ensure_token(cfg.data_dir / "node-token")

        from pyk8s.api.resources import NAME_RULES

        registry = builtin()
        datastore = TimedDatastore(open_datastore(cfg))
        await datastore.start()
        storages = self.storages = Storages(datastore, registry, dict(NAME_RULES))
        storages.admission = admission.plugins(storages)
        service_accounts = ServiceAccountTokens.load(paths.dir / "service-account.key", storages,
                                                     paths.ca_cert)
        app = APIServerApp(storages, registry, Authenticator(token, service_accounts),
                           f"{cfg.advertise_address or cfg.bind_address}:{cfg.port}",
                           cfg.metric_resolution)
        runner = web.AppRunner(app.build(), access_log=None, handle_signals=False,
                               shutdown_timeout=1.0)
        compactor: asyncio.Task[None] | None = None
        components: list[asyncio.Task[None]] = []
        crds: CRDController | None = None
        try:
            await storages.start()
            await bootstrap(storages, cfg.advertise_address, cfg.port)
            crds = CRDController(storages, registry)
            await crds.start()
            await runner.setup()
            site = web.TCPSite(runner, cfg.bind_address, cfg.port,
                               ssl_context=self._ssl_context(paths), reuse_address=True,
                               backlog=1024)
            await site.start()
            compactor = asyncio.create_task(self._compact_forever(datastore))
            app.ready = True
            components = [asyncio.create_task(self._supervise(name, run), name=name)
                          for name, run in cfg.components.items()]
            self.started.set()
            log.info("pyk8s API server listening on %s; kubeconfig: %s", self.url,
                     cfg.data_dir / "kubeconfig.yaml")
            await self.stopping.wait()
        finally:
            log.info("shutting down")
            for task in components:
                task.cancel()
            await asyncio.gather(*components, return_exceptions=True)
            if compactor:
                compactor.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await compactor
            await runner.cleanup()
            if crds is not None:
                await crds.stop()
            await storages.stop()
            await datastore.close()

    def stop(self) -> None:
        self.stopping.set()

    async def _supervise(self, name: str, run: Component) -> None:
        from pyk8s.client import APIClient

        kubeconfig = self.config.data_dir / "kubeconfig.yaml"
        while True:
            try:
                async with APIClient.from_kubeconfig(kubeconfig) as client:
                    await run(client)
                log.warning("%s returned; restarting it", name)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s failed; restarting it in 1s", name)
            await asyncio.sleep(1.0)

    async def _compact_forever(self, datastore: Datastore) -> None:
        interval = self.config.compaction_interval
        previous = 0
        while True:
            await asyncio.sleep(interval)
            try:
                if previous > await datastore.compacted_revision():
                    await datastore.compact(previous)
                previous = await datastore.current_revision()
            except Exception:
                log.exception("compaction failed")
