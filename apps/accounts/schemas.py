from __future__ import annotations

from segmentflow.schemas import OutSchema, Timestamp


class OrganizationOut(OutSchema):
    id: str
    object: str = "organization"
    name: str
    slug: str
    created_at: Timestamp
    updated_at: Timestamp


class MeOut(OutSchema):
    """The API key making the request."""

    id: str
    object: str = "api_key"
    name: str
    scopes: list[str]
    rate_limit: int | None
    last_used_at: Timestamp | None
    expires_at: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp
    organization: OrganizationOut
