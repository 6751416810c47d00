"""Brand import against three real local websites: the job must read each one as a person would.

The sites live in `sites/` (see its README for the expected answers) and are served over HTTP on
127.0.0.1 by `site_server.py`; the job fetches them through the SSRF-safe client with 127.0.0.1
allowed, and no other host resolves.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import storages
from PIL import Image, ImageChops, ImageStat

from apps.assets.models import Asset
from apps.brand_kits.models import BrandExtraction, BrandKit
from apps.brand_kits.tasks import run_brand_extraction
from tests.tasks import drain_tasks

from .site_server import SITES_DIR

ImportBrand = Callable[..., BrandExtraction]

COFFEE_UPLOADS = SITES_DIR / "coffee" / "wp-content" / "uploads" / "2024" / "03"
COFFEE_LOGO = COFFEE_UPLOADS / "kettle-crow-logo.png"
COFFEE_TOUCH_ICON = COFFEE_UPLOADS / "cropped-kettle-crow-icon-180x180.png"
SAAS_LOGO = SITES_DIR / "saas" / "assets" / "img" / "northwind-logo.jpg"
TRAVEL_OG_IMAGE = SITES_DIR / "travel" / "assets" / "img" / "azura-travel-og.png"


def _lab(hex_color: str) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of an sRGB color."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(hex_color[i : i + 2], 16)) for i in (1, 3, 5))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def delta_e(first: str, second: str) -> float:
    """CIE76 color difference: under ~2.3 is hard to see, under 6 reads as the same color."""
    return sum((a - b) ** 2 for a, b in zip(_lab(first), _lab(second), strict=True)) ** 0.5


def assert_close_color(found: str | None, expected: str, tolerance: float = 6) -> None:
    assert found is not None, f"no color proposed, expected {expected}"
    assert delta_e(found, expected) <= tolerance, f"{found} is not {expected}"


def logo_of(extraction: BrandExtraction, role: str) -> dict[str, Any]:
    assert extraction.result is not None
    logos = [logo for logo in extraction.result["logos"] if logo["role"] == role]
    assert len(logos) == 1, extraction.result["logos"]
    return logos[0]


def assert_stored_image(
    asset: Asset, source: Path, content_type: str, max_mean_diff: float
) -> None:
    """The Asset is ready and holds the pixels of `source` (JPEGs are re-encoded when stored)."""
    assert asset.status == "ready"
    assert asset.content_type == content_type
    with Image.open(source) as original:
        assert (asset.width, asset.height) == original.size
        with storages["default"].open(asset.original_key, "rb") as stored_file:
            stored = Image.open(io.BytesIO(stored_file.read()))
            stored.load()
        mode = "RGBA" if original.mode in ("RGBA", "LA", "P") else "RGB"
        difference = ImageChops.difference(original.convert(mode), stored.convert(mode))
        assert max(ImageStat.Stat(difference).mean) <= max_mean_diff


def assert_finished_well(extraction: BrandExtraction) -> dict[str, Any]:
    assert extraction.status == "succeeded", extraction.error
    assert extraction.error == ""
    assert extraction.progress == 100
    assert extraction.started_at is not None and extraction.finished_at is not None
    assert extraction.created_at <= extraction.started_at <= extraction.finished_at
    assert extraction.result is not None
    return extraction.result


def social(result: dict[str, Any]) -> set[tuple[str, str]]:
    return {(link["network"], link["url"]) for link in result["socialLinks"]}


def test_the_coffee_roaster_reads_as_a_person_would(
    brand_sites: dict[str, str], kit: BrandKit, import_brand: ImportBrand
) -> None:
    extraction = import_brand(kit, brand_sites["coffee"])
    result = assert_finished_well(extraction)

    assert result["name"] == "Kettle & Crow Coffee Roasters"  # og:site_name, not the <title>
    assert result["websiteUrl"] == brand_sites["coffee"]

    # The WordPress custom logo in the header, not the product photo that is the og:image.
    primary = logo_of(extraction, "primary")
    assert primary["source"] == "img-logo"
    assert primary["sourceUrl"] == brand_sites["coffee"] + (
        "wp-content/uploads/2024/03/kettle-crow-logo.png"
    )
    logo = Asset.objects.get(pk=primary["assetId"])
    assert logo.organization_id == kit.organization_id
    assert_stored_image(logo, COFFEE_LOGO, "image/png", max_mean_diff=0)
    with Image.open(COFFEE_LOGO) as original:
        assert original.mode == "RGBA"  # the transparency survived the import
    with storages["default"].open(logo.original_key, "rb") as stored:
        assert Image.open(stored).mode == "RGBA"

    # The 180 px apple-touch-icon, not the 32 px favicon.
    icon = logo_of(extraction, "icon")
    assert icon["source"] == "apple-touch-icon"
    assert_stored_image(
        Asset.objects.get(pk=icon["assetId"]), COFFEE_TOUCH_ICON, "image/png", max_mean_diff=0
    )

    # --brand on the buttons, links and logo; WordPress's default #32373c button loses.
    assert_close_color(result["colors"]["primary"], "#b4532a")
    assert_close_color(result["colors"]["background"], "#fbf7f2")
    assert_close_color(result["colors"]["text"], "#2b1d14")

    assert result["fonts"] == {"heading": "Playfair Display", "body": "Inter"}

    # The Facebook and Pinterest share links are not the roaster's profiles.
    assert social(result) == {
        ("instagram", "https://www.instagram.com/kettleandcrow/"),
        ("facebook", "https://www.facebook.com/kettleandcrowcoffee"),
    }


def test_the_software_company_reads_as_a_person_would(
    brand_sites: dict[str, str], kit: BrandKit, import_brand: ImportBrand
) -> None:
    extraction = import_brand(kit, brand_sites["saas"])
    result = assert_finished_well(extraction)

    assert result["name"] == "Northwind"  # "Northwind — Analytics for teams" without the tagline
    assert result["websiteUrl"] == brand_sites["saas"]

    primary = logo_of(extraction, "primary")
    assert primary["source"] == "img-logo"
    assert primary["sourceUrl"] == brand_sites["saas"] + "assets/img/northwind-logo.jpg"
    # JPEGs are re-encoded without metadata when stored: nearly the same pixels.
    assert_stored_image(
        Asset.objects.get(pk=primary["assetId"]), SAAS_LOGO, "image/jpeg", max_mean_diff=2
    )

    # theme-color, the logo and the brand stylesheet's .btn-primary; the toolkit's own
    # #0d6efd buttons and its many grey borders lose.
    assert_close_color(result["colors"]["primary"], "#3b5bdb")
    assert_close_color(result["colors"]["background"], "#ffffff")
    assert_close_color(result["colors"]["text"], "#1f2937")
    assert all(delta_e(color, "#0d6efd") > 6 for color in result["colors"].values())

    # Self-hosted @font-face families, not the toolkit's system-ui stack or the code font.
    assert result["fonts"] == {"heading": "Space Grotesk", "body": "Manrope"}

    links = social(result)
    assert ("linkedin", "https://www.linkedin.com/company/northwind-analytics/") in links
    assert ("github", "https://github.com/northwind-analytics") in links
    assert {url for _, url in links} == {
        "https://www.linkedin.com/company/northwind-analytics/",
        "https://x.com/northwindhq",
        "https://github.com/northwind-analytics",
    }
    networks = {url: network for network, url in links}
    assert networks["https://x.com/northwindhq"] in ("x", "twitter")


def test_the_travel_agency_reads_as_a_person_would_after_its_redirect(
    brand_sites: dict[str, str], kit: BrandKit, import_brand: ImportBrand
) -> None:
    extraction = import_brand(kit, brand_sites["travel"])
    result = assert_finished_well(extraction)

    assert result["websiteUrl"] == brand_sites["travel"] + "en/"  # where / redirects to
    assert result["name"] == "Azura Travel"  # application-name

    # The header is text: the share card is the only picture of the logo.
    assert [logo["role"] for logo in result["logos"]] == ["primary"]
    primary = logo_of(extraction, "primary")
    assert primary["source"] == "og-image"
    assert primary["sourceUrl"] == brand_sites["travel"] + "assets/img/azura-travel-og.png"
    assert_stored_image(
        Asset.objects.get(pk=primary["assetId"]), TRAVEL_OG_IMAGE, "image/png", max_mean_diff=0
    )

    # The teal of theme-color, header and logo; the orange of the buttons is the accent.
    assert_close_color(result["colors"]["primary"], "#0e7490")
    assert_close_color(result["colors"].get("accent"), "#f97316")
    assert_close_color(result["colors"]["background"], "#ffffff")
    assert_close_color(result["colors"]["text"], "#0f172a")

    # Loaded through an @import of Google Fonts in the stylesheet, which is relative to /en/.
    assert result["fonts"] == {"heading": "DM Serif Display", "body": "Work Sans"}

    assert social(result) == {
        ("instagram", "https://www.instagram.com/azuratravel/"),
        ("youtube", "https://www.youtube.com/@azuratravel"),
        ("pinterest", "https://www.pinterest.com/azuratravel/"),
    }  # and not the "post on X" share intent


def test_no_host_but_the_site_itself_is_contacted(
    brand_sites: dict[str, str], kit: BrandKit, import_brand: ImportBrand, fake_dns: Any
) -> None:
    # The coffee site links Google Fonts and instagram.com: those are read, never fetched.
    extraction = import_brand(kit, brand_sites["coffee"])
    assert extraction.status == "succeeded", extraction.error
    assert fake_dns.lookups == []


def test_with_apply_the_kit_gets_the_proposal_but_keeps_its_name(
    brand_sites: dict[str, str], kit: BrandKit, import_brand: ImportBrand
) -> None:
    extraction = import_brand(kit, brand_sites["coffee"], apply=True)
    result = assert_finished_well(extraction)
    assert extraction.applied_at is not None

    kit.refresh_from_db()
    assert kit.name == "Acme brand"
    assert kit.website_url == brand_sites["coffee"]
    assert kit.colors == result["colors"]
    assert_close_color(kit.colors["primary"], "#b4532a")
    assert kit.fonts == {"heading": "Playfair Display", "body": "Inter"}
    assert kit.social_links == result["socialLinks"]
    stored_logos = {(logo.role, logo.asset_id) for logo in kit.logos.all()}
    assert stored_logos == {(logo["role"], logo["assetId"]) for logo in result["logos"]}
    assert {role for role, _ in stored_logos} == {"primary", "icon"}


def test_without_apply_the_kit_is_unchanged_and_the_proposal_waits(
    brand_sites: dict[str, str], kit: BrandKit, import_brand: ImportBrand
) -> None:
    before = BrandKit.objects.get(pk=kit.pk)
    extraction = import_brand(kit, brand_sites["saas"], apply=False)
    result = assert_finished_well(extraction)
    assert extraction.applied_at is None

    kit.refresh_from_db()
    assert (kit.name, kit.website_url, kit.colors, kit.fonts, kit.social_links) == (
        before.name,
        before.website_url,
        before.colors,
        before.fonts,
        before.social_links,
    )
    assert kit.updated_at == before.updated_at
    assert not kit.logos.exists()
    # The logos are already in the asset library, ready for the review.
    for logo in result["logos"]:
        assert Asset.objects.get(pk=logo["assetId"]).status == "ready"


@pytest.mark.parametrize("site", ["coffee", "saas", "travel"])
def test_running_the_same_import_again_changes_nothing(
    site: str, brand_sites: dict[str, str], kit: BrandKit, import_brand: ImportBrand
) -> None:
    extraction = import_brand(kit, brand_sites[site])
    assets = set(Asset.objects.values_list("pk", flat=True))
    run_brand_extraction.enqueue(extraction.pk)
    assert drain_tasks() == 1
    again = BrandExtraction.objects.get(pk=extraction.pk)
    assert (again.status, again.result, again.finished_at) == (
        extraction.status,
        extraction.result,
        extraction.finished_at,
    )
    assert set(Asset.objects.values_list("pk", flat=True)) == assets


def test_importing_a_site_again_reuses_the_logos_already_in_the_library(
    brand_sites: dict[str, str], kit: BrandKit, import_brand: ImportBrand
) -> None:
    first = import_brand(kit, brand_sites["coffee"])
    assets = set(Asset.objects.values_list("pk", flat=True))
    second = import_brand(kit, brand_sites["coffee"])
    assert second.pk != first.pk
    assert second.status == "succeeded", second.error
    assert first.result is not None and second.result is not None
    assert [logo["assetId"] for logo in second.result["logos"]] == [
        logo["assetId"] for logo in first.result["logos"]
    ]
    assert set(Asset.objects.values_list("pk", flat=True)) == assets
