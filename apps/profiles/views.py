"""Dashboard views of Profiles: the list, the Profile page, its forms and its inline edits."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.accounts.dashboard import (
    AuthedRequest,
    acting_user,
    redirect_after_write,
    require_membership,
    wants_fragment,
)
from apps.accounts.models import Membership
from apps.accounts.permissions import has_scope
from segmentflow.errors import ApiError
from segmentflow.pagination import PageQuery, paginate

from . import actions
from .forms import (
    AttributeForm,
    ProfileCreateForm,
    ProfileForm,
    ProfileSearchForm,
    SubscriptionForm,
    attribute_input_text,
    attribute_rows,
    time_zones,
)
from .models import (
    Profile,
    ProfileQuerySet,
    SubscriptionSource,
    SubscriptionStatus,
    SuppressionReason,
)

READ = "profiles:read"
WRITE = "profiles:write"
PAGE_SIZE = 50
# The list counts its matches only this far; past it, it says "more than 1,000".
COUNT_CAP = 1000
HISTORY_SIZE = 50


def get_profile_or_404(membership: Membership, profile_id: str) -> Profile:
    return get_object_or_404(Profile.objects.for_org(membership.organization), pk=profile_id)


def _page(profiles: ProfileQuerySet, after: str) -> dict[str, Any]:
    try:
        return paginate(profiles, PageQuery(limit=PAGE_SIZE, after=after or None))
    except ApiError as exc:
        raise BadRequest("malformed cursor") from exc


def _count(
    profiles: ProfileQuerySet, page: dict[str, Any], search: ProfileSearchForm
) -> int | None:
    """How many match, where that is cheap: free below a page; along an index (no filter, the
    status, an email) no further than COUNT_CAP + 1 rows; a name search is not counted."""
    if not page["has_more"]:
        return len(page["data"])
    if search.is_name_search:
        return None
    return profiles[: COUNT_CAP + 1].count()


def _list_url(request: AuthedRequest, after: str | None) -> str:
    """The list with the same search, from the newest or from the `after` cursor."""
    query = request.GET.copy()
    query.pop("after", None)
    if after:
        query["after"] = after
    return f"{reverse('profiles:list')}?{query.urlencode()}" if query else reverse("profiles:list")


@vary_on_headers("HX-Request")
@require_GET
@login_required
def profile_list(request: AuthedRequest) -> HttpResponse:
    membership = require_membership(request, READ)
    search = ProfileSearchForm(request.GET)
    profiles = search.filter(Profile.objects.for_org(membership.organization))
    after = request.GET.get("after", "")
    page = _page(profiles, after)
    context = {
        "search": search,
        "profiles": page["data"],
        "next_url": _list_url(request, page["next_cursor"]) if page["has_more"] else None,
        "first_url": _list_url(request, None),
        "is_later_page": bool(after),
        "total": None if after else _count(profiles, page, search),
        "count_cap": COUNT_CAP,
        "page_size": PAGE_SIZE,
        "can_write": has_scope(membership, WRITE),
    }
    template = "profiles/list.html"
    if wants_fragment(request):
        # "Load more" appends rows; a search replaces the results.
        template += "#rows" if after else "#results"
    return render(request, template, context)


def _detail_context(membership: Membership, profile: Profile, **extra: Any) -> dict[str, Any]:
    can_write = has_scope(membership, WRITE)
    context = {
        "profile": profile,
        "attribute_rows": attribute_rows(profile.attributes),
        "history": profile.subscription_changes.select_related("changed_by")[:HISTORY_SIZE],
        "history_size": HISTORY_SIZE,
        "can_write": can_write,
        "add_form": AttributeForm(profile=profile, initial={"adding": True}) if can_write else None,
        "edit_form": None,
    }
    return context | extra


@require_GET
@login_required
def profile_detail(request: AuthedRequest, profile_id: str) -> HttpResponse:
    membership = require_membership(request, READ)
    profile = get_profile_or_404(membership, profile_id)
    return render(request, "profiles/detail.html", _detail_context(membership, profile))


def _render_form(
    request: AuthedRequest, form: ProfileForm, profile: Profile | None
) -> HttpResponse:
    template = "profiles/form.html"
    if wants_fragment(request):
        template += "#profile-form"
    form.focus_first_error()
    context = {"form": form, "profile": profile, "time_zones": time_zones()}
    return render(request, template, context, status=422 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@login_required
def profile_create(request: AuthedRequest) -> HttpResponse:
    membership = require_membership(request, WRITE)
    # Not `request.POST or None`: an empty POST must still be a bound form that reports errors.
    form = ProfileCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        profile = form.create(membership.organization, changed_by=acting_user(request))
        if profile is not None:
            messages.success(request, f"Profile {profile.email} created.")
            return redirect_after_write(request, reverse("profiles:detail", args=[profile.id]))
    return _render_form(request, form, None)


@require_http_methods(["GET", "POST"])
@login_required
def profile_edit(request: AuthedRequest, profile_id: str) -> HttpResponse:
    membership = require_membership(request, WRITE)
    profile = get_profile_or_404(membership, profile_id)
    form = ProfileForm.for_profile(profile, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        updated = form.update(profile)
        if updated is not None:
            messages.success(request, f"Profile {updated.email} saved.")
            return redirect_after_write(request, reverse("profiles:detail", args=[updated.id]))
    return _render_form(request, form, profile)


@require_http_methods(["GET", "POST"])
@login_required
def profile_delete(request: AuthedRequest, profile_id: str) -> HttpResponse:
    membership = require_membership(request, WRITE)
    profile = get_profile_or_404(membership, profile_id)
    if request.method == "GET":
        return render(request, "profiles/delete.html", {"profile": profile})
    actions.delete_profile(profile)
    # The message leaves the email out: it is personal data that was just erased.
    messages.success(request, "The Profile was deleted and its personal data erased.")
    return redirect_after_write(request, reverse("profiles:list"))


@require_POST
@login_required
def subscription_change(request: AuthedRequest, profile_id: str) -> HttpResponse:
    membership = require_membership(request, WRITE)
    profile = get_profile_or_404(membership, profile_id)
    form = SubscriptionForm(request.POST)
    if not form.is_valid():
        raise BadRequest("status must be subscribed or unsubscribed")
    status = form.cleaned_data["status"]
    profile = actions.set_subscription(
        profile, status, SubscriptionSource.DASHBOARD, changed_by=acting_user(request)
    )
    if status == SubscriptionStatus.SUBSCRIBED:
        messages.success(request, f"{profile.email} is subscribed to marketing email.")
    else:
        messages.success(request, f"{profile.email} is unsubscribed from marketing email.")
    if wants_fragment(request):
        context = _detail_context(membership, profile)
        return render(request, "profiles/detail.html#subscription", context)
    return redirect(reverse("profiles:detail", args=[profile.id]) + "#subscription")


def _render_suppression(
    request: AuthedRequest, membership: Membership, profile: Profile
) -> HttpResponse:
    """After a suppression change: the card for htmx, a redirect back to it for a plain post."""
    if wants_fragment(request):
        context = _detail_context(membership, profile)
        return render(request, "profiles/detail.html#suppression", context)
    return redirect(reverse("profiles:detail", args=[profile.id]) + "#suppression")


@require_POST
@login_required
def profile_suppress(request: AuthedRequest, profile_id: str) -> HttpResponse:
    """Suppress by hand, e.g. after a legal request: no email of any kind goes to the address."""
    membership = require_membership(request, WRITE)
    profile = get_profile_or_404(membership, profile_id)
    profile = actions.suppress_profile(
        profile, SuppressionReason.MANUAL, changed_by=acting_user(request)
    )
    messages.success(request, f"{profile.email} is suppressed: no email will be sent to it.")
    return _render_suppression(request, membership, profile)


@require_POST
@login_required
def profile_unsuppress(request: AuthedRequest, profile_id: str) -> HttpResponse:
    membership = require_membership(request, WRITE)
    profile = get_profile_or_404(membership, profile_id)
    profile = actions.unsuppress_profile(profile)
    messages.success(request, f"{profile.email} is no longer suppressed.")
    return _render_suppression(request, membership, profile)


def _render_attributes(
    request: AuthedRequest,
    membership: Membership,
    profile: Profile,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    """The attributes section for htmx, or the whole Profile page around it."""
    template = "profiles/detail.html"
    if wants_fragment(request):
        template += "#attributes"
    return render(request, template, _detail_context(membership, profile, **extra), status=status)


@require_GET
@login_required
def attribute_table(request: AuthedRequest, profile_id: str) -> HttpResponse:
    """The attributes section; with `?edit=<key>` that row is a form."""
    key = request.GET.get("edit")
    membership = require_membership(request, READ if key is None else WRITE)
    profile = get_profile_or_404(membership, profile_id)
    if key is None:
        return _render_attributes(request, membership, profile)
    if key not in profile.attributes:
        raise Http404("No such attribute.")
    initial = {"key": key, "value": attribute_input_text(profile.attributes[key])}
    edit_form = AttributeForm(profile=profile, initial=initial)
    return _render_attributes(request, membership, profile, edit_form=edit_form)


@require_POST
@login_required
def attribute_set(request: AuthedRequest, profile_id: str) -> HttpResponse:
    """Add an attribute, or change one's value."""
    membership = require_membership(request, WRITE)
    profile = get_profile_or_404(membership, profile_id)
    form = AttributeForm(request.POST, profile=profile)
    updated = form.save() if form.is_valid() else None
    if updated is not None:
        if wants_fragment(request):
            return _render_attributes(request, membership, updated)
        return redirect(reverse("profiles:detail", args=[profile.id]) + "#attributes")
    which = "add_form" if form.cleaned_data.get("adding") else "edit_form"
    return _render_attributes(request, membership, profile, status=422, **{which: form})


@require_POST
@login_required
def attribute_delete(request: AuthedRequest, profile_id: str) -> HttpResponse:
    membership = require_membership(request, WRITE)
    profile = get_profile_or_404(membership, profile_id)
    key = request.POST.get("key", "")
    if key in profile.attributes:
        profile = actions.update_profile(profile, attributes={key: None})
    if wants_fragment(request):
        return _render_attributes(request, membership, profile)
    return redirect(reverse("profiles:detail", args=[profile.id]) + "#attributes")
