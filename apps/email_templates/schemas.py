from __future__ import annotations

from typing import Annotated, Any, Literal

from ninja import Field
from pydantic import ConfigDict, field_validator

from segmentflow.pagination import ListOut, PageQuery
from segmentflow.schemas import InSchema, Omittable, OutSchema, Timestamp, non_blank

Purpose = Literal["transactional", "marketing"]
Status = Literal["active", "archived"]
# The API's 1 MiB body limit bounds every source; the renderer refuses one over 512 KiB.
SOURCE_MAX = 1024 * 1024


class TemplateCreateIn(InSchema):
    name: str = Field(max_length=200, json_schema_extra=non_blank())
    subject: str = Field(
        max_length=2000, description="A Liquid template too.", json_schema_extra=non_blank()
    )
    preheader: str | None = Field(
        None, max_length=2000, description="Inbox preview text, hidden in the body."
    )
    html: str = Field(
        max_length=SOURCE_MAX,
        description=(
            "Liquid HTML, at most 512 KiB; a marketing template must contain "
            "`{{ unsubscribeUrl }}`."
        ),
        json_schema_extra=non_blank(),
    )
    text: str | None = Field(
        None, max_length=SOURCE_MAX, description="Plain-text part; derived from html when empty."
    )
    purpose: Purpose
    category: str | None = Field(None, max_length=100)
    tags: list[str] | None = None
    brand_kit_id: str | None = Field(
        None, max_length=40, description="Without one, the default Brand Kit is used."
    )


class TemplatePatchIn(InSchema):
    """Every field is optional; a change of content increments `version`."""

    name: Omittable[Annotated[str, Field(max_length=200)]] = Field(
        None, json_schema_extra=non_blank()
    )
    subject: Omittable[Annotated[str, Field(max_length=2000)]] = Field(
        None, json_schema_extra=non_blank()
    )
    preheader: str | None = Field(None, max_length=2000)
    html: Omittable[Annotated[str, Field(max_length=SOURCE_MAX)]] = Field(
        None, json_schema_extra=non_blank()
    )
    text: str | None = Field(None, max_length=SOURCE_MAX)
    purpose: Omittable[Purpose] = None
    category: str | None = Field(None, max_length=100)
    tags: list[str] | None = None
    brand_kit_id: str | None = Field(None, max_length=40)

    @field_validator("name", "subject", "html", "purpose")
    @classmethod
    def _cannot_be_null(cls, value: Any) -> Any:
        # Only runs when the field is sent: an explicit null is refused, absence is fine.
        if value is None:
            raise ValueError("cannot be null")
        return value


class TemplateOut(OutSchema):
    id: str
    object: str = "template"
    name: str
    subject: str
    preheader: str
    html: str
    text: str
    purpose: Purpose
    category: str
    tags: list[str]
    brand_kit_id: str | None
    status: Status
    merge_fields: list[str] = Field(description="The variable paths the template uses.")
    version: int
    created_at: Timestamp
    updated_at: Timestamp


class TemplateList(ListOut[TemplateOut]):
    pass


class TemplateListQuery(PageQuery):
    status: Status | None = None
    purpose: Purpose | None = None


class RenderIn(InSchema):
    """The recipient, as a saved Profile (`profileId`) or inline fields (`profile`), and the
    template's `data`."""

    model_config = ConfigDict(
        json_schema_extra={
            "not": {
                "required": ["profileId", "profile"],
                "properties": {"profileId": {"type": "string"}, "profile": {"type": "object"}},
            }
        }
    )

    profile_id: str | None = Field(None, max_length=40)
    profile: dict[str, Any] | None = Field(
        None, description="Fields the template reads as profile.*, e.g. {firstName: 'Ada'}"
    )
    data: dict[str, Any] | None = None


class RenderOut(OutSchema):
    object: str = "rendered_email"
    subject: str
    html: str
    text: str
    headers: dict[str, str] = Field(
        description="List-Unsubscribe and List-Unsubscribe-Post for marketing mail."
    )
