"""Scopes and roles: the one place that says who may do what.

API keys carry scopes; dashboard users get the scopes of their role in the current
Organization. `has_scope` is the single check used by the API routes and the dashboard views.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

# The scope table of api-contract.md → Authentication and scopes, in its order.
SCOPES: dict[str, str] = {
    "profiles:read": "List and get Profiles, read subscription status",
    "profiles:write": "Create, update, delete Profiles, change subscription status",
    "templates:read": "Read Templates",
    "templates:write": "Create, update, duplicate, archive, unarchive Templates",
    "assets:read": "Read Assets",
    "assets:write": "Create, upload, finalize, update, delete Assets",
    "brand_kit:read": "Read Brand Kits",
    "brand_kit:write": "Manage Brand Kits, start extractions",
    "emails:send": "Send emails (emails.send, emails.batchSend)",
    "emails:read": "Get and list EmailSends",
    "events:write": "Track events (events.track)",
}
API_SCOPES: tuple[str, ...] = tuple(SCOPES)
READ_SCOPES: tuple[str, ...] = tuple(s for s in API_SCOPES if s.endswith(":read"))

# Dashboard-only permissions: not grantable to API keys.
MANAGE_SETTINGS = "settings:manage"  # API keys, members, sending domains

OWNER = "owner"
ADMIN = "admin"
MEMBER = "member"
VIEWER = "viewer"
ROLE_CHOICES = [
    (OWNER, "Owner"),
    (ADMIN, "Admin"),
    (MEMBER, "Member"),
    (VIEWER, "Viewer"),
]

ROLE_SCOPES: dict[str, frozenset[str]] = {
    OWNER: frozenset(API_SCOPES) | {MANAGE_SETTINGS},
    ADMIN: frozenset(API_SCOPES) | {MANAGE_SETTINGS},
    # Members do the day-to-day marketing work but do not manage keys, members or domains.
    MEMBER: frozenset(API_SCOPES),
    VIEWER: frozenset(READ_SCOPES),
}


class ScopeHolder(Protocol):
    """Anything that carries scopes: an ApiKey or a Membership."""

    @property
    def scopes_granted(self) -> frozenset[str]: ...


def has_scope(holder: ScopeHolder | None, scope: str) -> bool:
    """Whether `holder` (an API key or a Membership) is allowed `scope`."""
    if holder is None:
        return False
    return scope in holder.scopes_granted


def parse_scopes(raw: str | Iterable[str]) -> list[str]:
    """Parse `all` or a comma-separated list of API scopes; raise ValueError naming unknown ones."""
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    items = [item.strip() for item in items if item.strip()]
    if items == ["all"]:
        return list(API_SCOPES)
    unknown = [item for item in items if item not in SCOPES]
    if unknown:
        raise ValueError(f"unknown scope(s): {', '.join(unknown)}")
    if not items:
        raise ValueError("at least one scope is required")
    # Keep the table's order so keys read the same everywhere.
    return [scope for scope in API_SCOPES if scope in items]
