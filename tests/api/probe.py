"""A test-only router that exercises the /api/v1 plumbing before any product resource exists.

It is mounted with the real `build_api` (auth, scopes, envelope, idempotency, rate limits) in
tests/api/urls.py, and works on API-key rows as its "objects".
"""

from __future__ import annotations

import time

from django.http import HttpRequest
from ninja import Query, Status

from apps.accounts.actions import create_api_key
from apps.accounts.models import ApiKey
from segmentflow.api import ApiRouter
from segmentflow.errors import ApiError
from segmentflow.pagination import ListOut, PageQuery, paginate
from segmentflow.schemas import InSchema, OutSchema, Timestamp

router = ApiRouter(tags=["probe"])


class ProbeIn(InSchema):
    name: str
    delay_seconds: float = 0
    fail_after_write: bool = False


class ProbeOut(OutSchema):
    id: str
    object: str = "probe"
    name: str
    created_at: Timestamp


class ProbeList(ListOut[ProbeOut]):
    pass


@router.get("/items", response=ProbeList, scope="profiles:read", operation_id="probe_list")
def probe_list(request: HttpRequest, page: Query[PageQuery]) -> dict:
    return paginate(ApiKey.objects.for_org(request.auth.organization), page)


@router.get("/items/{item_id}", response=ProbeOut, scope="profiles:read", operation_id="probe_get")
def probe_get(request: HttpRequest, item_id: str) -> ApiKey:
    return ApiKey.objects.get_for_org_or_404(request.auth.organization, item_id)


@router.post(
    "/items", response={201: ProbeOut}, scope="profiles:write", operation_id="probe_create"
)
def probe_create(request: HttpRequest, payload: ProbeIn) -> Status:
    if ApiKey.objects.for_org(request.auth.organization).filter(name=payload.name).exists():
        raise ApiError(409, "conflict", f"name: {payload.name!r} is taken")
    api_key, _ = create_api_key(
        request.auth.organization, name=payload.name, scopes=["profiles:read"]
    )
    time.sleep(payload.delay_seconds)
    if payload.fail_after_write:
        raise RuntimeError("probe failure after a write")
    return Status(201, api_key)


@router.delete(
    "/items/{item_id}", response={204: None}, scope="profiles:write", operation_id="probe_delete"
)
def probe_delete(request: HttpRequest, item_id: str) -> Status:
    ApiKey.objects.get_for_org_or_404(request.auth.organization, item_id).delete()
    return Status(204, None)
