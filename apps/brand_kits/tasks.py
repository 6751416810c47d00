"""Background work of Brand Kits."""

from __future__ import annotations

from django.tasks import task

from . import extraction


@task()
def run_brand_extraction(extraction_id: str) -> str | None:
    """Import a brand from a website; safe to run again: a finished extraction is left as it
    is, an interrupted one starts over."""
    done = extraction.run_extraction(extraction_id)
    return done.status if done is not None else None
