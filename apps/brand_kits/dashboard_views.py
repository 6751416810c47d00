"""Dashboard views of Brand Kits: the list, the editor with its live sample, and the import
from a website (start, progress, review and apply)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.dashboard import (
    AuthedRequest,
    redirect_after_write,
    require_membership,
    wants_fragment,
)
from apps.accounts.models import Membership
from apps.accounts.permissions import has_scope
from apps.assets.inspection import MAX_BYTES
from apps.assets.models import Asset
from segmentflow.errors import ActionError

from . import actions, review
from .extraction import expire_if_stale
from .forms import (
    COMMON_FONTS,
    LOGO_ROLES,
    SOCIAL_NETWORKS,
    KitForm,
    logo_choices,
    sample_brand,
    warnings_for,
)
from .models import BrandExtraction, BrandKit, LogoRole

READ = "brand_kit:read"
WRITE = "brand_kit:write"


def get_kit_or_404(membership: Membership, kit_id: str) -> BrandKit:
    kits = BrandKit.objects.for_org(membership.organization).prefetch_related("logos__asset")
    return get_object_or_404(kits, pk=kit_id)


def get_extraction_or_404(kit: BrandKit, extraction_id: str) -> BrandExtraction:
    return expire_if_stale(get_object_or_404(kit.extractions.all(), pk=extraction_id))


@require_GET
@login_required
def kit_list(request: AuthedRequest) -> HttpResponse:
    membership = require_membership(request, READ)
    kits = (
        BrandKit.objects.for_org(membership.organization)
        .prefetch_related("logos__asset")
        .order_by("-is_default", "name", "pk")
    )
    rows = [{"kit": kit, "logo": _list_logo(kit)} for kit in kits]
    context = {"rows": rows, "can_write": has_scope(membership, WRITE)}
    return render(request, "brand_kits/list.html", context)


def _list_logo(kit: BrandKit) -> Asset | None:
    """The logo the list shows: the primary one, else the first, if its image is ready."""
    logos = sorted(kit.logos.all(), key=lambda logo: logo.role != LogoRole.PRIMARY)
    return next((logo.asset for logo in logos if logo.asset.is_ready), None)


def _logo_role(form: KitForm, role: str) -> dict[str, Any]:
    """What one role's logo picker shows: its label, the chosen Asset id and its errors."""
    label, help_text = next((label, help_) for name, label, help_ in LOGO_ROLES if name == role)
    return {
        "role": role,
        "label": label,
        "help": help_text,
        "selected": form.logos.get(role, ""),
        "errors": form.logo_errors.get(role, []),
    }


def _editor_context(membership: Membership, kit: BrandKit | None, form: KitForm) -> dict[str, Any]:
    can_upload = has_scope(membership, "assets:write")
    return {
        "kit": kit,
        "form": form,
        "logo_roles": [_logo_role(form, role) for role, _, _ in LOGO_ROLES],
        "assets": logo_choices(membership.organization, form.logos),
        "brand": sample_brand(membership.organization, form),
        "warnings": warnings_for(form),
        "common_fonts": COMMON_FONTS,
        "social_networks": SOCIAL_NETWORKS,
        "can_upload": can_upload,
        "max_bytes": MAX_BYTES,
    }


def _render_editor(
    request: AuthedRequest, membership: Membership, kit: BrandKit | None, form: KitForm
) -> HttpResponse:
    template = "brand_kits/edit.html"
    if wants_fragment(request):
        template += "#kit-form"
    status = 422 if form.has_errors else 200
    return render(request, template, _editor_context(membership, kit, form), status=status)


@require_http_methods(["GET", "POST"])
@login_required
def kit_create(request: AuthedRequest) -> HttpResponse:
    membership = require_membership(request, WRITE)
    if request.method == "GET":
        return _render_editor(request, membership, None, KitForm.for_kit(None))
    form = KitForm.from_post(request.POST)
    if form.validate():
        try:
            kit = actions.create_brand_kit(membership.organization, form.to_data())
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(request, f"The Brand Kit {kit.name} was created.")
            return redirect_after_write(request, reverse("brand_kits:edit", args=[kit.pk]))
    return _render_editor(request, membership, None, form)


@require_http_methods(["GET", "POST"])
@login_required
def kit_edit(request: AuthedRequest, kit_id: str) -> HttpResponse:
    """The kit's page: the editor, or the kit read-only for a role that cannot change it."""
    membership = require_membership(request, WRITE if request.method == "POST" else READ)
    kit = get_kit_or_404(membership, kit_id)
    if request.method == "GET":
        form = KitForm.for_kit(kit)
        if not has_scope(membership, WRITE):
            context = {"kit": kit, "brand": sample_brand(membership.organization, form)}
            context |= {"form": form, "warnings": warnings_for(form)}
            return render(request, "brand_kits/detail.html", context)
        return _render_editor(request, membership, kit, form)
    form = KitForm.from_post(request.POST)
    if form.validate():
        try:
            kit = actions.update_brand_kit(kit, form.to_data())
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(request, f"The Brand Kit {kit.name} was saved.")
            return redirect_after_write(request, reverse("brand_kits:edit", args=[kit.pk]))
    return _render_editor(request, membership, kit, form)


@require_POST
@login_required
def kit_preview(request: AuthedRequest) -> HttpResponse:
    """The live sample and the contrast warnings for the values in the editor, not saved."""
    membership = require_membership(request, WRITE)
    form = KitForm.from_post(request.POST)
    context = {
        "form": form,
        "brand": sample_brand(membership.organization, form),
        "warnings": warnings_for(form),
    }
    return render(request, "brand_kits/edit.html#preview", context)


@require_GET
@login_required
def logo_options(request: AuthedRequest) -> HttpResponse:
    """The logo pickers, e.g. after an upload added an image to the library; the choices
    made so far (sent along) stay chosen."""
    membership = require_membership(request, WRITE)
    form = KitForm.from_post(request.GET)
    context = {
        "logo_roles": [_logo_role(form, role) for role, _, _ in LOGO_ROLES],
        "assets": logo_choices(membership.organization, form.logos),
    }
    return render(request, "brand_kits/edit.html#logo-pickers", context)


@require_POST
@login_required
def kit_make_default(request: AuthedRequest, kit_id: str) -> HttpResponse:
    membership = require_membership(request, WRITE)
    kit = get_kit_or_404(membership, kit_id)
    kit = actions.update_brand_kit(kit, {"isDefault": True})
    messages.success(request, f"{kit.name} is now the default Brand Kit.")
    return redirect_after_write(request, reverse("brand_kits:list"))


@require_http_methods(["GET", "POST"])
@login_required
def kit_delete(request: AuthedRequest, kit_id: str) -> HttpResponse:
    membership = require_membership(request, WRITE)
    kit = get_kit_or_404(membership, kit_id)
    if request.method == "GET":
        return render(request, "brand_kits/delete.html", {"kit": kit})
    actions.delete_brand_kit(kit)
    messages.success(request, f"The Brand Kit {kit.name} was deleted.")
    return redirect_after_write(request, reverse("brand_kits:list"))


@require_http_methods(["GET", "POST"])
@login_required
def import_start(request: AuthedRequest, kit_id: str) -> HttpResponse:
    membership = require_membership(request, WRITE)
    kit = get_kit_or_404(membership, kit_id)
    url = request.POST.get("url", "") if request.method == "POST" else kit.website_url
    error = None
    if request.method == "POST":
        try:
            extraction = actions.start_extraction(kit, url)
        except ActionError as exc:
            error = exc.message
        else:
            return redirect("brand_kits:import_detail", kit.pk, extraction.pk)
    recent = kit.extractions.order_by("-created_at")[:5]
    context = {"kit": kit, "url": url, "error": error, "recent": recent}
    return render(request, "brand_kits/import_start.html", context, status=422 if error else 200)


@require_GET
@login_required
def import_detail(request: AuthedRequest, kit_id: str, extraction_id: str) -> HttpResponse:
    """The import's progress, polled until it ends; then its error, or the review."""
    membership = require_membership(request, WRITE)
    kit = get_kit_or_404(membership, kit_id)
    extraction = get_extraction_or_404(kit, extraction_id)
    context = {"kit": kit, "extraction": extraction, **review.review_context(kit, extraction)}
    template = "brand_kits/import_detail.html"
    if wants_fragment(request):
        template += "#progress"
    return render(request, template, context)


@require_POST
@login_required
def import_apply(request: AuthedRequest, kit_id: str, extraction_id: str) -> HttpResponse:
    membership = require_membership(request, WRITE)
    kit = get_kit_or_404(membership, kit_id)
    extraction = get_extraction_or_404(kit, extraction_id)
    parts = request.POST.getlist("parts")
    try:
        kit = actions.apply_extraction(extraction, parts)
    except ActionError as exc:
        messages.error(request, f"Nothing was applied: {exc.message}")
        return redirect_after_write(
            request, reverse("brand_kits:import_detail", args=[kit.pk, extraction.pk])
        )
    count = len(parts)
    messages.success(
        request, f"Applied {count} part{'s' if count > 1 else ''} of the import to {kit.name}."
    )
    return redirect_after_write(request, reverse("brand_kits:edit", args=[kit.pk]))
