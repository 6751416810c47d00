"""Roles: which scopes a member of an Organization has in the dashboard.

API keys carry scopes themselves; dashboard users get the scopes of their role in the current
Organization. The scopes and the one check of them (`has_scope`) are in segmentflow/scopes.py,
shared by the API routes and the dashboard views.
"""

from __future__ import annotations

from segmentflow.scopes import API_SCOPES, DOMAINS_WRITE, MANAGE_SETTINGS, READ_SCOPES

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
    MEMBER: frozenset(API_SCOPES) - {DOMAINS_WRITE},
    VIEWER: frozenset(READ_SCOPES),
}
