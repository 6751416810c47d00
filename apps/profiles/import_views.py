"""Dashboard views of the CSV import: upload, mapping, progress and report, retry and cancel."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
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
from segmentflow.errors import ActionError

from . import imports
from .import_forms import MappingForm, UploadForm
from .models import ImportStatus, ProfileImport

WRITE = "profiles:write"
RECENT_IMPORTS = 10
# The report shows this many rejected rows; the CSV download has them all.
REJECTIONS_SHOWN = 100


def get_import_or_404(membership: Membership, import_id: str) -> ProfileImport:
    return get_object_or_404(
        ProfileImport.objects.for_org(membership.organization).select_related("created_by"),
        pk=import_id,
    )


@require_http_methods(["GET", "POST"])
@login_required
def import_start(request: AuthedRequest) -> HttpResponse:
    membership = require_membership(request, WRITE)
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
    membership = require_membership(request, WRITE)
    profile_import = get_import_or_404(membership, import_id)
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
    membership = require_membership(request, WRITE)
    profile_import = get_import_or_404(membership, import_id)
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
    membership = require_membership(request, WRITE)
    profile_import = get_import_or_404(membership, import_id)
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
    membership = require_membership(request, WRITE)
    profile_import = get_import_or_404(membership, import_id)
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
    membership = require_membership(request, WRITE)
    profile_import = get_import_or_404(membership, import_id)
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
