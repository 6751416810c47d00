"""Base schemas of the API: camelCase on the wire, unknown request fields refused."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from ninja import Schema
from pydantic import BeforeValidator, ConfigDict, PlainSerializer
from pydantic.alias_generators import to_camel


def format_timestamp(value: datetime) -> str:
    """ISO 8601 in UTC with a Z suffix, as the contract says."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


Timestamp = Annotated[datetime, PlainSerializer(format_timestamp, return_type=str)]
# An optional text column ("" when unset) rendered as null, as the contract has it.
BlankAsNull = Annotated[str | None, BeforeValidator(lambda value: value or None)]


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
