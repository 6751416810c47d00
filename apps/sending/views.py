"""Dashboard views of sending domains (Settings → Sending domains, owners and admins): the list,
adding a domain, its page with the records to publish, verify now, rotate the DKIM key,
delete."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from segmentflow.dashboard import (
    AuthedRequest,
    add_action_error,
    redirect_after_write,
    require_membership,
    wants_fragment,
)
from segmentflow.errors import ActionError
from segmentflow.scopes import DOMAINS_WRITE

from . import actions, records
from .forms import DomainForm
from .models import SendingDomain


def _detail_context(domain: SendingDomain) -> dict[str, object]:
    return {
        "domain": domain,
        "records": records.published_records(domain),
        "dkim": records.dkim_summary(domain),
        "active_tab": "domains",
    }


@require_GET
@login_required
def domain_list(request: AuthedRequest) -> HttpResponse:
    membership = require_membership(request, DOMAINS_WRITE)
    domains = SendingDomain.objects.for_org(membership.organization).order_by("domain")
    context = {"domains": domains, "form": DomainForm(), "active_tab": "domains"}
    return render(request, "sending/domain_list.html", context)


@require_POST
@login_required
def domain_create(request: AuthedRequest) -> HttpResponse:
    membership = require_membership(request, DOMAINS_WRITE)
    form = DomainForm(request.POST)
    if form.is_valid():
        try:
            domain = actions.create_domain(membership.organization, form.cleaned_data["domain"])
        except ActionError as error:
            add_action_error(form, error)
        else:
            messages.success(request, f"{domain.domain} added: publish its records, then verify.")
            return redirect_after_write(request, reverse("sending:detail", args=[domain.pk]))
    domains = SendingDomain.objects.for_org(membership.organization).order_by("domain")
    context = {"domains": domains, "form": form, "active_tab": "domains"}
    template = "sending/domain_list.html#add-form" if wants_fragment(request) else None
    return render(request, template or "sending/domain_list.html", context, status=422)


@require_GET
@login_required
def domain_detail(request: AuthedRequest, domain_id: str) -> HttpResponse:
    membership = require_membership(request, DOMAINS_WRITE)
    domain = SendingDomain.objects.get_for_org_or_404(membership.organization, domain_id)
    return render(request, "sending/domain_detail.html", _detail_context(domain))


@require_POST
@login_required
def domain_verify(request: AuthedRequest, domain_id: str) -> HttpResponse:
    """Check the records now; htmx swaps the result in place."""
    membership = require_membership(request, DOMAINS_WRITE)
    domain = SendingDomain.objects.get_for_org_or_404(membership.organization, domain_id)
    actions.check_domain(domain)
    domain = SendingDomain.objects.get_for_org_or_404(membership.organization, domain_id)
    if wants_fragment(request):
        return render(request, "sending/domain_detail.html#checks", _detail_context(domain))
    messages.info(request, f"{domain.domain} checked: {domain.get_status_display().lower()}.")
    return redirect_after_write(request, reverse("sending:detail", args=[domain.pk]))


@require_POST
@login_required
def domain_rotate(request: AuthedRequest, domain_id: str) -> HttpResponse:
    membership = require_membership(request, DOMAINS_WRITE)
    domain = SendingDomain.objects.get_for_org_or_404(membership.organization, domain_id)
    actions.rotate_dkim_key(domain)
    messages.success(
        request, "New DKIM key created: publish its record; the current key signs until then."
    )
    return redirect_after_write(request, reverse("sending:detail", args=[domain.pk]))


@require_http_methods(["GET", "POST"])
@login_required
def domain_delete(request: AuthedRequest, domain_id: str) -> HttpResponse:
    membership = require_membership(request, DOMAINS_WRITE)
    domain = SendingDomain.objects.get_for_org_or_404(membership.organization, domain_id)
    if request.method == "GET":
        return render(request, "sending/domain_delete.html", {"domain": domain})
    actions.delete_domain(domain)
    messages.success(request, f"{domain.domain} was removed: mail can no longer be sent from it.")
    return redirect_after_write(request, reverse("sending:list"))
