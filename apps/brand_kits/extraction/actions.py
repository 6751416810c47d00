"""Starting a brand extraction, the write the API and the dashboard share.

It lives beside the pipeline rather than in apps.brand_kits.actions because it queues the job
(apps.brand_kits.tasks), and the job writes its proposal into the kit through those actions:
the job must not import what queues it.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from segmentflow import fetching
from segmentflow.errors import ActionError

from ..actions import MAX_URL_LENGTH, invalid
from ..models import BrandExtraction, BrandKit
from ..tasks import run_brand_extraction


def start_extraction(kit: BrandKit, url: Any, *, apply: bool = False) -> BrandExtraction:
    """Queue an import of the brand at `url` into `kit`. A URL that is plainly not a public
    http(s) address is refused now (`url_not_allowed`); what its host resolves to, and where
    it redirects, is checked by the job, which fails with a clear error."""
    if not isinstance(url, str) or not url.strip():
        raise invalid("url", "field required")
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise invalid("url", f"at most {MAX_URL_LENGTH} characters")
    if "://" not in url and not url.lower().startswith(("file:", "gopher:", "ftp:", "data:")):
        url = f"https://{url}"  # "acme.com", as people type it
    try:
        target = fetching.check_url(url)
    except fetching.FetchRefused as exc:
        raise ActionError(exc.code, "url", f"This URL cannot be imported: {exc}.") from exc
    extraction = BrandExtraction.objects.create(
        organization=kit.organization, brand_kit=kit, url=target.url, apply=bool(apply)
    )
    transaction.on_commit(lambda: run_brand_extraction.enqueue(extraction.pk))
    return extraction
