from __future__ import annotations

from typing import Annotated, Any, Literal

from ninja import Field
from pydantic import field_validator
from pydantic.json_schema import JsonDict

from segmentflow.pagination import ListOut, PageQuery
from segmentflow.schemas import BlankAsNull, DateTimeIn, InSchema, Omittable, OutSchema, Timestamp

from .models import Profile

Status = Literal["subscribed", "unsubscribed"]


class SubscriptionIn(InSchema):
    status: Status


# A locale such as en or pt-BR, or blank (clears it); the actions strip the text first.
LOCALE: JsonDict = {"pattern": r"^\s*(?:[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*)?\s*$"}
TIMEZONE: JsonDict = {"description": "An IANA time zone such as Europe/Paris."}


class ProfileCreateIn(InSchema):
    email: str = Field(max_length=254, json_schema_extra={"format": "email"})
    external_id: str | None = Field(None, max_length=255)
    first_name: str | None = Field(None, max_length=200)
    last_name: str | None = Field(None, max_length=200)
    locale: str | None = Field(None, max_length=35, json_schema_extra=LOCALE)
    timezone: str | None = Field(None, max_length=64, json_schema_extra=TIMEZONE)
    attributes: dict[str, Any] | None = None
    subscription: SubscriptionIn | None = None


class ProfilePatchIn(InSchema):
    """Every field is optional; `null` clears it, and `attributes` is merged key by key."""

    email: Omittable[Annotated[str, Field(max_length=254)]] = Field(
        None, json_schema_extra={"format": "email"}
    )
    external_id: str | None = Field(None, max_length=255)
    first_name: str | None = Field(None, max_length=200)
    last_name: str | None = Field(None, max_length=200)
    locale: str | None = Field(None, max_length=35, json_schema_extra=LOCALE)
    timezone: str | None = Field(None, max_length=64, json_schema_extra=TIMEZONE)
    attributes: dict[str, Any] | None = None

    @field_validator("email")
    @classmethod
    def _email_cannot_be_cleared(cls, value: str | None) -> str:
        # Only runs when the field is sent: an explicit null is refused, absence is fine.
        if value is None:
            raise ValueError("cannot be null: every Profile has an email")
        return value


class SubscriptionOut(OutSchema):
    status: Status
    updated_at: Timestamp
    source: str


class SubscriptionDetailOut(SubscriptionOut):
    object: str = "subscription"
    profile_id: str


class SuppressionOut(OutSchema):
    reason: str
    at: Timestamp


class ProfileOut(OutSchema):
    id: str
    object: str = "profile"
    email: BlankAsNull = Field(
        description="Null only for a Profile an event created from its externalId alone."
    )
    external_id: BlankAsNull
    first_name: BlankAsNull
    last_name: BlankAsNull
    locale: BlankAsNull
    timezone: BlankAsNull
    attributes: dict[str, Any]
    subscription: SubscriptionOut
    suppressed: SuppressionOut | None
    created_at: Timestamp
    updated_at: Timestamp

    @staticmethod
    def resolve_subscription(obj: Profile) -> dict[str, Any]:
        return {
            "status": obj.subscription_status,
            "updated_at": obj.subscription_updated_at,
            "source": obj.subscription_source,
        }

    @staticmethod
    def resolve_suppressed(obj: Profile) -> dict[str, Any] | None:
        if not obj.suppressed_reason:
            return None
        return {"reason": obj.suppressed_reason, "at": obj.suppressed_at}


class ProfileList(ListOut[ProfileOut]):
    pass


class ProfileListQuery(PageQuery):
    email: str | None = Field(None, description="Exact email (case-insensitive).")
    external_id: str | None = Field(None, alias="externalId")
    subscription_status: Status | None = Field(None, alias="subscriptionStatus")
    updated_since: DateTimeIn | None = Field(
        None, alias="updatedSince", description="Only Profiles updated at or after this time."
    )
