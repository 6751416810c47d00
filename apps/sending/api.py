"""API routes of sending domains (api-contract.md → Sending domains)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Status

from segmentflow.api import ApiRouter, rendered_json, validate_item
from segmentflow.auth import request_organization as _org
from segmentflow.errors import ActionError
from segmentflow.pagination import PageQuery, paginate
from segmentflow.scopes import DOMAINS_READ, DOMAINS_WRITE, EMAILS_READ, EMAILS_SEND

from . import actions, email_actions
from .email_actions import SendRequest
from .models import EmailSend, SendingDomain
from .schemas import (
    BatchSendIn,
    BatchSendOut,
    DomainCreateIn,
    DomainList,
    DomainOut,
    EmailListQuery,
    EmailSendIn,
    EmailSendList,
    EmailSendOut,
    batch_entry_json,
    email_send_json,
)

router = ApiRouter()


@router.get(
    "/domains",
    response=DomainList,
    scope=DOMAINS_READ,
    operation_id="domains_list",
    summary="List sending domains",
    tags=["domains"],
)
def domains_list(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    """List the sending domains, newest first."""
    domains = SendingDomain.objects.for_org(_org(request)).prefetch_related("dkim_keys")
    return paginate(domains, query)


@router.post(
    "/domains",
    response={201: DomainOut},
    scope=DOMAINS_WRITE,
    operation_id="domains_create",
    summary="Add a sending domain",
    tags=["domains"],
)
def domains_create(request: HttpRequest, payload: DomainCreateIn) -> Status:
    """Add a sending domain with a new DKIM key; publish its `records`, then verify it. 409
    `conflict` if this Organization has it already."""
    domain = actions.create_domain(_org(request), payload.domain)
    return Status(201, SendingDomain.objects.get_for_org_or_404(_org(request), domain.pk))


@router.get(
    "/domains/{domain_id}",
    response=DomainOut,
    scope=DOMAINS_READ,
    operation_id="domains_get",
    summary="Get a sending domain",
    tags=["domains"],
)
def domains_get(request: HttpRequest, domain_id: str) -> SendingDomain:
    return SendingDomain.objects.get_for_org_or_404(_org(request), domain_id)


@router.post(
    "/domains/{domain_id}/verify",
    response=DomainOut,
    scope=DOMAINS_WRITE,
    operation_id="domains_verify",
    summary="Check a sending domain's DNS records",
    tags=["domains"],
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
    summary="Rotate a domain's DKIM key",
    tags=["domains"],
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
    summary="Delete a sending domain",
    tags=["domains"],
)
def domains_delete(request: HttpRequest, domain_id: str) -> Status:
    domain = SendingDomain.objects.get_for_org_or_404(_org(request), domain_id)
    actions.delete_domain(domain)
    return Status(204, None)


# Emails (api-contract.md → Emails)


def _send_request(payload: EmailSendIn) -> SendRequest:
    to: dict[str, Any] | None = None
    if payload.to is not None:
        to = payload.to.model_dump()
    return SendRequest(
        template_id=payload.template_id,
        profile_id=payload.profile_id,
        to=to,
        data=payload.data,
        from_address=payload.from_,
        reply_to=payload.reply_to,
        subject=payload.subject,
        brand_kit_id=payload.brand_kit_id,
        tags=payload.tags,
        scheduled_at=payload.scheduled_at,
    )


@router.post(
    "/emails",
    response={202: EmailSendOut},
    scope=EMAILS_SEND,
    operation_id="emails_send",
    summary="Send an email",
    tags=["emails"],
)
def emails_send(request: HttpRequest, payload: EmailSendIn) -> HttpResponse:
    """Send one email: checked now (recipient, Template, merge data, From domain) and queued.
    A suppressed or (for marketing mail) unsubscribed Profile is accepted as `suppressed`."""
    email_send = email_actions.send_email(_org(request), _send_request(payload))
    return rendered_json(email_send_json(email_send), status=202)


def _batch_item(item: Any) -> SendRequest | ActionError:
    checked = validate_item(EmailSendIn, item)
    return checked if isinstance(checked, ActionError) else _send_request(checked)


@router.post(
    "/emails/batch",
    response={202: BatchSendOut},
    scope=EMAILS_SEND,
    operation_id="emails_batchSend",
    summary="Send up to 100 emails",
    tags=["emails"],
)
def emails_batch_send(request: HttpRequest, payload: BatchSendIn) -> HttpResponse:
    """Send up to 100 emails: each item is checked and accepted on its own (`emailSend`) or
    refused (`error`); more than 100 is 413 `payload_too_large`."""
    items = email_actions.send_batch(_org(request), [_batch_item(i) for i in payload.emails])
    body = {"object": "list", "data": [batch_entry_json(item) for item in items]}
    return rendered_json(body, status=202)


@router.get(
    "/emails",
    response=EmailSendList,
    scope=EMAILS_READ,
    operation_id="emails_list",
    summary="List EmailSends",
    tags=["emails"],
)
def emails_list(request: HttpRequest, query: Query[EmailListQuery]) -> dict[str, Any]:
    """List EmailSends, newest first, optionally by status, Profile, Template or Journey."""
    sends = EmailSend.objects.for_org(_org(request))
    if query.status:
        sends = sends.filter(status=query.status)
    if query.profile_id:
        sends = sends.filter(profile_id=query.profile_id)
    if query.template_id:
        sends = sends.filter(template_id=query.template_id)
    if query.journey_id:
        sends = sends.filter(journey_id=query.journey_id)
    return paginate(sends, query)


@router.get(
    "/emails/{email_send_id}",
    response=EmailSendOut,
    scope=EMAILS_READ,
    operation_id="emails_get",
    summary="Get an EmailSend",
    tags=["emails"],
)
def emails_get(request: HttpRequest, email_send_id: str) -> EmailSend:
    return EmailSend.objects.get_for_org_or_404(_org(request), email_send_id)


@router.post(
    "/emails/{email_send_id}/cancel",
    response=EmailSendOut,
    scope=EMAILS_SEND,
    operation_id="emails_cancel",
    summary="Cancel a scheduled or queued email",
    tags=["emails"],
)
def emails_cancel(request: HttpRequest, email_send_id: str) -> EmailSend:
    """Stop a send that is still `scheduled` or `queued`; otherwise 409 `invalid_state`."""
    email_send = EmailSend.objects.get_for_org_or_404(_org(request), email_send_id)
    return email_actions.cancel_email_send(email_send)
