"""What the dashboard counts, each kind in one aggregate query whatever the number of rows
shown: runs and emails per Journey, step records per step, events and sends per day."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from apps.accounts.models import Organization
from apps.sending.models import EmailSend

from .models import (
    UNFINISHED_RUN_STATUSES,
    Journey,
    JourneyRun,
    JourneyStepRecord,
    RunStatus,
    UserEvent,
)


@dataclass(frozen=True)
class JourneyCounts:
    active_runs: int = 0  # active, waiting or running
    completed_runs: int = 0
    emails_sent: int = 0


def journey_counts(
    organization: Organization, journey_ids: Iterable[str]
) -> dict[str, JourneyCounts]:
    """The counts of each Journey: one query for its runs (jrun_journey_status_idx), one for
    its emails (es_org_journey_idx)."""
    ids = list(journey_ids)
    if not ids:
        return {}
    runs: dict[str, tuple[int, int]] = {
        journey_id: (active, completed)
        for journey_id, active, completed in JourneyRun.objects.filter(journey_id__in=ids)
        .values("journey_id")
        .annotate(
            active=Count("pk", filter=Q(status__in=UNFINISHED_RUN_STATUSES)),
            completed=Count("pk", filter=Q(status=RunStatus.COMPLETED)),
        )
        .order_by()
        .values_list("journey_id", "active", "completed")
    }
    emails = dict(
        EmailSend.objects.for_org(organization)
        .filter(journey_id__in=ids)
        .values("journey_id")
        .annotate(sent=Count("pk"))
        .order_by()
        .values_list("journey_id", "sent")
    )
    return {
        pk: JourneyCounts(
            active_runs=runs.get(pk, (0, 0))[0],
            completed_runs=runs.get(pk, (0, 0))[1],
            emails_sent=emails.get(pk, 0),
        )
        for pk in ids
    }


def run_status_counts(journey: Journey) -> dict[str, int]:
    rows = (
        JourneyRun.objects.filter(journey=journey)
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("status", "n")
    )
    return dict(rows)


def step_counts(journey: Journey) -> dict[str, dict[str, int]]:
    """Step records of the runs on the Journey's current version, by step path and status: a
    path names another step in another version."""
    rows = (
        JourneyStepRecord.objects.filter(
            journey=journey, run__journey_version_id=journey.current_version_id
        )
        .values("step_path", "status")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("step_path", "status", "n")
    )
    counts: dict[str, dict[str, int]] = {}
    for path, status, n in rows:
        counts.setdefault(path, {})[status] = n
    return counts


@dataclass(frozen=True)
class Daily:
    days: list[date]
    events: list[int]
    sends: list[int] | None  # None: the viewer may not read sends


def daily_activity(organization: Organization, *, days: int = 14, with_sends: bool = True) -> Daily:
    """Events received and emails created per UTC day, the last `days` days up to today."""
    today = timezone.now().date()
    span = [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    since = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
        days=days - 1
    )

    def per_day(rows: dict[date, int]) -> list[int]:
        return [rows.get(day, 0) for day in span]

    def counted(queryset: QuerySet[Any]) -> dict[date, int]:
        rows = (
            queryset.filter(created_at__gte=since)
            .annotate(day=TruncDate("created_at"))
            .values("day")
            .annotate(n=Count("pk"))
            .order_by()
            .values_list("day", "n")
        )
        return dict(rows)

    events = counted(UserEvent.objects.for_org(organization))
    sends = (
        counted(EmailSend.objects.for_org(organization).filter(is_test=False))
        if with_sends
        else None
    )
    return Daily(
        days=span, events=per_day(events), sends=per_day(sends) if sends is not None else None
    )
