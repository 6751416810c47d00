"""Applying an import: batches of rows, each in one transaction with the cursor that records it.

A rerun (the task again, or Retry) reads the file from the start, skips the rows up to the
committed cursor while remembering their emails for the duplicate checks, and carries on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from segmentflow.errors import ActionError, api_path, invalid

from .. import actions
from ..models import (
    ExistingProfiles,
    ImportStatus,
    ProfileImport,
    ProfileImportRejection,
)
from .csvfile import read_records
from .mapping import ColumnPlan

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


def _reason(error: ActionError) -> str:
    """A rejected row's reason, naming the field as the mapping page does (`externalId`)."""
    return f"{api_path(error.field)}: {error.message}" if error.field else error.message


@dataclass
class SeenInFile:
    """The first row of each email and externalId in the file, to reject later duplicates."""

    emails: dict[str, int] = field(default_factory=dict)
    external_ids: dict[str, int] = field(default_factory=dict)

    def first_row(self, identity: tuple[str, str], *more: SeenInFile) -> tuple[str, int] | None:
        email, external_id = identity
        for seen in (self, *more):
            if email and email in seen.emails:
                return "email", seen.emails[email]
            if external_id and external_id in seen.external_ids:
                return "external_id", seen.external_ids[external_id]
        return None

    def register(self, identity: tuple[str, str], row_number: int) -> None:
        email, external_id = identity
        if email:
            self.emails.setdefault(email, row_number)
        if external_id:
            self.external_ids.setdefault(external_id, row_number)

    def update(self, other: SeenInFile) -> None:
        for email, row_number in other.emails.items():
            self.emails.setdefault(email, row_number)
        for external_id, row_number in other.external_ids.items():
            self.external_ids.setdefault(external_id, row_number)


@dataclass
class BatchOutcome:
    profile_import: ProfileImport
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejections: list[ProfileImportRejection] = field(default_factory=list)
    seen: SeenInFile = field(default_factory=SeenInFile)

    def reject(self, row_number: int, cells: list[str], email: str, reason: str) -> None:
        self.rejections.append(
            ProfileImportRejection(
                profile_import=self.profile_import,
                row_number=row_number,
                email=email[:254],
                reason=reason[:300],
                cells=cells,
            )
        )


@dataclass
class _Candidate:
    row_number: int
    cells: list[str]
    values: dict[str, str]
    attributes: dict[str, Any]


def run_import(import_id: str) -> ProfileImport:
    """Apply the file from where its last committed batch stopped, then finish. Running it again,
    even while another run is going, applies no row twice; a finished import is left as it is."""
    now = timezone.now()
    claimed = ProfileImport.objects.filter(
        pk=import_id,
        status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING, ImportStatus.FAILED],
    ).update(
        status=ImportStatus.RUNNING,
        started_at=Coalesce("started_at", now),
        updated_at=now,
        error="",
    )
    profile_import = ProfileImport.objects.select_related("organization", "created_by").get(
        pk=import_id
    )
    if not claimed:
        return profile_import
    try:
        _apply_file(profile_import)
    except Exception as exc:
        logger.exception("profile import %s failed", import_id)
        ProfileImport.objects.filter(pk=import_id, status=ImportStatus.RUNNING).update(
            status=ImportStatus.FAILED,
            error=f"The import stopped on an unexpected error ({type(exc).__name__}).",
            updated_at=timezone.now(),
        )
        raise
    profile_import.refresh_from_db()
    return profile_import


def _apply_file(profile_import: ProfileImport) -> None:
    with default_storage.open(profile_import.file_path, "rb") as file:
        text = file.read().decode(profile_import.encoding)
    plan = ColumnPlan.of(profile_import)
    records = read_records(text, profile_import.delimiter)
    next(records)  # the header
    seen = SeenInFile()
    cursor = profile_import.cursor
    batch: list[tuple[int, list[str]]] = []
    for row_number, cells in records:
        if row_number <= cursor:
            # Applied by an earlier run: only remember its email for the duplicate checks.
            seen.register(plan.identity(cells), row_number)
            continue
        batch.append((row_number, cells))
        if len(batch) == BATCH_SIZE:
            if not _commit_batch(profile_import, plan, batch, seen, after=cursor):
                return
            cursor = batch[-1][0]
            batch = []
    if batch and not _commit_batch(profile_import, plan, batch, seen, after=cursor):
        return
    _finish(profile_import, cursor=batch[-1][0] if batch else cursor)


def _commit_batch(
    profile_import: ProfileImport,
    plan: ColumnPlan,
    rows: list[tuple[int, list[str]]],
    seen: SeenInFile,
    *,
    after: int,
) -> bool:
    """Apply `rows` and move the cursor past them in one transaction; False when another run has
    moved the cursor since (it carries on, this one stops)."""
    try:
        outcome = _apply_and_advance(profile_import, plan, rows, seen, after=after)
    except IntegrityError:
        # A Profile with one of these emails or externalIds was created elsewhere between our
        # read and our write: the batch rolled back, and applying it again sees that Profile.
        outcome = _apply_and_advance(profile_import, plan, rows, seen, after=after)
    if outcome is None:
        return False
    seen.update(outcome.seen)
    return True


@transaction.atomic
def _apply_and_advance(
    profile_import: ProfileImport,
    plan: ColumnPlan,
    rows: list[tuple[int, list[str]]],
    seen: SeenInFile,
    *,
    after: int,
) -> BatchOutcome | None:
    # The row lock serialises runs of the same import: each batch starts from the cursor that
    # the previous one committed.
    locked = ProfileImport.objects.select_for_update().get(pk=profile_import.pk)
    if locked.cursor != after or locked.status != ImportStatus.RUNNING:
        return None
    outcome = apply_batch(profile_import, plan, rows, seen)
    _advance(locked, rows[-1][0], outcome)
    return outcome


def _advance(locked: ProfileImport, cursor: int, outcome: BatchOutcome) -> None:
    locked.cursor = cursor
    locked.rows_created += outcome.created
    locked.rows_updated += outcome.updated
    locked.rows_skipped += outcome.skipped
    locked.rows_rejected += len(outcome.rejections)
    locked.updated_at = timezone.now()
    locked.save(
        update_fields=[
            "cursor",
            "rows_created",
            "rows_updated",
            "rows_skipped",
            "rows_rejected",
            "updated_at",
        ]
    )


def _finish(profile_import: ProfileImport, *, cursor: int) -> None:
    with transaction.atomic():
        locked = ProfileImport.objects.select_for_update().get(pk=profile_import.pk)
        if locked.cursor != cursor or locked.status != ImportStatus.RUNNING:
            return
        path = locked.file_path
        locked.status = ImportStatus.FINISHED
        locked.file_path = ""
        locked.sample_rows = []
        locked.finished_at = locked.updated_at = timezone.now()
        locked.save()
    delete_file(path)


def _clean_row(plan: ColumnPlan, cells: list[str]) -> tuple[dict[str, str], dict[str, Any]]:
    """The row's Profile fields and attributes, validated as every other write is. Empty cells are
    left out, so they never blank a value an existing Profile has."""
    extra = [cell for cell in cells[plan.width :] if cell.strip()]
    if extra:
        raise invalid(
            None, f"the row has {plan.width + len(extra)} cells but the header names {plan.width}"
        )
    values = {name: plan.cell(cells, index) for name, index in plan.fields.items()}
    values = {name: value for name, value in values.items() if value or name == "email"}
    attributes = {name: plan.cell(cells, index) for index, name in plan.attributes}
    attributes = {name: value for name, value in attributes.items() if value}
    return actions.clean_fields(values), actions.clean_attributes(attributes)


def apply_batch(
    profile_import: ProfileImport,
    plan: ColumnPlan,
    rows: list[tuple[int, list[str]]],
    seen: SeenInFile,
) -> BatchOutcome:
    """Create, update, skip or reject each row; the caller holds the transaction."""
    outcome = BatchOutcome(profile_import)
    candidates: list[_Candidate] = []
    for row_number, cells in rows:
        identity = plan.identity(cells)
        email_cell = plan.cell(cells, plan.fields["email"])
        try:
            values, attributes = _clean_row(plan, cells)
            duplicate = seen.first_row(identity, outcome.seen)
            if duplicate:
                what, first = duplicate
                raise invalid(what, f"duplicate in the file (first in row {first})")
        except ActionError as exc:
            outcome.reject(row_number, cells, email_cell, _reason(exc))
        else:
            candidates.append(_Candidate(row_number, cells, values, attributes))
        finally:
            outcome.seen.register(identity, row_number)
    written = actions.import_profiles(
        profile_import.organization,
        [actions.ImportedRow(c.row_number, c.values, c.attributes) for c in candidates],
        update_existing=profile_import.existing != ExistingProfiles.SKIP,
        subscription_status=profile_import.subscription_status,
        changed_by=profile_import.created_by,
    )
    cells_of = {candidate.row_number: candidate.cells for candidate in candidates}
    for row, error in written.refused:
        outcome.reject(
            row.row_number, cells_of[row.row_number], row.values["email"], _reason(error)
        )
    outcome.created += written.created
    outcome.updated += written.updated
    outcome.skipped += written.skipped
    ProfileImportRejection.objects.bulk_create(outcome.rejections)
    return outcome


def delete_file(path: str) -> None:
    if not path:
        return
    try:
        default_storage.delete(path)
    except OSError:
        logger.warning("could not delete the import file %s", path, exc_info=True)
