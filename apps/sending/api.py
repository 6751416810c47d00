"""API routes of sending domains (api-contract.md → Sending domains)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Status

from segmentflow.api import ApiRouter
from segmentflow.auth import request_organization as _org
from segmentflow.pagination import PageQuery, paginate
from segmentflow.scopes import DOMAINS_READ, DOMAINS_WRITE

from . import actions
from .models import SendingDomain
from .schemas import DomainCreateIn, DomainList, DomainOut

router = ApiRouter(tags=["domains"])


@router.get("/domains", response=DomainList, scope=DOMAINS_READ, operation_id="domains_list")
def domains_list(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    """List the sending domains, newest first."""
    domains = SendingDomain.objects.for_org(_org(request)).prefetch_related("dkim_keys")
    return paginate(domains, query)


@router.post(
    "/domains", response={201: DomainOut}, scope=DOMAINS_WRITE, operation_id="domains_create"
)
def domains_create(request: HttpRequest, payload: DomainCreateIn) -> Status:
    """Add a sending domain with a new DKIM key; publish its `records`, then verify it. 409
    `conflict` if this Organization has it already."""
    domain = actions.create_domain(_org(request), payload.domain)
    return Status(201, SendingDomain.objects.get_for_org_or_404(_org(request), domain.pk))


@router.get(
    "/domains/{domain_id}", response=DomainOut, scope=DOMAINS_READ, operation_id="domains_get"
)
def domains_get(request: HttpRequest, domain_id: str) -> SendingDomain:
    return SendingDomain.objects.get_for_org_or_404(_org(request), domain_id)


@router.post(
    "/domains/{domain_id}/verify",
    response=DomainOut,
    scope=DOMAINS_WRITE,
    operation_id="domains_verify",
    atomic=False,
)
def domains_verify(request: HttpRequest, domain_id: str) -> SendingDomain:
    """Check the domain's DNS records now (a few seconds at most) and answer the result."""
    domain = SendingDomain.objects.get_for_org_or_404(_org(request), domain_id)
    actions.check_domain(domain)
    return SendingDomain.objects.get_for_org_or_404(_org(request), domain_id)


@router.post(
    "/domains/{domain_id}/dkim-rotation",
    response={201: DomainOut},
    scope=DOMAINS_WRITE,
    operation_id="domains_rotateDkim",
)
def domains_rotate_dkim(request: HttpRequest, domain_id: str) -> Status:
    """A new DKIM key: `dkim.selector` names it (publish its record), `dkim.previousSelector`
    keeps signing until the new record verifies."""
    domain = SendingDomain.objects.get_for_org_or_404(_org(request), domain_id)
    actions.rotate_dkim_key(domain)
    return Status(201, SendingDomain.objects.get_for_org_or_404(_org(request), domain_id))


@router.delete(
    "/domains/{domain_id}",
    response={204: None},
    scope=DOMAINS_WRITE,
    operation_id="domains_delete",
)
def domains_delete(request: HttpRequest, domain_id: str) -> Status:
    domain = SendingDomain.objects.get_for_org_or_404(_org(request), domain_id)
    actions.delete_domain(domain)
    return Status(204, None)
