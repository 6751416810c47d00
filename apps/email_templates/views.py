"""Dashboard views of Templates: the list, the starter gallery, the editor with its live
preview, duplicate, archive, and the version history.

The preview itself (previews.py) renders the editor's unsaved values with the same code as a
send, shown only inside a sandboxed iframe.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.accounts.models import Membership
from apps.brand_kits.models import BrandKit
from segmentflow.dashboard import (
    AuthedRequest,
    acting_user,
    list_page,
    redirect_after_write,
    render_list,
    require_membership,
    wants_fragment,
)
from segmentflow.errors import ActionError
from segmentflow.scopes import TEMPLATES_READ, TEMPLATES_WRITE, has_scope

from . import actions
from .forms import (
    TemplateForm,
    default_sample,
    sample_from_merge_fields,
    starter_sample,
)
from .models import Purpose, Template, TemplateStatus, TemplateVersion
from .previews import build_preview, merge_fields_of, starter_thumbnail
from .rendering import TemplateSyntaxProblem
from .starters import STARTERS, STARTERS_BY_KEY

PAGE_SIZE = 50


def sample_session_key(template: Template) -> str:
    """Where the editor keeps a template's sample data (the test send reads it too)."""
    return f"email_templates.sample.{template.pk}"


# The list and the starter gallery


@vary_on_headers("HX-Request")
@require_GET
@login_required
def template_list(request: AuthedRequest) -> HttpResponse:
    membership = require_membership(request, TEMPLATES_READ)
    status = request.GET.get("status")
    if status not in TemplateStatus.values:
        status = TemplateStatus.ACTIVE
    templates = Template.objects.for_org(membership.organization)
    counts = templates.aggregate(
        active=Count("pk", filter=Q(status=TemplateStatus.ACTIVE)),
        archived=Count("pk", filter=Q(status=TemplateStatus.ARCHIVED)),
    )
    listed = templates.filter(status=status).defer("html", "text", "preheader")
    context = {
        "status": status,
        "counts": counts,
        "page": list_page(request, listed, size=PAGE_SIZE),
        "can_write": has_scope(membership, TEMPLATES_WRITE),
    }
    return render_list(request, "email_templates/list.html", context, results=None)


@require_http_methods(["GET", "POST"])
@login_required
def template_new(request: AuthedRequest) -> HttpResponse:
    """GET: a blank template or one of the starters; POST creates it and opens the editor."""
    membership = require_membership(request, TEMPLATES_WRITE)
    organization = membership.organization
    error = ""
    name = request.POST.get("name", "").strip()
    purpose = request.POST.get("purpose", Purpose.TRANSACTIONAL)
    if request.method == "POST":
        key = request.POST.get("starter", "")
        if key and key not in STARTERS_BY_KEY:
            raise BadRequest("unknown starter")
        try:
            template = actions.create_from_starter(
                organization, key, name=name, purpose=purpose, saved_by=acting_user(request).email
            )
        except ActionError as exc:
            error = exc.message
        else:
            if key:
                request.session[sample_session_key(template)] = starter_sample(STARTERS_BY_KEY[key])
            messages.success(request, f"Template {template.name} created.")
            return redirect_after_write(
                request, reverse("email_templates:edit", args=[template.pk])
            )
    starters = [
        {"starter": starter, "thumbnail": starter_thumbnail(organization, starter)}
        for starter in STARTERS
    ]
    context = {
        "starters": starters,
        "name": name,
        "purpose": purpose,
        "purposes": Purpose.choices,
        "error": error,
    }
    return render(request, "email_templates/new.html", context, status=422 if error else 200)


# The editor and its preview


def _field_errors(exc: ActionError) -> dict[str, list[str]]:
    problems = exc.fields or [{"path": exc.field, "message": exc.message}]
    errors: dict[str, list[str]] = {}
    for problem in problems:
        errors.setdefault(problem.get("path") or "form", []).append(problem["message"])
    return errors


def _editor_context(
    membership: Membership,
    template: Template,
    form: TemplateForm,
    errors: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    organization = membership.organization
    return {
        "template": template,
        "form": form.values,
        "sample": form.sample,
        "errors": errors or {},
        "can_write": has_scope(membership, TEMPLATES_WRITE),
        "kits": BrandKit.objects.for_org(organization).order_by("-is_default", "name", "pk"),
        "purposes": Purpose.choices,
        "preview": build_preview(organization, form),
        "versions": template.versions.defer("html", "text", "preheader")[:5],
    }


@require_http_methods(["GET", "POST"])
@login_required
def template_edit(request: AuthedRequest, template_id: str) -> HttpResponse:
    membership = require_membership(
        request, TEMPLATES_READ if request.method == "GET" else TEMPLATES_WRITE
    )
    template = Template.objects.get_for_org_or_404(membership.organization, template_id)
    if request.method == "GET":
        sample = request.session.get(sample_session_key(template)) or default_sample(template)
        form = TemplateForm.from_template(template, sample)
        context = _editor_context(membership, template, form)
        return render(request, "email_templates/edit.html", context)
    form = TemplateForm.from_post(request.POST)
    before = template.version
    try:
        template = actions.update_template(
            template, form.changes(), saved_by=acting_user(request).email
        )
    except ActionError as exc:
        context = _editor_context(membership, template, form, _field_errors(exc))
        page = "email_templates/edit.html"
        if wants_fragment(request):
            page += "#editor-form"
        return render(request, page, context, status=422)
    if form.sample.strip():
        request.session[sample_session_key(template)] = form.sample
    if template.version == before:
        messages.info(request, "Nothing changed: no new version was saved.")
    else:
        messages.success(request, f"Saved {template.name} as version {template.version}.")
    return redirect_after_write(request, reverse("email_templates:edit", args=[template.pk]))


@require_POST
@login_required
def template_preview(request: AuthedRequest, template_id: str) -> HttpResponse:
    """The preview pane for the editor's current (unsaved) values; viewers may preview too."""
    membership = require_membership(request, TEMPLATES_READ)
    template = Template.objects.get_for_org_or_404(membership.organization, template_id)
    form = TemplateForm.from_post(request.POST)
    context = {"template": template, "preview": build_preview(membership.organization, form)}
    return render(request, "email_templates/edit.html#preview", context)


@require_POST
@login_required
def template_sample(request: AuthedRequest, template_id: str) -> HttpResponse:
    """Rebuild the sample data box from the merge fields the current sources use."""
    membership = require_membership(request, TEMPLATES_READ)
    Template.objects.get_for_org_or_404(membership.organization, template_id)
    form = TemplateForm.from_post(request.POST)
    # With a syntax error the sample stays as it was: the preview shows the problem.
    with contextlib.suppress(TemplateSyntaxProblem):
        form.sample = sample_from_merge_fields(merge_fields_of(form))
    return render(request, "email_templates/edit.html#sample-field", {"sample": form.sample})


@require_POST
@login_required
def template_duplicate(request: AuthedRequest, template_id: str) -> HttpResponse:
    membership = require_membership(request, TEMPLATES_WRITE)
    template = Template.objects.get_for_org_or_404(membership.organization, template_id)
    copy = actions.duplicate_template(template, saved_by=acting_user(request).email)
    messages.success(request, f"Created {copy.name}.")
    return redirect_after_write(request, reverse("email_templates:edit", args=[copy.pk]))


@require_http_methods(["GET", "POST"])
@login_required
def template_archive(request: AuthedRequest, template_id: str) -> HttpResponse:
    """GET asks for confirmation (without JavaScript); POST archives."""
    membership = require_membership(request, TEMPLATES_WRITE)
    template = Template.objects.get_for_org_or_404(membership.organization, template_id)
    if request.method == "GET":
        return render(request, "email_templates/archive.html", {"template": template})
    actions.archive_template(template)
    messages.success(request, f"{template.name} was archived: it can no longer be sent.")
    return redirect_after_write(request, reverse("email_templates:edit", args=[template.pk]))


@require_POST
@login_required
def template_unarchive(request: AuthedRequest, template_id: str) -> HttpResponse:
    membership = require_membership(request, TEMPLATES_WRITE)
    template = Template.objects.get_for_org_or_404(membership.organization, template_id)
    actions.unarchive_template(template)
    messages.success(request, f"{template.name} is active again.")
    return redirect_after_write(request, reverse("email_templates:edit", args=[template.pk]))


# Version history


def get_version_or_404(template: Template, version: int) -> TemplateVersion:
    return get_object_or_404(template.versions.all(), version=version)


@require_GET
@login_required
def version_list(request: AuthedRequest, template_id: str) -> HttpResponse:
    membership = require_membership(request, TEMPLATES_READ)
    template = Template.objects.get_for_org_or_404(membership.organization, template_id)
    context = {
        "template": template,
        "versions": template.versions.defer("html", "text", "preheader"),
        "can_write": has_scope(membership, TEMPLATES_WRITE),
    }
    return render(request, "email_templates/versions.html", context)


@require_GET
@login_required
def version_detail(request: AuthedRequest, template_id: str, version: int) -> HttpResponse:
    membership = require_membership(request, TEMPLATES_READ)
    template = Template.objects.get_for_org_or_404(membership.organization, template_id)
    context = {
        "template": template,
        "version": get_version_or_404(template, version),
        "can_write": has_scope(membership, TEMPLATES_WRITE),
    }
    return render(request, "email_templates/version.html", context)


@require_POST
@login_required
def version_restore(request: AuthedRequest, template_id: str, version: int) -> HttpResponse:
    """Make an earlier version the current content, as a new version."""
    membership = require_membership(request, TEMPLATES_WRITE)
    template = Template.objects.get_for_org_or_404(membership.organization, template_id)
    old = get_version_or_404(template, version)
    try:
        restored = actions.restore_version(
            template, old.version, saved_by=acting_user(request).email
        )
    except ActionError as exc:
        messages.error(request, f"Version {old.version} was not restored: {exc.message}")
        return redirect_after_write(
            request, reverse("email_templates:versions", args=[template.pk])
        )
    if restored.version == template.version:
        messages.info(request, f"Version {old.version} is already the current content.")
    else:
        messages.success(request, f"Restored version {old.version} as version {restored.version}.")
    return redirect_after_write(request, reverse("email_templates:edit", args=[template.pk]))
