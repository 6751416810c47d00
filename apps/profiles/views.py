"""Dashboard views of Profiles: the list, the Profile page, its forms and its inline edits."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.accounts.models import Membership
from segmentflow.dashboard import (
    AuthedRequest,
    ListPage,
    acting_user,
    focus_first_error,
    list_page,
    redirect_after_write,
    render_list,
    require_membership,
    wants_fragment,
)
from segmentflow.errors import ActionError
from segmentflow.scopes import PROFILES_READ, PROFILES_WRITE, has_scope

from . import actions
from .forms import (
    AttributeForm,
    MappingForm,
    ProfileCreateForm,
    ProfileForm,
    ProfileSearchForm,
    SubscriptionForm,
    UploadForm,
    attribute_input_text,
    attribute_rows,
    time_zones,
)
from .imports import actions as imports
from .models import (
    ImportStatus,
    Profile,
    ProfileImport,
    ProfileQuerySet,
    SubscriptionSource,
    SubscriptionStatus,
    SuppressionReason,
)

PAGE_SIZE = 50
# The list counts its matches only this far; past it, it says "more than 1,000".
COUNT_CAP = 1000
HISTORY_SIZE = 50


def _count(profiles: ProfileQuerySet, page: ListPage, search: ProfileSearchForm) -> int | None:
    """How many match, where that is cheap: free below a page; along an index (no filter, the
    status, an email) no further than COUNT_CAP + 1 rows; a name search is not counted."""
    if not page.has_more:
        return len(page.items)
    if search.is_name_search:
        return None
    return profiles[: COUNT_CAP + 1].count()


@vary_on_headers("HX-Request")
@require_GET
@login_required
def profile_list(request: AuthedRequest) -> HttpResponse:
    membership = require_membership(request, PROFILES_READ)
    search = ProfileSearchForm(request.GET)
    profiles = search.filter(Profile.objects.for_org(membership.organization))
    page = list_page(request, profiles, size=PAGE_SIZE)
    context = {
        "search": search,
        "page": page,
        "total": None if page.is_later_page else _count(profiles, page, search),
        "count_cap": COUNT_CAP,
        "page_size": PAGE_SIZE,
        "can_write": has_scope(membership, PROFILES_WRITE),
    }
    # "Load more" appends rows; a search replaces the results.
    return render_list(request, "profiles/list.html", context)


def _detail_context(membership: Membership, profile: Profile, **extra: Any) -> dict[str, Any]:
    can_write = has_scope(membership, PROFILES_WRITE)
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
    membership = require_membership(request, PROFILES_READ)
    profile = Profile.objects.get_for_org_or_404(membership.organization, profile_id)
    return render(request, "profiles/detail.html", _detail_context(membership, profile))


def _render_form(
    request: AuthedRequest, form: ProfileForm, profile: Profile | None
) -> HttpResponse:
    template = "profiles/form.html"
    if wants_fragment(request):
        template += "#profile-form"
    focus_first_error(form)
    context = {"form": form, "profile": profile, "time_zones": time_zones()}
    return render(request, template, context, status=422 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@login_required
def profile_create(request: AuthedRequest) -> HttpResponse:
    membership = require_membership(request, PROFILES_WRITE)
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
    membership = require_membership(request, PROFILES_WRITE)
    profile = Profile.objects.get_for_org_or_404(membership.organization, profile_id)
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
    membership = require_membership(request, PROFILES_WRITE)
    profile = Profile.objects.get_for_org_or_404(membership.organization, profile_id)
    if request.method == "GET":
        return render(request, "profiles/delete.html", {"profile": profile})
    actions.delete_profile(profile)
    # The message leaves the email out: it is personal data that was just erased.
    messages.success(request, "The Profile was deleted and its personal data erased.")
    return redirect_after_write(request, reverse("profiles:list"))


@require_POST
@login_required
def subscription_change(request: AuthedRequest, profile_id: str) -> HttpResponse:
    membership = require_membership(request, PROFILES_WRITE)
    profile = Profile.objects.get_for_org_or_404(membership.organization, profile_id)
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
    membership = require_membership(request, PROFILES_WRITE)
    profile = Profile.objects.get_for_org_or_404(membership.organization, profile_id)
    profile = actions.suppress_profile(
        profile, SuppressionReason.MANUAL, changed_by=acting_user(request)
    )
    messages.success(request, f"{profile.email} is suppressed: no email will be sent to it.")
    return _render_suppression(request, membership, profile)


@require_POST
@login_required
def profile_unsuppress(request: AuthedRequest, profile_id: str) -> HttpResponse:
    membership = require_membership(request, PROFILES_WRITE)
    profile = Profile.objects.get_for_org_or_404(membership.organization, profile_id)
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
    membership = require_membership(request, PROFILES_READ if key is None else PROFILES_WRITE)
    profile = Profile.objects.get_for_org_or_404(membership.organization, profile_id)
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
    membership = require_membership(request, PROFILES_WRITE)
    profile = Profile.objects.get_for_org_or_404(membership.organization, profile_id)
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
    membership = require_membership(request, PROFILES_WRITE)
    profile = Profile.objects.get_for_org_or_404(membership.organization, profile_id)
    key = request.POST.get("key", "")
    if key in profile.attributes:
        profile = actions.update_profile(profile, attributes={key: None})
    if wants_fragment(request):
        return _render_attributes(request, membership, profile)
    return redirect(reverse("profiles:detail", args=[profile.id]) + "#attributes")


RECENT_IMPORTS = 10
# The report shows this many rejected rows; the CSV download has them all.
REJECTIONS_SHOWN = 100


@require_http_methods(["GET", "POST"])
@login_required
def import_start(request: AuthedRequest) -> HttpResponse:
    membership = require_membership(request, PROFILES_WRITE)
    form = UploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            profile_import = imports.start_import(
                membership.organization, form.cleaned_data["file"], created_by=acting_user(request)
            )
        except ActionError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect_after_write(
                request, reverse("profiles:import_mapping", args=[profile_import.pk])
            )
    status = 422 if request.method == "POST" else 200
    if wants_fragment(request):
        return render(
            request, "profiles/import_start.html#upload-form", {"form": form}, status=status
        )
    recent = ProfileImport.objects.for_org(membership.organization).select_related("created_by")
    context = {"form": form, "recent": recent.order_by("-created_at")[:RECENT_IMPORTS]}
    return render(request, "profiles/import_start.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def import_mapping(request: AuthedRequest, import_id: str) -> HttpResponse:
    membership = require_membership(request, PROFILES_WRITE)
    profile_import = ProfileImport.objects.get_for_org_or_404(membership.organization, import_id)
    detail_url = reverse("profiles:import_detail", args=[profile_import.pk])
    if profile_import.status != ImportStatus.MAPPING:
        return redirect_after_write(request, detail_url)
    form = MappingForm(
        request.POST if request.method == "POST" else None, profile_import=profile_import
    )
    if request.method == "POST" and form.is_valid():
        try:
            imports.confirm_import(
                profile_import,
                mapping=form.mapping(),
                existing=form.cleaned_data["existing"],
                subscription_status=form.cleaned_data["subscription_status"],
            )
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect_after_write(request, detail_url)
    template = "profiles/import_mapping.html"
    if wants_fragment(request):
        template += "#mapping-form"
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "profile_import": profile_import}
    return render(request, template, context, status=status)


@vary_on_headers("HX-Request")
@require_GET
@login_required
def import_detail(request: AuthedRequest, import_id: str) -> HttpResponse:
    membership = require_membership(request, PROFILES_WRITE)
    profile_import = ProfileImport.objects.get_for_org_or_404(membership.organization, import_id)
    if profile_import.status == ImportStatus.MAPPING:
        return redirect("profiles:import_mapping", profile_import.pk)
    context = {
        "profile_import": profile_import,
        "can_retry": imports.can_retry(profile_import),
        "rejections": profile_import.rejections.all()[:REJECTIONS_SHOWN],
    }
    template = "profiles/import_detail.html"
    if wants_fragment(request):
        # The progress fragment polls itself until the import is over.
        template += "#progress"
    return render(request, template, context)


@require_POST
@login_required
def import_retry(request: AuthedRequest, import_id: str) -> HttpResponse:
    membership = require_membership(request, PROFILES_WRITE)
    profile_import = ProfileImport.objects.get_for_org_or_404(membership.organization, import_id)
    try:
        imports.retry_import(profile_import)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The import continues where it stopped.")
    return redirect_after_write(
        request, reverse("profiles:import_detail", args=[profile_import.pk])
    )


@require_POST
@login_required
def import_cancel(request: AuthedRequest, import_id: str) -> HttpResponse:
    membership = require_membership(request, PROFILES_WRITE)
    profile_import = ProfileImport.objects.get_for_org_or_404(membership.organization, import_id)
    try:
        imports.cancel_import(profile_import)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect_after_write(
            request, reverse("profiles:import_detail", args=[profile_import.pk])
        )
    messages.success(request, f"The import of “{profile_import.file_name}” was cancelled.")
    return redirect_after_write(request, reverse("profiles:import_start"))


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


@require_GET
@login_required
def import_rejections_csv(request: AuthedRequest, import_id: str) -> StreamingHttpResponse:
    membership = require_membership(request, PROFILES_WRITE)
    profile_import = ProfileImport.objects.get_for_org_or_404(membership.organization, import_id)
    writer = csv.writer(_Echo())
    # A byte order mark first, so that spreadsheet programs read the file as UTF-8.
    lines: Iterator[str] = itertools.chain(
        ["\ufeff"], (writer.writerow(row) for row in imports.rejected_rows_csv(profile_import))
    )
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="rejected-rows-{profile_import.pk}.csv"'
    )
    return response
