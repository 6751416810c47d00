"""Background work of Brand Kits: the extraction job, and the sweep that records a job whose
worker died."""

from __future__ import annotations

from django.tasks import task
from django.utils import timezone

from .extraction import job
from .models import BrandExtraction, ExtractionStatus, interruption_silence


@task()
def run_brand_extraction(extraction_id: str) -> str | None:
    """Import a brand from a website; safe to run again: a finished extraction is left as it
    is, an interrupted one starts over."""
    # Queued before the job starts: a worker killed mid-way leaves this task RUNNING for good
    # (django-tasks-db keeps no lease), and only the sweep then records the extraction failed.
    run_after = timezone.now() + interruption_silence()
    sweep_interrupted_extractions.using(run_after=run_after).enqueue(extraction_id)
    done = job.run_extraction(extraction_id)
    return done.status if done is not None else None


@task()
def sweep_interrupted_extractions(extraction_id: str) -> int:
    """Record every extraction whose worker died as failed; while the one this sweep watches
    still runs, sweep again when it could next count as interrupted. Returns how many failed."""
    failed = job.fail_interrupted_extractions()
    watched = BrandExtraction.objects.filter(pk=extraction_id, status=ExtractionStatus.RUNNING)
    if (extraction := watched.first()) is not None:
        run_after = extraction.updated_at + interruption_silence()
        sweep_interrupted_extractions.using(run_after=run_after).enqueue(extraction_id)
    return failed
