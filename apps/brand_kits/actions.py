"""Writes on Brand Kits shared by the API, the dashboard and the import job: create, update,
delete, and apply an import's proposal.

Arguments and ActionError fields use the Python names (`website_url`, `sender.from_email`,
`social_links[0].url`); the API shows them in camelCase (segmentflow.errors.api_path). Each
Organization has exactly one default kit once it has any: the Organization row is locked while
the default moves, so two concurrent writes cannot both make (or both unset) one.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any, TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Organization
from apps.assets.models import Asset
from segmentflow.errors import ActionError
from segmentflow.values import refuse_unstorable_text

from .models import (
    COLOR_NAMES,
    FONT_NAMES,
    KIT_GROUPS,
    BrandExtraction,
    BrandKit,
    BrandKitLogo,
    ExtractionStatus,
    LogoRole,
)

MAX_LOGOS = 10
MAX_SOCIAL_LINKS = 20
MAX_URL_LENGTH = 2000
_HEX_COLOR = re.compile(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
# Letters, digits, spaces and hyphens: enough for any font family, and safe inside CSS.
FONT_FAMILY_PATTERN = re.compile(r"[^\W_](?:[\w -]{0,98}[^\W_])?")
_NETWORK = re.compile(r"[a-z0-9][a-z0-9_-]{0,49}")
_http_url = URLValidator(schemes=["http", "https"])


class LogoChoice(TypedDict):
    asset_id: str
    role: str


class SocialLink(TypedDict):
    network: str
    url: str


class BrandKitFields(TypedDict, total=False):
    """A kit's values besides its name, by Python name. The nested objects (colors, fonts,
    sender, footer) are merged field by field, a None or empty field clearing it and a None
    object clearing them all; logos and social_links replace the kit's."""

    website_url: str | None
    logos: Sequence[LogoChoice] | None
    colors: Mapping[str, str | None] | None
    fonts: Mapping[str, str | None] | None
    sender: Mapping[str, str | None] | None
    footer: Mapping[str, str | None] | None
    social_links: Sequence[SocialLink] | None


class BrandKitChanges(BrandKitFields, total=False):
    name: str
    is_default: bool


def invalid(path: str, message: str) -> ActionError:
    return ActionError("validation_failed", path, message)


def clean_text(value: Any, path: str, max_length: int, *, multiline: bool = False) -> str:
    if not isinstance(value, str):
        raise invalid(path, "must be a string")
    text = value.strip()
    allowed = "\n" if multiline else ""
    if len(text) > max_length or any(not c.isprintable() and c not in allowed for c in text):
        raise invalid(path, f"at most {max_length} printable characters")
    return text


def clean_name(value: Any) -> str:
    name = clean_text(value, "name", 200) if value is not None else ""
    if not name:
        raise invalid("name", "field required")
    return name


def clean_color(value: Any, path: str) -> str:
    """`#RRGGBB` or `#rgb`, returned as lower-case `#rrggbb`."""
    if not isinstance(value, str) or not _HEX_COLOR.fullmatch(value.strip()):
        raise invalid(path, "must be a color such as #1a2b3c")
    digits = value.strip()[1:].lower()
    if len(digits) == 3:
        digits = "".join(digit * 2 for digit in digits)
    return f"#{digits}"


def clean_url(value: Any, path: str) -> str:
    if not isinstance(value, str) or len(value.strip()) > MAX_URL_LENGTH:
        raise invalid(path, f"must be an http(s) URL of at most {MAX_URL_LENGTH} characters")
    # Django's URLValidator lets a NUL through in the path; PostgreSQL cannot store one.
    refuse_unstorable_text(value, path)
    try:
        _http_url(value.strip())
    except ValidationError as exc:
        raise invalid(path, "must be an http(s) URL") from exc
    return value.strip()


def clean_email_address(value: Any, path: str) -> str:
    if not isinstance(value, str) or len(value.strip()) > 254:
        raise invalid(path, "not a valid email address")
    try:
        validate_email(value.strip())
    except ValidationError as exc:
        raise invalid(path, "not a valid email address") from exc
    return value.strip()


def clean_group_field(group: str, name: str, value: Any) -> str:
    path = f"{group}.{name}"
    if group == "colors":
        return clean_color(value, path)
    if group == "fonts":
        if not isinstance(value, str) or not FONT_FAMILY_PATTERN.fullmatch(value.strip()):
            raise invalid(path, "a font family name: letters, digits, spaces and hyphens")
        return value.strip()
    if name in ("from_email", "reply_to"):
        return clean_email_address(value, path)
    if name == "address":
        return clean_text(value, path, 1000, multiline=True)
    return clean_text(value, path, 200)


def merge_group(group: str, current: Mapping[str, str], patch: Any) -> dict[str, str]:
    """Merge `patch` (Python names) into one of the kit's stored objects field by field: None
    or "" clears a field, and a None patch clears the whole object."""
    if patch is None:
        return {}
    if not isinstance(patch, Mapping):
        raise invalid(group, "must be an object")
    stored_keys = KIT_GROUPS[group]
    merged = dict(current)
    for name, value in patch.items():
        if name not in stored_keys:
            raise invalid(f"{group}.{name}", "unknown field")
        if value is None or (isinstance(value, str) and not value.strip()):
            merged.pop(stored_keys[name], None)
        else:
            merged[stored_keys[name]] = clean_group_field(group, name, value)
    return merged


def clean_social_link(link: Any, index: int) -> SocialLink:
    """The link at `social_links[index]`, its network lower-cased."""
    path = f"social_links[{index}]"
    if not isinstance(link, Mapping) or set(link) != {"network", "url"}:
        raise invalid(path, "must be an object {network, url}")
    network = link["network"].strip().lower() if isinstance(link["network"], str) else ""
    if not _NETWORK.fullmatch(network):
        raise invalid(f"{path}.network", "a name such as linkedin or instagram")
    return {"network": network, "url": clean_url(link["url"], f"{path}.url")}


def clean_social_links(links: Any) -> list[SocialLink]:
    if links is None:
        return []
    if not isinstance(links, Sequence) or isinstance(links, str):
        raise invalid("social_links", "must be a list of {network, url}")
    if len(links) > MAX_SOCIAL_LINKS:
        raise invalid("social_links", f"at most {MAX_SOCIAL_LINKS} links")
    return [clean_social_link(link, index) for index, link in enumerate(links)]


def _clean_logos(organization: Organization, logos: Any) -> list[tuple[Asset, str]]:
    """Each logo must be a ready Asset of this Organization, each role used once."""
    if logos is None:
        return []
    if not isinstance(logos, Sequence) or isinstance(logos, str):
        raise invalid("logos", "must be a list of {assetId, role}")
    if len(logos) > MAX_LOGOS:
        raise invalid("logos", f"at most {MAX_LOGOS} logos")
    ids = [logo.get("asset_id") if isinstance(logo, Mapping) else None for logo in logos]
    # Locked, so a concurrent delete of the asset either sees the new logo or makes it a 422.
    assets = Asset.objects.for_org(organization).ready().select_for_update()
    found = {asset.pk: asset for asset in assets.filter(pk__in=[i for i in ids if i])}
    cleaned: list[tuple[Asset, str]] = []
    for index, (logo, asset_id) in enumerate(zip(logos, ids, strict=True)):
        if asset_id not in found:
            raise invalid(f"logos[{index}].asset_id", "not a ready Asset of this Organization")
        role = logo.get("role")
        if role not in LogoRole.values:
            raise invalid(f"logos[{index}].role", "must be primary, icon or dark")
        if any(role == used for _, used in cleaned):
            raise invalid(f"logos[{index}].role", f"another logo already has the role {role}")
        cleaned.append((found[asset_id], role))
    return cleaned


def _set_logos(kit: BrandKit, logos: list[tuple[Asset, str]]) -> None:
    kit.logos.all().delete()
    BrandKitLogo.objects.bulk_create(
        BrandKitLogo(brand_kit=kit, asset=asset, role=role, position=position)
        for position, (asset, role) in enumerate(logos)
    )


def _lock_org(organization: Organization) -> None:
    Organization.objects.select_for_update().filter(pk=organization.pk).first()


def _make_default(kit: BrandKit) -> None:
    BrandKit.objects.for_org(kit.organization).default().exclude(pk=kit.pk).update(
        is_default=False, updated_at=timezone.now()
    )
    kit.is_default = True


def _apply(kit: BrandKit, fields: BrandKitFields) -> None:
    """Set the given values (all but the logos) on `kit`, checked."""
    if "website_url" in fields:
        url = fields["website_url"]
        kit.website_url = clean_url(url, "website_url") if url else ""
    for group in KIT_GROUPS:
        if group in fields:
            setattr(kit, group, merge_group(group, getattr(kit, group), fields.get(group)))
    if "social_links" in fields:
        kit.social_links = clean_social_links(fields["social_links"])


@transaction.atomic
def create_brand_kit(
    organization: Organization,
    *,
    name: str,
    is_default: bool | None = False,
    **fields: Unpack[BrandKitFields],
) -> BrandKit:
    """A new kit; the Organization's first kit is its default, `is_default` makes a later one
    the default instead."""
    kit = BrandKit(organization=organization, name=clean_name(name))
    _apply(kit, fields)
    # The Organization before the logos' Assets, in the same order as update_brand_kit.
    _lock_org(organization)
    logos = _clean_logos(organization, fields.get("logos"))
    is_first = not BrandKit.objects.for_org(organization).exists()
    if is_first or is_default is True:
        _make_default(kit)
    now = timezone.now()
    kit.created_at = kit.updated_at = now
    kit.save(force_insert=True)
    _set_logos(kit, logos)
    return kit


@transaction.atomic
def update_brand_kit(kit: BrandKit, **changes: Unpack[BrandKitChanges]) -> BrandKit:
    """Change the given values (a PATCH): nested objects merged field by field, lists
    replaced, None clears; `is_default=True` moves the default here."""
    _lock_org(kit.organization)
    locked = BrandKit.objects.select_for_update().get(pk=kit.pk)
    if "name" in changes:
        locked.name = clean_name(changes["name"])
    _apply(locked, changes)
    if "logos" in changes:
        _set_logos(locked, _clean_logos(locked.organization, changes["logos"]))
    if changes.get("is_default") is True:
        _make_default(locked)
    elif "is_default" in changes and locked.is_default:
        raise invalid("is_default", "make another Brand Kit the default instead")
    locked.updated_at = timezone.now()
    locked.save()
    return locked


@transaction.atomic
def delete_brand_kit(kit: BrandKit) -> None:
    """Delete the kit; when it was the default, the most recent remaining kit takes over."""
    _lock_org(kit.organization)
    locked = BrandKit.objects.filter(pk=kit.pk).first()
    if locked is None:
        return
    locked.delete()
    if locked.is_default:
        successor = (
            BrandKit.objects.for_org(kit.organization).order_by("-created_at", "-pk").first()
        )
        if successor is not None:
            successor.is_default = True
            successor.updated_at = timezone.now()
            successor.save(update_fields=["is_default", "updated_at"])


# What `apply_extraction` can write, one name per part of the proposal.
EXTRACTION_PARTS = (
    "website_url",
    "logos",
    *(f"colors.{name}" for name in COLOR_NAMES),
    *(f"fonts.{name}" for name in FONT_NAMES),
    "social_links",
)


def _chosen_values(result: dict[str, Any], group: str, chosen: set[str]) -> dict[str, str]:
    found = result.get(group) or {}
    return {name: value for name, value in found.items() if f"{group}.{name}" in chosen and value}


@transaction.atomic
def apply_extraction(extraction: BrandExtraction, parts: Collection[str] | None = None) -> BrandKit:
    """Write a succeeded extraction's proposal (all of it, or the named `parts`) into its kit.
    Proposed logos replace the kit's logos of the same role; its other logos stay."""
    locked = BrandExtraction.objects.select_for_update().get(pk=extraction.pk)
    if locked.status != ExtractionStatus.SUCCEEDED or not locked.result:
        raise ActionError("invalid_state", None, "Only a finished import can be applied.")
    chosen = set(EXTRACTION_PARTS if parts is None else parts)
    if not chosen:
        raise invalid("parts", "Select at least one part to apply.")
    if unknown := chosen - set(EXTRACTION_PARTS):
        raise invalid("parts", f"unknown parts: {', '.join(sorted(unknown))}")
    # The proposal is stored in the API shape (see BrandExtraction).
    result = locked.result
    kit = BrandKit.objects.select_for_update().get(pk=locked.brand_kit_id)
    changes: BrandKitFields = {}
    if "website_url" in chosen and result.get("websiteUrl"):
        changes["website_url"] = result["websiteUrl"]
    if "logos" in chosen and result.get("logos"):
        proposed = {logo["role"]: logo["assetId"] for logo in result["logos"]}
        kept = [
            LogoChoice(asset_id=logo.asset_id, role=logo.role)
            for logo in kit.logos.all()
            if logo.role not in proposed
        ]
        changes["logos"] = [
            *(LogoChoice(asset_id=asset_id, role=role) for role, asset_id in proposed.items()),
            *kept,
        ]
    if colors := _chosen_values(result, "colors", chosen):
        changes["colors"] = colors
    if fonts := _chosen_values(result, "fonts", chosen):
        changes["fonts"] = fonts
    if "social_links" in chosen and result.get("socialLinks"):
        changes["social_links"] = result["socialLinks"]
    updated = update_brand_kit(kit, **changes)
    locked.applied_at = timezone.now()
    locked.save(update_fields=["applied_at"])
    return updated
