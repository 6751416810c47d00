"""What each Journey step does for one run (architecture.md → Track). A step acts inside the
transaction that records it and moves the run on, so a run retried after a killed worker
takes each step once; the record's (run, step, visit) unique index is the safety net."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from apps.accounts.models import Organization
from apps.email_templates.actions import profile_context as liquid_profile
from apps.email_templates.rendering.sandbox import (
    RenderError,
    TemplateSyntaxProblem,
    render_field,
)
from apps.profiles.actions import update_profile
from apps.sending.email_actions import SendRequest, prepare_send, queue_prepared_send
from apps.sending.send_context import SendContext
from segmentflow.errors import ActionError

from ..conditions import all_hold, profile_context
from ..definition import enter_branch, next_position, parse_duration, step_path
from ..models import JourneyRun, JourneyStepRecord, StepStatus


@dataclass
class Batch:
    """What the runs of one claimed batch share: each Organization's send lookups; and for
    the run being advanced, its step records (inserted together before it commits) and
    whether its current step may be a wait it entered in an earlier claim."""

    send_contexts: dict[str, SendContext] = field(default_factory=dict)
    records: list[JourneyStepRecord] = field(default_factory=list)
    resuming: bool = False

    def send_context(self, organization: Organization, run: JourneyRun) -> SendContext:
        context = self.send_contexts.get(organization.pk)
        if context is None:
            context = self.send_contexts[organization.pk] = SendContext(organization)
        context.know_profiles([run.profile])
        return context


@dataclass
class Move:
    """Where a run goes after a step: on to `position` (None: the end), or stays at the
    step until `wait_until` (and the event `waiting_for`)."""

    position: list[Any] | None
    wait_until: datetime | None = None
    waiting_for: str = ""


def _record(
    batch: Batch,
    run: JourneyRun,
    position: list[Any],
    step: dict[str, Any],
    status: str,
    detail: str,
    now: datetime,
    **fields: Any,
) -> None:
    batch.records.append(
        JourneyStepRecord(
            run=run,
            journey_id=run.journey_id,
            step_path=step_path(position),
            step_type=step["type"],
            visit=run.steps_taken + 1,
            status=status,
            detail=detail[:2000],
            entered_at=now,
            finished_at=None if status == StepStatus.ENTERED else now,
            **fields,
        )
    )


def _finish_wait(
    batch: Batch, run: JourneyRun, position: list[Any], detail: str, now: datetime
) -> bool:
    """Mark the wait this run entered done; False if it had not entered it yet (only the
    step a claim starts at can be a wait entered before)."""
    if not batch.resuming:
        return False
    return bool(
        JourneyStepRecord.objects.filter(
            run=run,
            step_path=step_path(position),
            visit=run.steps_taken + 1,
            status=StepStatus.ENTERED,
        ).update(status=StepStatus.DONE, detail=detail, finished_at=now)
    )


def _liquid_context(run: JourneyRun) -> dict[str, Any]:
    return {"profile": liquid_profile(run.profile), "event": run.event_context}


def _render_values(values: dict[str, Any], run: JourneyRun, path: str) -> dict[str, Any]:
    context = _liquid_context(run)
    rendered = {}
    for key, value in values.items():
        if isinstance(value, str) and ("{{" in value or "{%" in value):
            try:
                value = render_field("text", value, context, text=True)
            except (RenderError, TemplateSyntaxProblem) as problem:
                raise ActionError("template_render_failed", f"{path}.{key}", str(problem)) from None
        rendered[key] = value
    return rendered


def send_email(
    run: JourneyRun, step: dict[str, Any], position: list[Any], now: datetime, batch: Batch
) -> Move:
    after = next_position(run.journey_version.definition["steps"], position)
    path = step_path(position)
    try:
        data = (
            _render_values(step["data"], run, f"{path}.data")
            if "data" in step
            else dict(run.event_context.get("properties") or {})
        )
        request = SendRequest(
            template_id=step["template"],
            profile_id=run.profile_id,
            data=data,
            from_address=step.get("from"),
            subject=step.get("subject"),
            journey_id=run.journey_id,
            event=run.event_context,
        )
        email_send, _ = prepare_send(batch.send_context(run.organization, run), request)
    except ActionError as error:
        where = f"{error.field}: " if error.field else ""
        _record(batch, run, position, step, StepStatus.FAILED, f"{where}{error.message}", now)
        return Move(after)
    detail = f"{email_send.status}: {email_send.status_history[-1]['detail']}"
    _record(batch, run, position, step, StepStatus.DONE, detail, now, email_send_id=email_send.pk)
    queue_prepared_send(email_send)
    return Move(after)


def _next_time_of_day(until: str, zone_name: str, now: datetime) -> datetime:
    try:
        zone = zoneinfo.ZoneInfo(zone_name) if zone_name else zoneinfo.ZoneInfo("UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    hour, minute = (int(part) for part in until.split(":"))
    local = now.astimezone(zone)
    target = datetime.combine(local.date(), time(hour, minute), tzinfo=zone)
    if target <= local:
        target = datetime.combine(local.date() + timedelta(days=1), time(hour, minute), tzinfo=zone)
    return target


def wait(
    run: JourneyRun, step: dict[str, Any], position: list[Any], now: datetime, batch: Batch
) -> Move:
    after = next_position(run.journey_version.definition["steps"], position)
    if _finish_wait(batch, run, position, "waited", now):
        return Move(after)
    if "until" in step:
        until = _next_time_of_day(step["until"], run.profile.timezone, now)
        detail = f"until {step['until']} in {run.profile.timezone or 'UTC'}"
    else:
        until = now + (parse_duration(step["duration"]) or timedelta(0))
        detail = f"for {step['duration']}"
    _record(batch, run, position, step, StepStatus.ENTERED, f"waiting {detail}", now)
    return Move(position, wait_until=until)


def wait_for_event(
    run: JourneyRun, step: dict[str, Any], position: list[Any], now: datetime, batch: Batch
) -> Move:
    steps = run.journey_version.definition["steps"]
    # A run in this wait is claimed again only once the event came or the timeout passed.
    received = bool(run.received_event_id)
    outcome = (
        f"received {run.received_event_id}" if received else f"timed out after {step['timeout']}"
    )
    if _finish_wait(batch, run, position, outcome, now):
        return Move(enter_branch(steps, position, "received" if received else "timedOut"))
    timeout = parse_duration(step["timeout"]) or timedelta(0)
    detail = f"waiting for {step['event']} up to {step['timeout']}"
    _record(batch, run, position, step, StepStatus.ENTERED, detail, now)
    return Move(position, wait_until=now + timeout, waiting_for=step["event"])


def branch(
    run: JourneyRun, step: dict[str, Any], position: list[Any], now: datetime, batch: Batch
) -> Move:
    context = {"event": run.event_context, "profile": profile_context(run.profile)}
    taken = "yes" if all_hold(step["where"], context) else "no"
    detail = "yes: the conditions hold" if taken == "yes" else "no: a condition does not hold"
    _record(batch, run, position, step, StepStatus.DONE, detail, now)
    return Move(enter_branch(run.journey_version.definition["steps"], position, taken))


def update_profile_step(
    run: JourneyRun, step: dict[str, Any], position: list[Any], now: datetime, batch: Batch
) -> Move:
    after = next_position(run.journey_version.definition["steps"], position)
    try:
        values = _render_values(step["set"], run, f"{step_path(position)}.set")
        run.profile = update_profile(run.profile, attributes=values)
    except ActionError as error:
        _record(batch, run, position, step, StepStatus.FAILED, str(error), now)
        return Move(after)
    _record(batch, run, position, step, StepStatus.DONE, f"set {', '.join(sorted(values))}", now)
    return Move(after)


STEPS = {
    "send_email": send_email,
    "wait": wait,
    "wait_for_event": wait_for_event,
    "branch": branch,
    "update_profile": update_profile_step,
}
