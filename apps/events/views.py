"""Dashboard views of Events and Journeys: the Events log (also a Profile's Events section),
the home page's daily chart, the Journeys list, a new Journey, an import, a Journey's page
with each step's counts and its runs, a Profile's runs, and the export. The builder and the
status changes are in builder_views.py."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import BooleanField, ExpressionWrapper, F, Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from apps.accounts.models import Organization
from apps.email_templates.models import Template
from apps.profiles.models import Profile
from segmentflow.dashboard import (
    AuthedRequest,
    ListPage,
    list_page,
    redirect_after_write,
    render_list,
    require_membership,
    wants_fragment,
)
from segmentflow.scopes import EMAILS_READ, EVENTS_WRITE, PROFILES_READ, TEMPLATES_READ, has_scope

from . import drafts, stats
from .charts import daily_chart
from .definition import DefinitionError, step_at, step_path, template_ids
from .flow import describe_trigger, layout, summarize
from .forms import EventSearchForm, JourneyCreateForm, JourneyImportForm
from .journeys import export_definition, save_journey
from .models import (
    UNFINISHED_RUN_STATUSES,
    Journey,
    JourneyRun,
    JourneyRunQuerySet,
    JourneyStepRecord,
    JourneyVersion,
    RunStatus,
    UserEvent,
)

PAGE_SIZE = 50
RUNS_PAGE_SIZE = 25


def template_names(organization: Organization, steps: Iterable[dict[str, Any]]) -> dict[str, str]:
    """The names of the Templates the steps send, for their one-line summaries."""
    ids = template_ids(list(steps))
    if not ids:
        return {}
    found = Template.objects.for_org(organization).filter(pk__in=ids).values_list("pk", "name")
    return dict(found)


# The Events log and the home page's chart


@vary_on_headers("HX-Request")
@require_GET
@login_required
def event_list(request: AuthedRequest) -> HttpResponse:
    membership = require_membership(request, PROFILES_READ)
    search = EventSearchForm(request.GET, membership.organization)
    events = search.filter(UserEvent.objects.for_org(membership.organization)).annotate(
        profile_email=F("profile__email")
    )
    context = {
        "search": search,
        "page": list_page(request, events, size=PAGE_SIZE),
        "searched": bool(request.GET.get("name") or request.GET.get("profile")),
        "for_profile": search.cleaned_data["profile"] if search.is_valid() else None,
    }
    # "Load more" appends rows; a search (or a Profile page's section) takes the results.
    return render_list(request, "events/event_list.html", context)


@vary_on_headers("HX-Request")
@require_GET
@login_required
def activity_chart(request: AuthedRequest) -> HttpResponse:
    """Events received and emails sent per day, the last 14 days (the home page loads it)."""
    membership = require_membership(request, PROFILES_READ)
    with_sends = has_scope(membership, EMAILS_READ)
    activity = stats.daily_activity(membership.organization, with_sends=with_sends)
    series = {"events": activity.events}
    if activity.sends is not None:
        series["sends"] = activity.sends
    chart = daily_chart(activity.days, series, {"events": "events", "sends": "emails"})
    sends = activity.sends or [0] * len(activity.days)
    rows = [
        {"day": day, "events": events, "sends": sent}
        for day, events, sent in zip(activity.days, activity.events, sends, strict=True)
    ]
    context = {"chart": chart, "rows": rows, "with_sends": with_sends}
    page = "events/activity.html#chart" if wants_fragment(request) else "events/activity.html"
    return render(request, page, context)


# Journeys


@dataclass(frozen=True)
class JourneyRow:
    journey: Journey
    counts: stats.JourneyCounts


@vary_on_headers("HX-Request")
@require_GET
@login_required
def journey_list(request: AuthedRequest) -> HttpResponse:
    membership = require_membership(request, TEMPLATES_READ)
    organization = membership.organization
    journeys = (
        Journey.objects.for_org(organization)
        .defer("definition", "draft", "awaited_events")
        .annotate(has_draft=ExpressionWrapper(Q(draft__isnull=False), output_field=BooleanField()))
    )
    page = list_page(request, journeys, size=PAGE_SIZE)
    counts = stats.journey_counts(organization, [journey.pk for journey in page.items])
    rows = [JourneyRow(journey, counts[journey.pk]) for journey in page.items]
    context = {
        "page": dataclasses.replace(page, items=rows),
        "can_write": has_scope(membership, EVENTS_WRITE),
    }
    return render_list(request, "events/journey_list.html", context, results=None)


@require_http_methods(["GET", "POST"])
@login_required
def journey_create(request: AuthedRequest) -> HttpResponse:
    """A draft Journey from a name and a trigger event; the builder opens on it."""
    membership = require_membership(request, EVENTS_WRITE)
    form = JourneyCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            journey = drafts.create_journey(
                membership.organization,
                form.cleaned_data["name"],
                form.cleaned_data["trigger_event"],
            )
        except DefinitionError as refused:
            for problem in refused.problems:
                field = {"name": "name", "trigger.event": "trigger_event"}.get(problem["path"])
                form.add_error(field, problem["message"])
        else:
            messages.success(request, f"Journey {journey.name} created: add its steps.")
            return redirect_after_write(request, reverse("journeys:edit", args=[journey.pk]))
    page = (
        "events/journey_new.html#journey-form"
        if wants_fragment(request)
        else "events/journey_new.html"
    )
    return render(request, page, {"form": form}, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@login_required
def journey_import(request: AuthedRequest) -> HttpResponse:
    """A Journey from its JSON definition (pasted or a file), or (`replace`) a new version of
    one; a refusal lists every problem by its path."""
    membership = require_membership(request, EVENTS_WRITE)
    organization = membership.organization
    replace_id = request.POST.get("replace") or request.GET.get("replace")
    replace = Journey.objects.get_for_org_or_404(organization, replace_id) if replace_id else None
    problems: list[dict[str, str]] = []
    if request.method == "POST":
        form = JourneyImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                journey = save_journey(organization, form.cleaned_data["raw"], replace=replace)
            except DefinitionError as refused:
                problems = refused.problems
            else:
                how = (
                    f"as version {journey.version}"
                    if replace
                    else f"({journey.get_status_display()})"
                )
                messages.success(request, f"Imported {journey.name} {how}.")
                return redirect_after_write(request, reverse("journeys:detail", args=[journey.pk]))
    else:
        form = JourneyImportForm()
    context = {"form": form, "problems": problems, "replace": replace}
    failed = bool(form.errors or problems)
    return render(request, "events/journey_import.html", context, status=422 if failed else 200)


@dataclass(frozen=True)
class RunRow:
    run: JourneyRun
    current_step: str  # its path and summary while the run is unfinished, else ""
    records: list[JourneyStepRecord]


def run_rows(organization: Organization, page: ListPage) -> ListPage:
    """The page's runs with their current step (in their own version) and step history."""
    runs: list[JourneyRun] = page.items
    versions = dict(
        JourneyVersion.objects.filter(pk__in={run.journey_version_id for run in runs}).values_list(
            "pk", "definition"
        )
    )
    names = template_names(
        organization, [step for definition in versions.values() for step in definition["steps"]]
    )
    rows = []
    for run in runs:
        current = ""
        if run.status in UNFINISHED_RUN_STATUSES:
            step = step_at(versions[run.journey_version_id]["steps"], run.position)
            if step is not None:
                current = f"{step_path(run.position)} · {summarize(step, names)}"
        rows.append(RunRow(run, current, list(run.step_records.all())))
    return dataclasses.replace(page, items=rows)


def runs_of(organization: Organization) -> JourneyRunQuerySet:
    return (
        JourneyRun.objects.for_org(organization)
        .annotate(profile_email=F("profile__email"), journey_name=F("journey__name"))
        .defer("event_context")
        .prefetch_related(
            Prefetch("step_records", queryset=JourneyStepRecord.objects.order_by("visit", "pk"))
        )
    )


@vary_on_headers("HX-Request")
@require_GET
@login_required
def journey_detail(request: AuthedRequest, journey_id: str) -> HttpResponse:
    membership = require_membership(request, TEMPLATES_READ)
    organization = membership.organization
    journey = Journey.objects.get_for_org_or_404(organization, journey_id)
    runs = runs_of(organization).filter(journey=journey)
    page = run_rows(organization, list_page(request, runs, size=RUNS_PAGE_SIZE))
    if wants_fragment(request) and page.is_later_page:
        return render(
            request, "events/journey_detail.html#run-rows", {"page": page, "journey": journey}
        )
    steps = journey.definition.get("steps") or []
    run_counts = stats.run_status_counts(journey)
    context = {
        "journey": journey,
        "flow": layout(
            steps,
            template_names=template_names(organization, steps),
            counts=stats.step_counts(journey),
        ),
        "trigger_summary": describe_trigger(journey.definition.get("trigger") or {}),
        "run_statuses": [(label, run_counts.get(value, 0)) for value, label in RunStatus.choices],
        "page": page,
        "can_write": has_scope(membership, EVENTS_WRITE),
    }
    return render(request, "events/journey_detail.html", context)


@require_GET
@login_required
def journey_export(request: AuthedRequest, journey_id: str) -> HttpResponse:
    """The published definition as a file that import_journey (and Import JSON) take back."""
    membership = require_membership(request, TEMPLATES_READ)
    journey = Journey.objects.get_for_org_or_404(membership.organization, journey_id)
    body = json.dumps(export_definition(journey), indent=2, ensure_ascii=False) + "\n"
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"{slugify(journey.name) or 'journey'}-{journey.pk}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@vary_on_headers("HX-Request")
@require_GET
@login_required
def run_list(request: AuthedRequest) -> HttpResponse:
    """A Profile's Journey runs (its page loads them), newest first."""
    membership = require_membership(request, TEMPLATES_READ)
    organization = membership.organization
    profile = Profile.objects.get_for_org_or_404(organization, request.GET.get("profile", ""))
    runs = runs_of(organization).filter(profile=profile)
    page = run_rows(organization, list_page(request, runs, size=RUNS_PAGE_SIZE))
    context = {"page": page, "profile": profile}
    return render_list(request, "events/run_list.html", context, rows="run-rows")
