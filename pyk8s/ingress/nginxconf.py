"""Rendering: the Ingresses we serve, as one nginx.conf.

`render(ingresses, services, slices, secrets, settings)` is a pure function
of what the informers hold; it returns the config text, the certificate
files it refers to and the Ingresses it serves.

- One `server` block per host (Ingress hosts are merged across Ingresses,
  oldest Ingress first), listening on the HTTP port, and on the HTTPS port
  with the certificate of the `spec.tls` entry naming the host (SNI picks
  it). A wildcard host `*.example.com` matches exactly one label, as
  Kubernetes says, so it becomes a regex server name. A default server
  takes every other host: the host-less rules, then the oldest Ingress's
  `defaultBackend`, else 404.
- Paths, as Kubernetes defines them: `Exact` is `location = /p`; `Prefix`
  matches by path element, so `/p` becomes `location = /p` plus
  `location /p/` (trailing slashes do not count; `/` matches everything);
  `ImplementationSpecific` is nginx's own prefix match. nginx picks exact
  locations first, then the longest prefix: Kubernetes' precedence. The
  first rule for a location wins (Exact before Prefix, older Ingress first).
  A host without a `/` location falls back to its Ingress's defaultBackend,
  else to the default server's.
- Backends: an `upstream` per Service port with the Service's usable
  endpoints (ready, else serving-terminating; `port.number` or `port.name`
  picks the Service port, whose name picks the EndpointSlice port). A
  backend without endpoints, a missing Service or a `resource` backend
  answers 503.
- TLS: a `kubernetes.io/tls` Secret in the Ingress's namespace, once its
  certificate and key are parsed and found to match, becomes one
  PEM file (certificate and key) named after its content, so a new
  certificate never overwrites one a running config uses; a missing or
  broken Secret leaves its hosts on the default certificate and is
  reported in `problems`.

Strings from the API reach the config only quoted (`_q`), so no object can
inject directives; what nginx still rejects (say, a key OpenSSL finds too
weak) is caught by `nginx -t` before a reload.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pyk8s.proxy.serviceport import by_service, slice_endpoints, usable

Obj = dict[str, Any]


@dataclass
class Settings:
    prefix: str  # nginx's -p: the controller's data dir
    http_port: int = 80
    https_port: int = 443
    bind_address: str = "0.0.0.0"
    default_cert: str = "default.pem"  # relative to the prefix


@dataclass
class Rendered:
    text: str
    certs: dict[str, bytes] = field(default_factory=dict)  # file name under certs/ -> PEM
    served: list[Obj] = field(default_factory=list)  # the Ingresses in the config
    problems: list[tuple[Obj, str]] = field(default_factory=list)  # (Ingress, message)


def _q(s: str) -> str:
    """An nginx quoted string."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "") + '"'


def _key(obj: Obj) -> str:
    md = obj["metadata"]
    return f"{md.get('namespace', '')}/{md['name']}"


def _age(obj: Obj) -> tuple[str, str]:
    return (obj["metadata"].get("creationTimestamp") or "", _key(obj))


def server_name(host: str) -> str:
    if host.startswith("*."):
        rest = re.escape(host[2:].lower())
        return _q(f"~^[^.]+\\.{rest}$")
    return _q(host.lower())


def location_keys(path: str, path_type: str) -> list[tuple[str, str]]:
    """(modifier, path) of the nginx locations a Kubernetes path becomes."""
    path = path or "/"
    if path_type == "Exact":
        return [("=", path)]
    if path_type == "Prefix":
        trimmed = path.rstrip("/")
        if not trimmed:
            return [("", "/")]
        return [("=", trimmed), ("", trimmed + "/")]
    return [("", path)]


class _Backends:
    """Upstream names for Ingress backends, and the upstreams they need."""

    def __init__(self, services: dict[str, Obj], slices: dict[str, list[Obj]]) -> None:
        self.services = services
        self.slices = slices
        self.upstreams: dict[str, list[str]] = {}

    def upstream(self, namespace: str, backend: Obj | None) -> str | None:
        """The upstream's name, or None when the backend has no endpoints."""
        svc_ref = (backend or {}).get("service")
        if not svc_ref:
            return None
        key = f"{namespace}/{svc_ref.get('name', '')}"
        svc = self.services.get(key)
        if svc is None:
            return None
        want = svc_ref.get("port") or {}
        for p in (svc.get("spec") or {}).get("ports") or []:
            if (want.get("name") and p.get("name") == want["name"]) or \
                    (want.get("number") and p.get("port") == want["number"]):
                break
        else:
            return None
        endpoints = usable(slice_endpoints(self.slices.get(key, []), p.get("name") or "",
                                           p.get("protocol", "TCP")))
        if not endpoints:
            return None
        name = f"{namespace}_{svc_ref['name']}_{p['port']}"
        self.upstreams[name] = [e.address for e in endpoints]
        return name


def _proxy(upstream: str | None) -> str:
    return "return 503;" if upstream is None else f"proxy_pass http://{upstream};"


@dataclass
class _Server:
    host: str | None  # None: the default server
    locations: dict[tuple[str, str], str | None] = field(default_factory=dict)
    fallback: str | None = None  # upstream of the defaultBackend, when it applies
    has_fallback: bool = False
    cert: str | None = None


def _pem(secret: Obj | None) -> tuple[bytes | None, str]:
    """The Secret's certificate and key as one PEM, or None and why not."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    if not secret:
        return None, "does not exist"
    if secret.get("type") != "kubernetes.io/tls":
        return None, "is not of type kubernetes.io/tls"
    data = secret.get("data") or {}
    try:
        crt = base64.b64decode(data.get("tls.crt", ""))
        key = base64.b64decode(data.get("tls.key", ""))
        cert = x509.load_pem_x509_certificate(crt)
        private = serialization.load_pem_private_key(key, None)
    except (ValueError, TypeError) as e:
        return None, f"holds no PEM certificate and unencrypted key ({e})"
    raw = (serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    if cert.public_key().public_bytes(*raw) != private.public_key().public_bytes(*raw):
        return None, "holds a key that does not match its certificate"
    return crt.rstrip(b"\n") + b"\n" + key.rstrip(b"\n") + b"\n", ""


def render(ingresses: Iterable[Obj], services: Iterable[Obj], slices: Iterable[Obj],
           secrets: Iterable[Obj], settings: Settings) -> Rendered:
    by_svc: dict[str, list[Obj]] = {}
    for s in slices:
        for k in by_service(s):
            by_svc.setdefault(k, []).append(s)
    backends = _Backends({_key(s): s for s in services}, by_svc)
    secret_map = {_key(s): s for s in secrets}
    out = Rendered(text="")
    ordered = sorted(ingresses, key=_age)
    default = _Server(host=None)
    servers: dict[str, _Server] = {}
    paths: list[tuple[bool, int, _Server, str, Obj]] = []

    for ing in ordered:
        ns = ing["metadata"].get("namespace", "default")
        spec = ing.get("spec") or {}
        out.served.append(ing)
        if spec.get("defaultBackend") and not default.has_fallback:
            default.fallback = backends.upstream(ns, spec["defaultBackend"])
            default.has_fallback = True
        for tls in spec.get("tls") or []:
            pem, why = _pem(secret_map.get(f"{ns}/{tls.get('secretName', '')}"))
            if pem is None:
                out.problems.append((ing, f"TLS Secret {ns}/{tls.get('secretName', '')} {why}: "
                                          f"its hosts get the default certificate"))
            for host in tls.get("hosts") or []:
                srv = servers.setdefault(host.lower(), _Server(host=host.lower()))
                if pem is not None and srv.cert is None:
                    digest = hashlib.sha256(pem).hexdigest()[:12]
                    srv.cert = f"{ns}-{tls['secretName']}-{digest}.pem"
                    out.certs[srv.cert] = pem
        for rule in spec.get("rules") or []:
            host = (rule.get("host") or "").lower()
            srv = servers.setdefault(host, _Server(host=host)) if host else default
            if host and spec.get("defaultBackend") and not srv.has_fallback:
                srv.fallback = backends.upstream(ns, spec["defaultBackend"])
                srv.has_fallback = True
            for path in (rule.get("http") or {}).get("paths") or []:
                if (path.get("path") or "/").startswith("/"):
                    paths.append((path.get("pathType") != "Exact", len(paths), srv, ns, path))

    # The first rule for a location wins, Exact paths before the others.
    for _, _, srv, ns, path in sorted(paths, key=lambda p: p[:2]):
        up = backends.upstream(ns, path.get("backend"))
        for lk in location_keys(path.get("path", "/"), path.get("pathType", "Prefix")):
            srv.locations.setdefault(lk, up)
    for srv in [default, *servers.values()]:
        srv.locations = dict(sorted(srv.locations.items()))
    out.text = _text(settings, default, servers, backends.upstreams)
    return out


def _server_lines(settings: Settings, srv: _Server, default_fallback: str | None,
                  default_has: bool) -> list[str]:
    addr = settings.bind_address
    flag = " default_server" if srv.host is None else ""
    cert = srv.cert or settings.default_cert
    lines = [
        "  server {",
        f"    listen {addr}:{settings.http_port}{flag};",
        f"    listen {addr}:{settings.https_port} ssl{flag};",
        f"    server_name {server_name(srv.host) if srv.host else '_'};",
        f"    ssl_certificate {_q('certs/' + cert if srv.cert else cert)};",
        f"    ssl_certificate_key {_q('certs/' + cert if srv.cert else cert)};",
    ]
    locations = dict(srv.locations)
    if ("", "/") not in locations:
        if srv.has_fallback:
            locations[("", "/")] = srv.fallback
        elif srv.host is not None and default_has:
            locations[("", "/")] = default_fallback
    for (mod, path), up in locations.items():
        head = f"location {mod} {_q(path)}" if mod else f"location {_q(path)}"
        lines.append(f"    {head} {{ {_proxy(up)} }}")
    if ("", "/") not in locations:
        lines.append("    location / { return 404; }")
    lines.append("  }")
    return lines


def _text(settings: Settings, default: _Server, servers: dict[str, _Server],
          upstreams: dict[str, list[str]]) -> str:
    lines = [
        "# Written by the pyk8s ingress controller; changes are overwritten.",
        "worker_processes 1;",
        "worker_shutdown_timeout 10s;",
        f"pid {_q(settings.prefix + '/nginx.pid')};",
        "error_log stderr warn;",
        "events { worker_connections 1024; }",
        "http {",
        "  access_log off;",
        "  server_names_hash_bucket_size 128;",
        "  proxy_http_version 1.1;",
        "  proxy_set_header Host $host;",
        # WebSockets and other upgrades pass through; other requests reuse upstream connections.
        "  map $http_upgrade $connection_upgrade { default upgrade; \"\" \"\"; }",
        "  proxy_set_header Upgrade $http_upgrade;",
        "  proxy_set_header Connection $connection_upgrade;",
        "  proxy_set_header X-Real-IP $remote_addr;",
        "  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "  proxy_set_header X-Forwarded-Proto $scheme;",
        "  proxy_set_header X-Forwarded-Host $host;",
        # Nothing is buffered to disk: worker processes need no writable directory.
        "  proxy_buffering off;",
        "  proxy_request_buffering off;",
        "  client_max_body_size 0;",
    ]
    for name, addresses in sorted(upstreams.items()):
        lines.append(f"  upstream {name} {{")
        lines.extend(f"    server {a};" for a in addresses)
        lines.append("    keepalive 16;")
        lines.append("  }")
    lines += _server_lines(settings, default, None, False)
    for host in sorted(servers):
        lines += _server_lines(settings, servers[host], default.fallback, default.has_fallback)
    lines.append("}")
    return "\n".join(lines) + "\n"
