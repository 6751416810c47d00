"""API routes of Templates (api-contract.md → Templates)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Status

from apps.accounts.models import Organization
from apps.profiles.models import Profile
from segmentflow.api import ApiRouter
from segmentflow.auth import request_organization as _org
from segmentflow.errors import not_found, validation_failed
from segmentflow.pagination import paginate

from . import actions
from .models import Template
from .schemas import (
    RenderIn,
    RenderOut,
    TemplateCreateIn,
    TemplateList,
    TemplateListQuery,
    TemplateOut,
    TemplatePatchIn,
)

router = ApiRouter(tags=["templates"])


def get_template_or_404(organization: Organization, template_id: str) -> Template:
    templates = Template.objects.for_org(organization).select_related("organization", "brand_kit")
    template = templates.filter(pk=template_id).first()
    if template is None:
        raise not_found("Template")
    return template


def saved_by(request: HttpRequest) -> str:
    """Who a version is recorded as saved by: the API key's name."""
    return f"API key {request.auth.name}"  # type: ignore[attr-defined]


@router.get(
    "/templates", response=TemplateList, scope="templates:read", operation_id="templates_list"
)
def templates_list(request: HttpRequest, query: Query[TemplateListQuery]) -> dict[str, Any]:
    """List Templates, newest first; filter by `status` and `purpose`."""
    templates = Template.objects.for_org(_org(request))
    if query.status:
        templates = templates.filter(status=query.status)
    if query.purpose:
        templates = templates.filter(purpose=query.purpose)
    return paginate(templates, query)


@router.get(
    "/templates/{template_id}",
    response=TemplateOut,
    scope="templates:read",
    operation_id="templates_get",
)
def templates_get(request: HttpRequest, template_id: str) -> Template:
    return get_template_or_404(_org(request), template_id)


@router.post(
    "/templates",
    response={201: TemplateOut},
    scope="templates:write",
    operation_id="templates_create",
)
def templates_create(request: HttpRequest, payload: TemplateCreateIn) -> Status:
    """Create a Template. Its Liquid is parsed now: a syntax error is 422 with the line and
    column; marketing templates must contain `{{ unsubscribeUrl }}`."""
    data = payload.model_dump(by_alias=True, exclude_unset=True)
    template = actions.create_template(_org(request), data, saved_by=saved_by(request))
    return Status(201, template)


@router.patch(
    "/templates/{template_id}",
    response=TemplateOut,
    scope="templates:write",
    operation_id="templates_update",
)
def templates_update(request: HttpRequest, template_id: str, payload: TemplatePatchIn) -> Template:
    """Change a Template; a change of content increments `version` and keeps the old one."""
    template = get_template_or_404(_org(request), template_id)
    changes = payload.model_dump(by_alias=True, exclude_unset=True)
    return actions.update_template(template, changes, saved_by=saved_by(request))


@router.post(
    "/templates/{template_id}/render",
    response=RenderOut,
    scope="templates:read",
    operation_id="templates_render",
)
def templates_render(request: HttpRequest, template_id: str, payload: RenderIn) -> Any:
    """Render the Template for a recipient without sending anything: `{subject, html, text,
    headers}`. Missing merge data is 422 `template_render_failed` naming the path."""
    organization = _org(request)
    template = get_template_or_404(organization, template_id)
    if payload.profile_id is not None and payload.profile is not None:
        raise validation_failed("profile", "give profileId or profile, not both")
    profile = None
    if payload.profile_id is not None:
        profile = Profile.objects.for_org(organization).filter(pk=payload.profile_id).first()
        if profile is None:
            raise validation_failed("profileId", "not a Profile of this Organization")
    return actions.render_template(
        template, profile=profile, profile_data=payload.profile, data=payload.data
    )


@router.post(
    "/templates/{template_id}/duplicate",
    response={201: TemplateOut},
    scope="templates:write",
    operation_id="templates_duplicate",
)
def templates_duplicate(request: HttpRequest, template_id: str) -> Status:
    """A new active copy named "Copy of …", at version 1."""
    template = get_template_or_404(_org(request), template_id)
    return Status(201, actions.duplicate_template(template, saved_by=saved_by(request)))


@router.post(
    "/templates/{template_id}/archive",
    response=TemplateOut,
    scope="templates:write",
    operation_id="templates_archive",
)
def templates_archive(request: HttpRequest, template_id: str) -> Template:
    """Archive the Template: it can no longer be sent. Archiving twice changes nothing."""
    return actions.archive_template(get_template_or_404(_org(request), template_id))


@router.post(
    "/templates/{template_id}/unarchive",
    response=TemplateOut,
    scope="templates:write",
    operation_id="templates_unarchive",
)
def templates_unarchive(request: HttpRequest, template_id: str) -> Template:
    """Make an archived Template active again."""
    return actions.unarchive_template(get_template_or_404(_org(request), template_id))
