"""Per-API-key token buckets kept in the database, so every web process shares them.

One statement per request: an upsert that refills the bucket for the time elapsed, takes a
token when there is one, and returns what is left (api-contract.md → Rate limits).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection

from .models import RateLimitBucket

if TYPE_CHECKING:
    from apps.accounts.models import ApiKey


@dataclass(frozen=True)
class RateLimitDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int
    retry_after: int

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
        }


def limits_for(api_key: ApiKey) -> tuple[int, int]:
    """(requests per second, burst) for this key; a rate of 0 means unlimited."""
    if api_key.rate_limit is None:
        return settings.SEGMENTFLOW_RATE_LIMIT, settings.SEGMENTFLOW_RATE_BURST
    return api_key.rate_limit, api_key.rate_limit * 2


def _upsert_sql() -> str:
    table = connection.ops.quote_name(RateLimitBucket._meta.db_table)
    least, greatest = ("MIN", "MAX") if connection.vendor == "sqlite" else ("LEAST", "GREATEST")
    elapsed = f"{greatest}(excluded.refilled_at - {table}.refilled_at, 0)"
    available = f"{least}(%(burst)s, {table}.tokens + {elapsed} * %(rate)s)"
    return (
        f"INSERT INTO {table} (api_key_id, tokens, refilled_at, allowed) "  # noqa: S608 - identifiers only
        "VALUES (%(key)s, %(burst)s - 1, %(now)s, TRUE) "
        "ON CONFLICT (api_key_id) DO UPDATE SET "
        f"tokens = CASE WHEN {available} >= 1 THEN {available} - 1 ELSE {available} END, "
        f"refilled_at = {greatest}(excluded.refilled_at, {table}.refilled_at), "
        f"allowed = ({available} >= 1) "
        "RETURNING tokens, allowed"
    )


def take_token(api_key: ApiKey) -> RateLimitDecision | None:
    """Spend one token of the key's bucket; None when the key has no limit."""
    rate, burst = limits_for(api_key)
    if rate <= 0:
        return None
    params: dict[str, str | float] = {
        "key": api_key.pk,
        "burst": float(burst),
        "rate": float(rate),
        "now": time.time(),
    }
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(), params)
        tokens, allowed = cursor.fetchone()
    allowed = bool(allowed)
    remaining = max(0, math.floor(tokens))
    reset = math.ceil((burst - tokens) / rate) if tokens < burst else 0
    retry_after = 0 if allowed else max(1, math.ceil((1 - tokens) / rate))
    return RateLimitDecision(allowed, rate, remaining, reset, retry_after)
