"""The scopes: what an API key or a dashboard role may do, and the one check of them.

The same strings guard the API routes (`scope=` on an ApiRouter operation) and the dashboard
views (`require_membership(request, scope)`); roles are mapped to scopes in
apps/accounts/permissions.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

PROFILES_READ = "profiles:read"
PROFILES_WRITE = "profiles:write"
TEMPLATES_READ = "templates:read"
TEMPLATES_WRITE = "templates:write"
ASSETS_READ = "assets:read"
ASSETS_WRITE = "assets:write"
BRAND_KIT_READ = "brand_kit:read"
BRAND_KIT_WRITE = "brand_kit:write"
EMAILS_SEND = "emails:send"
EMAILS_READ = "emails:read"
EVENTS_WRITE = "events:write"
DOMAINS_READ = "domains:read"
DOMAINS_WRITE = "domains:write"

# The scope table of api-contract.md → Authentication and scopes, in its order.
SCOPES: dict[str, str] = {
    PROFILES_READ: "List and get Profiles, read subscription status",
    PROFILES_WRITE: "Create, update, delete Profiles, change subscription status",
    TEMPLATES_READ: "Read Templates",
    TEMPLATES_WRITE: "Create, update, duplicate, archive, unarchive Templates",
    ASSETS_READ: "Read Assets",
    ASSETS_WRITE: "Create, upload, finalize, update, delete Assets",
    BRAND_KIT_READ: "Read Brand Kits",
    BRAND_KIT_WRITE: "Manage Brand Kits, start extractions",
    EMAILS_SEND: "Send emails (emails.send, emails.batchSend)",
    EMAILS_READ: "Get and list EmailSends",
    EVENTS_WRITE: "Track events (events.track)",
    DOMAINS_READ: "Read sending domains and their DNS records",
    DOMAINS_WRITE: "Add, verify, rotate the DKIM key of, and delete sending domains",
}
API_SCOPES: tuple[str, ...] = tuple(SCOPES)
READ_SCOPES: tuple[str, ...] = tuple(s for s in API_SCOPES if s.endswith(":read"))

# Dashboard-only permission, never grantable to API keys: API keys, members, sending domains.
MANAGE_SETTINGS = "settings:manage"


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
