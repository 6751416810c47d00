"""`brand.*` as templates see it: a Brand Kit flattened into plain values, with defaults, so a
template can use `{{ brand.colors.primary }}` or `{{ brand.logo.url }}` without checks."""

from __future__ import annotations

from typing import Any

from apps.accounts.models import Organization
from apps.assets import storage

from .fonts import font_stack
from .models import COLOR_NAMES, FOOTER_FIELDS, SENDER_FIELDS, BrandKit, LogoRole

# Neutral colors for whatever the kit leaves unset, so a template's CSS never gets an empty value.
DEFAULT_COLORS = {
    "primary": "#111827",
    "secondary": "#4b5563",
    "accent": "#2563eb",
    "background": "#ffffff",
    "text": "#111827",
}


def brand_context(kit: BrandKit) -> dict[str, Any]:
    """The kit as `brand`: colors, logos (by role, plus `logo`: the primary one or the first),
    fonts with their CSS stacks, footer, sender and socialLinks."""
    # Every role is present (None when unset): with strict variables `{% if brand.logos.dark %}`
    # must work on a kit without one.
    logos: dict[str, dict[str, Any] | None] = dict.fromkeys(LogoRole.values)
    saved_logos = [] if kit._state.adding else kit.logos.select_related("asset")
    for logo in saved_logos:
        asset = logo.asset
        logos[logo.role] = {
            "url": storage.public_url(asset.original_key) if asset.is_ready else None,
            "alt": asset.alt_text or kit.name,
            "width": asset.width,
            "height": asset.height,
        }
    heading, body = kit.fonts.get("heading"), kit.fonts.get("body")
    return {
        "name": kit.name,
        "websiteUrl": kit.website_url or None,
        "colors": {name: kit.colors.get(name, DEFAULT_COLORS[name]) for name in COLOR_NAMES},
        "logo": logos["primary"] or next((logo for logo in logos.values() if logo), None),
        "logos": logos,
        "fonts": {
            "heading": heading,
            "body": body,
            "headingStack": font_stack(heading),
            "bodyStack": font_stack(body),
        },
        "footer": {name: kit.footer.get(name) for name in FOOTER_FIELDS},
        "sender": {name: kit.sender.get(name) for name in SENDER_FIELDS},
        "socialLinks": [dict(link) for link in kit.social_links],
    }


def brand_context_for(organization: Organization, kit: BrandKit | None = None) -> dict[str, Any]:
    """`brand` for a template: its own kit, else the Organization's default kit, else neutral
    defaults under the Organization's name."""
    kit = kit or BrandKit.objects.for_org(organization).default().first()
    return brand_context(kit or BrandKit(organization=organization, name=organization.name))
