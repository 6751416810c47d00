"""Fixtures for brand import tests: the local websites, the trap server and a fake DNS."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from apps.brand_kits.actions import create_brand_kit
from apps.brand_kits.extraction.actions import start_extraction
from apps.brand_kits.models import BrandExtraction, BrandKit
from tests.factories import make_org
from tests.tasks import drain_tasks

from .site_server import SiteServer, serve_sites, serve_trap


@pytest.fixture(scope="session")
def brand_sites() -> Iterator[dict[str, str]]:
    """{"coffee": "http://127.0.0.1:PORT/", "saas": …, "travel": …}, for the whole run."""
    with serve_sites() as sites:
        yield sites


@pytest.fixture(scope="session")
def _trap_server() -> Iterator[SiteServer]:
    with serve_trap() as server:
        yield server


@pytest.fixture
def trap(_trap_server: SiteServer) -> SiteServer:
    """The trap server, its request counts starting from zero for this test."""
    _trap_server.reset()
    return _trap_server


class FakeDNS:
    """A resolver for `fetching.DEFAULT_RESOLVER`: known names only, and every lookup kept."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self.lookups: list[str] = []

    def __call__(self, host: str, port: int, **kwargs: Any) -> list[tuple[Any, ...]]:
        self.lookups.append(host)
        if host not in self.names:
            raise socket.gaierror(socket.EAI_NONAME, f"unknown test host {host}")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (self.names[host], port))]


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> FakeDNS:
    """Nothing reaches a real DNS server: fonts.googleapis.com and friends do not resolve, and a
    test adds the names it needs (`fake_dns.names["brand.example.com"] = "127.0.0.1"`)."""
    dns = FakeDNS({})
    monkeypatch.setattr("segmentflow.fetching.DEFAULT_RESOLVER", dns)
    return dns


@pytest.fixture
def kit(db: None) -> BrandKit:
    """Acme's default Brand Kit, empty but for its name."""
    return create_brand_kit(make_org("Acme"), name="Acme brand")


@pytest.fixture
def import_brand(
    settings: Any,
    fake_dns: FakeDNS,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> Callable[..., BrandExtraction]:
    """Start an extraction as the API does and run its task now; returns it refreshed.

    127.0.0.1 is allowed (a test that needs the guard to refuse it sets the allow-list again),
    every fetch times out after 2 s, and assets are stored under the test's tmp_path.
    """
    settings.SEGMENTFLOW_FETCH_ALLOW = ["127.0.0.1/32"]
    settings.SEGMENTFLOW_FETCH_TIMEOUT = 2
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }

    def run(kit: BrandKit, url: str, *, apply: bool = False) -> BrandExtraction:
        with django_capture_on_commit_callbacks(execute=True):
            extraction = start_extraction(kit, url, apply=apply)
        assert drain_tasks() == 1
        extraction.refresh_from_db()
        return extraction

    return run
