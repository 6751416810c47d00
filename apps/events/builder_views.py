"""The Journey builder (/journeys/<id>/edit/): the draft laid out top-down, the side panel of
the selected step (or of the trigger and settings), the edits of the draft — add, move,
remove a step, save a step's or the trigger's settings — each an htmx POST that re-renders
the builder (a plain post redirects back), publishing, discarding, and status changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import replace_url

from apps.accounts.models import Membership, Organization
from segmentflow.dashboard import (
    AuthedRequest,
    redirect_after_write,
    require_membership,
    wants_fragment,
)
from segmentflow.errors import ActionError
from segmentflow.scopes import EVENTS_WRITE

from . import drafts
from .builder import (
    BuilderError,
    Steps,
    insert_step,
    move_step,
    new_step,
    parse_path,
    remove_step,
    replace_step,
)
from .definition import DefinitionError, step_at, step_path
from .flow import STEP_KINDS, describe_trigger, layout
from .journeys import set_journey_status
from .models import Journey, JourneyStatus
from .panel_forms import STEP_FORMS, PanelForm, SettingsForm
from .views import template_names

STATUS_DONE: dict[str, str] = {
    JourneyStatus.ACTIVE: "is active: the next {event} starts a run",
    JourneyStatus.PAUSED: "is paused: its runs hold where they are until it is activated again",
    JourneyStatus.ARCHIVED: "is archived: its runs were exited",
}


def edit_url(journey: Journey, selected: str = "") -> str:
    url = reverse("journeys:edit", args=[journey.pk])
    return f"{url}?{urlencode({'step': selected})}" if selected else url


def _panel_form(
    organization: Organization, draft: dict[str, Any], selected: str, data: Any = None
) -> tuple[str, PanelForm]:
    """The side panel's form: the selected step's settings, else the trigger and settings."""
    step = None
    if selected:
        try:
            step = step_at(draft.get("steps") or [], parse_path(selected))
        except BuilderError:
            step = None
    form_class = STEP_FORMS.get(str((step or {}).get("type")))
    if step is None or form_class is None:
        return "", SettingsForm(data, organization=organization, draft=draft)
    return selected, form_class(data, organization=organization, step=step)


def _render_builder(
    request: AuthedRequest,
    membership: Membership,
    journey: Journey,
    *,
    selected: str = "",
    form: PanelForm | None = None,
    problems: list[dict[str, str]] | None = None,
    problems_note: str = "",
    problems_in_flow: bool = True,
    status: int = 200,
) -> HttpResponse:
    organization = membership.organization
    draft = drafts.draft_of(journey)
    steps = draft.get("steps") or []
    if form is None:
        selected, form = _panel_form(organization, draft, selected)
    context = {
        "journey": journey,
        "draft": draft,
        "rev": drafts.revision(draft),
        "flow": layout(
            steps,
            template_names=template_names(organization, steps),
            problems=(problems or []) if problems_in_flow else [],
        ),
        "selected": selected,
        "form": form,
        "panel": getattr(form, "kind", "") or "settings",
        "panel_title": STEP_KINDS.get(getattr(form, "kind", ""), "Trigger and settings"),
        "trigger_summary": describe_trigger(draft.get("trigger") or {}),
        "step_kinds": STEP_KINDS,
        "has_draft": journey.draft is not None,
        "problems": problems or [],
        "problems_note": problems_note,
    }
    if not wants_fragment(request):
        return render(request, "events/builder.html", context, status=status)
    response = render(request, "events/builder.html#builder", context, status=status)
    # A reload shows what the htmx edit led to (the step it selected).
    return replace_url(response, edit_url(journey, selected))


@require_GET
@login_required
def journey_edit(request: AuthedRequest, journey_id: str) -> HttpResponse:
    membership = require_membership(request, EVENTS_WRITE)
    journey = Journey.objects.get_for_org_or_404(membership.organization, journey_id)
    return _render_builder(request, membership, journey, selected=request.GET.get("step", ""))


# Edits of the draft's steps


def _position(request: AuthedRequest) -> list[Any]:
    try:
        return parse_path(request.POST.get("at", ""))
    except BuilderError as error:
        raise BadRequest(str(error)) from error


Edit = Callable[[Steps, list[Any]], tuple[Steps, str]]


def _edit_steps(
    request: AuthedRequest, journey_id: str, edit_of: Callable[[AuthedRequest], Edit]
) -> HttpResponse:
    """Apply the edit `edit_of` reads from the request (steps, position → steps, the step to
    select) to the draft's steps."""
    membership = require_membership(request, EVENTS_WRITE)
    journey = Journey.objects.get_for_org_or_404(membership.organization, journey_id)
    position = _position(request)
    edit = edit_of(request)
    selected = ""

    def change(draft: dict[str, Any]) -> dict[str, Any]:
        nonlocal selected
        steps, selected = edit(draft.get("steps") or [], position)
        return {**draft, "steps": steps}

    try:
        journey = drafts.edit_draft(journey, change, seen=request.POST.get("rev") or None)
    except (BuilderError, ActionError) as error:
        messages.error(request, f"Nothing was changed: {error}.")
        return redirect_after_write(request, edit_url(journey))
    if not wants_fragment(request):
        return redirect(edit_url(journey, selected))
    return _render_builder(request, membership, journey, selected=selected)


def _adding(request: AuthedRequest) -> Edit:
    kind = request.POST.get("type", "")
    if kind not in STEP_KINDS:
        raise BadRequest("unknown step type")
    return lambda steps, position: (
        insert_step(steps, position, new_step(kind)),
        step_path(position),
    )


def _moving(request: AuthedRequest) -> Edit:
    offset = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
    if offset is None:
        raise BadRequest("direction: up or down")

    def move(steps: Steps, position: list[Any]) -> tuple[Steps, str]:
        moved, to = move_step(steps, position, offset)
        return moved, step_path(to)

    return move


def _removing(request: AuthedRequest) -> Edit:
    return lambda steps, position: (remove_step(steps, position), "")


@require_POST
@login_required
def step_add(request: AuthedRequest, journey_id: str) -> HttpResponse:
    return _edit_steps(request, journey_id, _adding)


@require_POST
@login_required
def step_move(request: AuthedRequest, journey_id: str) -> HttpResponse:
    return _edit_steps(request, journey_id, _moving)


@require_POST
@login_required
def step_remove(request: AuthedRequest, journey_id: str) -> HttpResponse:
    return _edit_steps(request, journey_id, _removing)


# The side panel's forms


@require_POST
@login_required
def step_save(request: AuthedRequest, journey_id: str) -> HttpResponse:
    """Save the selected step's settings (the steps inside it stay)."""
    membership = require_membership(request, EVENTS_WRITE)
    journey = Journey.objects.get_for_org_or_404(membership.organization, journey_id)
    at = request.POST.get("at", "")
    position = _position(request)
    selected, form = _panel_form(
        membership.organization, drafts.draft_of(journey), at, request.POST
    )
    if selected != at:
        messages.error(request, f"Nothing was saved: there is no step at {at} any more.")
        return redirect_after_write(request, edit_url(journey))
    if not form.is_valid():
        return _render_builder(request, membership, journey, selected=at, form=form, status=422)

    def change(draft: dict[str, Any]) -> dict[str, Any]:
        return {**draft, "steps": replace_step(draft.get("steps") or [], position, form.result)}

    return _save_panel(request, membership, journey, change, at)


@require_POST
@login_required
def settings_save(request: AuthedRequest, journey_id: str) -> HttpResponse:
    """Save the name, the re-entry rule and the trigger."""
    membership = require_membership(request, EVENTS_WRITE)
    journey = Journey.objects.get_for_org_or_404(membership.organization, journey_id)
    form = SettingsForm(
        request.POST, organization=membership.organization, draft=drafts.draft_of(journey)
    )
    if not form.is_valid():
        return _render_builder(request, membership, journey, form=form, status=422)
    return _save_panel(request, membership, journey, lambda draft: {**draft, **form.result}, "")


def _save_panel(
    request: AuthedRequest,
    membership: Membership,
    journey: Journey,
    change: Callable[[dict[str, Any]], dict[str, Any]],
    selected: str,
) -> HttpResponse:
    try:
        journey = drafts.edit_draft(journey, change, seen=request.POST.get("rev") or None)
    except (BuilderError, ActionError) as error:
        messages.error(request, f"Nothing was saved: {error}.")
        return redirect_after_write(request, edit_url(journey))
    # No toast: the flow shows the change and the "unpublished changes" badge, and a toast
    # would sit over the Publish button at every edit.
    if not wants_fragment(request):
        return redirect(edit_url(journey, selected))
    return _render_builder(request, membership, journey, selected=selected)


# Publishing, discarding, status


@require_POST
@login_required
def journey_publish(request: AuthedRequest, journey_id: str) -> HttpResponse:
    """Check the draft and save it as the next version; a refusal names every problem beside
    the step it is about."""
    membership = require_membership(request, EVENTS_WRITE)
    journey = Journey.objects.get_for_org_or_404(membership.organization, journey_id)
    try:
        published = drafts.publish_draft(journey, seen=request.POST.get("rev") or None)
    except DefinitionError as refused:
        note = "Not published: the draft has these problems."
        return _render_builder(
            request, membership, journey, problems=refused.problems, problems_note=note, status=422
        )
    except ActionError as error:
        messages.error(request, f"Nothing was published: {error}.")
        return redirect_after_write(request, edit_url(journey))
    if published is None:
        messages.info(request, "Nothing to publish: the draft is the published version.")
    else:
        messages.success(
            request,
            f"Published version {published.version}. New runs follow it; runs in flight keep "
            "the version they started on.",
        )
    return redirect_after_write(request, edit_url(journey))


@require_POST
@login_required
def draft_discard(request: AuthedRequest, journey_id: str) -> HttpResponse:
    membership = require_membership(request, EVENTS_WRITE)
    journey = Journey.objects.get_for_org_or_404(membership.organization, journey_id)
    try:
        drafts.discard_draft(journey, seen=request.POST.get("rev") or None)
    except ActionError as error:
        messages.error(request, f"Nothing was discarded: {error}.")
        return redirect_after_write(request, edit_url(journey))
    messages.success(
        request, f"Discarded the unpublished changes: this is version {journey.version}."
    )
    return redirect_after_write(request, edit_url(journey))


@require_POST
@login_required
def journey_status(request: AuthedRequest, journey_id: str) -> HttpResponse:
    """Activate (the published version is checked first), pause or archive."""
    membership = require_membership(request, EVENTS_WRITE)
    journey = Journey.objects.get_for_org_or_404(membership.organization, journey_id)
    status = request.POST.get("status", "")
    if status not in STATUS_DONE:
        raise BadRequest("status: active, paused or archived")
    from_builder = request.POST.get("return_to") != "detail"
    back = edit_url(journey) if from_builder else reverse("journeys:detail", args=[journey.pk])
    try:
        journey = set_journey_status(journey, status)
    except DefinitionError as refused:
        if from_builder:
            note = (
                f"Not activated: version {journey.version}, the published one, has these problems."
            )
            return _render_builder(
                request,
                membership,
                journey,
                problems=refused.problems,
                problems_note=note,
                # The builder shows the draft: the paths name the published version's steps.
                problems_in_flow=journey.draft is None,
                status=422,
            )
        listed = "; ".join(f"{p['path'] or 'definition'}: {p['message']}" for p in refused.problems)
        messages.error(request, f"Not activated: {listed}.")
    except ActionError as error:
        messages.error(request, f"Not changed: {error}.")
    else:
        done = STATUS_DONE[status].format(event=journey.trigger_event)
        messages.success(request, f"{journey.name} {done}.")
    return redirect_after_write(request, back)
