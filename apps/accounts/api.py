"""API routes of accounts: who am I."""

from __future__ import annotations

from django.http import HttpRequest

from apps.accounts.models import ApiKey
from segmentflow.api import ApiRouter

from .schemas import MeOut

router = ApiRouter(tags=["me"])


@router.get(
    "/me",
    response=MeOut,
    operation_id="me_get",
    summary="Get the calling API key",
)
def me_get(request: HttpRequest) -> ApiKey:
    """Return the calling key: its id, name, scopes and Organization. Any valid key may call it."""
    return request.auth  # type: ignore[attr-defined,no-any-return]
