"""The SSRF-safe fetcher against refused URLs and a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from segmentflow.fetching import FetchFailed, FetchRefused, check_url, fetch

MiB = 1024 * 1024

# Names the tests resolve themselves; nothing here ever reaches a real DNS server.
FAKE_DNS = {
    "site.test": "127.0.0.1",
    "brand.example.com": "127.0.0.1",
    "evil.example.com": "10.0.0.1",
}


def fake_resolver(host: str, port: int, **kwargs: Any) -> list[tuple[Any, ...]]:
    if host not in FAKE_DNS:
        raise socket.gaierror(socket.EAI_NONAME, f"unknown test host {host}")
    return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (FAKE_DNS[host], port))]


class FixtureSite(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        path = self.path
        if path == "/":
            self.send_body(b"<html><title>Acme</title></html>")
        elif path.startswith("/hop/"):
            left = int(path.removeprefix("/hop/"))
            self.redirect("/" if left == 0 else f"/hop/{left - 1}")
        elif path.startswith("/to?"):
            self.redirect(path.removeprefix("/to?"))
        elif path == "/big":
            self.send_body(b"x" * (10 * MiB))
        elif path == "/big-chunked":
            self.send_chunked(b"x" * (10 * MiB))
        elif path == "/drip":
            self.drip()
        else:
            self.send_error(404)

    def send_body(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_chunked(self, body: bytes) -> None:
        self.protocol_version = "HTTP/1.1"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        for start in range(0, len(body), 64 * 1024):
            piece = body[start : start + 64 * 1024]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        self.wfile.write(b"0\r\n\r\n")

    def redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def drip(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        for _ in range(40):
            self.wfile.write(b"x")
            self.wfile.flush()
            time.sleep(0.5)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the client hanging up on a capped or timed-out response is expected


@pytest.fixture
def server() -> Iterator[QuietServer]:
    httpd = QuietServer(("127.0.0.1", 0), FixtureSite)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Every address the code under test connects to; anything but 127.0.0.1 fails the test."""
    made: list[Any] = []
    real_connect = socket.socket.connect

    def guarded_connect(sock: socket.socket, address: Any) -> None:
        made.append(address)
        assert address[0] == "127.0.0.1", f"tried to connect to {address}"
        real_connect(sock, address)

    def refused_create_connection(address: Any, *args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"create_connection({address}) bypasses the checked address")

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect)
    monkeypatch.setattr(socket, "create_connection", refused_create_connection)
    yield made


@pytest.fixture
def allow_site(settings: Any) -> None:
    # A host name entry: site.test (→ 127.0.0.1) on any port, but not 127.0.0.1 itself.
    settings.SEGMENTFLOW_FETCH_ALLOW = ["site.test"]


def site_url(server: QuietServer, path: str = "/") -> str:
    return f"http://site.test:{server.server_address[1]}{path}"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost/",
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://100.100.100.200/",
        "http://[fd00:ec2::254]/",
        "http://0.0.0.0/",
        "http://[2002:7f00:1::]/",
        "file:///etc/passwd",
        "gopher://example.com/",
        "http://brand.example.com/",
        "http://user:secret@brand.example.com/",
        "http://example.com:8080/",
    ],
)
def test_it_refuses_an_unsafe_url_without_connecting(url: str, connections: list[Any]) -> None:
    with pytest.raises(FetchRefused) as refused:
        fetch(url, max_bytes=MiB, resolver=fake_resolver)
    assert refused.value.code == "url_not_allowed"
    assert connections == []


@pytest.mark.parametrize("host", ["2130706433", "0x7f.1", "0177.0.0.1", "127.1", "0x7f000001"])
def test_check_url_reads_odd_ipv4_forms_as_the_resolver_does(host: str, settings: Any) -> None:
    settings.SEGMENTFLOW_FETCH_ALLOW = ["127.0.0.0/8"]
    target = check_url(f"http://{host}:8000/")
    assert str(target.ip) == "127.0.0.1"
    assert target.host_header == "127.0.0.1:8000"


def test_check_url_names_the_loopback_address_it_refuses() -> None:
    with pytest.raises(FetchRefused, match=r"127\.0\.0\.1 is a loopback address"):
        check_url("http://0x7f.1/")


def test_it_refuses_a_public_looking_name_resolving_to_loopback(connections: list[Any]) -> None:
    with pytest.raises(FetchRefused, match=r"brand\.example\.com resolves to 127\.0\.0\.1"):
        fetch("http://brand.example.com/", max_bytes=MiB, resolver=fake_resolver)
    assert connections == []


def test_it_fetches_a_page_from_an_allowed_host(
    server: QuietServer, allow_site: None, connections: list[Any]
) -> None:
    result = fetch(site_url(server), max_bytes=MiB, resolver=fake_resolver)
    assert result.status == 200
    assert result.body == b"<html><title>Acme</title></html>"
    assert result.content_type.startswith("text/html")
    assert result.redirects == []
    # The socket went to the checked address; the name only travelled in the Host header.
    assert connections == [("127.0.0.1", server.server_address[1])]


def test_it_fetches_from_an_allowed_network(
    server: QuietServer, settings: Any, connections: list[Any]
) -> None:
    settings.SEGMENTFLOW_FETCH_ALLOW = ["127.0.0.1/32"]
    result = fetch(f"http://127.0.0.1:{server.server_address[1]}/", max_bytes=MiB)
    assert result.body.startswith(b"<html>")


def test_it_follows_five_redirects_on_the_allowed_host(
    server: QuietServer, allow_site: None, connections: list[Any]
) -> None:
    result = fetch(site_url(server, "/hop/4"), max_bytes=MiB, resolver=fake_resolver)
    assert result.status == 200
    assert result.url == site_url(server, "/")
    assert result.redirects == [
        site_url(server, p) for p in ["/hop/3", "/hop/2", "/hop/1", "/hop/0", "/"]
    ]
    assert len(connections) == 6


def test_it_fails_after_more_than_five_redirects(
    server: QuietServer, allow_site: None, connections: list[Any]
) -> None:
    with pytest.raises(FetchFailed, match="more than 5 redirects"):
        fetch(site_url(server, "/hop/5"), max_bytes=MiB, resolver=fake_resolver)
    assert len(connections) == 6


@pytest.mark.parametrize(
    "location",
    [
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1/",
        "http://[::1]/",
        "http://evil.example.com/",
        "file:///etc/passwd",
    ],
)
def test_it_refuses_a_redirect_to_a_private_address(
    server: QuietServer, allow_site: None, connections: list[Any], location: str
) -> None:
    with pytest.raises(FetchRefused):
        fetch(site_url(server, f"/to?{location}"), max_bytes=MiB, resolver=fake_resolver)
    assert connections == [("127.0.0.1", server.server_address[1])]


def test_it_refuses_a_redirect_to_another_port_of_the_loopback_address(
    server: QuietServer, allow_site: None, connections: list[Any]
) -> None:
    other = f"http://127.0.0.1:{server.server_address[1]}/"
    with pytest.raises(FetchRefused, match="only port 80"):
        fetch(site_url(server, f"/to?{other}"), max_bytes=MiB, resolver=fake_resolver)
    assert len(connections) == 1


def test_an_allowed_network_does_not_cover_other_addresses(
    server: QuietServer, settings: Any, connections: list[Any]
) -> None:
    settings.SEGMENTFLOW_FETCH_ALLOW = ["127.0.0.1/32"]
    start = f"http://127.0.0.1:{server.server_address[1]}/to?"
    for location in ["http://[::1]/", "http://evil.example.com/"]:
        with pytest.raises(FetchRefused):
            fetch(start + location, max_bytes=MiB, resolver=fake_resolver)
    assert len(connections) == 2


def test_it_refuses_a_body_over_the_limit_by_its_content_length(
    server: QuietServer, allow_site: None
) -> None:
    started = time.monotonic()
    with pytest.raises(FetchFailed, match=r"10 MiB, over the 2 MiB limit"):
        fetch(site_url(server, "/big"), max_bytes=2 * MiB, resolver=fake_resolver)
    assert time.monotonic() - started < 2


def test_it_stops_reading_a_chunked_body_over_the_limit(
    server: QuietServer, allow_site: None
) -> None:
    started = time.monotonic()
    with pytest.raises(FetchFailed, match=r"larger than 2 MiB"):
        fetch(site_url(server, "/big-chunked"), max_bytes=2 * MiB, resolver=fake_resolver)
    assert time.monotonic() - started < 2


def test_a_slow_drip_server_ends_at_the_deadline(server: QuietServer, allow_site: None) -> None:
    started = time.monotonic()
    with pytest.raises(FetchFailed, match="timed out after 2 s"):
        fetch(site_url(server, "/drip"), max_bytes=MiB, timeout=2, resolver=fake_resolver)
    assert 1.9 < time.monotonic() - started < 3


def test_a_missing_page_fails_naming_the_status(server: QuietServer, allow_site: None) -> None:
    with pytest.raises(FetchFailed, match="HTTP 404"):
        fetch(site_url(server, "/missing"), max_bytes=MiB, resolver=fake_resolver)
