"""Background work of Profiles."""

from __future__ import annotations

from django.tasks import task

from .imports.runner import run_import


@task()
def run_profile_import(import_id: str) -> dict[str, int]:
    """Apply a CSV import; safe to run again at any time: it resumes after the last committed
    batch, and does nothing to a finished import."""
    profile_import = run_import(import_id)
    return {
        "created": profile_import.rows_created,
        "updated": profile_import.rows_updated,
        "skipped": profile_import.rows_skipped,
        "rejected": profile_import.rows_rejected,
    }
