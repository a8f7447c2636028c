"""Where the API server is and how to prove who we are: `ClientConfig`.

Every component reaches the API server over HTTPS like any other client.
What it needs for that is small and comes from a kubeconfig file, the same
file kubectl reads:

- the server URL (`clusters[].cluster.server`);
- the cluster CA to verify the server's certificate
  (`certificate-authority-data`, or a `certificate-authority` file);
- a client identity: a client certificate and key (`client-certificate-data`
  / `client-key-data`, or file paths) or a bearer token (`token`, or a
  `tokenFile`).

`ClientConfig.from_kubeconfig(path)` reads the current context (or a named
one) into an immutable `ClientConfig` holding the PEM bytes themselves, so a
config can be passed around and reused without touching the file again.
`ssl_context()` turns it into the `ssl.SSLContext` the HTTP session uses.
Relative file paths in a kubeconfig are relative to the kubeconfig's
directory, as in kubectl.
"""

from __future__ import annotations

import base64
import os
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class ConfigError(Exception):
    """The kubeconfig is missing something a client needs, or names what is not there."""


@dataclass(frozen=True, slots=True)
class ClientConfig:
    server: str  # https://host:port
    ca_data: bytes | None = None  # PEM; None: the system's trust store
    client_cert_data: bytes | None = None  # PEM
    client_key_data: bytes | None = None  # PEM
    token: str | None = None
    insecure_skip_tls_verify: bool = False

    @classmethod
    def from_kubeconfig(cls, path: str | os.PathLike[str], context: str | None = None
                        ) -> ClientConfig:
        path = Path(path)
        doc = yaml.safe_load(path.read_text()) or {}
        base = path.parent
        context_name = context or doc.get("current-context")
        if not context_name:
            raise ConfigError(f"{path}: no context given and no current-context")
        ctx = _named(doc, "contexts", context_name, path)["context"]
        cluster = _named(doc, "clusters", ctx["cluster"], path)["cluster"]
        user: dict[str, Any] = (
            _named(doc, "users", ctx["user"], path)["user"] if ctx.get("user") else {}
        ) or {}
        server = cluster.get("server")
        if not server:
            raise ConfigError(f"{path}: cluster {ctx['cluster']!r} has no server")
        token = user.get("token")
        if not token and user.get("tokenFile"):
            token = (base / user["tokenFile"]).read_text().strip()
        return cls(
            server=server.rstrip("/"),
            ca_data=_pem(cluster, "certificate-authority", base),
            client_cert_data=_pem(user, "client-certificate", base),
            client_key_data=_pem(user, "client-key", base),
            token=token or None,
            insecure_skip_tls_verify=bool(cluster.get("insecure-skip-tls-verify", False)),
        )

    def ssl_context(self) -> ssl.SSLContext:
        """A client TLS context: verifies the server by our CA, presents our certificate."""
        ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
        if self.insecure_skip_tls_verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        elif self.ca_data is not None:
            ctx.load_verify_locations(cadata=self.ca_data.decode())
        if self.client_cert_data is not None:
            if self.client_key_data is None:
                raise ConfigError("a client certificate needs its key")
            # The ssl module loads certificate chains only from files: write them
            # to a private directory just long enough to load them.
            with tempfile.TemporaryDirectory(prefix="pyk8s-client-") as tmp:
                cert, key = Path(tmp, "client.crt"), Path(tmp, "client.key")
                for p, data in ((cert, self.client_cert_data), (key, self.client_key_data)):
                    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    with os.fdopen(fd, "wb") as f:
                        f.write(data)
                ctx.load_cert_chain(cert, key)
        return ctx


def _named(doc: dict[str, Any], section: str, name: str, path: Path) -> dict[str, Any]:
    for entry in doc.get(section) or []:
        if entry.get("name") == name:
            return dict(entry)
    raise ConfigError(f"{path}: no entry named {name!r} in {section}")


def _pem(section: dict[str, Any], field: str, base: Path) -> bytes | None:
    """`<field>-data` (base64 PEM) or `<field>` (a file path), whichever is set."""
    data = section.get(f"{field}-data")
    if data:
        return base64.b64decode(data)
    file = section.get(field)
    if file:
        return (base / file).read_bytes()
    return None
