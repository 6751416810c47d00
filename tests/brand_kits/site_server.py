"""Real local websites for brand-import tests: three company sites and a trap server.

`serve_sites()` serves each folder of `tests/brand_kits/sites/` (coffee, saas, travel) from its
own ThreadingHTTPServer on 127.0.0.1 and an ephemeral port; `serve_trap()` serves the routes the
limit tests need (a 10 MB page, a drip-feed, 10,000 images, redirects to private addresses, a
logo over 5 MiB) and counts every request it receives. Importable from any test package:

    from tests.brand_kits.site_server import serve_sites
    with serve_sites() as sites:
        sites["coffee"]  # "http://127.0.0.1:PORT/"

Run `python -m tests.brand_kits.site_server` to browse the sites by hand.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from PIL import Image

SITES_DIR = Path(__file__).resolve().parent / "sites"
SITE_NAMES = ("coffee", "saas", "travel")
# Pages that live somewhere else than where a visitor first asks: path → (status, Location).
SITE_REDIRECTS: dict[str, dict[str, tuple[int, str]]] = {
    "travel": {"/": (301, "/en/")},
}
# HTML may say {{ORIGIN}} where a real site would write its own absolute URL (canonical,
# og:image, WordPress links); it is replaced by the scheme and host the request came to.
ORIGIN_PLACEHOLDER = b"{{ORIGIN}}"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
}

MiB = 1024 * 1024
HUGE_PAGE_BYTES = 10 * 1000 * 1000
MANY_IMAGES = 10_000
DRIP_INTERVAL = 0.5


class SiteServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer that counts requests and keeps quiet about hung-up clients."""

    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler], root: Path | None = None) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.root = root
        self.redirects: dict[str, tuple[int, str]] = {}
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._hits: Counter[str] = Counter()
        self._requests: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def record(self, target: str) -> None:
        with self._lock:
            self._hits[urlsplit(target).path] += 1
            self._requests.append(target)

    def hits(self, path: str | None = None) -> int:
        """Requests received for `path` (without its query), or for any path."""
        with self._lock:
            return self._hits[path] if path is not None else len(self._requests)

    def requests(self) -> list[str]:
        """Every request target received, in order (path and query)."""
        with self._lock:
            return list(self._requests)

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()
            self._requests.clear()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client hanging up on a capped or timed-out response is what the tests expect


class QuietHandler(BaseHTTPRequestHandler):
    server: SiteServer
    server_version = "SiteServer/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def origin(self) -> str:
        host = self.headers.get("Host") or f"127.0.0.1:{self.server.port}"
        return f"http://{host}"

    def send_bytes(self, body: bytes, content_type: str, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "public, max-age=300")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def redirect(self, location: str, status: int = 302) -> None:
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def not_found(self) -> None:
        body = b"<!doctype html><title>Not found</title><h1>404 Not found</h1>"
        self.send_bytes(body, "text/html; charset=utf-8", status=404)

    def send_file(self, path: Path) -> None:
        body = path.read_bytes()
        content_type = CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
        if content_type.startswith("text/html"):
            body = body.replace(ORIGIN_PLACEHOLDER, self.origin().encode())
        self.send_bytes(body, content_type)


class StaticSiteHandler(QuietHandler):
    """Serves one site folder: index.html for a directory, the site's redirects, 404s."""

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        self.server.record(self.path)
        path = unquote(urlsplit(self.path).path)
        if path in self.server.redirects:
            status, location = self.server.redirects[path]
            self.redirect(location, status)
            return
        file = self.resolve(path)
        if file is None:
            self.not_found()
        elif file.is_dir():
            self.redirect(path + "/", 301)  # as static servers do for /en → /en/
        else:
            self.send_file(file)

    def resolve(self, path: str) -> Path | None:
        """The file (or directory lacking its slash) for a URL path, never outside the root."""
        assert self.server.root is not None
        root = self.server.root
        candidate = (root / path.lstrip("/")).resolve()
        if candidate != root and root not in candidate.parents:
            return None
        if candidate.is_dir():
            if not path.endswith("/"):
                return candidate
            candidate = candidate / "index.html"
        return candidate if candidate.is_file() else None


class TrapHandler(QuietHandler):
    """Routes that misbehave on purpose, for the limit tests (see `_trap_index`)."""

    def do_GET(self) -> None:
        self.server.record(self.path)
        parts = urlsplit(self.path)
        path = parts.path
        if path == "/":
            self.send_bytes(_trap_index(), "text/html; charset=utf-8")
        elif path == "/huge":
            self.stream_huge_page()
        elif path == "/huge-declared":
            self.send_bytes(_huge_page(), "text/html; charset=utf-8")
        elif path == "/slow":
            self.drip()
        elif path == "/many-images":
            self.send_bytes(_many_images_page(), "text/html; charset=utf-8")
        elif path.startswith("/img/"):
            self.send_bytes(_tiny_photo(), "image/jpeg")
        elif path == "/gallery-logo.png":
            self.send_file(SITES_DIR / "trap" / "gallery-logo.png")
        elif path == "/to-private":
            self.redirect("http://10.0.0.1/")
        elif path == "/to":
            self.redirect(parse_qs(parts.query).get("url", ["/"])[0])
        elif path == "/huge-logo-page":
            self.send_bytes(_huge_logo_page("/logo-huge.png"), "text/html; charset=utf-8")
        elif path == "/huge-logo-page/streamed":
            page = _huge_logo_page("/logo-huge-streamed.png")
            self.send_bytes(page, "text/html; charset=utf-8")
        elif path == "/private-logo-page":
            page = _huge_logo_page("http://169.254.169.254/latest/logo.png")
            self.send_bytes(page, "text/html; charset=utf-8")
        elif path == "/logo-huge.png":
            self.send_bytes(huge_png(), "image/png")
        elif path == "/logo-huge-streamed.png":
            self.stream(huge_png(), "image/png")
        else:
            self.not_found()

    def stream(self, body: bytes, content_type: str) -> None:
        """Send `body` without a Content-Length, closing the connection at its end."""
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Connection", "close")
        self.end_headers()
        for start in range(0, len(body), 64 * 1024):
            if self.server.stopping.is_set():
                return
            self.wfile.write(body[start : start + 64 * 1024])

    def stream_huge_page(self) -> None:
        self.stream(_huge_page(), "text/html; charset=utf-8")

    def drip(self) -> None:
        """A page that never ends: one byte every DRIP_INTERVAL until the client goes away."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Connection", "close")
        self.end_headers()
        start = b"<!doctype html><html><head><title>Still loading"
        sent = 0
        while not self.server.stopping.is_set():
            byte = start[sent : sent + 1] or b"."
            self.wfile.write(byte)  # raises BrokenPipe/ConnectionReset once the client is gone
            self.wfile.flush()
            sent += 1
            time.sleep(DRIP_INTERVAL)


_cache: dict[str, bytes] = {}
_cache_lock = threading.Lock()


def _cached(name: str, make: Any) -> bytes:
    with _cache_lock:
        if name not in _cache:
            _cache[name] = make()
        return _cache[name]


def _trap_index() -> bytes:
    return (
        b"<!doctype html><html><head><title>Trap</title></head><body><ul>"
        b"<li>/huge /huge-declared /slow /many-images /to-private /to?url="
        b"<li>/huge-logo-page /huge-logo-page/streamed /logo-huge.png /private-logo-page"
        b"</ul></body></html>"
    )


def _huge_page() -> bytes:
    def make() -> bytes:
        head = b"<!doctype html><html><head><title>Huge</title></head><body>"
        paragraph = b"<p>" + b"All work and no play makes a very long page. " * 20 + b"</p>\n"
        count = (HUGE_PAGE_BYTES - len(head)) // len(paragraph) + 1
        return head + paragraph * count + b"</body></html>"

    return _cached("huge", make)


def _many_images_page() -> bytes:
    """A valid gallery page: one real logo in the header, then 10,000 photos."""

    def make() -> bytes:
        lines = [
            "<!doctype html>",
            '<html lang="en"><head><meta charset="utf-8">',
            "<title>Gallery Co — every photo we ever took</title>",
            '<meta property="og:site_name" content="Gallery Co">',
            "</head><body>",
            '<header class="site-header"><a class="logo" href="/">',
            '<img src="/gallery-logo.png" alt="Gallery Co logo" width="200" height="80">',
            "</a><nav><a href='/about'>About</a></nav></header>",
            "<main><h1>The archive</h1><div class='grid'>",
        ]
        for n in range(MANY_IMAGES):
            digest = hashlib.sha256(str(n).encode()).hexdigest()[:10]
            lines.append(
                f'<figure><img src="/img/{n:05d}-{digest}.jpg" alt="Photo {n}" '
                f'width="300" height="200" loading="lazy"></figure>'
            )
        lines.append("</div></main><footer>© Gallery Co</footer></body></html>")
        return "\n".join(lines).encode()

    return _cached("many-images", make)


def _tiny_photo() -> bytes:
    def make() -> bytes:
        out = io.BytesIO()
        Image.new("RGB", (12, 8), (90, 120, 150)).save(out, "JPEG", quality=70)
        return out.getvalue()

    return _cached("tiny-photo", make)


def _huge_logo_page(logo: str) -> bytes:
    """Bigco's page: its header logo is `logo`, its apple-touch-icon a small, good PNG."""
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>Bigco</title>"
        "<link rel='apple-touch-icon' href='/gallery-logo.png'>"
        "</head><body><header><a class='logo' href='/'>"
        f"<img src='{logo}' alt='Bigco logo'></a></header>"
        "<main><h1>Bigco</h1><p>We make big things.</p></main></body></html>"
    ).encode()


def huge_png() -> bytes:
    """A valid PNG of noise, over 5 MiB (and under the 10 MiB an Asset may hold)."""

    def make() -> bytes:
        side = 1400  # 1400 × 1400 × 3 bytes of noise do not compress: ~5.9 MB
        img = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
        out = io.BytesIO()
        img.save(out, "PNG", compress_level=1)
        data = out.getvalue()
        assert 5 * MiB < len(data) < 10 * MiB, len(data)
        return data

    return _cached("huge-png", make)


@contextmanager
def _running(httpd: SiteServer) -> Iterator[SiteServer]:
    thread = threading.Thread(target=httpd.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.stopping.set()
        httpd.shutdown()
        httpd.server_close()


def site_server(name: str) -> SiteServer:
    """A (not yet started) server for one folder of `sites/`."""
    httpd = SiteServer(StaticSiteHandler, root=SITES_DIR / name)
    httpd.redirects = dict(SITE_REDIRECTS.get(name, {}))
    return httpd


@contextmanager
def serve_sites(names: tuple[str, ...] = SITE_NAMES) -> Iterator[dict[str, str]]:
    """Serve each site on its own port; yields {"coffee": "http://127.0.0.1:PORT/", …}."""
    with ExitStack() as stack:
        yield {name: stack.enter_context(_running(site_server(name))).url for name in names}


@contextmanager
def serve_trap() -> Iterator[SiteServer]:
    """Serve the trap routes; the yielded server counts requests (`hits`, `reset`)."""
    with _running(SiteServer(TrapHandler)) as httpd:
        yield httpd


if __name__ == "__main__":
    with serve_sites() as sites, serve_trap() as trap:
        for name, url in {**sites, "trap": trap.url}.items():
            print(f"{name:>7}: {url}")
        with suppress(KeyboardInterrupt):
            threading.Event().wait()
