"""The extraction job: turn a website into a proposal for a Brand Kit.

It fetches the page through the SSRF guard, reads it and a few of its stylesheets (`page`,
`css`), downloads the best logo candidates into the asset library, reads their colors
(`palette`) and merges everything into `{name, logos, colors, fonts, socialLinks}`. Progress and
the current step are written to the BrandExtraction row after every stage, outside any
transaction, so the dashboard and the API see them while the job runs.
"""

from __future__ import annotations

import logging
import posixpath
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.assets.actions import delete_asset, import_asset
from apps.assets.models import Asset
from segmentflow import fetching
from segmentflow.errors import ActionError

from ..actions import FONT_FAMILY_PATTERN, SocialLink, apply_extraction, clean_social_link
from ..models import INTERRUPTED_ERROR, BrandExtraction, ExtractionStatus, LogoRole
from . import css, page, palette
from .evidence import ColorEvidence, FontEvidence, LogoCandidate, PageEvidence

logger = logging.getLogger(__name__)

MiB = 1024 * 1024
PAGE_MAX_BYTES = 2 * MiB
STYLESHEET_MAX_BYTES = 512 * 1024
IMAGE_MAX_BYTES = 5 * MiB
MAX_STYLESHEETS = 4
# Downloads tried for logos in all: enough to get past an SVG or a broken image or two.
MAX_LOGO_DOWNLOADS = 5
# Smaller images are tracking pixels or tiny favicons, not a logo to put in an email.
MIN_LOGO_SIDE = 32
ICON_SOURCES = ("apple-touch-icon", "icon")
CSS_ACCEPT = "text/css,*/*;q=0.1"
IMAGE_ACCEPT = "image/png,image/jpeg,image/webp,image/gif;q=0.9,*/*;q=0.1"
ASSET_TAG = "brand-import"
USER_AGENT = "SegmentFlow brand import (+https://github.com/segmentflow)"


class ExtractionFailed(Exception):
    """The extraction cannot go on; the message is shown to the user as it is."""


@dataclass
class _Logo:
    asset: Asset
    role: str
    candidate: LogoCandidate
    colors: list[tuple[str, float]]


@dataclass
class _Run:
    extraction: BrandExtraction
    started: float = field(default_factory=time.monotonic)
    notes: list[str] = field(default_factory=list)

    def remaining(self) -> float:
        budget = float(settings.SEGMENTFLOW_EXTRACTION_BUDGET)
        return budget - (time.monotonic() - self.started)

    def fetch(self, url: str, *, max_bytes: int, accept: str) -> fetching.FetchResult:
        remaining = self.remaining()
        if remaining <= 0:
            raise ExtractionFailed(
                f"The import took longer than {settings.SEGMENTFLOW_EXTRACTION_BUDGET} seconds."
            )
        timeout = min(float(settings.SEGMENTFLOW_FETCH_TIMEOUT), remaining)
        return fetching.fetch(
            url, max_bytes=max_bytes, timeout=timeout, accept=accept, user_agent=USER_AGENT
        )

    def report(self, progress: int, step: str) -> None:
        self.extraction.progress = progress
        self.extraction.step = step
        self.extraction.updated_at = timezone.now()
        BrandExtraction.objects.filter(pk=self.extraction.pk).update(
            progress=progress, step=step, updated_at=self.extraction.updated_at
        )


def run_extraction(extraction_id: str) -> BrandExtraction | None:
    """Run a queued extraction to its end (succeeded or failed). Running it again after it
    finished does nothing; after a crash mid-way it starts over."""
    extraction = _claim(extraction_id)
    if extraction is None:
        return BrandExtraction.objects.filter(pk=extraction_id).first()
    run = _Run(extraction)
    try:
        result = _extract(run)
    except ExtractionFailed as exc:
        return _fail(extraction, str(exc))
    except fetching.FetchRefused as exc:
        return _fail(extraction, f"The site led to an address that is not allowed: {exc}.")
    except fetching.FetchFailed as exc:
        return _fail(extraction, f"The site could not be read: {exc}.")
    except Exception:
        logger.exception("brand extraction %s failed", extraction_id)
        _fail(extraction, "Something went wrong on our side while importing this site.")
        raise
    return _succeed(run, result)


def _claim(extraction_id: str) -> BrandExtraction | None:
    with transaction.atomic():
        extraction = BrandExtraction.objects.select_for_update().filter(pk=extraction_id).first()
        if extraction is None or extraction.finished:
            return None
        now = timezone.now()
        extraction.status = ExtractionStatus.RUNNING
        extraction.progress = 2
        extraction.step = "Starting"
        extraction.started_at = now
        extraction.updated_at = now
        extraction.save(update_fields=["status", "progress", "step", "started_at", "updated_at"])
    return extraction


def _fail(
    extraction: BrandExtraction, message: str, *, finished_at: datetime | None = None
) -> BrandExtraction:
    now = timezone.now()
    extraction.status = ExtractionStatus.FAILED
    extraction.error = message[:1000]
    extraction.step = "Failed"
    extraction.finished_at = finished_at or now
    extraction.updated_at = now
    extraction.save(update_fields=["status", "error", "step", "finished_at", "updated_at"])
    return extraction


def fail_interrupted_extractions() -> int:
    """Record every extraction whose worker died as failed, since its last sign of life (what
    BrandExtraction.reported already shows); returns how many."""
    failed = 0
    for pk in BrandExtraction.objects.interrupted().values_list("pk", flat=True):
        with transaction.atomic():
            locked = BrandExtraction.objects.select_for_update().get(pk=pk)
            # It may have reported progress, or ended, since the query.
            if locked.interrupted:
                _fail(locked, INTERRUPTED_ERROR, finished_at=locked.updated_at)
                failed += 1
    return failed


def _succeed(run: _Run, result: dict[str, Any]) -> BrandExtraction:
    extraction = run.extraction
    if extraction.apply:
        run.report(95, "Applying to the Brand Kit")
    with transaction.atomic():
        now = timezone.now()
        extraction.result = result
        extraction.status = ExtractionStatus.SUCCEEDED
        extraction.progress = 100
        extraction.step = "Done"
        extraction.finished_at = extraction.updated_at = now
        extraction.save()
        if extraction.apply:
            try:
                apply_extraction(extraction)
            except ActionError as exc:
                # The proposal stays for review; only writing it into the kit failed.
                extraction.error = f"The proposal could not be applied: {exc.message}"
                extraction.save(update_fields=["error"])
    return extraction


def _extract(run: _Run) -> dict[str, Any]:
    url = run.extraction.url
    run.report(5, f"Fetching {url}")
    response = run.fetch(url, max_bytes=PAGE_MAX_BYTES, accept="text/html,*/*;q=0.5")
    if "html" not in response.content_type and not response.body.lstrip()[:1] == b"<":
        raise ExtractionFailed(f"{response.url} is not a web page ({response.content_type}).")

    run.report(20, "Reading the page")
    evidence = page.analyze_page(response.body, response.url, response.content_type)
    if evidence.inline_svg_logos:
        run.notes.append(
            "The page's logo is an inline SVG, which cannot be stored as an image asset: "
            "upload a PNG version to the asset library."
        )

    style = css.analyze_css(evidence.inline_css + _stylesheets(run, evidence))
    logos = _logos(run, evidence)

    run.report(85, "Picking colors and fonts")
    color_evidence = [*evidence.colors, *style.colors]
    for logo in logos:
        # The primary logo speaks for the brand more than its icon does.
        share = 1.0 if logo.role == LogoRole.PRIMARY else 0.5
        color_evidence += [
            ColorEvidence(hex_, weight * share, "logo") for hex_, weight in logo.colors
        ]
    return {
        "name": evidence.name,
        "websiteUrl": response.url,
        "logos": [
            {
                "assetId": logo.asset.pk,
                "role": logo.role,
                "sourceUrl": logo.candidate.url,
                "source": logo.candidate.source,
            }
            for logo in logos
        ],
        "colors": palette.propose_colors(color_evidence),
        "fonts": _pick_fonts([*evidence.fonts, *style.fonts]),
        "socialLinks": _social_links(evidence),
        "notes": run.notes,
    }


def _stylesheets(run: _Run, evidence: PageEvidence) -> list[str]:
    urls = evidence.stylesheet_urls[:MAX_STYLESHEETS]
    texts: list[str] = []
    for index, url in enumerate(urls):
        run.report(
            25 + 20 * index // max(len(urls), 1), f"Reading stylesheet {index + 1} of {len(urls)}"
        )
        try:
            sheet = run.fetch(url, max_bytes=STYLESHEET_MAX_BYTES, accept=CSS_ACCEPT)
        except (fetching.FetchFailed, fetching.FetchRefused) as exc:
            run.notes.append(f"Skipped the stylesheet {url}: {exc}.")
            continue
        texts.append(sheet.body.decode("utf-8", errors="replace"))
    return texts


def _logos(run: _Run, evidence: PageEvidence) -> list[_Logo]:
    """Download the best candidates until there is a primary logo and an icon (or the
    candidates or attempts run out) and store each as an Asset."""
    organization = run.extraction.organization
    found: list[_Logo] = []
    attempts = 0
    candidates = evidence.logo_candidates
    for candidate in candidates:
        roles_left = [role for role in (LogoRole.PRIMARY, LogoRole.ICON) if not _has(found, role)]
        if not roles_left or attempts >= MAX_LOGO_DOWNLOADS:
            break
        role = _role_for(candidate, roles_left)
        if role is None:
            continue
        if _is_svg(candidate.url):
            run.notes.append(
                f"The logo {candidate.url} is an SVG, which cannot be stored as an image asset."
            )
            continue
        attempts += 1
        run.report(
            50 + 30 * (attempts - 1) // MAX_LOGO_DOWNLOADS,
            f"Downloading logo {attempts}: {_short(candidate.url)}",
        )
        try:
            image = run.fetch(candidate.url, max_bytes=IMAGE_MAX_BYTES, accept=IMAGE_ACCEPT)
            asset, created = import_asset(
                organization,
                filename=_filename(image.url),
                data=image.body,
                alt_text=f"{evidence.name} logo" if evidence.name else "Logo",
                tags=[ASSET_TAG],
            )
        except (fetching.FetchFailed, fetching.FetchRefused) as exc:
            run.notes.append(f"Skipped the image {candidate.url}: {exc}.")
            continue
        except ActionError as exc:
            run.notes.append(f"Skipped the image {candidate.url}: {exc.message}")
            continue
        if (asset.width or 0) < MIN_LOGO_SIDE and (asset.height or 0) < MIN_LOGO_SIDE:
            run.notes.append(f"Skipped the image {candidate.url}: too small for a logo.")
            if created:
                delete_asset(asset)
            continue
        found.append(_Logo(asset, role, candidate, palette.dominant_colors(image.body)))
    if not found:
        run.notes.append("No usable logo image was found on the page.")
    elif not _has(found, LogoRole.PRIMARY):
        found[0].role = LogoRole.PRIMARY  # only an icon: better than no logo at all
    return sorted(found, key=lambda logo: logo.role != LogoRole.PRIMARY)


def _role_for(candidate: LogoCandidate, roles_left: Sequence[str]) -> str | None:
    """Icons (apple-touch-icon, favicon) fill the icon role; anything else the primary one.
    Without a better candidate an icon becomes the primary logo too."""
    if candidate.source in ICON_SOURCES:
        return LogoRole.ICON if LogoRole.ICON in roles_left else None
    return LogoRole.PRIMARY if LogoRole.PRIMARY in roles_left else None


def _has(logos: list[_Logo], role: str) -> bool:
    return any(logo.role == role for logo in logos)


def _is_svg(url: str) -> bool:
    return urlsplit(url).path.lower().endswith((".svg", ".svgz"))


def _filename(url: str) -> str:
    name = posixpath.basename(urlsplit(url).path) or "logo"
    return name[:200]


def _short(url: str, limit: int = 80) -> str:
    return url if len(url) <= limit else url[: limit - 1] + "…"


def _pick_fonts(fonts: list[FontEvidence]) -> dict[str, str]:
    """The most used heading and body families; a Google Fonts link counts for both, since a
    site loads the fonts it uses."""
    scores: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for font in fonts:
        if not FONT_FAMILY_PATTERN.fullmatch(font.family):
            continue
        if font.role in ("heading", "body"):
            scores[font.role][font.family] += font.weight
        elif font.role == "google":
            scores["loaded"][font.family] += font.weight
    picked: dict[str, str] = {}
    body = _best(scores["body"], bonus=scores["loaded"])
    if body:
        picked["body"] = body
    heading = _best(scores["heading"], bonus=scores["loaded"])
    if heading is None:
        # No heading rule: a second loaded family is the heading face, else the body's.
        loaded = [family for family in _ranked(scores["loaded"]) if family != body]
        heading = loaded[0] if loaded else body
    if heading:
        picked["heading"] = heading
    if "body" not in picked and scores["loaded"]:
        picked["body"] = _ranked(scores["loaded"])[0]
    return picked


def _best(scores: dict[str, float], *, bonus: dict[str, float]) -> str | None:
    if not scores:
        return None
    return max(sorted(scores), key=lambda family: scores[family] + (1 if family in bonus else 0))


def _ranked(scores: dict[str, float]) -> list[str]:
    return sorted(sorted(scores), key=lambda family: -scores[family])


def _social_links(evidence: PageEvidence) -> list[SocialLink]:
    links = []
    for link in evidence.social_links:
        try:
            links.append(clean_social_link(link, 0))
        except ActionError:
            continue
    return links[:10]
