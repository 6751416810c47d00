"""Applying an import: batches of rows, each in one transaction with the cursor that records it.

A rerun (the task again, or Retry) reads the file from the start, skips the rows up to the
committed cursor while remembering their emails for the duplicate checks, and carries on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.accounts.models import User
from segmentflow.errors import ActionError

from .. import actions
from ..models import (
    ExistingProfiles,
    ImportStatus,
    Profile,
    ProfileImport,
    ProfileImportRejection,
    SubscriptionChange,
    SubscriptionSource,
    SubscriptionStatus,
)
from .csvfile import read_records
from .mapping import ColumnPlan

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
# A person who unsubscribed themselves is never resubscribed by a file: consent is theirs.
PERSONAL_UNSUBSCRIBE_SOURCES = (SubscriptionSource.UNSUBSCRIBE_LINK, SubscriptionSource.COMPLAINT)


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
                return "externalId", seen.external_ids[external_id]
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
        raise ActionError(
            "validation_failed",
            None,
            f"the row has {plan.width + len(extra)} cells but the header names {plan.width}",
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
                raise ActionError(
                    "validation_failed", what, f"duplicate in the file (first in row {first})"
                )
        except ActionError as exc:
            outcome.reject(row_number, cells, email_cell, str(exc))
        else:
            candidates.append(_Candidate(row_number, cells, values, attributes))
        finally:
            outcome.seen.register(identity, row_number)
    _write_candidates(profile_import, candidates, outcome)
    ProfileImportRejection.objects.bulk_create(outcome.rejections)
    return outcome


def _target_subscription(profile_import: ProfileImport, profile: Profile) -> str | None:
    """The subscription an existing Profile gets from this import, or None to leave it."""
    wanted = profile_import.subscription_status
    if not wanted or wanted == profile.subscription_status:
        return None
    if (
        wanted == SubscriptionStatus.SUBSCRIBED
        and profile.subscription_source in PERSONAL_UNSUBSCRIBE_SOURCES
    ):
        return None
    return wanted


def _write_candidates(
    profile_import: ProfileImport, candidates: list[_Candidate], outcome: BatchOutcome
) -> None:
    organization = profile_import.organization
    emails = [candidate.values["email"] for candidate in candidates]
    # Locked so that an API write to the same Profile waits instead of being overwritten.
    existing = {
        profile.email: profile
        for profile in Profile.objects.for_org(organization)
        .filter(email__in=emails)
        .select_for_update()
    }
    external_ids = [c.values["external_id"] for c in candidates if c.values.get("external_id")]
    external_id_owners = dict(
        Profile.objects.for_org(organization)
        .filter(external_id__in=external_ids)
        .values_list("external_id", "email")
    )
    now = timezone.now()
    to_create: list[Profile] = []
    to_update: list[tuple[Profile, list[str]]] = []
    changes: list[SubscriptionChange] = []
    for candidate in candidates:
        email = candidate.values["email"]
        profile = existing.get(email)
        if profile is not None and profile_import.existing == ExistingProfiles.SKIP:
            outcome.skipped += 1
            continue
        external_id = candidate.values.get("external_id")
        if external_id and external_id_owners.get(external_id, email) != email:
            outcome.reject(
                candidate.row_number,
                candidate.cells,
                email,
                "externalId: a Profile with this externalId exists",
            )
            continue
        if profile is None:
            status = profile_import.subscription_status or SubscriptionStatus.SUBSCRIBED
            profile = Profile(
                organization=organization,
                attributes=candidate.attributes,
                subscription_status=status,
                subscription_source=SubscriptionSource.IMPORT,
                subscription_updated_at=now,
                created_at=now,
                updated_at=now,
                **candidate.values,
            )
            to_create.append(profile)
            changes.append(_change(profile, status, profile_import.created_by, now))
            continue
        try:
            merged = actions.merge_attributes(profile.attributes, candidate.attributes)
            new_values: dict[str, Any] = {
                **candidate.values,
                "attributes": actions.clean_attributes(merged),
            }
        except ActionError as exc:
            outcome.reject(candidate.row_number, candidate.cells, email, str(exc))
            continue
        new_status = _target_subscription(profile_import, profile)
        if new_status:
            new_values["subscription_status"] = new_status
            new_values["subscription_source"] = SubscriptionSource.IMPORT
            new_values["subscription_updated_at"] = now
            changes.append(_change(profile, new_status, profile_import.created_by, now))
        changed = [name for name, value in new_values.items() if getattr(profile, name) != value]
        if changed:
            for name in changed:
                setattr(profile, name, new_values[name])
            profile.updated_at = now
            to_update.append((profile, [*changed, "updated_at"]))
        outcome.updated += 1
    Profile.objects.bulk_create(to_create)
    # One UPDATE per changed Profile, of its changed columns only: bulk_update's CASE per row
    # and column measured 20x slower, and a file imported again changes little.
    for profile, fields in to_update:
        profile.save(update_fields=fields)
    SubscriptionChange.objects.bulk_create(changes)
    outcome.created += len(to_create)


def _change(profile: Profile, status: str, user: User | None, at: datetime) -> SubscriptionChange:
    return SubscriptionChange(
        profile=profile, status=status, source=SubscriptionSource.IMPORT, at=at, changed_by=user
    )


def delete_file(path: str) -> None:
    if not path:
        return
    try:
        default_storage.delete(path)
    except OSError:
        logger.warning("could not delete the import file %s", path, exc_info=True)
