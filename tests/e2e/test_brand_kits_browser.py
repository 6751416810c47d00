"""Brand Kits in a real browser: create a kit, watch the live sample and the contrast warning
follow the colors, upload a logo from the editor, then import the brand of a real local website
while the progress bar follows the task, review it and apply it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from apps.accounts.models import Organization, User
from apps.assets.models import Asset
from apps.brand_kits.extraction import job as extraction_job
from apps.brand_kits.models import BrandExtraction, BrandKit
from tests.assets.images import image_bytes
from tests.brand_kits.site_server import serve_sites
from tests.e2e import PASSWORD
from tests.tasks import drain_tasks

pytestmark = pytest.mark.e2e

LogIn = Callable[[str, str], None]


@pytest.fixture(scope="module")
def brand_sites() -> Iterator[dict[str, str]]:
    with serve_sites(("coffee",)) as sites:
        yield sites


@pytest.fixture
def local_media(settings: Settings, live_server: LiveServer, tmp_path: Path) -> Path:
    """Files on local disk, served by the live server, so the browser loads the thumbnails."""
    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = str(tmp_path)
    local = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    settings.STORAGES = {**settings.STORAGES, "default": local}
    # The fixture sites listen on the loopback address, which the SSRF guard refuses otherwise.
    settings.SEGMENTFLOW_FETCH_ALLOW = ["127.0.0.1/32"]
    return tmp_path


def assert_image_loaded(page: Page, image: Locator) -> None:
    expect(image).to_be_visible()
    loaded = "img => img.complete && img.naturalWidth > 0"
    page.wait_for_function(loaded, arg=image.element_handle())


def test_a_marketer_builds_a_kit_and_imports_it_from_a_website(
    page: Page,
    log_in: LogIn,
    alice: User,
    acme: Organization,
    local_media: Path,
    brand_sites: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log_in(alice.email, PASSWORD)
    sections = page.get_by_role("navigation", name="Sections")
    sections.get_by_role("link", name="Brand Kits").click()
    expect(page.get_by_role("heading", name="No Brand Kits yet")).to_be_visible()
    page.get_by_role("link", name="New Brand Kit").first.click()
    page.get_by_role("textbox", name="Name", exact=True).fill("Kettle & Crow")
    page.get_by_role("button", name="Create Brand Kit").click()
    expect(page.get_by_role("heading", name="Kettle & Crow", level=1)).to_be_visible()
    expect(page.get_by_text("The Brand Kit Kettle & Crow was created.")).to_be_visible()
    kit = BrandKit.objects.get(organization=acme)

    # The live sample follows the colors as they are typed or picked, before any save.
    sample = page.locator("#kit-sample .email-sample")
    button = sample.locator(".email-sample-button")
    page.get_by_label("Primary", exact=True).fill("#1d4ed8")
    expect(button).to_have_attribute("data-background", "#1d4ed8")
    expect(button).to_have_attribute("data-color", "#ffffff")
    expect(page.get_by_label("Primary color picker")).to_have_value("#1d4ed8")
    page.get_by_label("Background color picker").fill("#fef9c3")
    expect(page.get_by_label("Background", exact=True)).to_have_value("#fef9c3")
    expect(sample).to_have_attribute("data-background", "#fef9c3")
    warnings = page.locator("#contrast-warnings")
    expect(warnings).not_to_contain_text("Text on background")
    page.get_by_label("Text", exact=True).fill("#e5e7eb")
    expect(sample).to_have_attribute("data-text", "#e5e7eb")
    expect(warnings).to_contain_text("Text on background has a contrast of")
    page.get_by_label("Text", exact=True).fill("#1f2937")
    expect(warnings).not_to_contain_text("Text on background")
    page.get_by_label("Body font").fill("Lora")
    expect(page.locator("#kit-fonts-body-stack")).to_have_text(
        "Shown as Lora, Georgia, 'Times New Roman', serif"
    )

    # "Upload a new image" goes into the Asset library and is offered as a logo.
    page.locator("#kit-logo-file").set_input_files(
        [{"name": "crow.png", "mimeType": "image/png", "buffer": image_bytes("PNG", (200, 60))}]
    )
    expect(page.get_by_role("status").filter(has_text="crow.png was uploaded")).to_be_visible()
    primary_picker = page.locator("#logo-picker-primary")
    primary_picker.locator(".logo-choice", has_text="crow.png").click()
    expect(sample.locator("img.email-sample-logo")).to_be_visible()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The Brand Kit Kettle & Crow was saved.")).to_be_visible()
    kit.refresh_from_db()
    assert kit.colors == {"primary": "#1d4ed8", "background": "#fef9c3", "text": "#1f2937"}
    assert kit.fonts == {"body": "Lora"}
    assert [logo.asset.filename for logo in kit.logos.all()] == ["crow.png"]

    # Import from the coffee roaster's website.
    page.get_by_role("link", name="Import from website").click()
    page.get_by_label("Website URL").fill(brand_sites["coffee"])
    page.get_by_role("button", name="Start the import").click()
    bar = page.get_by_role("progressbar", name="Import progress")
    step = page.locator("#import-step")
    expect(bar).to_have_attribute("value", "0")
    expect(step).to_have_text("Waiting for a worker to start it.")
    expect(page.locator("#import-progress")).to_have_attribute("hx-trigger", "every 500ms")

    # The task runs here; at each step it reports, the page must show that step before the
    # task goes on, so the bar is seen moving.
    seen: list[tuple[int, str]] = []
    report = extraction_job._Run.report

    def report_and_watch(run: extraction_job._Run, progress: int, text: str) -> None:
        report(run, progress, text)
        expect(bar).to_have_attribute("value", str(progress))
        expect(step).to_have_text(text)
        seen.append((progress, text))

    monkeypatch.setattr(extraction_job._Run, "report", report_and_watch)
    assert drain_tasks() == 1
    assert len(seen) >= 3, seen
    progresses = [progress for progress, _ in seen]
    assert progresses == sorted(progresses) and progresses[0] < progresses[-1] < 100
    assert len({text for _, text in seen}) >= 3, seen  # the step text changes as it goes

    # Finished: the bar is full, the polling stopped, and the review is shown.
    expect(bar).to_have_attribute("value", "100")
    expect(page.locator("#import-progress")).not_to_have_attribute("hx-trigger", re.compile(".*"))
    extraction = BrandExtraction.objects.get(brand_kit=kit)
    assert extraction.status == "succeeded", extraction.error
    proposed = extraction.result["colors"]
    review = page.get_by_role("table", name="The kit's values and the proposed ones")
    expect(review).to_contain_text(proposed["primary"])
    for part in ("Logos", "Primary color", "Heading font", "Social links"):
        expect(page.get_by_role("checkbox", name=part)).to_be_checked()
    # Keep the body font typed by hand.
    page.get_by_role("checkbox", name="Body font").uncheck()
    page.get_by_role("button", name="Apply selected").click()

    expect(
        page.get_by_text(re.compile(r"Applied \d+ parts of the import to Kettle & Crow"))
    ).to_be_visible()
    expect(page.get_by_label("Primary", exact=True)).to_have_value(proposed["primary"])
    expect(page.get_by_label("Primary color picker")).to_have_value(proposed["primary"])
    expect(page.get_by_label("Background", exact=True)).to_have_value(proposed["background"])
    expect(page.get_by_label("Body font")).to_have_value("Lora")
    expect(page.get_by_label("Heading font")).to_have_value(extraction.result["fonts"]["heading"])
    imported = next(logo for logo in extraction.result["logos"] if logo["role"] == "primary")
    chosen = primary_picker.locator(f"input[value='{imported['assetId']}']")
    expect(chosen).to_be_checked()
    assert_image_loaded(
        page, primary_picker.locator(f"label:has(input[value='{imported['assetId']}']) img")
    )
    sample_logo = sample.locator("img.email-sample-logo")
    expect(sample_logo).to_have_attribute("src", re.compile(imported["assetId"]))
    assert_image_loaded(page, sample_logo)

    # The list shows the kit with its new colors and logo.
    sections.get_by_role("link", name="Brand Kits").click()
    row = page.get_by_role("row").filter(has_text="Kettle & Crow")
    expect(row).to_contain_text(proposed["primary"])
    logo = row.get_by_role("img", name="Logo of Kettle & Crow")
    expect(logo).to_have_attribute("src", re.compile(imported["assetId"]))
    assert_image_loaded(page, logo)
    kit.refresh_from_db()
    assert kit.colors["primary"] == proposed["primary"]
    assert kit.fonts["body"] == "Lora"


def test_the_logo_upload_still_works_after_an_invalid_save(
    page: Page, log_in: LogIn, alice: User, acme: Organization, local_media: Path
) -> None:
    """An invalid save swaps the kit's form, drop zone included, for the one with the errors:
    the new drop zone uploads too, and the image is offered in the logo picker."""
    log_in(alice.email, PASSWORD)
    page.goto("/brand-kits/new/")
    page.get_by_role("textbox", name="Name", exact=True).fill("Kettle & Crow")
    page.get_by_role("button", name="Create Brand Kit").click()
    expect(page.get_by_role("heading", name="Kettle & Crow", level=1)).to_be_visible()

    page.get_by_label("From email").fill("not an address")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Please correct the errors below; nothing was saved.")).to_be_visible()
    expect(page.get_by_text("not a valid email address")).to_be_visible()

    page.locator("#kit-logo-file").set_input_files(
        [{"name": "crow.png", "mimeType": "image/png", "buffer": image_bytes("PNG", (200, 60))}]
    )
    expect(page.get_by_role("status").filter(has_text="crow.png was uploaded")).to_be_visible()
    choice = page.locator("#logo-picker-primary .logo-choice", has_text="crow.png")
    expect(choice).to_be_visible()
    assert_image_loaded(page, choice.locator("img"))
    assert [asset.filename for asset in Asset.objects.filter(organization=acme)] == ["crow.png"]
    # Enhanced once: one upload, one Asset, and the picker still offers it once.
    expect(choice).to_have_count(1)
