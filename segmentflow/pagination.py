"""Keyset pagination on (created_at, id), newest first, with an opaque cursor, and the list
schema every list endpoint answers with."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Model, Q, QuerySet
from ninja import Field, Schema
from pydantic import field_validator
from pydantic_core import PydanticCustomError

from .schemas import OutSchema


class InvalidCursor(ValueError):
    """An `after` cursor we did not make: the API answers 422 naming `after`, the dashboard 400."""


# `<microseconds since 1970>_<id>`: the row's position, and nothing a client should read. The
# pattern is the whole rule, so the OpenAPI document can say which cursors are well formed:
# every string it matches names a position (perhaps past every row: an empty page).
CURSOR_PATTERN = r"^[0-9]{1,16}_[a-z]{2,8}_[0-9a-z]{26}$"
_CURSOR = re.compile(CURSOR_PATTERN)


class PageQuery(Schema):
    limit: int = Field(20, ge=1, le=100, description="Page size, 1 to 100.")
    after: str | None = Field(
        None,
        description="The `nextCursor` of the previous page (opaque).",
        json_schema_extra={"pattern": CURSOR_PATTERN},
    )

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # Every filter of every list: PostgreSQL refuses a NUL in a text parameter.
        if isinstance(value, str) and "\x00" in value:
            raise PydanticCustomError("nul", "must not contain NUL characters")
        return value


def encode_cursor(obj: Model) -> str:
    created_at: datetime = obj.created_at  # type: ignore[attr-defined]
    delta = created_at.astimezone(UTC) - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"{micros}_{obj.pk}"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    if not _CURSOR.match(cursor):
        raise InvalidCursor("malformed cursor")
    micros, pk = cursor.split("_", 1)
    # In UTC, and at most 16 digits (year 2286): no database adapter can overflow on it.
    return _EPOCH + timedelta(microseconds=int(micros)), pk


def older_than_cursor[M: Model](queryset: QuerySet[M], cursor: str) -> QuerySet[M]:
    """Rows after `cursor` in newest-first order: (created_at, pk) < the cursor's."""
    created_at, pk = decode_cursor(cursor)
    # The separate `created_at <= t` bound lets the (organization, created_at) index start its
    # scan at the cursor, so a deep page costs what the first one does.
    return queryset.filter(
        Q(created_at__lte=created_at), Q(created_at__lt=created_at) | Q(pk__lt=pk)
    )


def paginate[M: Model](queryset: QuerySet[M], page: PageQuery) -> dict[str, Any]:
    """One page of `queryset`, newest first; no OFFSET and no COUNT."""
    queryset = queryset.order_by("-created_at", "-pk")
    if page.after is not None:  # `after=` (empty) is malformed too
        queryset = older_than_cursor(queryset, page.after)
    rows = list(queryset[: page.limit + 1])
    has_more = len(rows) > page.limit
    rows = rows[: page.limit]
    return {
        "object": "list",
        "data": rows,
        "has_more": has_more,
        "next_cursor": encode_cursor(rows[-1]) if has_more else None,
    }


class ListOut[T](OutSchema):
    """`{object: "list", data, hasMore, nextCursor}` of any item schema; subclass it per item
    (`class ProfileList(ListOut[ProfileOut])`) so the OpenAPI document names it."""

    object: str = "list"
    data: list[T]
    has_more: bool
    next_cursor: str | None
