"""ClientConfig from kubeconfig files: embedded data, file paths, tokens, contexts."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import pytest
import yaml

from pyk8s.client import ClientConfig, ConfigError
from tests.support import Server


def write(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(doc))
    return path


def test_real_server_kubeconfig(server: Server) -> None:
    cfg = ClientConfig.from_kubeconfig(server.kubeconfig)
    assert cfg.server == server.url
    assert cfg.ca_data and cfg.ca_data.startswith(b"-----BEGIN CERTIFICATE-----")
    assert cfg.client_cert_data and cfg.client_key_data and cfg.token is None
    ctx = cfg.ssl_context()
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname


def test_files_tokens_and_named_contexts(tmp_path: Path, server: Server) -> None:
    real = ClientConfig.from_kubeconfig(server.kubeconfig)
    assert real.ca_data is not None
    (tmp_path / "ca.crt").write_bytes(real.ca_data)
    (tmp_path / "token").write_text("s3cret\n")
    doc: dict[str, Any] = {
        "clusters": [
            {"name": "files", "cluster": {"server": "https://10.0.0.1:6443/",
                                          "certificate-authority": "ca.crt"}},
            {"name": "insecure", "cluster": {"server": "https://x:1",
                                             "insecure-skip-tls-verify": True}},
        ],
        "users": [{"name": "t", "user": {"tokenFile": "token"}},
                  {"name": "inline", "user": {"token": "abc"}}],
        "contexts": [{"name": "a", "context": {"cluster": "files", "user": "t"}},
                     {"name": "b", "context": {"cluster": "insecure", "user": "inline"}}],
        "current-context": "a",
    }
    path = write(tmp_path / "config", doc)
    a = ClientConfig.from_kubeconfig(path)
    assert (a.server, a.ca_data, a.token) == ("https://10.0.0.1:6443", real.ca_data, "s3cret")
    a.ssl_context()
    b = ClientConfig.from_kubeconfig(path, context="b")
    assert (b.token, b.insecure_skip_tls_verify) == ("abc", True)
    assert b.ssl_context().verify_mode == ssl.CERT_NONE
    with pytest.raises(ConfigError, match="no entry named 'c'"):
        ClientConfig.from_kubeconfig(path, context="c")
    doc.pop("current-context")
    with pytest.raises(ConfigError, match="no current-context"):
        ClientConfig.from_kubeconfig(write(tmp_path / "config2", doc))


def test_certificate_without_key_is_an_error(server: Server) -> None:
    real = ClientConfig.from_kubeconfig(server.kubeconfig)
    cfg = ClientConfig(real.server, real.ca_data, real.client_cert_data)
    with pytest.raises(ConfigError):
        cfg.ssl_context()
