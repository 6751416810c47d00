"""Models of the SegmentFlow API, generated from openapi.json (scripts/generate_models.py).

Do not edit: regenerate.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal, Optional, Union

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    StringConstraints,
)
from typing_extensions import TypeAliasType


class OrganizationOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    id: str
    object: Literal["organization"]
    name: str
    slug: str
    created_at: Annotated[AwareDatetime, Field(alias="createdAt")]
    updated_at: Annotated[AwareDatetime, Field(alias="updatedAt")]


class ErrorField(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    path: str
    message: str
    line: int | None = None
    column: int | None = None


class After(RootModel[str]):
    root: Annotated[
        str,
        Field(
            description="The `nextCursor` of the previous page (opaque).",
            pattern="^[0-9]{1,16}_[a-z]{2,8}_[0-9a-z]{26}$",
        ),
    ]


class ProfileListQuery(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    limit: Annotated[
        int | None, Field(description="Page size, 1 to 100.", ge=1, le=100)
    ] = 20
    after: Annotated[
        After | None,
        Field(description="The `nextCursor` of the previous page (opaque)."),
    ] = None
    email: Annotated[
        str | None, Field(description="Exact email (case-insensitive).")
    ] = None
    external_id: Annotated[str | None, Field(alias="externalId")] = None
    subscription_status: Annotated[
        Literal["subscribed", "unsubscribed"] | None, Field(alias="subscriptionStatus")
    ] = None
    updated_since: Annotated[
        AwareDatetime | None,
        Field(
            alias="updatedSince",
            description="Only Profiles updated at or after this time.",
        ),
    ] = None


class SubscriptionOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    status: Literal["subscribed", "unsubscribed"]
    updated_at: Annotated[AwareDatetime, Field(alias="updatedAt")]
    source: str


class SuppressionOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    reason: str
    at: AwareDatetime


class ExternalId(RootModel[str]):
    root: Annotated[str, Field(max_length=255)]


class FirstName(RootModel[str]):
    root: Annotated[str, Field(max_length=200)]


class LastName(RootModel[str]):
    root: Annotated[str, Field(max_length=200)]


class Locale(RootModel[str]):
    root: Annotated[
        str,
        Field(
            max_length=35,
            pattern="^\\s*(?:[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*)?\\s*$",
        ),
    ]


class Timezone(RootModel[str]):
    root: Annotated[
        str, Field(description="An IANA time zone such as Europe/Paris.", max_length=64)
    ]


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
    )
    status: Literal["subscribed", "unsubscribed"]


class SubscriptionDetailOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    status: Literal["subscribed", "unsubscribed"]
    updated_at: Annotated[AwareDatetime, Field(alias="updatedAt")]
    source: str
    object: Literal["subscription"]
    profile_id: Annotated[str, Field(alias="profileId")]


class TemplateListQuery(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    limit: Annotated[
        int | None, Field(description="Page size, 1 to 100.", ge=1, le=100)
    ] = 20
    after: Annotated[
        After | None,
        Field(description="The `nextCursor` of the previous page (opaque)."),
    ] = None
    status: Literal["active", "archived"] | None = None
    purpose: Literal["transactional", "marketing"] | None = None


class TemplateOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    id: str
    object: Literal["template"]
    name: str
    subject: str
    preheader: str
    html: str
    text: str
    purpose: Literal["transactional", "marketing"]
    category: str
    tags: list[str]
    brand_kit_id: Annotated[str | None, Field(alias="brandKitId")]
    status: Literal["active", "archived"]
    merge_fields: Annotated[
        list[str],
        Field(alias="mergeFields", description="The variable paths the template uses."),
    ]
    version: int
    created_at: Annotated[AwareDatetime, Field(alias="createdAt")]
    updated_at: Annotated[AwareDatetime, Field(alias="updatedAt")]


class Preheader(RootModel[str]):
    root: Annotated[
        str,
        Field(description="Inbox preview text, hidden in the body.", max_length=2000),
    ]


class Text(RootModel[str]):
    root: Annotated[
        str,
        Field(
            description="Plain-text part; derived from html when empty.",
            max_length=1048576,
        ),
    ]


class Category(RootModel[str]):
    root: Annotated[str, Field(max_length=100)]


class BrandKitId(RootModel[str]):
    root: Annotated[
        str,
        Field(description="Without one, the default Brand Kit is used.", max_length=40),
    ]


class TemplateCreateIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
    )
    name: Annotated[
        str, Field(max_length=200, pattern="^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$")
    ]
    subject: Annotated[
        str,
        Field(
            description="A Liquid template too.",
            max_length=2000,
            pattern="^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$",
        ),
    ]
    preheader: Annotated[
        Preheader | None, Field(description="Inbox preview text, hidden in the body.")
    ] = None
    html: Annotated[
        str,
        Field(
            description="Liquid HTML, at most 512 KiB; a marketing template must contain `{{ unsubscribeUrl }}`.",
            max_length=1048576,
            pattern="^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$",
        ),
    ]
    text: Annotated[
        Text | None, Field(description="Plain-text part; derived from html when empty.")
    ] = None
    purpose: Literal["transactional", "marketing"]
    category: Category | None = None
    tags: list[str] | None = None
    brand_kit_id: Annotated[
        BrandKitId | None,
        Field(
            alias="brandKitId",
            description="Without one, the default Brand Kit is used.",
        ),
    ] = None


class Preheader1(RootModel[str]):
    root: Annotated[str, Field(max_length=2000)]


class Text1(RootModel[str]):
    root: Annotated[str, Field(max_length=1048576)]


class BrandKitId1(RootModel[str]):
    root: Annotated[str, Field(max_length=40)]


class TemplatePatchIn(BaseModel):
    """
    Every field is optional; a change of content increments `version`.
    """

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
    )
    name: Annotated[
        str | None,
        Field(max_length=200, pattern="^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"),
    ] = None
    subject: Annotated[
        str | None,
        Field(max_length=2000, pattern="^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"),
    ] = None
    preheader: Preheader1 | None = None
    html: Annotated[
        str | None,
        Field(max_length=1048576, pattern="^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"),
    ] = None
    text: Text1 | None = None
    purpose: Literal["transactional", "marketing"] | None = None
    category: Category | None = None
    tags: list[str] | None = None
    brand_kit_id: Annotated[BrandKitId1 | None, Field(alias="brandKitId")] = None


class RenderOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    object: Literal["rendered_email"]
    subject: str
    html: str
    text: str
    headers: Annotated[
        dict[str, str],
        Field(
            description="List-Unsubscribe and List-Unsubscribe-Post for marketing mail."
        ),
    ]


class ProfileId(RootModel[str]):
    root: Annotated[str, Field(max_length=40)]


class Filename(RootModel[str]):
    root: Annotated[
        str,
        Field(
            description="Assets whose filename contains this (any case).",
            max_length=255,
        ),
    ]


class AssetListQuery(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    limit: Annotated[
        int | None, Field(description="Page size, 1 to 100.", ge=1, le=100)
    ] = 20
    after: Annotated[
        After | None,
        Field(description="The `nextCursor` of the previous page (opaque)."),
    ] = None
    status: Literal["pending_upload", "ready", "failed"] | None = None
    filename: Annotated[
        Filename | None,
        Field(description="Assets whose filename contains this (any case)."),
    ] = None


class AssetOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    id: str
    object: Literal["asset"]
    filename: str
    content_type: Annotated[str, Field(alias="contentType")]
    size: int
    width: int | None
    height: int | None
    alt_text: Annotated[str, Field(alias="altText")]
    tags: list[str]
    status: Literal["pending_upload", "ready", "failed"]
    url: str | None
    thumbnail_url: Annotated[str | None, Field(alias="thumbnailUrl")]
    created_at: Annotated[AwareDatetime, Field(alias="createdAt")]
    updated_at: Annotated[AwareDatetime, Field(alias="updatedAt")]


class AltText(RootModel[str]):
    root: Annotated[str, Field(max_length=1000)]


class AssetCreateIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
    )
    filename: Annotated[
        str, Field(max_length=255, pattern="^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$")
    ]
    content_type: Annotated[
        Literal["image/png", "image/jpeg", "image/gif", "image/webp"],
        Field(
            alias="contentType",
            description="The type the client will upload: a hint only, finalize reads the bytes.",
        ),
    ]
    size: Annotated[
        int,
        Field(
            description="Bytes the client will upload; at most 10 MiB.",
            ge=1,
            le=10485760,
        ),
    ]
    alt_text: Annotated[AltText | None, Field(alias="altText")] = None
    tags: list[str] | None = None


class AssetPatchIn(BaseModel):
    """
    Every field is optional; `null` clears altText and tags.
    """

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
    )
    filename: Annotated[
        str | None,
        Field(max_length=255, pattern="^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"),
    ] = None
    alt_text: Annotated[AltText | None, Field(alias="altText")] = None
    tags: list[str] | None = None


class UploadSessionOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    object: Literal["upload_session"]
    upload_url: Annotated[str, Field(alias="uploadUrl")]
    method: Literal["PUT"]
    headers: dict[str, str]
    expires_at: Annotated[AwareDatetime, Field(alias="expiresAt")]


class PageQuery(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    limit: Annotated[
        int | None, Field(description="Page size, 1 to 100.", ge=1, le=100)
    ] = 20
    after: Annotated[
        After | None,
        Field(description="The `nextCursor` of the previous page (opaque)."),
    ] = None


class ColorsOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    primary: str | None = None
    secondary: str | None = None
    accent: str | None = None
    background: str | None = None
    text: str | None = None


class FontsOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    heading: str | None
    body: str | None
    heading_stack: Annotated[
        str,
        Field(
            alias="headingStack",
            description="`heading` with web-safe fallbacks, for CSS.",
        ),
    ]
    body_stack: Annotated[
        str,
        Field(
            alias="bodyStack", description="`body` with web-safe fallbacks, for CSS."
        ),
    ]


class FooterOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    company_name: Annotated[str | None, Field(alias="companyName")] = None
    address: str | None = None


class LogoOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    asset_id: Annotated[str, Field(alias="assetId")]
    role: Literal["primary", "icon", "dark"]


class SenderOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    from_name: Annotated[str | None, Field(alias="fromName")] = None
    from_email: Annotated[str | None, Field(alias="fromEmail")] = None
    reply_to: Annotated[str | None, Field(alias="replyTo")] = None


class SocialLinkOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    network: str
    url: str


class WebsiteUrl(RootModel[str]):
    root: Annotated[str, Field(max_length=2000)]


class Primary(RootModel[str]):
    root: Annotated[
        str,
        Field(
            max_length=7, pattern="^\\s*(?:#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}))?\\s*$"
        ),
    ]


class Secondary(RootModel[str]):
    root: Annotated[
        str,
        Field(
            max_length=7, pattern="^\\s*(?:#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}))?\\s*$"
        ),
    ]


class Accent(RootModel[str]):
    root: Annotated[
        str,
        Field(
            max_length=7, pattern="^\\s*(?:#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}))?\\s*$"
        ),
    ]


class Background(RootModel[str]):
    root: Annotated[
        str,
        Field(
            max_length=7, pattern="^\\s*(?:#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}))?\\s*$"
        ),
    ]


class Text2(RootModel[str]):
    root: Annotated[
        str,
        Field(
            max_length=7, pattern="^\\s*(?:#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}))?\\s*$"
        ),
    ]


class ColorsIn(BaseModel):
    """
    Each `#rrggbb` (or `#rgb`); `null` clears one.
    """

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
    )
    primary: Primary | None = None
    secondary: Secondary | None = None
    accent: Accent | None = None
    background: Background | None = None
    text: Text2 | None = None


class Heading(RootModel[str]):
    root: Annotated[str, Field(max_length=100)]


class Body(RootModel[str]):
    root: Annotated[str, Field(max_length=100)]


class FontsIn(BaseModel):
    """
    Font family names, e.g. `Inter`; `null` clears one.
    """

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
    )
    heading: Heading | None = None
    body: Body | None = None


class CompanyName(RootModel[str]):
    root: Annotated[str, Field(max_length=200)]


class Address(RootModel[str]):
    root: Annotated[str, Field(max_length=1000)]


class FooterIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
    )
    company_name: Annotated[CompanyName | None, Field(alias="companyName")] = None
    address: Address | None = None


class LogoIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
    )
    asset_id: Annotated[str, Field(alias="assetId", max_length=40)]
    role: Literal["primary", "icon", "dark"]


class FromName(RootModel[str]):
    root: Annotated[str, Field(max_length=200)]


class FromEmail(RootModel[str]):
    root: Annotated[str, Field(max_length=254)]


class ReplyTo(RootModel[str]):
    root: Annotated[str, Field(max_length=254)]


class SenderIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
    )
    from_name: Annotated[FromName | None, Field(alias="fromName")] = None
    from_email: Annotated[FromEmail | None, Field(alias="fromEmail")] = None
    reply_to: Annotated[ReplyTo | None, Field(alias="replyTo")] = None


class SocialLinkIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
    )
    network: Annotated[
        str,
        Field(
            description="e.g. linkedin, instagram, x (stored lower-cased)",
            max_length=50,
            pattern="^\\s*[A-Za-z0-9][A-Za-z0-9_-]{0,49}\\s*$",
        ),
    ]
    url: Annotated[str, Field(description="An http(s) URL.", max_length=2000)]


class Logos(RootModel[list[LogoIn]]):
    root: Annotated[list[LogoIn], Field(max_length=10)]


class SocialLinks(RootModel[list[SocialLinkIn]]):
    root: Annotated[list[SocialLinkIn], Field(max_length=20)]


class BrandKitPatchIn(BaseModel):
    """
    Every field is optional. colors, fonts, sender and footer are merged field by field
    (`null` clears a field, or the whole object); logos and socialLinks are replaced.
    """

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
    )
    name: Annotated[
        str | None,
        Field(max_length=200, pattern="^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"),
    ] = None
    is_default: Annotated[
        bool | None,
        Field(
            alias="isDefault",
            description="`true` makes this the default kit (the previous one stops being it).",
        ),
    ] = None
    website_url: Annotated[WebsiteUrl | None, Field(alias="websiteUrl")] = None
    logos: Logos | None = None
    colors: ColorsIn | None = None
    fonts: FontsIn | None = None
    sender: SenderIn | None = None
    footer: FooterIn | None = None
    social_links: Annotated[SocialLinks | None, Field(alias="socialLinks")] = None


class ExtractedFontsOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    heading: str | None = None
    body: str | None = None


class ExtractedLogoOut(BaseModel):
    """
    A logo the import stored in the asset library: the Asset, with the role it proposes
    and where it was found.
    """

    model_config = ConfigDict(
        populate_by_name=True,
    )
    id: str
    object: Literal["asset"]
    filename: str
    content_type: Annotated[str, Field(alias="contentType")]
    size: int
    width: int | None
    height: int | None
    alt_text: Annotated[str, Field(alias="altText")]
    tags: list[str]
    status: Literal["pending_upload", "ready", "failed"]
    url: str | None
    thumbnail_url: Annotated[str | None, Field(alias="thumbnailUrl")]
    created_at: Annotated[AwareDatetime, Field(alias="createdAt")]
    updated_at: Annotated[AwareDatetime, Field(alias="updatedAt")]
    role: Literal["primary", "icon", "dark"]
    source_url: Annotated[str, Field(alias="sourceUrl")]
    source: Annotated[
        str,
        Field(description="img-logo, header-img, apple-touch-icon, icon or og-image"),
    ]


class ExtractionResultOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    name: str | None
    website_url: Annotated[
        str | None,
        Field(alias="websiteUrl", description="The page read, after redirects."),
    ]
    logos: list[ExtractedLogoOut]
    colors: ColorsOut
    fonts: ExtractedFontsOut
    social_links: Annotated[list[SocialLinkOut], Field(alias="socialLinks")]
    notes: Annotated[
        list[str], Field(description="What was found but not used, and why.")
    ]


class ExtractionStartIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
    )
    url: Annotated[
        str,
        Field(
            description="The website, e.g. https://acme.com",
            max_length=2000,
            pattern="^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$",
        ),
    ]
    apply: Annotated[
        bool | None,
        Field(
            description="Write the result into the Brand Kit when the import succeeds; otherwise it waits for review."
        ),
    ] = False


class DkimOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    selector: str | None
    algorithm: str
    key_bits: Annotated[int, Field(alias="keyBits")]
    previous_selector: Annotated[str | None, Field(alias="previousSelector")]


class DnsRecordOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    purpose: Literal["spf", "dkim", "dmarc"]
    type: Literal["TXT"]
    name: Annotated[
        str, Field(description="Fully qualified, without the trailing dot.")
    ]
    value: str
    status: Literal["not_started", "pending", "verified", "failed", "temporary_failure"]
    problem: Annotated[
        str | None, Field(description="What is wrong, in words; null when it is right.")
    ]


class DomainOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    id: str
    object: Literal["sending_domain"]
    domain: str
    status: Literal["not_started", "pending", "verified", "failed", "temporary_failure"]
    records: list[DnsRecordOut]
    dkim: DkimOut
    last_checked_at: Annotated[AwareDatetime | None, Field(alias="lastCheckedAt")]
    verified_at: Annotated[AwareDatetime | None, Field(alias="verifiedAt")]
    created_at: Annotated[AwareDatetime, Field(alias="createdAt")]
    updated_at: Annotated[AwareDatetime, Field(alias="updatedAt")]


class DomainCreateIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
    )
    domain: Annotated[
        str,
        Field(
            description="The domain mail will come from, e.g. example.com (IDN allowed)",
            examples=["example.com"],
            pattern="^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$",
        ),
    ]


class StatusChangeOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    status: Literal[
        "scheduled",
        "queued",
        "sending",
        "sent",
        "delivered",
        "bounced",
        "complained",
        "failed",
        "suppressed",
        "cancelled",
    ]
    at: Annotated[str, Field(description="ISO 8601 in UTC.")]
    detail: str


class From(RootModel[str]):
    root: Annotated[
        str,
        Field(
            description='"Name <addr@domain>"; defaults to the Brand Kit sender.',
            examples=["Acme <hello@acme.com>"],
            max_length=500,
        ),
    ]


class ReplyTo1(RootModel[str]):
    root: Annotated[str, Field(max_length=500)]


class Subject(RootModel[str]):
    root: Annotated[
        str,
        Field(
            description="Replaces the template's subject (plain text).", max_length=2000
        ),
    ]


TagsAdditionalProperty = TypeAliasType(
    "TagsAdditionalProperty", Annotated[str, Field(max_length=256)]
)


class RecipientIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
    )
    email: Annotated[str, Field(examples=["ada@example.com"], max_length=254)]
    first_name: Annotated[FirstName | None, Field(alias="firstName")] = None
    last_name: Annotated[LastName | None, Field(alias="lastName")] = None


class EmailListQuery(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    limit: Annotated[
        int | None, Field(description="Page size, 1 to 100.", ge=1, le=100)
    ] = 20
    after: Annotated[
        After | None,
        Field(description="The `nextCursor` of the previous page (opaque)."),
    ] = None
    status: (
        Literal[
            "scheduled",
            "queued",
            "sending",
            "sent",
            "delivered",
            "bounced",
            "complained",
            "failed",
            "suppressed",
            "cancelled",
        ]
        | None
    ) = None
    profile_id: Annotated[str | None, Field(alias="profileId")] = None
    template_id: Annotated[str | None, Field(alias="templateId")] = None
    journey_id: Annotated[str | None, Field(alias="journeyId")] = None


class ItemErrorFieldOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    path: str
    message: str


class ItemErrorOut(BaseModel):
    """
    The envelope's `error` without `requestId` (the batch's response carries one).
    """

    model_config = ConfigDict(
        populate_by_name=True,
    )
    error_code: Annotated[str, Field(alias="errorCode")]
    message: str
    fields: list[ItemErrorFieldOut] | None = None


class UserEventOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    id: str
    object: Literal["user_event"]
    name: str
    profile_id: Annotated[str, Field(alias="profileId")]
    properties: dict[str, Any]
    occurred_at: Annotated[AwareDatetime, Field(alias="occurredAt")]
    received_at: Annotated[AwareDatetime, Field(alias="receivedAt")]
    created_at: Annotated[AwareDatetime, Field(alias="createdAt")]
    updated_at: Annotated[AwareDatetime, Field(alias="updatedAt")]


class Email(RootModel[str]):
    root: Annotated[str, Field(examples=["ada@example.com"], max_length=254)]


class ExternalId2(RootModel[str]):
    root: Annotated[
        str, Field(max_length=255, pattern="^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$")
    ]


class BatchTrackedOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    event: UserEventOut
    matched_journeys: Annotated[
        int,
        Field(
            alias="matchedJourneys",
            description="How many Journeys this event started a run of.",
        ),
    ]
    journey_ids: Annotated[list[str], Field(alias="journeyIds")]
    index: int


class MeOut(BaseModel):
    """
    The API key making the request.
    """

    model_config = ConfigDict(
        populate_by_name=True,
    )
    id: str
    object: Literal["api_key"]
    name: str
    scopes: list[str]
    rate_limit: Annotated[int | None, Field(alias="rateLimit")]
    last_used_at: Annotated[AwareDatetime | None, Field(alias="lastUsedAt")]
    expires_at: Annotated[AwareDatetime | None, Field(alias="expiresAt")]
    created_at: Annotated[AwareDatetime, Field(alias="createdAt")]
    updated_at: Annotated[AwareDatetime, Field(alias="updatedAt")]
    organization: OrganizationOut


class ErrorDetail(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    error_code: Annotated[str, Field(alias="errorCode")]
    message: str
    request_id: Annotated[str, Field(alias="requestId")]
    fields: list[ErrorField] | None = None


class ErrorEnvelope(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    error: ErrorDetail


class ProfileOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    id: str
    object: Literal["profile"]
    email: Annotated[
        str | None,
        Field(
            description="Null only for a Profile an event created from its externalId alone."
        ),
    ]
    external_id: Annotated[str | None, Field(alias="externalId")]
    first_name: Annotated[str | None, Field(alias="firstName")]
    last_name: Annotated[str | None, Field(alias="lastName")]
    locale: str | None
    timezone: str | None
    attributes: dict[str, Any]
    subscription: SubscriptionOut
    suppressed: SuppressionOut | None
    created_at: Annotated[AwareDatetime, Field(alias="createdAt")]
    updated_at: Annotated[AwareDatetime, Field(alias="updatedAt")]


class TemplateList(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    object: Literal["list"]
    data: list[TemplateOut]
    has_more: Annotated[bool, Field(alias="hasMore")]
    next_cursor: Annotated[str | None, Field(alias="nextCursor")]


class AssetList(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    object: Literal["list"]
    data: list[AssetOut]
    has_more: Annotated[bool, Field(alias="hasMore")]
    next_cursor: Annotated[str | None, Field(alias="nextCursor")]


class BrandKitOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    id: str
    object: Literal["brand_kit"]
    name: str
    is_default: Annotated[bool, Field(alias="isDefault")]
    website_url: Annotated[str | None, Field(alias="websiteUrl")]
    logos: list[LogoOut]
    colors: ColorsOut
    fonts: FontsOut
    sender: SenderOut
    footer: FooterOut
    social_links: Annotated[list[SocialLinkOut], Field(alias="socialLinks")]
    created_at: Annotated[AwareDatetime, Field(alias="createdAt")]
    updated_at: Annotated[AwareDatetime, Field(alias="updatedAt")]


class BrandKitCreateIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
    )
    name: Annotated[
        str, Field(max_length=200, pattern="^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$")
    ]
    is_default: Annotated[
        bool | None,
        Field(
            alias="isDefault",
            description="Make this the default kit; the first kit always is.",
        ),
    ] = None
    website_url: Annotated[WebsiteUrl | None, Field(alias="websiteUrl")] = None
    logos: Logos | None = None
    colors: ColorsIn | None = None
    fonts: FontsIn | None = None
    sender: SenderIn | None = None
    footer: FooterIn | None = None
    social_links: Annotated[SocialLinks | None, Field(alias="socialLinks")] = None


class BrandExtractionOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    id: str
    object: Literal["brand_extraction"]
    brand_kit_id: Annotated[str, Field(alias="brandKitId")]
    url: str
    apply: bool
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: Annotated[int, Field(ge=0, le=100)]
    step: str
    result: ExtractionResultOut | None
    error: str | None
    created_at: Annotated[AwareDatetime, Field(alias="createdAt")]
    updated_at: Annotated[AwareDatetime, Field(alias="updatedAt")]
    started_at: Annotated[AwareDatetime | None, Field(alias="startedAt")]
    finished_at: Annotated[AwareDatetime | None, Field(alias="finishedAt")]
    applied_at: Annotated[AwareDatetime | None, Field(alias="appliedAt")]


class DomainList(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    object: Literal["list"]
    data: list[DomainOut]
    has_more: Annotated[bool, Field(alias="hasMore")]
    next_cursor: Annotated[str | None, Field(alias="nextCursor")]


class EmailSendOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    id: str
    object: Literal["email_send"]
    profile_id: Annotated[str | None, Field(alias="profileId")]
    template_id: Annotated[str | None, Field(alias="templateId")]
    template_version: Annotated[int, Field(alias="templateVersion")]
    to: str
    from_: Annotated[str, Field(alias="from")]
    reply_to: Annotated[str | None, Field(alias="replyTo")]
    subject: str
    status: Literal[
        "scheduled",
        "queued",
        "sending",
        "sent",
        "delivered",
        "bounced",
        "complained",
        "failed",
        "suppressed",
        "cancelled",
    ]
    status_history: Annotated[list[StatusChangeOut], Field(alias="statusHistory")]
    sandbox: Annotated[
        bool, Field(description="True when the configured mailer delivers nowhere.")
    ]
    test: Annotated[bool, Field(description="A dashboard test send.")]
    message_id: Annotated[
        str | None,
        Field(alias="messageId", description="The Message-ID header, once sent."),
    ]
    tags: dict[str, str]
    journey_id: Annotated[str | None, Field(alias="journeyId")]
    scheduled_at: Annotated[AwareDatetime | None, Field(alias="scheduledAt")]
    sent_at: Annotated[AwareDatetime | None, Field(alias="sentAt")]
    created_at: Annotated[AwareDatetime, Field(alias="createdAt")]
    updated_at: Annotated[AwareDatetime, Field(alias="updatedAt")]


class EmailSendList(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    object: Literal["list"]
    data: list[EmailSendOut]
    has_more: Annotated[bool, Field(alias="hasMore")]
    next_cursor: Annotated[str | None, Field(alias="nextCursor")]


class BatchAcceptedOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    index: int
    email_send: Annotated[EmailSendOut, Field(alias="emailSend")]


class BatchRefusedOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    index: int
    error: ItemErrorOut


class BatchSendOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    object: Literal["list"]
    data: Annotated[
        list[BatchAcceptedOut | BatchRefusedOut],
        Field(
            description="One entry per item, in order: the EmailSend, or why the item was refused."
        ),
    ]


class EventTrackOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    event: UserEventOut
    matched_journeys: Annotated[
        int,
        Field(
            alias="matchedJourneys",
            description="How many Journeys this event started a run of.",
        ),
    ]
    journey_ids: Annotated[list[str], Field(alias="journeyIds")]


class EventBatchOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    object: Literal["list"]
    data: Annotated[
        list[BatchTrackedOut | BatchRefusedOut],
        Field(
            description="One entry per event, in order: what it matched, or why it was refused."
        ),
    ]


class ProfileList(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    object: Literal["list"]
    data: list[ProfileOut]
    has_more: Annotated[bool, Field(alias="hasMore")]
    next_cursor: Annotated[str | None, Field(alias="nextCursor")]


class BrandKitList(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
    )
    object: Literal["list"]
    data: list[BrandKitOut]
    has_more: Annotated[bool, Field(alias="hasMore")]
    next_cursor: Annotated[str | None, Field(alias="nextCursor")]


class ProfileCreateIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
    )
    email: Annotated[str, Field(max_length=254)]
    external_id: Annotated[ExternalId | None, Field(alias="externalId")] = None
    first_name: Annotated[FirstName | None, Field(alias="firstName")] = None
    last_name: Annotated[LastName | None, Field(alias="lastName")] = None
    locale: Locale | None = None
    timezone: Annotated[
        Timezone | None, Field(description="An IANA time zone such as Europe/Paris.")
    ] = None
    attributes: dict[str, Optional["JsonValue"]] | None = None
    subscription: SubscriptionIn | None = None


class ProfilePatchIn(BaseModel):
    """
    Every field is optional; `null` clears it, and `attributes` is merged key by key.
    """

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
    )
    email: Annotated[str | None, Field(max_length=254)] = None
    external_id: Annotated[ExternalId | None, Field(alias="externalId")] = None
    first_name: Annotated[FirstName | None, Field(alias="firstName")] = None
    last_name: Annotated[LastName | None, Field(alias="lastName")] = None
    locale: Locale | None = None
    timezone: Annotated[
        Timezone | None, Field(description="An IANA time zone such as Europe/Paris.")
    ] = None
    attributes: dict[str, Optional["JsonValue"]] | None = None


class RenderIn(BaseModel):
    """
    The recipient, as a saved Profile (`profileId`) or inline fields (`profile`), and the
    template's `data`.
    """

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
    )
    profile_id: Annotated[ProfileId | None, Field(alias="profileId")] = None
    profile: Annotated[
        dict[str, Optional["JsonValue"]] | None,
        Field(
            description="Fields the template reads as profile.*, e.g. {firstName: 'Ada'}"
        ),
    ] = None
    data: dict[str, Optional["JsonValue"]] | None = None


class EmailSendIn(BaseModel):
    """
    One email: exactly one of `profileId` or `to` (which upserts the Profile by email).
    """

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
    )
    profile_id: Annotated[ProfileId | None, Field(alias="profileId")] = None
    to: Annotated[
        RecipientIn | None,
        Field(
            description="The recipient by address; the Profile is created if it is new."
        ),
    ] = None
    template_id: Annotated[str, Field(alias="templateId", max_length=40)]
    data: Annotated[
        dict[str, Optional["JsonValue"]] | None,
        Field(description="Merge data, `data.*` in the template."),
    ] = None
    from_: Annotated[
        From | None,
        Field(
            alias="from",
            description='"Name <addr@domain>"; defaults to the Brand Kit sender.',
            examples=["Acme <hello@acme.com>"],
        ),
    ] = None
    reply_to: Annotated[ReplyTo1 | None, Field(alias="replyTo")] = None
    subject: Annotated[
        Subject | None,
        Field(description="Replaces the template's subject (plain text)."),
    ] = None
    brand_kit_id: Annotated[BrandKitId1 | None, Field(alias="brandKitId")] = None
    tags: Annotated[
        dict[
            Annotated[str, StringConstraints(min_length=1, max_length=256)],
            TagsAdditionalProperty,
        ]
        | None,
        Field(description="Up to 20 string values.", max_length=20),
    ] = None
    scheduled_at: Annotated[
        AwareDatetime | None,
        Field(
            alias="scheduledAt",
            description="Send at this time (up to 30 days ahead) instead of now.",
        ),
    ] = None


class BatchSendIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
    )
    emails: Annotated[
        list[EmailSendIn],
        Field(
            description="1 to 100 sends, each as `emails.send` takes it.",
            max_length=100,
            min_length=1,
        ),
    ]


class EventTrackIn(BaseModel):
    """
    One event of one Profile, named by `profileId`, `email` or `externalId` (an unknown
    email or externalId creates the Profile; identifiers naming different Profiles are 422).
    """

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
    )
    name: Annotated[
        str,
        Field(
            examples=["order.completed"],
            max_length=200,
            min_length=1,
            pattern="^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$",
        ),
    ]
    profile_id: Annotated[ProfileId | None, Field(alias="profileId")] = None
    email: Annotated[Email | None, Field(examples=["ada@example.com"])] = None
    external_id: Annotated[ExternalId2 | None, Field(alias="externalId")] = None
    properties: Annotated[
        dict[str, Optional["JsonValue"]] | None,
        Field(
            description="At most 64 KiB of JSON; `event.properties.*` in Journeys.",
            examples=[{"orderId": "A-1001", "total": 84.5}],
        ),
    ] = None
    occurred_at: Annotated[
        AwareDatetime | None,
        Field(
            alias="occurredAt",
            description="When it happened (defaults to when it is received).",
        ),
    ] = None


class EventBatchIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
    )
    events: Annotated[
        list[EventTrackIn],
        Field(
            description="1 to 500 events, each as `events.track` takes it.",
            max_length=500,
            min_length=1,
        ),
    ]


class JsonValue(
    RootModel[
        Optional[
            Union[
                str,
                float,
                bool,
                list[Optional["JsonValue"]],
                dict[str, Optional["JsonValue"]],
            ]
        ]
    ]
):
    root: Annotated[
        Optional[
            Union[
                str,
                float,
                bool,
                list[Optional["JsonValue"]],
                dict[str, Optional["JsonValue"]],
            ]
        ],
        Field(
            description="Any JSON value: text and keys without NUL, finite numbers (integers within ±10^100), nested at most 32 levels."
        ),
    ]


ProfileCreateIn.model_rebuild()
ProfilePatchIn.model_rebuild()
RenderIn.model_rebuild()
EmailSendIn.model_rebuild()
EventTrackIn.model_rebuild()
