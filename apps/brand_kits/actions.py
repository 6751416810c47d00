"""Writes on Brand Kits shared by the API and the dashboard: create, update, delete.

Changes arrive in the API shape (camelCase keys). Each Organization has exactly one default
kit once it has any: the Organization row is locked while the default moves, so two concurrent
writes cannot both make (or both unset) one.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Organization
from apps.assets.models import Asset
from segmentflow.errors import ActionError
from segmentflow.values import refuse_unstorable_text

from . import fetching
from .models import (
    COLOR_NAMES,
    FONT_NAMES,
    FOOTER_FIELDS,
    SENDER_FIELDS,
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


def _invalid(path: str, message: str) -> ActionError:
    return ActionError("validation_failed", path, message)


def clean_text(value: Any, path: str, max_length: int, *, multiline: bool = False) -> str:
    if not isinstance(value, str):
        raise _invalid(path, "must be a string")
    text = value.strip()
    allowed = "\n" if multiline else ""
    if len(text) > max_length or any(not c.isprintable() and c not in allowed for c in text):
        raise _invalid(path, f"at most {max_length} printable characters")
    return text


def clean_name(value: Any) -> str:
    name = clean_text(value, "name", 200) if value is not None else ""
    if not name:
        raise _invalid("name", "field required")
    return name


def clean_color(value: Any, path: str) -> str:
    """`#RRGGBB` or `#rgb`, returned as lower-case `#rrggbb`."""
    if not isinstance(value, str) or not _HEX_COLOR.fullmatch(value.strip()):
        raise _invalid(path, "must be a color such as #1a2b3c")
    digits = value.strip()[1:].lower()
    if len(digits) == 3:
        digits = "".join(digit * 2 for digit in digits)
    return f"#{digits}"


def clean_url(value: Any, path: str) -> str:
    if not isinstance(value, str) or len(value.strip()) > MAX_URL_LENGTH:
        raise _invalid(path, f"must be an http(s) URL of at most {MAX_URL_LENGTH} characters")
    # Django's URLValidator lets a NUL through in the path; PostgreSQL cannot store one.
    refuse_unstorable_text(value, path)
    try:
        _http_url(value.strip())
    except ValidationError as exc:
        raise _invalid(path, "must be an http(s) URL") from exc
    return value.strip()


def clean_email_address(value: Any, path: str) -> str:
    if not isinstance(value, str) or len(value.strip()) > 254:
        raise _invalid(path, "not a valid email address")
    try:
        validate_email(value.strip())
    except ValidationError as exc:
        raise _invalid(path, "not a valid email address") from exc
    return value.strip()


def _clean_field(group: str, key: str, value: Any) -> str:
    path = f"{group}.{key}"
    if group == "colors":
        return clean_color(value, path)
    if group == "fonts":
        if not isinstance(value, str) or not FONT_FAMILY_PATTERN.fullmatch(value.strip()):
            raise _invalid(path, "a font family name: letters, digits, spaces and hyphens")
        return value.strip()
    if key in ("fromEmail", "replyTo"):
        return clean_email_address(value, path)
    if key == "address":
        return clean_text(value, path, 1000, multiline=True)
    return clean_text(value, path, 200)


GROUP_FIELDS = {
    "colors": COLOR_NAMES,
    "fonts": FONT_NAMES,
    "sender": SENDER_FIELDS,
    "footer": FOOTER_FIELDS,
}


def merge_group(group: str, current: dict[str, Any], patch: Any) -> dict[str, Any]:
    """Merge `patch` into one of the nested objects field by field: None or "" clears a field,
    and a None patch clears the whole object."""
    if patch is None:
        return {}
    if not isinstance(patch, dict):
        raise _invalid(group, "must be an object")
    merged = dict(current)
    for key, value in patch.items():
        if key not in GROUP_FIELDS[group]:
            raise _invalid(f"{group}.{key}", "unknown field")
        if value is None or (isinstance(value, str) and not value.strip()):
            merged.pop(key, None)
        else:
            merged[key] = _clean_field(group, key, value)
    return merged


def clean_social_links(links: Any) -> list[dict[str, str]]:
    if links is None:
        return []
    if not isinstance(links, list):
        raise _invalid("socialLinks", "must be a list of {network, url}")
    if len(links) > MAX_SOCIAL_LINKS:
        raise _invalid("socialLinks", f"at most {MAX_SOCIAL_LINKS} links")
    cleaned = []
    for index, link in enumerate(links):
        path = f"socialLinks[{index}]"
        if not isinstance(link, dict) or set(link) != {"network", "url"}:
            raise _invalid(path, "must be an object {network, url}")
        network = link["network"].strip().lower() if isinstance(link["network"], str) else ""
        if not _NETWORK.fullmatch(network):
            raise _invalid(f"{path}.network", "a name such as linkedin or instagram")
        cleaned.append({"network": network, "url": clean_url(link["url"], f"{path}.url")})
    return cleaned


def _clean_logos(organization: Organization, logos: Any) -> list[tuple[Asset, str]]:
    """Each logo must be a ready Asset of this Organization, each role used once."""
    if logos is None:
        return []
    if not isinstance(logos, list):
        raise _invalid("logos", "must be a list of {assetId, role}")
    if len(logos) > MAX_LOGOS:
        raise _invalid("logos", f"at most {MAX_LOGOS} logos")
    ids = [logo.get("assetId") if isinstance(logo, dict) else None for logo in logos]
    # Locked, so a concurrent delete of the asset either sees the new logo or makes it a 422.
    assets = Asset.objects.for_org(organization).ready().select_for_update()
    found = {asset.pk: asset for asset in assets.filter(pk__in=[i for i in ids if i])}
    cleaned: list[tuple[Asset, str]] = []
    for index, (logo, asset_id) in enumerate(zip(logos, ids, strict=True)):
        if asset_id not in found:
            raise _invalid(f"logos[{index}].assetId", "not a ready Asset of this Organization")
        role = logo.get("role")
        if role not in LogoRole.values:
            raise _invalid(f"logos[{index}].role", "must be primary, icon or dark")
        if any(role == used for _, used in cleaned):
            raise _invalid(f"logos[{index}].role", f"another logo already has the role {role}")
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


@transaction.atomic
def create_brand_kit(organization: Organization, data: dict[str, Any]) -> BrandKit:
    """A new kit from the API shape; the Organization's first kit is its default."""
    kit = BrandKit(organization=organization, name=clean_name(data.get("name")))
    _apply(kit, {key: value for key, value in data.items() if key not in ("name", "isDefault")})
    # The Organization before the logos' Assets, in the same order as update_brand_kit.
    _lock_org(organization)
    logos = _clean_logos(organization, data.get("logos"))
    is_first = not BrandKit.objects.for_org(organization).exists()
    if is_first or data.get("isDefault") is True:
        _make_default(kit)
    now = timezone.now()
    kit.created_at = kit.updated_at = now
    kit.save(force_insert=True)
    _set_logos(kit, logos)
    return kit


@transaction.atomic
def update_brand_kit(kit: BrandKit, changes: dict[str, Any]) -> BrandKit:
    """Apply a PATCH: nested objects merged field by field, lists replaced, None clears."""
    _lock_org(kit.organization)
    locked = BrandKit.objects.select_for_update().get(pk=kit.pk)
    if "name" in changes:
        locked.name = clean_name(changes["name"])
    _apply(locked, changes)
    if "logos" in changes:
        _set_logos(locked, _clean_logos(locked.organization, changes["logos"]))
    if changes.get("isDefault") is True:
        _make_default(locked)
    elif "isDefault" in changes and locked.is_default:
        raise _invalid("isDefault", "make another Brand Kit the default instead")
    locked.updated_at = timezone.now()
    locked.save()
    return locked


def _apply(kit: BrandKit, changes: dict[str, Any]) -> None:
    if "websiteUrl" in changes:
        url = changes["websiteUrl"]
        kit.website_url = clean_url(url, "websiteUrl") if url else ""
    for group in GROUP_FIELDS:
        if group in changes:
            setattr(kit, group, merge_group(group, getattr(kit, group), changes[group]))
    if "socialLinks" in changes:
        kit.social_links = clean_social_links(changes["socialLinks"])


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


def start_extraction(kit: BrandKit, url: Any, *, apply: bool = False) -> BrandExtraction:
    """Queue an import of the brand at `url` into `kit`. A URL that is plainly not a public
    http(s) address is refused now (`url_not_allowed`); what its host resolves to, and where
    it redirects, is checked by the job, which fails with a clear error."""
    if not isinstance(url, str) or not url.strip():
        raise _invalid("url", "field required")
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise _invalid("url", f"at most {MAX_URL_LENGTH} characters")
    if "://" not in url and not url.lower().startswith(("file:", "gopher:", "ftp:", "data:")):
        url = f"https://{url}"  # "acme.com", as people type it
    try:
        target = fetching.check_url(url)
    except fetching.FetchRefused as exc:
        raise ActionError("url_not_allowed", "url", f"This URL cannot be imported: {exc}.") from exc
    extraction = BrandExtraction.objects.create(
        organization=kit.organization, brand_kit=kit, url=target.url, apply=bool(apply)
    )
    # Imported lazily: the task module imports the job, which imports these actions.
    from .tasks import run_brand_extraction

    transaction.on_commit(lambda: run_brand_extraction.enqueue(extraction.pk))
    return extraction


# What `apply_extraction` can write, one name per part of the proposal.
EXTRACTION_PARTS = (
    "websiteUrl",
    "logos",
    *(f"colors.{name}" for name in COLOR_NAMES),
    *(f"fonts.{name}" for name in FONT_NAMES),
    "socialLinks",
)


@transaction.atomic
def apply_extraction(extraction: BrandExtraction, parts: Collection[str] | None = None) -> BrandKit:
    """Write a succeeded extraction's proposal (all of it, or the named `parts`) into its kit.
    Proposed logos replace the kit's logos of the same role; its other logos stay."""
    locked = BrandExtraction.objects.select_for_update().get(pk=extraction.pk)
    if locked.status != ExtractionStatus.SUCCEEDED or not locked.result:
        raise ActionError("invalid_state", None, "Only a finished import can be applied.")
    chosen = set(EXTRACTION_PARTS if parts is None else parts)
    if not chosen:
        raise _invalid("parts", "Select at least one part to apply.")
    if unknown := chosen - set(EXTRACTION_PARTS):
        raise _invalid("parts", f"unknown parts: {', '.join(sorted(unknown))}")
    result = locked.result
    kit = BrandKit.objects.select_for_update().get(pk=locked.brand_kit_id)
    changes: dict[str, Any] = {}
    if "websiteUrl" in chosen and result.get("websiteUrl"):
        changes["websiteUrl"] = result["websiteUrl"]
    if "logos" in chosen and result.get("logos"):
        proposed = {logo["role"]: logo["assetId"] for logo in result["logos"]}
        kept = [
            {"assetId": logo.asset_id, "role": logo.role}
            for logo in kit.logos.all()
            if logo.role not in proposed
        ]
        changes["logos"] = [
            *({"assetId": asset_id, "role": role} for role, asset_id in proposed.items()),
            *kept,
        ]
    for group in ("colors", "fonts"):
        values = {
            name: value
            for name, value in (result.get(group) or {}).items()
            if f"{group}.{name}" in chosen and value
        }
        if values:
            changes[group] = values
    if "socialLinks" in chosen and result.get("socialLinks"):
        changes["socialLinks"] = result["socialLinks"]
    updated = update_brand_kit(kit, changes)
    locked.applied_at = timezone.now()
    locked.save(update_fields=["applied_at"])
    return updated
