"""Dashboard views of Brand Kits: the list, the editor with its live sample, and the import
from a website (start, progress, review and apply)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.models import Membership
from apps.assets.inspection import MAX_BYTES
from segmentflow.dashboard import (
    AuthedRequest,
    add_action_error,
    redirect_after_write,
    require_membership,
    wants_fragment,
)
from segmentflow.errors import ActionError
from segmentflow.scopes import ASSETS_WRITE, BRAND_KIT_READ, BRAND_KIT_WRITE, has_scope

from . import actions, review
from .extraction.actions import start_extraction
from .forms import (
    COMMON_FONTS,
    SOCIAL_NETWORKS,
    ExtractionStartForm,
    KitForm,
    logo_pickers,
    posted_logos,
)
from .models import BrandExtraction, BrandKit


@require_GET
@login_required
def kit_list(request: AuthedRequest) -> HttpResponse:
    membership = require_membership(request, BRAND_KIT_READ)
    kits = (
        BrandKit.objects.for_org(membership.organization)
        .prefetch_related("logos__asset")
        .order_by("-is_default", "name", "pk")
    )
    context = {"kits": kits, "can_write": has_scope(membership, BRAND_KIT_WRITE)}
    return render(request, "brand_kits/list.html", context)


def _render_editor(
    request: AuthedRequest, membership: Membership, kit: BrandKit | None, form: KitForm
) -> HttpResponse:
    """The editor in full, or its form alone for htmx; 422 when the form has errors."""
    context = {
        "kit": kit,
        "form": form,
        **form.logo_pickers(),
        "brand": form.sample_brand(),
        "warnings": form.contrast_warnings(),
        "common_fonts": COMMON_FONTS,
        "social_networks": SOCIAL_NETWORKS,
        "can_upload": has_scope(membership, ASSETS_WRITE),
        "max_bytes": MAX_BYTES,
    }
    template = "brand_kits/edit.html"
    if wants_fragment(request):
        template += "#kit-form"
    return render(request, template, context, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@login_required
def kit_create(request: AuthedRequest) -> HttpResponse:
    membership = require_membership(request, BRAND_KIT_WRITE)
    if request.method == "GET":
        return _render_editor(request, membership, None, KitForm(membership.organization))
    form = KitForm(membership.organization, request.POST)
    if form.is_valid() and (kit := form.create()):
        messages.success(request, f"The Brand Kit {kit.name} was created.")
        return redirect_after_write(request, reverse("brand_kits:edit", args=[kit.pk]))
    return _render_editor(request, membership, None, form)


@require_http_methods(["GET", "POST"])
@login_required
def kit_edit(request: AuthedRequest, kit_id: str) -> HttpResponse:
    """The kit's page: the editor, or the kit read-only for a role that cannot change it."""
    membership = require_membership(
        request, BRAND_KIT_WRITE if request.method == "POST" else BRAND_KIT_READ
    )
    kit = BrandKit.objects.get_for_org_or_404(membership.organization, kit_id)
    if request.method == "GET":
        form = KitForm(membership.organization, kit=kit)
        if not has_scope(membership, BRAND_KIT_WRITE):
            context = {"kit": kit, "form": form, "brand": form.sample_brand()}
            context["warnings"] = form.contrast_warnings()
            return render(request, "brand_kits/detail.html", context)
        return _render_editor(request, membership, kit, form)
    form = KitForm(membership.organization, request.POST)
    if form.is_valid() and (saved := form.update(kit)):
        messages.success(request, f"The Brand Kit {saved.name} was saved.")
        return redirect_after_write(request, reverse("brand_kits:edit", args=[saved.pk]))
    return _render_editor(request, membership, kit, form)


@require_POST
@login_required
def kit_preview(request: AuthedRequest) -> HttpResponse:
    """The live sample and the contrast warnings for the values in the editor, not saved."""
    membership = require_membership(request, BRAND_KIT_WRITE)
    form = KitForm(membership.organization, request.POST)
    context = {"form": form, "brand": form.sample_brand(), "warnings": form.contrast_warnings()}
    return render(request, "brand_kits/edit.html#preview", context)


@require_GET
@login_required
def logo_options(request: AuthedRequest) -> HttpResponse:
    """The logo pickers, e.g. after an upload added an image to the library; the choices
    made so far (sent along) stay chosen."""
    membership = require_membership(request, BRAND_KIT_WRITE)
    context = logo_pickers(membership.organization, posted_logos(request.GET))
    return render(request, "brand_kits/edit.html#logo-pickers", context)


@require_POST
@login_required
def kit_make_default(request: AuthedRequest, kit_id: str) -> HttpResponse:
    membership = require_membership(request, BRAND_KIT_WRITE)
    kit = BrandKit.objects.get_for_org_or_404(membership.organization, kit_id)
    kit = actions.update_brand_kit(kit, is_default=True)
    messages.success(request, f"{kit.name} is now the default Brand Kit.")
    return redirect_after_write(request, reverse("brand_kits:list"))


@require_http_methods(["GET", "POST"])
@login_required
def kit_delete(request: AuthedRequest, kit_id: str) -> HttpResponse:
    membership = require_membership(request, BRAND_KIT_WRITE)
    kit = BrandKit.objects.get_for_org_or_404(membership.organization, kit_id)
    if request.method == "GET":
        return render(request, "brand_kits/delete.html", {"kit": kit})
    actions.delete_brand_kit(kit)
    messages.success(request, f"The Brand Kit {kit.name} was deleted.")
    return redirect_after_write(request, reverse("brand_kits:list"))


def _kit_extraction_or_404(kit: BrandKit, extraction_id: str) -> BrandExtraction:
    """One of the kit's extractions, as readers are shown it (BrandExtraction.reported)."""
    extractions = BrandExtraction.objects.filter(brand_kit=kit)
    return extractions.get_for_org_or_404(kit.organization, extraction_id).reported()


@require_http_methods(["GET", "POST"])
@login_required
def import_start(request: AuthedRequest, kit_id: str) -> HttpResponse:
    membership = require_membership(request, BRAND_KIT_WRITE)
    kit = BrandKit.objects.get_for_org_or_404(membership.organization, kit_id)
    data = request.POST if request.method == "POST" else None
    form = ExtractionStartForm(data, initial={"url": kit.website_url})
    if form.is_valid():
        try:
            extraction = start_extraction(kit, form.cleaned_data["url"])
        except ActionError as error:
            add_action_error(form, error)
        else:
            return redirect("brand_kits:import_detail", kit.pk, extraction.pk)
    recent = [extraction.reported() for extraction in kit.extractions.order_by("-created_at")[:5]]
    context = {"kit": kit, "form": form, "recent": recent}
    status = 422 if form.errors else 200
    return render(request, "brand_kits/import_start.html", context, status=status)


@require_GET
@login_required
def import_detail(request: AuthedRequest, kit_id: str, extraction_id: str) -> HttpResponse:
    """The import's progress, polled until it ends; then its error, or the review."""
    membership = require_membership(request, BRAND_KIT_WRITE)
    kit = BrandKit.objects.get_for_org_or_404(membership.organization, kit_id)
    extraction = _kit_extraction_or_404(kit, extraction_id)
    context = {"kit": kit, "extraction": extraction, **review.review_context(kit, extraction)}
    template = "brand_kits/import_detail.html"
    if wants_fragment(request):
        template += "#progress"
    return render(request, template, context)


@require_POST
@login_required
def import_apply(request: AuthedRequest, kit_id: str, extraction_id: str) -> HttpResponse:
    membership = require_membership(request, BRAND_KIT_WRITE)
    kit = BrandKit.objects.get_for_org_or_404(membership.organization, kit_id)
    extraction = _kit_extraction_or_404(kit, extraction_id)
    parts = request.POST.getlist("parts")
    try:
        kit = actions.apply_extraction(extraction, parts)
    except ActionError as exc:
        messages.error(request, f"Nothing was applied: {exc.message}")
        detail_url = reverse("brand_kits:import_detail", args=[kit.pk, extraction.pk])
        return redirect_after_write(request, detail_url)
    count = len(parts)
    messages.success(
        request, f"Applied {count} part{'s' if count > 1 else ''} of the import to {kit.name}."
    )
    return redirect_after_write(request, reverse("brand_kits:edit", args=[kit.pk]))
