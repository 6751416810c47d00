"""Dashboard views of accounts: the Organization switcher, the login lockout page and Settings
(API keys, members; sending domains are apps/sending)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from segmentflow.dashboard import (
    AuthedRequest,
    add_action_error,
    require_membership,
    wants_fragment,
)
from segmentflow.errors import ActionError
from segmentflow.scopes import MANAGE_SETTINGS, has_scope

from . import actions
from .forms import ApiKeyForm
from .middleware import SESSION_KEY
from .models import ApiKey, Membership


def login_locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """django-axes' answer to a login while the account is locked on this address (429)."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    response = render(request, "accounts/locked_out.html", context, status=429)
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response


@require_POST
@login_required
def switch_organization(request: AuthedRequest) -> HttpResponse:
    membership = get_object_or_404(
        Membership, user=request.user, organization__slug=request.POST.get("org", "")
    )
    request.session[SESSION_KEY] = membership.organization_id
    messages.success(request, f"Switched to {membership.organization.name}.")
    return redirect("dashboard:home")


@require_GET
@login_required
def settings_home(request: AuthedRequest) -> HttpResponse:
    membership = require_membership(request)
    if has_scope(membership, MANAGE_SETTINGS):
        return redirect("accounts:api_keys")
    return redirect("accounts:members")


@require_GET
@login_required
def api_key_list(request: AuthedRequest) -> HttpResponse:
    membership = require_membership(request, MANAGE_SETTINGS)
    keys = ApiKey.objects.for_org(membership.organization).select_related("created_by")
    return render(request, "accounts/api_keys.html", {"keys": keys, "active_tab": "api_keys"})


@require_http_methods(["GET", "POST"])
@login_required
def api_key_create(request: AuthedRequest) -> HttpResponse:
    membership = require_membership(request, MANAGE_SETTINGS)
    # Not `request.POST or None`: an empty POST must still be a bound form that reports errors.
    form = ApiKeyForm(request.POST if request.method == "POST" else None, membership=membership)
    if request.method == "POST" and form.is_valid():
        try:
            api_key, raw_key = actions.create_api_key(
                membership.organization,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                created_by=request.user,  # type: ignore[arg-type]
                granted_by=membership,
                rate_limit=form.cleaned_data["rate_limit"],
                expires_at=form.cleaned_data["expires_at"],
            )
        except ActionError as error:
            add_action_error(form, error)
        else:
            messages.success(request, f"API key “{api_key.name}” created.")
            # The secret is rendered once, in this response, and never stored.
            context = {"api_key": api_key, "raw_key": raw_key}
            if wants_fragment(request):
                # The created key replaces the whole page body, heading included.
                response = render(request, "accounts/api_key_created.html#created", context)
                response["HX-Retarget"] = "#content"
                response["HX-Reswap"] = "innerHTML"
                return response
            return render(request, "accounts/api_key_created.html", context)
    status = 422 if request.method == "POST" else 200
    template = "accounts/api_key_form.html"
    if wants_fragment(request):
        template += "#key-form"
    return render(request, template, {"form": form, "active_tab": "api_keys"}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def api_key_revoke(request: AuthedRequest, key_id: str) -> HttpResponse:
    membership = require_membership(request, MANAGE_SETTINGS)
    api_key = ApiKey.objects.get_for_org_or_404(membership.organization, key_id)
    if request.method == "GET":
        return render(request, "accounts/api_key_revoke.html", {"api_key": api_key})
    actions.revoke_api_key(api_key)
    messages.success(request, f"API key “{api_key.name}” revoked.")
    if wants_fragment(request):
        return render(request, "accounts/api_keys.html#key-row", {"key": api_key})
    return redirect(reverse("accounts:api_keys"))


@require_GET
@login_required
def member_list(request: AuthedRequest) -> HttpResponse:
    membership = require_membership(request)
    members = Membership.objects.filter(organization=membership.organization).select_related("user")
    return render(
        request,
        "accounts/members.html",
        {"members": members.order_by("user__email"), "active_tab": "members"},
    )
