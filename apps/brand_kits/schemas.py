from __future__ import annotations

from typing import Annotated, Any, Literal

from ninja import Field
from pydantic import ConfigDict, StrictBool, field_validator
from pydantic.alias_generators import to_camel
from pydantic.json_schema import JsonDict

from apps.assets.models import Asset
from apps.assets.schemas import AssetOut
from segmentflow.pagination import ListOut
from segmentflow.schemas import InSchema, Omittable, OutSchema, Timestamp, non_blank

from .fonts import font_stack
from .models import BrandExtraction, BrandKit

Role = Literal["primary", "icon", "dark"]


class LogoIn(InSchema):
    asset_id: str = Field(max_length=40)
    role: Role


# `#rrggbb` or `#rgb` (stored as `#rrggbb`), or blank to clear; the actions strip spaces.
COLOR: JsonDict = {"pattern": r"^\s*(?:#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}))?\s*$"}


class ColorsIn(InSchema):
    """Each `#rrggbb` (or `#rgb`); `null` clears one."""

    primary: str | None = Field(None, max_length=7, json_schema_extra=COLOR)
    secondary: str | None = Field(None, max_length=7, json_schema_extra=COLOR)
    accent: str | None = Field(None, max_length=7, json_schema_extra=COLOR)
    background: str | None = Field(None, max_length=7, json_schema_extra=COLOR)
    text: str | None = Field(None, max_length=7, json_schema_extra=COLOR)


class FontsIn(InSchema):
    """Font family names, e.g. `Inter`; `null` clears one."""

    heading: str | None = Field(None, max_length=100)
    body: str | None = Field(None, max_length=100)


class SenderIn(InSchema):
    from_name: str | None = Field(None, max_length=200)
    from_email: str | None = Field(None, max_length=254)
    reply_to: str | None = Field(None, max_length=254)


class FooterIn(InSchema):
    company_name: str | None = Field(None, max_length=200)
    address: str | None = Field(None, max_length=1000)


class SocialLinkIn(InSchema):
    network: str = Field(
        max_length=50,
        description="e.g. linkedin, instagram, x (stored lower-cased)",
        json_schema_extra={"pattern": r"^\s*[A-Za-z0-9][A-Za-z0-9_-]{0,49}\s*$"},
    )
    url: str = Field(max_length=2000, description="An http(s) URL.")


class BrandKitCreateIn(InSchema):
    name: str = Field(max_length=200, json_schema_extra=non_blank())
    is_default: StrictBool | None = Field(
        None, description="Make this the default kit; the first kit always is."
    )
    website_url: str | None = Field(None, max_length=2000)
    logos: list[LogoIn] | None = Field(None, max_length=10)
    colors: ColorsIn | None = None
    fonts: FontsIn | None = None
    sender: SenderIn | None = None
    footer: FooterIn | None = None
    social_links: list[SocialLinkIn] | None = Field(None, max_length=20)


class BrandKitPatchIn(InSchema):
    """Every field is optional. colors, fonts, sender and footer are merged field by field
    (`null` clears a field, or the whole object); logos and socialLinks are replaced."""

    name: Omittable[Annotated[str, Field(max_length=200)]] = Field(
        None, json_schema_extra=non_blank()
    )
    is_default: Omittable[StrictBool] = Field(
        None, description="`true` makes this the default kit (the previous one stops being it)."
    )
    website_url: str | None = Field(None, max_length=2000)
    logos: list[LogoIn] | None = Field(None, max_length=10)
    colors: ColorsIn | None = None
    fonts: FontsIn | None = None
    sender: SenderIn | None = None
    footer: FooterIn | None = None
    social_links: list[SocialLinkIn] | None = Field(None, max_length=20)

    @field_validator("name", "is_default")
    @classmethod
    def _cannot_be_null(cls, value: Any) -> Any:
        # Only runs when the field is sent: an explicit null is refused, absence is fine.
        if value is None:
            raise ValueError("cannot be null")
        return value


class StoredOut(OutSchema):
    """A nested object read from its stored JSON, whose keys are already camelCase."""

    model_config = ConfigDict(
        alias_generator=to_camel, validate_by_name=True, validate_by_alias=True
    )


class ColorsOut(StoredOut):
    primary: str | None = None
    secondary: str | None = None
    accent: str | None = None
    background: str | None = None
    text: str | None = None


class FontsOut(OutSchema):
    heading: str | None
    body: str | None
    heading_stack: str = Field(description="`heading` with web-safe fallbacks, for CSS.")
    body_stack: str = Field(description="`body` with web-safe fallbacks, for CSS.")


class SenderOut(StoredOut):
    from_name: str | None = None
    from_email: str | None = None
    reply_to: str | None = None


class FooterOut(StoredOut):
    company_name: str | None = None
    address: str | None = None


class LogoOut(OutSchema):
    asset_id: str
    role: Role


class SocialLinkOut(OutSchema):
    network: str
    url: str


class BrandKitOut(OutSchema):
    id: str
    object: str = "brand_kit"
    name: str
    is_default: bool
    website_url: str | None
    logos: list[LogoOut]
    colors: ColorsOut
    fonts: FontsOut
    sender: SenderOut
    footer: FooterOut
    social_links: list[SocialLinkOut]
    created_at: Timestamp
    updated_at: Timestamp

    @staticmethod
    def resolve_website_url(obj: BrandKit) -> str | None:
        return obj.website_url or None

    @staticmethod
    def resolve_logos(obj: BrandKit) -> list[dict[str, str]]:
        return [{"asset_id": logo.asset_id, "role": logo.role} for logo in obj.logos.all()]

    @staticmethod
    def resolve_fonts(obj: BrandKit) -> dict[str, Any]:
        heading, body = obj.fonts.get("heading"), obj.fonts.get("body")
        return {
            "heading": heading,
            "body": body,
            "heading_stack": font_stack(heading),
            "body_stack": font_stack(body),
        }


class BrandKitList(ListOut[BrandKitOut]):
    pass


class ExtractionStartIn(InSchema):
    url: str = Field(
        max_length=2000,
        description="The website, e.g. https://acme.com",
        json_schema_extra=non_blank(),
    )
    apply: StrictBool = Field(
        False,
        description="Write the result into the Brand Kit when the import succeeds; "
        "otherwise it waits for review.",
    )


class ExtractedLogoOut(AssetOut):
    """A logo the import stored in the asset library: the Asset, with the role it proposes
    and where it was found."""

    role: Role
    source_url: str
    source: str = Field(description="img-logo, header-img, apple-touch-icon, icon or og-image")


class ExtractedFontsOut(StoredOut):
    heading: str | None = None
    body: str | None = None


class ExtractionResultOut(OutSchema):
    name: str | None
    website_url: str | None = Field(description="The page read, after redirects.")
    logos: list[ExtractedLogoOut]
    colors: ColorsOut
    fonts: ExtractedFontsOut
    social_links: list[SocialLinkOut]
    notes: list[str] = Field(description="What was found but not used, and why.")


class BrandExtractionOut(OutSchema):
    id: str
    object: str = "brand_extraction"
    brand_kit_id: str
    url: str
    apply: bool
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: int = Field(ge=0, le=100)
    step: str
    result: ExtractionResultOut | None
    error: str | None
    created_at: Timestamp
    updated_at: Timestamp
    started_at: Timestamp | None
    finished_at: Timestamp | None
    applied_at: Timestamp | None

    @staticmethod
    def resolve_error(obj: BrandExtraction) -> str | None:
        return obj.error or None

    @staticmethod
    def resolve_result(obj: BrandExtraction) -> dict[str, Any] | None:
        if not obj.result:
            return None
        result = obj.result
        logos = result.get("logos") or []
        # A logo deleted from the library since is left out rather than shown broken.
        assets = Asset.objects.filter(organization_id=obj.organization_id).in_bulk(
            [logo["assetId"] for logo in logos]
        )
        shown = []
        for logo in logos:
            if asset := assets.get(logo["assetId"]):
                asset.role = logo["role"]  # type: ignore[attr-defined]
                asset.source_url = logo.get("sourceUrl", "")  # type: ignore[attr-defined]
                asset.source = logo.get("source", "")  # type: ignore[attr-defined]
                shown.append(asset)
        return {
            "name": result.get("name"),
            "website_url": result.get("websiteUrl"),
            "logos": shown,
            "colors": result.get("colors") or {},
            "fonts": result.get("fonts") or {},
            "social_links": result.get("socialLinks") or [],
            "notes": result.get("notes") or [],
        }
