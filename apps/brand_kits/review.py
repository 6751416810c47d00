"""The review of a finished import: for each part the kit's value next to the proposed one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apps.assets.models import Asset

from .colors import readable_text_on
from .models import COLOR_NAMES, FONT_NAMES, BrandExtraction, BrandKit, ExtractionStatus

# Each part of a proposal apply_extraction can write (actions.EXTRACTION_PARTS), as shown.
PART_LABELS = {
    "website_url": "Website URL",
    "logos": "Logos",
    "colors.primary": "Primary color",
    "colors.secondary": "Secondary color",
    "colors.accent": "Accent color",
    "colors.background": "Background color",
    "colors.text": "Text color",
    "fonts.heading": "Heading font",
    "fonts.body": "Body font",
    "social_links": "Social links",
}


@dataclass
class ReviewRow:
    """One part the import can write: `kind` says how the template shows the values."""

    part: str
    kind: str  # "text", "color", "font", "logos", "links"
    current: Any
    proposed: Any
    differs: bool

    @property
    def label(self) -> str:
        return PART_LABELS[self.part]

    @property
    def available(self) -> bool:
        """Whether the import found something for this part (nothing found is not applied)."""
        return bool(self.proposed)

    @property
    def checked(self) -> bool:
        return self.available and self.differs

    @property
    def id(self) -> str:
        return "part-" + self.part.replace(".", "-")

    @property
    def proposed_ink(self) -> str:
        """A readable text color on a proposed color swatch."""
        return readable_text_on(self.proposed) if self.kind == "color" and self.proposed else ""


def _logo_rows(kit: BrandKit, proposed: list[dict[str, Any]]) -> ReviewRow:
    current = {logo.role: logo.asset for logo in kit.logos.select_related("asset")}
    ids = [logo.get("assetId") for logo in proposed]
    found = Asset.objects.for_org(kit.organization).filter(pk__in=ids)
    assets = {asset.pk: asset for asset in found}
    proposed_logos = [
        logo | {"asset": assets.get(logo.get("assetId", ""))}
        for logo in proposed
        if logo.get("assetId") in assets
    ]
    differs = any(
        current.get(logo["role"]) is None or current[logo["role"]].pk != logo["assetId"]
        for logo in proposed_logos
    )
    current_logos = [{"role": role, "asset": asset} for role, asset in current.items()]
    return ReviewRow("logos", "logos", current_logos, proposed_logos, differs)


def review_rows(kit: BrandKit, result: dict[str, Any]) -> list[ReviewRow]:
    url = result.get("websiteUrl") or ""
    rows = [ReviewRow("website_url", "text", kit.website_url, url, url != kit.website_url)]
    rows.append(_logo_rows(kit, result.get("logos") or []))
    for group, names, kind in (("colors", COLOR_NAMES, "color"), ("fonts", FONT_NAMES, "font")):
        stored, found = getattr(kit, group), result.get(group) or {}
        for name in names:
            now, then = stored.get(name, ""), found.get(name) or ""
            rows.append(ReviewRow(f"{group}.{name}", kind, now, then, now.lower() != then.lower()))
    links = result.get("socialLinks") or []
    rows.append(
        ReviewRow("social_links", "links", kit.social_links, links, links != kit.social_links)
    )
    return rows


def review_context(kit: BrandKit, extraction: BrandExtraction) -> dict[str, Any]:
    """The rows and notes of a succeeded import; nothing while it runs or after it failed."""
    if extraction.status != ExtractionStatus.SUCCEEDED or not extraction.result:
        return {"rows": [], "notes": []}
    result = extraction.result
    return {
        "rows": review_rows(kit, result),
        "notes": result.get("notes") or [],
        "found_name": result.get("name") or "",
    }
