"""The one SSRF-safe HTTP client for every URL a user gives the server (the brand import and
its logos today; webhooks and link checks next). It imports no app.

The host is resolved once, every address is checked, and the socket is opened to the checked
address itself (so a second DNS answer cannot point it elsewhere); redirects are checked again,
bodies are capped and the whole fetch runs against one wall-clock deadline.
"""

from __future__ import annotations

import http.client
import io
import ipaddress
import re
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[..., Sequence[tuple[Any, ...]]]

DEFAULT_PORTS = {"http": 80, "https": 443}
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
# Sent unless the caller names itself (the brand import does).
USER_AGENT = "SegmentFlow (+https://github.com/segmentflow)"
READ_CHUNK = 64 * 1024


def describe_size(size: int) -> str:
    """Bytes as a person reads them: 2 MiB, 512 KiB, 10.5 MiB, 900 bytes."""
    for unit, scale in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def system_resolver(host: str, port: int, **kwargs: Any) -> Sequence[tuple[Any, ...]]:
    return socket.getaddrinfo(host, port, **kwargs)


# What `fetch` resolves with when not given a resolver; tests swap it for a fake DNS.
DEFAULT_RESOLVER: Resolver = system_resolver

_METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack
    ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
}
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
_SHARED_CGNAT = ipaddress.ip_network("100.64.0.0/10")
# NAT64 gateways translate 64:ff9b::a.b.c.d to a.b.c.d, so the embedded address is what counts.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")


class FetchRefused(Exception):
    """The URL or an address it leads to is not one the server may fetch; the message says
    why."""

    code = "url_not_allowed"  # the errorCode of a refusal


class FetchFailed(Exception):
    """The fetch was allowed but did not give a usable response (timeout, size, status…)."""


@dataclass
class FetchResult:
    url: str  # the final URL, after redirects
    status: int
    content_type: str
    body: bytes
    redirects: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ParsedTarget:
    url: str  # normalised, without the fragment
    scheme: str
    host: str  # ASCII host name, or the canonical form of an IP literal
    port: int
    request_target: str  # path and query, percent-encoded, for the request line
    ip: IPAddress | None  # set when the URL names an address rather than a host
    allowed: bool  # SEGMENTFLOW_FETCH_ALLOW lets it skip the address check

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if isinstance(self.ip, ipaddress.IPv6Address) else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def check_url(url: str) -> ParsedTarget:
    """Refuse what is wrong with the URL itself: scheme, port, credentials, bad literal address."""
    if any(ord(char) <= 0x20 or ord(char) == 0x7F for char in url):
        raise FetchRefused("the URL contains spaces or control characters")
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # "Invalid IPv6 URL": an unbalanced [ in the host
        raise FetchRefused(f"not a URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise FetchRefused(f"only http and https URLs can be fetched, not {scheme or 'this'!r}")
    if "@" in parts.netloc or "\\" in parts.netloc:
        raise FetchRefused("URLs with credentials (user:password@) are not allowed")
    if not parts.hostname:
        raise FetchRefused("the URL has no host")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError as exc:
        raise FetchRefused("the URL has an invalid port") from exc

    host, ip = _normalise_host(parts.hostname, bracketed=parts.netloc.find("[") != -1)
    names, networks = _allow_list()
    allowed = host in names or (ip is not None and _in_networks(ip, networks))
    if not allowed:
        if port != DEFAULT_PORTS[scheme]:
            raise FetchRefused(f"only port {DEFAULT_PORTS[scheme]} is allowed for {scheme} URLs")
        if host == "localhost" or host.endswith(".localhost"):
            raise FetchRefused(f"{host} is a loopback host")
        if ip is not None and (reason := address_refusal(ip)):
            raise FetchRefused(f"{ip} is {reason}")

    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    query = quote(parts.query, safe="/?%:@!$&'()*+,;=-._~")
    netloc = f"[{host}]" if isinstance(ip, ipaddress.IPv6Address) else host
    if parts.port is not None:
        netloc = f"{netloc}:{port}"
    return ParsedTarget(
        url=urlunsplit((scheme, netloc, path, query, "")),
        scheme=scheme,
        host=host,
        port=port,
        request_target=f"{path}?{query}" if query else path,
        ip=ip,
        allowed=allowed,
    )


def address_refusal(ip: IPAddress) -> str | None:
    """Why the server must not connect to this address, or None for a public one."""
    if ip in _METADATA_ADDRESSES:
        return "a cloud metadata address"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return "an IPv4-mapped IPv6 address"
        embedded = ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and address_refusal(embedded):
            return f"an IPv6 address embedding {embedded}"
    elif ip in _THIS_NETWORK:
        return "an unspecified (0.0.0.0/8) address"
    elif ip in _SHARED_CGNAT:
        return "a shared (CGNAT 100.64.0.0/10) address"
    for flag, label in (
        ("is_loopback", "a loopback"),
        ("is_unspecified", "an unspecified"),
        ("is_link_local", "a link-local"),
        ("is_multicast", "a multicast"),
        ("is_private", "a private"),
        ("is_reserved", "a reserved"),
    ):
        if getattr(ip, flag):
            return f"{label} address"
    if not ip.is_global:
        return "not a public address"
    return None


def fetch(
    url: str,
    *,
    max_bytes: int,
    timeout: float = 10,
    max_redirects: int = 5,
    accept: str = "text/html,application/xhtml+xml,*/*;q=0.8",
    user_agent: str = USER_AGENT,
    resolver: Resolver | None = None,
) -> FetchResult:
    """GET the URL through the SSRF guard, following at most `max_redirects` redirects.

    Raises FetchRefused for a URL or address that is not allowed (before connecting to it) and
    FetchFailed for timeouts, oversized bodies, too many redirects and non-2xx responses.
    """
    deadline = _Deadline(timeout)
    target = check_url(url)
    redirects: list[str] = []
    while True:
        status, location, content_type, body = _request_once(
            target,
            deadline,
            resolver or DEFAULT_RESOLVER,
            user_agent=user_agent,
            accept=accept,
            max_bytes=max_bytes,
        )
        if status in REDIRECT_STATUSES and location:
            if len(redirects) >= max_redirects:
                raise FetchFailed(f"more than {max_redirects} redirects, the last to {location}")
            target = check_url(urljoin(target.url, location))
            redirects.append(target.url)
            continue
        if not 200 <= status < 300:
            raise FetchFailed(f"{target.url} answered HTTP {status}")
        return FetchResult(target.url, status, content_type, body, redirects)


class _Deadline:
    """One wall-clock budget for the whole fetch, redirects included."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def remaining(self) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            raise FetchFailed(f"timed out after {self.seconds:g} s")
        return left


def _request_once(
    target: ParsedTarget,
    deadline: _Deadline,
    resolver: Resolver,
    *,
    user_agent: str,
    accept: str,
    max_bytes: int,
) -> tuple[int, str, str, bytes]:
    """One request to one checked address: (status, Location, Content-Type, body)."""
    sock = _connect(target, deadline, resolver)
    connection = _PinnedConnection(target, _DeadlineSocket(sock, deadline))
    try:
        connection.putrequest(
            "GET", target.request_target, skip_host=True, skip_accept_encoding=True
        )
        connection.putheader("Host", target.host_header)
        connection.putheader("User-Agent", user_agent)
        connection.putheader("Accept", accept)
        # Ask for no compression, so a small gzip body cannot expand past max_bytes in memory.
        connection.putheader("Accept-Encoding", "identity")
        connection.putheader("Connection", "close")
        connection.endheaders()
        response = connection.getresponse()
        status = response.status
        location = response.getheader("Location", "")
        content_type = response.getheader("Content-Type", "")
        if (status in REDIRECT_STATUSES and location) or not 200 <= status < 300:
            return status, location, content_type, b""
        length = response.getheader("Content-Length", "")
        if length.isdigit() and int(length) > max_bytes:
            raise FetchFailed(
                f"the response is {describe_size(int(length))}, over the {describe_size(max_bytes)}"
                " limit"
            )
        body = bytearray()
        # read1 does at most one recv per call, so the deadline is checked between them.
        while chunk := response.read1(READ_CHUNK):
            body += chunk
            if len(body) > max_bytes:
                raise FetchFailed(f"the response is larger than {describe_size(max_bytes)}")
        encoding = response.getheader("Content-Encoding", "identity").strip().lower()
        return status, location, content_type, _decode(bytes(body), encoding, max_bytes)
    except (FetchFailed, FetchRefused):
        raise
    except TimeoutError as exc:
        raise FetchFailed(f"timed out after {deadline.seconds:g} s") from exc
    except (OSError, http.client.HTTPException) as exc:
        raise FetchFailed(f"could not fetch {target.url}: {exc or type(exc).__name__}") from exc
    finally:
        connection.close()
        sock.close()


def _connect(target: ParsedTarget, deadline: _Deadline, resolver: Resolver) -> socket.socket:
    """Resolve once, check every address, then open the socket to a checked address."""
    addresses = [target.ip] if target.ip is not None else _resolve(target, deadline, resolver)
    if not target.allowed:
        _, networks = _allow_list()
        for ip in addresses:
            if not _in_networks(ip, networks) and (reason := address_refusal(ip)):
                raise FetchRefused(f"{target.host} resolves to {ip}, {reason}")
    error: OSError | None = None
    for ip in addresses:
        family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(deadline.remaining())
            sock.connect((str(ip), target.port))
            if target.scheme == "https":
                context = ssl.create_default_context()
                # SNI and certificate checks use the name from the URL, not the address.
                sock.settimeout(deadline.remaining())
                return context.wrap_socket(sock, server_hostname=target.host)
            return sock
        except ssl.SSLCertVerificationError as exc:
            sock.close()
            raise FetchFailed(f"the TLS certificate of {target.host} is not valid: {exc}") from exc
        except TimeoutError as exc:
            sock.close()
            raise FetchFailed(f"timed out after {deadline.seconds:g} s") from exc
        except OSError as exc:
            sock.close()
            error = exc
        except BaseException:
            sock.close()
            raise
    raise FetchFailed(f"could not connect to {target.host}: {error}")


def _resolve(target: ParsedTarget, deadline: _Deadline, resolver: Resolver) -> list[IPAddress]:
    """The host's addresses, found once; a thread keeps a hung resolver within the deadline."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["infos"] = resolver(target.host, target.port, type=socket.SOCK_STREAM)
        except Exception as exc:  # handed to the caller below
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="fetch-resolve", daemon=True)
    thread.start()
    thread.join(deadline.remaining())
    if thread.is_alive():
        raise FetchFailed(f"timed out resolving {target.host}")
    if "error" in outcome:
        raise FetchFailed(f"could not resolve {target.host}: {outcome['error']}")
    addresses: list[IPAddress] = []
    for family, _type, _proto, _canonname, sockaddr in outcome["infos"]:
        if family in (socket.AF_INET, socket.AF_INET6):
            ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            if ip not in addresses:
                addresses.append(ip)
    if not addresses:
        raise FetchFailed(f"could not resolve {target.host}")
    return addresses


def _normalise_host(hostname: str, *, bracketed: bool) -> tuple[str, IPAddress | None]:
    """The host as the resolver would see it: (ASCII name or canonical address, the address)."""
    if bracketed:
        if "%" in hostname:
            raise FetchRefused("IPv6 zone identifiers are not allowed")
        try:
            ip6 = ipaddress.IPv6Address(hostname)
        except ValueError as exc:
            raise FetchRefused(f"{hostname!r} is not a valid IPv6 address") from exc
        return str(ip6), ip6
    try:
        name = hostname.encode("idna").decode("ascii").lower().rstrip(".")
    except UnicodeError as exc:
        raise FetchRefused(f"{hostname!r} is not a valid host name") from exc
    # Resolvers read 2130706433, 0x7f.1, 0177.0.0.1 and 127.1 as IPv4 (inet_aton), so do we.
    if name and _NUMERIC_LABEL.match(name.rsplit(".", 1)[-1]):
        try:
            ip4 = ipaddress.IPv4Address(socket.inet_aton(name))
        except OSError as exc:
            raise FetchRefused(f"{hostname!r} is not a valid IPv4 address") from exc
        return str(ip4), ip4
    if not name:
        raise FetchRefused("the URL has no host")
    return name, None


def _allow_list() -> tuple[set[str], list[IPNetwork]]:
    """SEGMENTFLOW_FETCH_ALLOW, read at call time: exact host names and networks."""
    names: set[str] = set()
    networks: list[IPNetwork] = []
    for entry in getattr(settings, "SEGMENTFLOW_FETCH_ALLOW", []):
        entry = entry.strip().lower().rstrip(".")
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            names.add(entry)
    return names, networks


def _in_networks(ip: IPAddress, networks: list[IPNetwork]) -> bool:
    return any(ip.version == network.version and ip in network for network in networks)


def _decode(body: bytes, encoding: str, max_bytes: int) -> bytes:
    """Undo a Content-Encoding the server sent anyway, never past max_bytes."""
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise FetchFailed(f"unsupported Content-Encoding {encoding!r}")
    try:
        decoded = zlib.decompressobj(wbits=zlib.MAX_WBITS | 32).decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise FetchFailed(f"could not decode the {encoding} response: {exc}") from exc
    if len(decoded) > max_bytes:
        limit = describe_size(max_bytes)
        raise FetchFailed(f"the response is larger than {limit} once decompressed")
    return decoded


class _DeadlineReader(io.RawIOBase):
    """A socket reader that gives each recv only the time left before the deadline."""

    def __init__(self, sock: socket.socket, deadline: _Deadline) -> None:
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self._sock.settimeout(self._deadline.remaining())
        return self._sock.recv_into(buffer)


class _DeadlineSocket:
    """What http.client needs from a socket (sendall, makefile, close), under the deadline."""

    def __init__(self, sock: socket.socket, deadline: _Deadline) -> None:
        self._sock = sock
        self._deadline = deadline

    def sendall(self, data: bytes) -> None:
        self._sock.settimeout(self._deadline.remaining())
        self._sock.sendall(data)

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))

    def close(self) -> None:
        # http.client closes its socket as soon as a "Connection: close" response starts, while the
        # body is still to be read; _request_once closes the real socket when it is done.
        pass


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTPConnection over a socket already connected to a checked address."""

    def __init__(self, target: ParsedTarget, sock: _DeadlineSocket) -> None:
        super().__init__(target.host, target.port)
        self.sock = sock

    def connect(self) -> None:
        # Reconnecting would resolve the name again; one request per checked connection.
        raise http.client.NotConnected("the connection to the checked address is closed")
