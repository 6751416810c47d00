"""An extraction whose worker died: read as failed ("interrupted") without a write, and recorded
failed by the sweep the job queues before it starts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from apps.brand_kits.models import (
    INTERRUPTED_ERROR,
    BrandExtraction,
    BrandKit,
    ExtractionStatus,
    interruption_silence,
)
from apps.brand_kits.tasks import sweep_interrupted_extractions

ImportBrand = Callable[..., BrandExtraction]
SWEEP = "apps.brand_kits.tasks.sweep_interrupted_extractions"


def make_running(kit: BrandKit, *, silent_for: timedelta) -> BrandExtraction:
    """A running extraction whose last progress report was `silent_for` ago."""
    extraction = BrandExtraction.objects.create(
        organization=kit.organization,
        brand_kit=kit,
        url="https://acme.example/",
        status=ExtractionStatus.RUNNING,
        progress=40,
        step="Reading the page",
    )
    last_report = timezone.now() - silent_for
    BrandExtraction.objects.filter(pk=extraction.pk).update(updated_at=last_report)
    return BrandExtraction.objects.get(pk=extraction.pk)


def queued_sweeps() -> list[tuple[list[str], datetime]]:
    return [
        (task.args_kwargs["args"], task.run_after)
        for task in DBTaskResult.objects.filter(task_path=SWEEP, status="READY")
    ]


def test_an_interrupted_extraction_reads_failed_and_nothing_is_written(kit: BrandKit) -> None:
    dead = make_running(kit, silent_for=interruption_silence() + timedelta(seconds=1))
    live = make_running(kit, silent_for=timedelta(seconds=30))
    last_report = dead.updated_at

    reported = BrandExtraction.objects.get(pk=dead.pk).reported()
    assert (reported.status, reported.step, reported.error) == (
        "failed",
        "Failed",
        INTERRUPTED_ERROR,
    )
    assert reported.finished and reported.finished_at == last_report
    assert BrandExtraction.objects.get(pk=live.pk).reported().status == "running"

    stored = BrandExtraction.objects.get(pk=dead.pk)
    assert (stored.status, stored.error, stored.finished_at) == ("running", "", None)
    assert stored.updated_at == last_report


def test_the_sweep_records_interrupted_extractions_failed(kit: BrandKit) -> None:
    dead = make_running(kit, silent_for=interruption_silence() + timedelta(seconds=1))
    stray = make_running(kit, silent_for=timedelta(days=3))  # from before the sweep existed
    live = make_running(kit, silent_for=timedelta(seconds=30))
    last_report = dead.updated_at

    assert sweep_interrupted_extractions.call(dead.pk) == 2

    dead.refresh_from_db()
    assert (dead.status, dead.step, dead.error) == ("failed", "Failed", INTERRUPTED_ERROR)
    assert dead.finished_at == last_report  # what readers were shown before the sweep
    assert dead.updated_at > last_report
    assert BrandExtraction.objects.get(pk=stray.pk).status == "failed"
    assert BrandExtraction.objects.get(pk=live.pk).status == "running"
    # Nothing left to watch: the sweep does not queue itself again.
    assert queued_sweeps() == []


def test_the_sweep_watches_a_live_extraction_until_it_ends(kit: BrandKit) -> None:
    live = make_running(kit, silent_for=timedelta(seconds=30))

    assert sweep_interrupted_extractions.call(live.pk) == 0

    assert BrandExtraction.objects.get(pk=live.pk).status == "running"
    assert queued_sweeps() == [([live.pk], live.updated_at + interruption_silence())]
    DBTaskResult.objects.all().delete()
    BrandExtraction.objects.filter(pk=live.pk).update(status=ExtractionStatus.SUCCEEDED)
    assert sweep_interrupted_extractions.call(live.pk) == 0
    assert queued_sweeps() == []


def test_the_job_queues_its_sweep_before_it_starts(
    brand_sites: dict[str, str], kit: BrandKit, import_brand: ImportBrand
) -> None:
    before = timezone.now()
    extraction = import_brand(kit, brand_sites["coffee"])
    assert extraction.status == "succeeded", extraction.error
    [(args, run_after)] = queued_sweeps()
    assert args == [extraction.pk]
    assert run_after >= before + interruption_silence()
    # Once it runs, the finished extraction is left as it is and the sweep ends.
    assert sweep_interrupted_extractions.call(extraction.pk) == 0
    assert BrandExtraction.objects.get(pk=extraction.pk).status == "succeeded"
