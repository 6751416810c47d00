"""Dashboard views of the Emails log: the list (also embedded in a Profile's page), an
EmailSend's page with the message as it was handed to the mailer, cancelling a waiting send,
and the template editor's "Send test"."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.accounts.models import Membership, Organization
from apps.email_templates.forms import SampleDataError, TemplateForm, default_sample
from apps.email_templates.models import Template
from apps.email_templates.views import sample_session_key
from apps.profiles.models import Profile
from segmentflow.dashboard import (
    AuthedRequest,
    acting_user,
    add_action_error,
    list_page,
    redirect_after_write,
    render_list,
    require_membership,
    wants_fragment,
)
from segmentflow.errors import ActionError
from segmentflow.scopes import EMAILS_READ, EMAILS_SEND, has_scope

from . import email_actions
from .delivery.transports import is_sandbox
from .email_forms import TEST_SEND_FIELDS, EmailSearchForm, TestSendForm
from .models import WAITING_STATUSES, EmailSend, SentMessage

PAGE_SIZE = 50
# The headers an EmailSend's page shows, in this order (DKIM-Signature: only whether it is there).
SHOWN_HEADERS = (
    "From",
    "To",
    "Reply-To",
    "Subject",
    "Date",
    "Message-ID",
    "X-SegmentFlow-Send-Id",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
)


# The log


def _narrowed_to(organization: Organization, filters: dict[str, Any]) -> dict[str, Any]:
    """What a link (a Profile's page, a Template) narrowed the log to, named on the page, and
    the URL that clears a search but keeps it."""
    kept = {name: filters[name] for name in ("profile", "template") if filters.get(name)}
    profile, template = kept.get("profile"), kept.get("template")
    return {
        "for_profile": profile and Profile.objects.for_org(organization).filter(pk=profile).first(),
        "for_template": template
        and Template.objects.for_org(organization).filter(pk=template).first(),
        "clear_search_url": reverse("emails:list") + (f"?{urlencode(kept)}" if kept else ""),
    }


@vary_on_headers("HX-Request")
@require_GET
@login_required
def email_list(request: AuthedRequest) -> HttpResponse:
    membership = require_membership(request, EMAILS_READ)
    organization = membership.organization
    search = EmailSearchForm(request.GET)
    sends = (
        search.filter(EmailSend.objects.for_org(organization))
        .annotate(template_name=F("template__name"))
        .defer("data", "tags", "test_profile", "status_history")
    )
    filters = search.cleaned_data if search.is_valid() else {}
    context = {
        "search": search,
        "page": list_page(request, sends, size=PAGE_SIZE),
        "searched": bool(filters.get("q") or filters.get("status")),
        "sandbox": is_sandbox(),
        **_narrowed_to(organization, filters),
    }
    # "Load more" appends rows; a search (or a Profile page's section) takes the results.
    return render_list(request, "sending/email_list.html", context)


# One EmailSend


@dataclass(frozen=True)
class StoredMessage:
    """The parts of a SentMessage's MIME that its page shows."""

    headers: list[tuple[str, str]]
    dkim_signed: bool
    html: str
    text: str


def read_stored_message(mime: str) -> StoredMessage:
    # policy.default parses into EmailMessage (get_body, decoded headers and contents).
    message = cast(EmailMessage, email.message_from_string(mime, policy=email.policy.default))
    headers = [(name, str(message[name])) for name in SHOWN_HEADERS if name in message]
    html_part = message.get_body(("html",))
    text_part = message.get_body(("plain",))
    return StoredMessage(
        headers=headers,
        dkim_signed="DKIM-Signature" in message,
        html=html_part.get_content() if isinstance(html_part, EmailMessage) else "",
        text=text_part.get_content() if isinstance(text_part, EmailMessage) else "",
    )


def _detail_context(membership: Membership, email_send: EmailSend) -> dict[str, Any]:
    sent = SentMessage.objects.filter(email_send=email_send).first()
    return {
        "email_send": email_send,
        "message": read_stored_message(sent.mime) if sent else None,
        # Newest first, each time read back from the API's timestamp text.
        "history": [
            {**entry, "at": parse_datetime(entry["at"])}
            for entry in reversed(email_send.status_history)
        ],
        "can_cancel": email_send.status in WAITING_STATUSES and has_scope(membership, EMAILS_SEND),
    }


@require_GET
@login_required
def email_detail(request: AuthedRequest, email_send_id: str) -> HttpResponse:
    membership = require_membership(request, EMAILS_READ)
    email_send = EmailSend.objects.get_for_org_or_404(membership.organization, email_send_id)
    return render(request, "sending/email_detail.html", _detail_context(membership, email_send))


@require_POST
@login_required
def email_cancel(request: AuthedRequest, email_send_id: str) -> HttpResponse:
    membership = require_membership(request, EMAILS_SEND)
    email_send = EmailSend.objects.get_for_org_or_404(membership.organization, email_send_id)
    try:
        email_actions.cancel_email_send(email_send)
    except ActionError as error:
        messages.error(request, f"Not cancelled: {error.message}.")
    else:
        messages.success(request, f"The email to {email_send.to_email} was cancelled.")
    return redirect_after_write(request, reverse("emails:detail", args=[email_send.pk]))


# The template editor's "Send test"


def _editor_sample(
    request: AuthedRequest, template: Template
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The sample Profile fields and data the editor previews this template with: the ones
    saved with it in this session, else the editor's default."""
    sample = request.session.get(sample_session_key(template)) or default_sample(template)
    return TemplateForm.from_template(template, sample).sample_context()


def _send_test(
    request: AuthedRequest, membership: Membership, template: Template, form: TestSendForm
) -> EmailSend | None:
    """The test send the valid `form` asks for, or None with the reason on the form."""
    try:
        profile, data = _editor_sample(request, template)
    except SampleDataError as problem:
        form.add_error(None, f"The sample data saved with the template is unusable: {problem}")
        return None
    try:
        return email_actions.send_test_email(
            membership.organization,
            template,
            to=form.cleaned_data["to"],
            sample_profile=profile,
            sample_data=data,
            from_address=form.cleaned_data["from_address"] or None,
        )
    except ActionError as error:
        add_action_error(form, error, TEST_SEND_FIELDS)
        return None


@require_http_methods(["GET", "POST"])
@login_required
def test_send(request: AuthedRequest, template_id: str) -> HttpResponse:
    """GET: the form on its own page (the editor embeds it); POST sends the saved version."""
    membership = require_membership(request, EMAILS_SEND)
    template = Template.objects.get_for_org_or_404(membership.organization, template_id)
    if request.method == "GET":
        form = TestSendForm(initial={"to": acting_user(request).email})
    else:
        form = TestSendForm(request.POST)
        email_send = _send_test(request, membership, template, form) if form.is_valid() else None
        if email_send is not None:
            messages.success(
                request,
                format_html(
                    'Test sent to {} — <a href="{}">see it in the Emails log</a>.',
                    email_send.to_email,
                    reverse("emails:detail", args=[email_send.pk]),
                ),
            )
            if wants_fragment(request):
                # The editor stays as it is (unsaved changes too); the toast brings the link.
                context = {"template": template, "test_form": form}
                return render(request, "sending/email_test_send.html#test-send-form", context)
            return redirect_after_write(
                request, reverse("email_templates:edit", args=[template.pk])
            )
    page = "sending/email_test_send.html"
    if wants_fragment(request):
        page += "#test-send-form"
    context = {"template": template, "test_form": form}
    return render(request, page, context, status=422 if form.errors else 200)
