"""The fetch client over real TLS: a local HTTPS server with a certificate from a test CA.

The client pins the connection to the checked address but verifies the certificate, and sends
SNI, for the host name of the URL; a certificate nobody vouches for, or one for another name,
fails the fetch.
"""

from __future__ import annotations

import datetime
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from segmentflow.fetching import FetchFailed, fetch
from tests.api.test_fetching import fake_resolver

HOST = "site.test"  # the fake resolver maps it to 127.0.0.1


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(
    subject: str, issuer: str, key: Any, signer: Any, *, ca: bool, dns: str | None = None
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        ).add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    else:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(dns or subject)]), critical=False
        ).add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()),
            critical=False,
        )
    return builder.sign(signer, hashes.SHA256())


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


class Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = f"<title>Secure</title>{self.headers['Host']}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _certificate("SegmentFlow test CA", "SegmentFlow test CA", key, key, ca=True)
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    path.write_bytes(_pem(cert))
    return path, key, cert


def _serve(tmp_path: Path, ca: tuple[Path, Any, x509.Certificate], dns: str) -> Iterator[int]:
    _, ca_key, ca_cert = ca
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _certificate(dns, "SegmentFlow test CA", key, ca_key, ca=False, dns=dns)
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(_pem(cert) + _pem(ca_cert))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def https_port(tmp_path: Path, ca: tuple[Path, Any, x509.Certificate]) -> Iterator[int]:
    yield from _serve(tmp_path, ca, HOST)


@pytest.fixture
def wrong_name_port(tmp_path: Path, ca: tuple[Path, Any, x509.Certificate]) -> Iterator[int]:
    yield from _serve(tmp_path, ca, "other.test")


@pytest.fixture
def allow_site(settings: Any) -> None:
    settings.SEGMENTFLOW_FETCH_ALLOW = [HOST]


def test_it_fetches_over_tls_from_a_trusted_certificate(
    https_port: int,
    ca: tuple[Path, Any, x509.Certificate],
    allow_site: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # OpenSSL reads SSL_CERT_FILE each time a default context loads its trust store.
    monkeypatch.setenv("SSL_CERT_FILE", str(ca[0]))
    result = fetch(f"https://{HOST}:{https_port}/", max_bytes=1024, resolver=fake_resolver)
    assert result.status == 200
    assert result.body == f"<title>Secure</title>{HOST}:{https_port}".encode()


def test_a_certificate_from_an_unknown_authority_fails_the_fetch(
    https_port: int, allow_site: None
) -> None:
    with pytest.raises(FetchFailed, match=f"TLS certificate of {HOST} is not valid"):
        fetch(f"https://{HOST}:{https_port}/", max_bytes=1024, resolver=fake_resolver)


def test_a_certificate_for_another_name_fails_the_fetch(
    wrong_name_port: int,
    ca: tuple[Path, Any, x509.Certificate],
    allow_site: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(ca[0]))
    with pytest.raises(FetchFailed, match="not valid.*(mismatch|match)"):
        fetch(f"https://{HOST}:{wrong_name_port}/", max_bytes=1024, resolver=fake_resolver)
