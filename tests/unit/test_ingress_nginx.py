"""The Ingress controller's nginx.conf: what Ingresses, Services and slices render to.

Rendering is pure; the last test checks a rendered config with `nginx -t`
(skipped when nginx is not installed).
"""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from pyk8s.ingress.controller import default_certificate
from pyk8s.ingress.ingressclass import CONTROLLER, DEFAULT_CLASS, ours
from pyk8s.ingress.nginxconf import Settings, location_keys, render, server_name

Obj = dict[str, Any]


def svc(name: str, ports: list[Obj]) -> Obj:
    return {"metadata": {"namespace": "default", "name": name}, "spec": {"ports": ports}}


def eps(service: str, port: int, ips: list[str], name: str = "", ready: bool = True) -> Obj:
    return {"metadata": {"namespace": "default", "name": f"{service}-x",
                         "labels": {"kubernetes.io/service-name": service}},
            "addressType": "IPv4", "ports": [{"name": name, "port": port, "protocol": "TCP"}],
            "endpoints": [{"addresses": [ip], "conditions": {"ready": ready}} for ip in ips]}


def backend(name: str, number: int | None = None, port_name: str | None = None) -> Obj:
    port = {"number": number} if number else {"name": port_name}
    return {"service": {"name": name, "port": port}}


def ing(name: str, rules: list[Obj], created: str = "2026-01-01T00:00:00Z", **spec: Any) -> Obj:
    return {"metadata": {"namespace": "default", "name": name, "creationTimestamp": created},
            "spec": {"rules": rules, **spec}}


def rule(host: str, *paths: tuple[str, str, Obj]) -> Obj:
    r: Obj = {"http": {"paths": [{"path": p, "pathType": t, "backend": b}
                                 for p, t, b in paths]}}
    if host:
        r["host"] = host
    return r


SETTINGS = Settings(prefix="/tmp/x", http_port=8080, https_port=8443, bind_address="127.0.0.1")
SERVICES = [svc("web", [{"port": 80, "name": "http"}]), svc("api", [{"port": 81}]),
            svc("empty", [{"port": 80}])]
SLICES = [eps("web", 9000, ["10.0.0.1", "10.0.0.2"], name="http"),
          eps("api", 9001, ["10.0.0.3"]), eps("api", 9002, ["10.0.0.4"], ready=False)]


def server_block(text: str, name: str) -> str:
    start = text.rindex("  server {", 0, text.index(f"server_name {name};"))
    return text[start:text.index("\n  }", start)]


def test_location_keys_follow_kubernetes_path_types() -> None:
    assert location_keys("/foo", "Exact") == [("=", "/foo")]
    assert location_keys("/foo", "Prefix") == [("=", "/foo"), ("", "/foo/")]
    assert location_keys("/foo/", "Prefix") == [("=", "/foo"), ("", "/foo/")]
    assert location_keys("/", "Prefix") == [("", "/")]
    assert location_keys("/foo", "ImplementationSpecific") == [("", "/foo")]


def test_wildcard_host_matches_one_label() -> None:
    assert server_name("Web.Example.com") == '"web.example.com"'
    assert server_name("*.example.com") == '"~^[^.]+\\\\.example\\\\.com$"'


def test_hosts_paths_and_upstreams() -> None:
    r = render([ing("a", [rule("web.test", ("/", "Prefix", backend("web", port_name="http")),
                               ("/api", "Prefix", backend("api", 81)),
                               ("/exact", "Exact", backend("api", 81)))])],
               SERVICES, SLICES, [], SETTINGS)
    text = r.text
    assert "upstream default_web_80 {\n    server 10.0.0.1:9000;\n    server 10.0.0.2:9000;" \
        in text
    assert "upstream default_api_81 {\n    server 10.0.0.3:9001;\n    keepalive 16;\n  }" \
        in text  # not ready: left out
    block = server_block(text, '"web.test"')
    assert 'location = "/api" { proxy_pass http://default_api_81; }' in block
    assert 'location "/api/" { proxy_pass http://default_api_81; }' in block
    assert 'location = "/exact" { proxy_pass http://default_api_81; }' in block
    assert 'location "/" { proxy_pass http://default_web_80; }' in block
    assert "listen 127.0.0.1:8080;" in block and "listen 127.0.0.1:8443 ssl;" in block
    default = server_block(text, "_")
    assert "location / { return 404; }" in default
    assert [i["metadata"]["name"] for i in r.served] == ["a"]


def test_no_endpoints_or_no_service_is_503_and_exact_wins() -> None:
    r = render([ing("a", [rule("h", ("/x", "Prefix", backend("empty", 80)),
                               ("/y", "Prefix", backend("missing", 80)))]),
                ing("b", [rule("h", ("/x", "Exact", backend("web", port_name="http")))],
                    created="2026-02-01T00:00:00Z")], SERVICES, SLICES, [], SETTINGS)
    block = server_block(r.text, '"h"')
    assert 'location "/x/" { return 503; }' in block
    assert 'location "/y/" { return 503; }' in block
    assert 'location = "/x" { proxy_pass http://default_web_80; }' in block  # Exact first
    assert block.count('location = "/x"') == 1


def test_older_ingress_wins_a_shared_path() -> None:
    r = render([ing("new", [rule("h", ("/", "Prefix", backend("api", 81)))],
                    created="2026-03-01T00:00:00Z"),
                ing("old", [rule("h", ("/", "Prefix", backend("web", 80)))])],
               SERVICES, SLICES, [], SETTINGS)
    assert 'location "/" { proxy_pass http://default_web_80; }' in server_block(r.text, '"h"')


def test_default_backend_for_unmatched_hosts_and_paths() -> None:
    r = render([ing("a", [rule("h", ("/app", "Prefix", backend("api", 81)))],
                    defaultBackend=backend("web", 80)),
                ing("b", [rule("", ("/hostless", "Exact", backend("api", 81)))],
                    created="2026-02-01T00:00:00Z")], SERVICES, SLICES, [], SETTINGS)
    default = server_block(r.text, "_")
    assert 'location "/" { proxy_pass http://default_web_80; }' in default
    assert 'location = "/hostless" { proxy_pass http://default_api_81; }' in default
    assert 'location "/" { proxy_pass http://default_web_80; }' in server_block(r.text, '"h"')


def tls_secret(name: str, crt: bytes, key: bytes, type: str = "kubernetes.io/tls") -> Obj:
    return {"metadata": {"namespace": "default", "name": name}, "type": type,
            "data": {"tls.crt": base64.b64encode(crt).decode(),
                     "tls.key": base64.b64encode(key).decode()}}


def test_tls_secret_becomes_a_cert_file(tmp_path: Path) -> None:
    default_certificate(tmp_path / "one.pem")
    default_certificate(tmp_path / "two.pem")
    one = (tmp_path / "one.pem").read_bytes().split(b"-----BEGIN PRIVATE KEY")
    two = (tmp_path / "two.pem").read_bytes().split(b"-----BEGIN PRIVATE KEY")
    crt, key = one[0], b"-----BEGIN PRIVATE KEY" + one[1]
    secrets = [tls_secret("tls", crt, key), tls_secret("opaque", crt, key, type="Opaque"),
               tls_secret("junk", b"CERT", b"KEY"),
               tls_secret("mismatch", crt, b"-----BEGIN PRIVATE KEY" + two[1])]
    hosts = ["s.test", "o.test", "j.test", "m.test"]
    r = render([ing("a", [rule(h, ("/", "Prefix", backend("web", 80))) for h in hosts],
                    tls=[{"hosts": [h], "secretName": s["metadata"]["name"]}
                         for h, s in zip(hosts, secrets, strict=True)])],
               SERVICES, SLICES, secrets, SETTINGS)
    [(name, pem)] = r.certs.items()
    assert name.startswith("default-tls-") and pem == crt.rstrip(b"\n") + b"\n" + key
    assert f'ssl_certificate "certs/{name}";' in server_block(r.text, '"s.test"')
    for h in hosts[1:]:
        assert 'ssl_certificate "default.pem";' in server_block(r.text, f'"{h}"')
    problems = [msg for _, msg in r.problems]
    assert len(problems) == 3
    assert "default/opaque is not of type kubernetes.io/tls" in problems[0]
    assert "default/junk holds no PEM certificate" in problems[1]
    assert "default/mismatch holds a key that does not match" in problems[2]


def test_strings_are_quoted() -> None:
    r = render([ing("a", [rule('evil"; return 200; #', ('/a"b', "Exact", backend("web", 80)))])],
               SERVICES, SLICES, [], SETTINGS)
    assert 'server_name "evil\\"; return 200; #";' in r.text
    assert 'location = "/a\\"b"' in r.text


def test_only_our_classes() -> None:
    classes: list[Obj] = [{"metadata": {"name": "ours"}, "spec": {"controller": CONTROLLER}},
               {"metadata": {"name": "theirs", "annotations": {DEFAULT_CLASS: "true"}},
                "spec": {"controller": "example.com/other"}}]
    a = ing("a", [], ingressClassName="ours")
    b = ing("b", [], ingressClassName="theirs")
    c = ing("c", [])
    assert ours([a, b, c], classes) == [a]
    classes[0]["metadata"]["annotations"] = {DEFAULT_CLASS: "true"}
    assert ours([a, b, c], classes) == [a, c]


@pytest.mark.skipif(shutil.which("nginx", path="/usr/sbin:/usr/bin") is None,
                    reason="nginx is not installed (scripts/setup installs it as root)")
def test_rendered_config_passes_nginx_t(tmp_path: Path) -> None:
    default_certificate(tmp_path / "default.pem")
    assert (tmp_path / "default.pem").stat().st_mode & 0o777 == 0o600
    settings = Settings(prefix=str(tmp_path), http_port=18080, https_port=18443,
                        bind_address="127.0.0.1")
    r = render([ing("a", [rule("*.w.test", ("/p", "Prefix", backend("web", 80)),
                               ("/e", "Exact", backend("empty", 80)),
                               ("/i", "ImplementationSpecific", backend("api", 81)))],
                    defaultBackend=backend("web", 80))], SERVICES, SLICES, [], settings)
    conf = tmp_path / "nginx.conf"
    conf.write_text(r.text)
    nginx = shutil.which("nginx", path="/usr/sbin:/usr/bin")
    assert nginx is not None
    out = subprocess.run([nginx, "-t", "-c", str(conf), "-p", f"{tmp_path}/"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
