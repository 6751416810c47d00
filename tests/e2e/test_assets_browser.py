"""Assets in a real browser: pick two images (and one that is not), watch them upload to ready
cards with thumbnails, give alt text while one uploads and edit another's inline."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from apps.accounts.models import Organization, User
from apps.assets.models import Asset, AssetStatus
from tests.assets.images import TEXT_FILE, image_bytes
from tests.e2e import PASSWORD

pytestmark = pytest.mark.e2e

LogIn = Callable[[str, str], None]
THUMBNAIL_LOADED = "id => { const img = document.querySelector(`[id='${id}'] img`);"
THUMBNAIL_LOADED += " return !!img && img.complete && img.naturalWidth > 0; }"


@pytest.fixture
def local_media(settings: Settings, live_server: LiveServer, tmp_path: Path) -> Path:
    """Files on local disk, and upload and image URLs on the live server (not SITE_URL's
    default), so the browser PUTs to it and loads the thumbnails from it."""
    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = str(tmp_path)
    local = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    settings.STORAGES = {**settings.STORAGES, "default": local}
    return tmp_path


def wait_for(page: Page, condition: Callable[[], bool]) -> None:
    """Let Playwright dispatch its events (such as routed requests) until `condition` holds."""
    for _ in range(50):
        if condition():
            return
        page.wait_for_timeout(100)
    raise AssertionError("timed out")


def test_a_marketer_uploads_two_images_and_gives_them_alt_text(
    page: Page, log_in: LogIn, alice: User, acme: Organization, local_media: Path
) -> None:
    log_in(alice.email, PASSWORD)
    sections = page.get_by_role("navigation", name="Sections")
    sections.get_by_role("link", name="Assets").click()
    expect(sections.get_by_role("link", name="Assets")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", name="No Assets yet")).to_be_visible()
    # The page's script (deferred) has taken the form over: without it a chosen file would wait
    # for the plain "Upload" button, and a file set before it ran would go nowhere.
    expect(page.get_by_role("button", name="Upload", exact=True)).to_be_hidden()

    # Hold the first finalize, so that its alt text is typed while the upload is in progress.
    held: list[Route] = []

    def hold(route: Route) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route("**/finalize/", hold)
    page.locator("#asset-files").set_input_files(
        [
            {"name": "hero.png", "mimeType": "image/png", "buffer": image_bytes("PNG", (640, 320))},
            {"name": "logo.jpg", "mimeType": "image/jpeg", "buffer": image_bytes("JPEG", (90, 60))},
            {"name": "notes.png", "mimeType": "image/png", "buffer": TEXT_FILE},
        ]
    )
    uploads = page.get_by_role("list", name="Uploads")
    hero = uploads.get_by_role("listitem").filter(has_text="hero.png")
    expect(hero.get_by_role("progressbar")).to_have_attribute("value", "100")
    wait_for(page, lambda: len(held) == 1)
    hero.get_by_label("Alt text").fill("A red banner")
    held[0].continue_()

    for filename in ("hero.png", "logo.jpg"):
        card = uploads.get_by_role("listitem").filter(has_text=filename)
        expect(card.locator(".badge-ok")).to_have_text("Ready")
    first, second = Asset.objects.filter(status=AssetStatus.READY).order_by("created_at")
    for asset in (first, second):
        page.wait_for_function(THUMBNAIL_LOADED, arg=asset.pk)
    expect(page.locator(f"[id='{first.pk}']")).to_contain_text("640×320")
    expect(page.locator(f"[id='{second.pk}']")).to_contain_text("90×60")
    # The file that is no image gets its own error; the others are not affected.
    notes = uploads.get_by_role("listitem").filter(has_text="notes.png")
    expect(notes.get_by_role("alert")).to_contain_text("Not an accepted image")

    first.refresh_from_db()
    assert (first.filename, first.status, first.alt_text) == ("hero.png", "ready", "A red banner")
    logo = page.locator(f"[id='{second.pk}']")
    expect(logo).to_contain_text("Missing alt text")

    # Inline edit: the alt text and the tags of the logo, without leaving the page.
    logo.get_by_role("link", name="Edit logo.jpg").click()
    logo.get_by_label("Alt text").fill("The Acme logo")
    logo.get_by_label("Tags").fill("brand, logo")
    logo.get_by_role("button", name="Save").click()
    expect(logo).to_contain_text("The Acme logo")
    expect(logo).not_to_contain_text("Missing alt text")
    second.refresh_from_db()
    assert (second.alt_text, second.tags) == ("The Acme logo", ["brand", "logo"])
    assert second.status == AssetStatus.READY
    assert Asset.objects.filter(organization=acme, status=AssetStatus.FAILED).count() == 1

    # After a reload the library lists them, and the search finds the logo by its tag.
    page.reload()
    page.get_by_role("searchbox", name="Search by filename or tag").fill("brand")
    grid = page.get_by_role("list", name="Assets, newest first")
    expect(grid.get_by_role("listitem")).to_have_count(1)
    expect(grid).to_contain_text("logo.jpg")
