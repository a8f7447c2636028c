"""The cluster's certificates and the admin kubeconfig, made on first start.

Like k3s, `pyk8s server` needs no certificate tooling: the first start creates
under `<data-dir>/tls/`

- a cluster CA (`ca.crt`, `ca.key`), which clients trust and which signs the
  rest;
- the API server's serving certificate, valid for loopback, the bind address,
  the host name and the in-cluster names of the `kubernetes` Service;
- an admin client certificate (CN `system:admin`, O `system:masters`: the
  group that Kubernetes authorizes for everything);

and writes `<data-dir>/kubeconfig.yaml` embedding the CA and admin credentials
so that `KUBECONFIG=<data-dir>/kubeconfig.yaml kubectl ...` verifies TLS and
authenticates. Later starts reuse what exists. Keys are ECDSA P-256: fast to
make and to handshake with.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import os
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = datetime.timedelta(days=3650)
KUBERNETES_SERVICE_NAMES = (
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
)


@dataclass(frozen=True)
class PKI:
    dir: Path

    @property
    def ca_cert(self) -> Path:
        return self.dir / "ca.crt"

    @property
    def ca_key(self) -> Path:
        return self.dir / "ca.key"

    @property
    def serving_cert(self) -> Path:
        return self.dir / "serving.crt"

    @property
    def serving_key(self) -> Path:
        return self.dir / "serving.key"

    @property
    def admin_cert(self) -> Path:
        return self.dir / "admin.crt"

    @property
    def admin_key(self) -> Path:
        return self.dir / "admin.key"


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _name(cn: str, org: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if org:
        attrs.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    return x509.Name(attrs)


def _builder(subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey
             ) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
    )


def _load_ca(pki: PKI) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    cert = x509.load_pem_x509_certificate(pki.ca_cert.read_bytes())
    key = serialization.load_pem_private_key(pki.ca_key.read_bytes(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return cert, key


def ensure_ca(pki: PKI) -> None:
    pki.dir.mkdir(parents=True, exist_ok=True)
    if pki.ca_cert.exists() and pki.ca_key.exists():
        return
    key = _new_key()
    name = _name(f"pyk8s-ca@{int(datetime.datetime.now().timestamp())}")
    cert = (
        _builder(name, name, key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, key_cert_sign=True, crl_sign=True,
                content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    _write_key(pki.ca_key, key)
    _write_cert(pki.ca_cert, cert)


def issue_client_cert(pki: PKI, cert_path: Path, key_path: Path, cn: str, org: str | None
                      ) -> None:
    """A client certificate signed by the cluster CA (for users and nodes)."""
    ca_cert, ca_key = _load_ca(pki)
    key = _new_key()
    cert = (
        _builder(_name(cn, org), ca_cert.subject, key.public_key())
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write_key(key_path, key)
    _write_cert(cert_path, cert)


def _serving_names(bind_address: str, extra: list[str]) -> tuple[list[str], list[str]]:
    dns = ["localhost", socket.gethostname(), *KUBERNETES_SERVICE_NAMES]
    ips = ["127.0.0.1", "::1", "10.43.0.1"]
    for value in [bind_address, *extra]:
        try:
            ipaddress.ip_address(value)
        except ValueError:
            dns.append(value)
        else:
            ips.append(value)
    return sorted(set(dns)), sorted(set(ips) - {"0.0.0.0", "::"})


def ensure_serving_cert(pki: PKI, bind_address: str, extra_sans: list[str]) -> None:
    """(Re)issue the serving certificate when missing or lacking a wanted name."""
    dns, ips = _serving_names(bind_address, extra_sans)
    if pki.serving_cert.exists():
        cert = x509.load_pem_x509_certificate(pki.serving_cert.read_bytes())
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        have_dns = set(san.get_values_for_type(x509.DNSName))
        have_ips = {str(i) for i in san.get_values_for_type(x509.IPAddress)}
        if set(dns) <= have_dns and set(ips) <= have_ips:
            return
    ca_cert, ca_key = _load_ca(pki)
    key = _new_key()
    alt_names: list[x509.GeneralName] = [x509.DNSName(d) for d in dns]
    alt_names += [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    cert = (
        _builder(_name("kube-apiserver"), ca_cert.subject, key.public_key())
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write_key(pki.serving_key, key)
    _write_cert(pki.serving_cert, cert)


def ensure_token(path: Path) -> str:
    """A random secret shared with joining nodes (`<data-dir>/node-token`)."""
    if path.exists():
        return path.read_text().strip()
    token = secrets.token_hex(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
    return token


def kubeconfig(pki: PKI, server_url: str) -> str:
    def b64(p: Path) -> str:
        return base64.b64encode(p.read_bytes()).decode()

    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "pyk8s",
                "cluster": {"server": server_url, "certificate-authority-data": b64(pki.ca_cert)},
            }
        ],
        "users": [
            {
                "name": "admin",
                "user": {
                    "client-certificate-data": b64(pki.admin_cert),
                    "client-key-data": b64(pki.admin_key),
                },
            }
        ],
        "contexts": [
            {"name": "pyk8s", "context": {"cluster": "pyk8s", "user": "admin"}}
        ],
        "current-context": "pyk8s",
        "preferences": {},
    }
    return yaml.safe_dump(doc, sort_keys=False)


def ensure_all(data_dir: Path, bind_address: str, server_url: str,
               extra_sans: list[str]) -> PKI:
    """Create whatever is missing; always rewrite the kubeconfig."""
    pki = PKI(data_dir / "tls")
    ensure_ca(pki)
    ensure_serving_cert(pki, bind_address, extra_sans)
    if not (pki.admin_cert.exists() and pki.admin_key.exists()):
        issue_client_cert(pki, pki.admin_cert, pki.admin_key, "system:admin", "system:masters")
    path = data_dir / "kubeconfig.yaml"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(kubeconfig(pki, server_url))
    return pki
