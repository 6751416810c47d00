"""Keyset pagination on (created_at, id), newest first, with an opaque cursor, and the list
schema every list endpoint answers with."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from django.db.models import Model, Q, QuerySet
from ninja import Field, Schema

from .schemas import OutSchema


class InvalidCursor(ValueError):
    """An `after` cursor we did not make: the API answers 422 naming `after`, the dashboard 400."""


class PageQuery(Schema):
    limit: int = Field(20, ge=1, le=100, description="Page size, 1 to 100.")
    after: str | None = Field(None, description="The `nextCursor` of the previous page.")


def encode_cursor(obj: Model) -> str:
    created_at: datetime = obj.created_at  # type: ignore[attr-defined]
    raw = json.dumps([created_at.isoformat(), str(obj.pk)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created_at, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        moment = datetime.fromisoformat(created_at)
        if moment.tzinfo is None or not isinstance(pk, str) or not pk.isprintable():
            raise ValueError("incomplete cursor")
        # In UTC now, so the database adapter cannot overflow on year 1 or 9999 later.
        moment = moment.astimezone(UTC)
    except (ValueError, TypeError, OverflowError) as exc:
        raise InvalidCursor("malformed cursor") from exc
    return moment, pk


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
    if page.after:
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
