"""Base schemas of the API: camelCase on the wire, unknown request fields refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar, Union

from ninja import Schema
from pydantic import BeforeValidator, ConfigDict, PlainSerializer, WithJsonSchema
from pydantic.alias_generators import to_camel
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError


def format_timestamp(value: datetime) -> str:
    """ISO 8601 in UTC with a Z suffix, as the contract says."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


Timestamp = Annotated[
    datetime,
    PlainSerializer(format_timestamp, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]
# An optional text column ("" when unset) rendered as null, as the contract has it.
BlankAsNull = Annotated[str | None, BeforeValidator(lambda value: value or None)]


_T = TypeVar("_T")

# A field of a PATCH body that may be left out but not sent as `null` (every Profile has an
# email, every template a purpose): the document types it without `null`, and the schema's
# own validator refuses an explicit one.
# An old-style alias on purpose: pydantic would name a `type` statement's alias as a component
# of its own ("Omittable_Annotated_bool…") rather than inline the field's type.
Omittable = Union[_T, SkipJsonSchema[None]]  # noqa: UP007

# Documented rules the actions enforce with their own messages (the OpenAPI document states
# them with `Field(json_schema_extra=...)`, pydantic does not check them a second time).
# Text that is not only whitespace (the actions strip it), and holds no NUL.
NON_BLANK = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"


def non_blank(**schema: Any) -> dict[str, Any]:
    return {"pattern": NON_BLANK, **schema}


_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})$"
)


def parse_date_time(value: Any) -> datetime:
    """An RFC 3339 date-time with its offset (OpenAPI's `date-time`), and nothing else: not a
    number of seconds, not a date alone, not a local time without an offset."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise PydanticCustomError("date_time", "a date-time with its offset")
        return value.astimezone(UTC)
    if not isinstance(value, str) or not _RFC3339.match(value):
        raise PydanticCustomError(
            "date_time", "a date-time with its offset, e.g. 2026-12-03T09:00:00Z"
        )
    text = value.upper()
    head, dot, rest = text.partition(".")
    if dot:  # Python keeps microseconds: drop digits past the sixth.
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{head}.{rest[: min(digits, 6)]}{rest[digits:]}"
    try:
        # In UTC: PostgreSQL refuses offsets past ±15:59, which RFC 3339 allows.
        return datetime.fromisoformat(text).astimezone(UTC)
    except (ValueError, OverflowError):
        raise PydanticCustomError("date_time", "not a real date-time in range") from None


# A request's date-time: RFC 3339 with an offset, as `format: date-time` says.
DateTimeIn = Annotated[datetime, BeforeValidator(parse_date_time)]


class InSchema(Schema):
    """Request bodies: camelCase names, and a typo is a 422 rather than silently ignored."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True)


class OutSchema(Schema):
    """Response objects: read from Python names, rendered in camelCase (routes render by alias).

    Reading by name only matters for speed: ninja looks a missing attribute up through
    Django's template Variable, so trying the camelCase alias first costs ~0.1 ms a field.
    """

    model_config = ConfigDict(
        alias_generator=to_camel, validate_by_name=True, validate_by_alias=False
    )
