"""API routes of Templates (api-contract.md → Templates)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Status

from segmentflow.api import ApiRouter
from segmentflow.auth import request_organization as _org
from segmentflow.pagination import paginate
from segmentflow.scopes import TEMPLATES_READ, TEMPLATES_WRITE

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


def saved_by(request: HttpRequest) -> str:
    """Who a version is recorded as saved by: the API key's name."""
    return f"API key {request.auth.name}"  # type: ignore[attr-defined]


@router.get(
    "/templates",
    response=TemplateList,
    scope=TEMPLATES_READ,
    operation_id="templates_list",
    summary="List Templates",
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
    scope=TEMPLATES_READ,
    operation_id="templates_get",
    summary="Get a Template",
)
def templates_get(request: HttpRequest, template_id: str) -> Template:
    return Template.objects.get_for_org_or_404(_org(request), template_id)


@router.post(
    "/templates",
    response={201: TemplateOut},
    scope=TEMPLATES_WRITE,
    operation_id="templates_create",
    summary="Create a Template",
)
def templates_create(request: HttpRequest, payload: TemplateCreateIn) -> Status:
    """Create a Template. Its Liquid is parsed now: a syntax error is 422 with the line and
    column; marketing templates must contain `{{ unsubscribeUrl }}`."""
    data = payload.model_dump(exclude_unset=True)
    template = actions.create_template(_org(request), data, saved_by=saved_by(request))
    return Status(201, template)


@router.patch(
    "/templates/{template_id}",
    response=TemplateOut,
    scope=TEMPLATES_WRITE,
    operation_id="templates_update",
    summary="Update a Template",
)
def templates_update(request: HttpRequest, template_id: str, payload: TemplatePatchIn) -> Template:
    """Change a Template; a change of content increments `version` and keeps the old one."""
    template = Template.objects.get_for_org_or_404(_org(request), template_id)
    changes = payload.model_dump(exclude_unset=True)
    return actions.update_template(template, changes, saved_by=saved_by(request))


@router.post(
    "/templates/{template_id}/render",
    response=RenderOut,
    scope=TEMPLATES_READ,
    operation_id="templates_render",
    summary="Render a Template",
)
def templates_render(request: HttpRequest, template_id: str, payload: RenderIn) -> Any:
    """Render the Template for a recipient without sending anything: `{subject, html, text,
    headers}`. Missing merge data is 422 `template_render_failed` naming the path."""
    template = Template.objects.get_for_org_or_404(_org(request), template_id)
    return actions.render_for_recipient(
        template, profile_id=payload.profile_id, profile=payload.profile, data=payload.data
    )


@router.post(
    "/templates/{template_id}/duplicate",
    response={201: TemplateOut},
    scope=TEMPLATES_WRITE,
    operation_id="templates_duplicate",
    summary="Duplicate a Template",
)
def templates_duplicate(request: HttpRequest, template_id: str) -> Status:
    """A new active copy named "Copy of …", at version 1."""
    template = Template.objects.get_for_org_or_404(_org(request), template_id)
    return Status(201, actions.duplicate_template(template, saved_by=saved_by(request)))


@router.post(
    "/templates/{template_id}/archive",
    response=TemplateOut,
    scope=TEMPLATES_WRITE,
    operation_id="templates_archive",
    summary="Archive a Template",
)
def templates_archive(request: HttpRequest, template_id: str) -> Template:
    """Archive the Template: it can no longer be sent. Archiving twice changes nothing."""
    template = Template.objects.get_for_org_or_404(_org(request), template_id)
    return actions.archive_template(template)


@router.post(
    "/templates/{template_id}/unarchive",
    response=TemplateOut,
    scope=TEMPLATES_WRITE,
    operation_id="templates_unarchive",
    summary="Unarchive a Template",
)
def templates_unarchive(request: HttpRequest, template_id: str) -> Template:
    """Make an archived Template active again."""
    return actions.unarchive_template(
        Template.objects.get_for_org_or_404(_org(request), template_id)
    )
