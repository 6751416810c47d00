"""`brand.*` as templates see it, built in this one place: a Brand Kit's values flattened into
plain values, with defaults, so a template can use `{{ brand.colors.primary }}` or
`{{ brand.logo.url }}` without checks. The email templates, the editor's live sample and the
read-only kit page all show this shape."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from django.db import connection

from apps.accounts.models import Organization
from apps.assets import storage
from apps.assets.models import Asset
from segmentflow import rows

from .colors import DEFAULT_COLORS, readable_text_on
from .fonts import font_stack
from .models import COLOR_NAMES, KIT_GROUPS, BrandKit, BrandKitLogo, LogoRole


class BrandLogo(TypedDict):
    url: str | None  # None while the Asset's image is not ready
    alt: str
    width: int | None
    height: int | None


def brand_logo(asset: Asset, brand_name: str) -> BrandLogo:
    """An Asset as `brand.logos.<role>`; its alt text defaults to the brand's name."""
    return {
        "url": storage.public_url(asset.original_key) if asset.is_ready else None,
        "alt": asset.alt_text or brand_name,
        "width": asset.width,
        "height": asset.height,
    }


def build_brand(kit: BrandKit, logos: Mapping[str, BrandLogo]) -> dict[str, Any]:
    """`brand` from a kit's values, saved or not, and its logos by role: colors (defaults for
    the unset ones), `buttonText` (readable on the primary color), logos by role plus `logo`
    (the primary one, else the first), fonts with their CSS stacks, footer, sender and
    socialLinks."""
    colors = {name: kit.colors.get(name, DEFAULT_COLORS[name]) for name in COLOR_NAMES}
    # Every role is present (None when unset): with strict variables `{% if brand.logos.dark %}`
    # must work on a kit without one.
    by_role: dict[str, BrandLogo | None] = {role: logos.get(role) for role in LogoRole.values}
    heading, body = kit.fonts.get("heading"), kit.fonts.get("body")
    return {
        "name": kit.name,
        "websiteUrl": kit.website_url or None,
        "colors": colors,
        "buttonText": readable_text_on(colors["primary"]),
        "logo": by_role["primary"] or next((logo for logo in by_role.values() if logo), None),
        "logos": by_role,
        "fonts": {
            "heading": heading,
            "body": body,
            "headingStack": font_stack(heading),
            "bodyStack": font_stack(body),
        },
        "footer": {key: kit.footer.get(key) for key in KIT_GROUPS["footer"].values()},
        "sender": {key: kit.sender.get(key) for key in KIT_GROUPS["sender"].values()},
        "socialLinks": [dict(link) for link in kit.social_links],
    }


def saved_logos(kit: BrandKit) -> list[tuple[str, Asset]]:
    """(role, Asset) of a saved kit's logos in their order: every send renders with its kit,
    so this is hand-written SQL (a QuerySet with select_related costs ~0.5 ms to build)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT l.role, {rows.columns(Asset, 'a')}"  # noqa: S608 - identifiers only
            f" FROM {rows.table(BrandKitLogo)} l JOIN {rows.table(Asset)} a ON a.id = l.asset_id"
            " WHERE l.brand_kit_id = %s ORDER BY l.position",
            [kit.pk],
        )
        return [(row[0], rows.from_row(Asset, row[1:])) for row in cursor.fetchall()]


def brand_context(kit: BrandKit) -> dict[str, Any]:
    """A kit as `brand`, with its saved logos (an unsaved kit has none)."""
    logos = [] if kit._state.adding else saved_logos(kit)
    return build_brand(kit, {role: brand_logo(asset, kit.name) for role, asset in logos})


def brand_context_for(organization: Organization, kit: BrandKit | None = None) -> dict[str, Any]:
    """`brand` for a template: its own kit, else the Organization's default kit, else neutral
    defaults under the Organization's name."""
    kit = kit or BrandKit.objects.for_org(organization).default().first()
    return brand_context(kit or BrandKit(organization=organization, name=organization.name))
