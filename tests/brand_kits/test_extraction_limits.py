"""Brand import against hostile or broken sites: SSRF attempts, huge and slow responses, pages
with thousands of images. Each case must end cleanly, in bounded time, without contacting
anything it should not.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django_tasks_db.models import DBTaskResult

from apps.assets.models import Asset
from apps.brand_kits.extraction.actions import start_extraction
from apps.brand_kits.models import BrandExtraction, BrandKit
from segmentflow.errors import ActionError

from .conftest import FakeDNS
from .site_server import SiteServer

ImportBrand = Callable[..., BrandExtraction]

# A bound that only a stuck job exceeds: every fetch here times out after 2 s.
NOT_STUCK_SECONDS = 30


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Every address the job connects a socket to; only the trap server's port is allowed."""
    made: list[Any] = []
    real_connect = socket.socket.connect

    def recorded_connect(sock: socket.socket, address: Any) -> None:
        made.append(address)
        real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", recorded_connect)
    yield made


# (URL, SEGMENTFLOW_FETCH_ALLOW) pairs that start_extraction must refuse outright; {port} is the
# trap server's, so a URL that slipped through would be counted there.
REFUSED = [
    ("file:///etc/passwd", []),
    ("gopher://127.0.0.1:{port}/", ["127.0.0.1/32"]),
    ("http://127.0.0.1/", []),
    ("http://127.0.0.1:{port}/", []),
    ("http://localhost/", []),
    ("http://localhost:{port}/", []),
    ("http://localhost:{port}/", ["127.0.0.1/32"]),  # a name is not its address
    ("http://10.0.0.1/", []),
    ("http://169.254.169.254/latest/meta-data/", []),
    ("http://100.100.100.200/", []),
    ("http://[::1]/", []),
    ("http://[::1]:{port}/", ["127.0.0.1/32"]),
    ("http://[::ffff:127.0.0.1]/", []),
    ("http://[::ffff:127.0.0.1]:{port}/", []),
    ("http://2130706433/", []),
    ("http://2130706433:{port}/", []),
    ("http://0x7f.1/", []),
    ("http://0x7f.1:{port}/", []),
    ("http://127.1:{port}/", []),
    ("http://user:secret@127.0.0.1:{port}/", ["127.0.0.1/32"]),
]


@pytest.mark.parametrize(
    ("url", "allow"), REFUSED, ids=[f"{url} allow={','.join(allow)}" for url, allow in REFUSED]
)
def test_an_unsafe_url_is_refused_before_anything_is_queued_or_fetched(
    url: str,
    allow: list[str],
    kit: BrandKit,
    trap: SiteServer,
    settings: Any,
    fake_dns: FakeDNS,
    connections: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.SEGMENTFLOW_FETCH_ALLOW = allow
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ActionError) as refused,
    ):
        start_extraction(kit, url.format(port=trap.port))
    assert refused.value.code == "url_not_allowed"
    assert refused.value.field == "url"
    assert callbacks == []
    assert not BrandExtraction.objects.exists()
    assert not DBTaskResult.objects.exists()
    assert (trap.hits(), connections, fake_dns.lookups) == (0, [], [])


def test_a_public_name_that_resolves_to_loopback_fails_without_a_connection(
    kit: BrandKit,
    trap: SiteServer,
    import_brand: ImportBrand,
    settings: Any,
    fake_dns: FakeDNS,
    connections: list[Any],
) -> None:
    settings.SEGMENTFLOW_FETCH_ALLOW = []
    fake_dns.names["brand.example.com"] = "127.0.0.1"
    extraction = import_brand(kit, "http://brand.example.com/")
    assert extraction.status == "failed"
    assert "brand.example.com resolves to 127.0.0.1, a loopback address" in extraction.error
    assert extraction.result is None
    assert extraction.finished_at is not None
    assert fake_dns.lookups == ["brand.example.com"]
    assert (trap.hits(), connections) == (0, [])


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("/to-private", "10.0.0.1 is a private address"),
        ("/to?url=http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("/to?url=http://[::1]/", "::1 is a loopback address"),
        ("/to?url=file:///etc/passwd", "only http and https"),
        ("/to?url=http://evil.example.com/", "evil.example.com resolves to 10.0.0.1"),
    ],
)
def test_a_redirect_from_an_allowed_site_to_a_private_address_fails(
    path: str,
    named: str,
    kit: BrandKit,
    trap: SiteServer,
    import_brand: ImportBrand,
    fake_dns: FakeDNS,
    connections: list[Any],
) -> None:
    fake_dns.names["evil.example.com"] = "10.0.0.1"
    extraction = import_brand(kit, trap.url + path.lstrip("/"))
    assert extraction.status == "failed"
    assert named in extraction.error
    assert "not allowed" in extraction.error
    assert (trap.hits(), trap.hits(urlsplit(path).path)) == (1, 1)
    assert connections == [("127.0.0.1", trap.port)]  # and never the private address


@pytest.mark.parametrize("path", ["/huge", "/huge-declared"])
def test_a_ten_megabyte_page_fails_quickly_without_being_read_whole(
    path: str, kit: BrandKit, trap: SiteServer, import_brand: ImportBrand
) -> None:
    started = time.monotonic()
    extraction = import_brand(kit, trap.url + path.lstrip("/"))
    assert time.monotonic() - started < NOT_STUCK_SECONDS
    assert extraction.status == "failed"
    assert "2 MiB" in extraction.error
    assert extraction.result is None
    assert trap.hits(path) == 1


def test_a_server_that_drips_bytes_forever_fails_at_the_fetch_timeout(
    kit: BrandKit, trap: SiteServer, import_brand: ImportBrand
) -> None:
    started = time.monotonic()
    extraction = import_brand(kit, trap.url + "slow")
    assert time.monotonic() - started < NOT_STUCK_SECONDS
    assert extraction.status == "failed"
    assert "timed out after 2 s" in extraction.error
    assert extraction.finished_at is not None
    assert trap.hits("/slow") == 1


def test_a_page_with_ten_thousand_images_finds_its_logo_with_few_downloads(
    kit: BrandKit, trap: SiteServer, import_brand: ImportBrand
) -> None:
    extraction = import_brand(kit, trap.url + "many-images")
    assert extraction.status == "succeeded", extraction.error
    assert extraction.result is not None
    assert extraction.result["name"] == "Gallery Co"
    primary = extraction.result["logos"][0]
    assert (primary["role"], primary["source"]) == ("primary", "img-logo")
    assert primary["sourceUrl"] == trap.url + "gallery-logo.png"
    logo = Asset.objects.get(pk=primary["assetId"])
    assert (logo.status, logo.content_type, logo.width, logo.height) == (
        "ready",
        "image/png",
        200,
        80,
    )
    assert extraction.result["colors"]["primary"] == "#7c3aed"
    image_requests = [path for path in trap.requests() if path != "/many-images"]
    assert "/gallery-logo.png" in image_requests
    assert len(image_requests) <= 6


@pytest.mark.parametrize("page", ["/huge-logo-page", "/huge-logo-page/streamed"])
def test_a_logo_over_five_megabytes_is_skipped_with_a_note(
    page: str, kit: BrandKit, trap: SiteServer, import_brand: ImportBrand
) -> None:
    extraction = import_brand(kit, trap.url + page.lstrip("/"))
    assert extraction.status == "succeeded", extraction.error
    assert extraction.result is not None
    huge_logo = "logo-huge-streamed.png" if page.endswith("streamed") else "logo-huge.png"
    assert trap.hits(f"/{huge_logo}") == 1
    notes = [note for note in extraction.result["notes"] if huge_logo in note]
    assert len(notes) == 1 and "5 MiB" in notes[0]
    # The apple-touch-icon stands in, and nothing of the huge image was kept.
    assert [logo["sourceUrl"] for logo in extraction.result["logos"]] == [
        trap.url + "gallery-logo.png"
    ]
    assert list(Asset.objects.values_list("filename", flat=True)) == ["gallery-logo.png"]


def test_a_logo_on_a_metadata_address_is_skipped_without_a_connection(
    kit: BrandKit, trap: SiteServer, import_brand: ImportBrand, connections: list[Any]
) -> None:
    extraction = import_brand(kit, trap.url + "private-logo-page")
    assert extraction.status == "succeeded", extraction.error
    assert extraction.result is not None
    assert any("169.254.169.254" in note for note in extraction.result["notes"])
    assert set(connections) == {("127.0.0.1", trap.port)}
