"""The writes of a CSV import itself: start it from an upload, confirm its mapping (which queues
the task), retry, cancel; and its report of rejected rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Organization, User
from segmentflow.errors import ActionError

from ..models import ExistingProfiles, ImportStatus, ProfileImport, SubscriptionStatus
from ..tasks import run_profile_import
from .csvfile import file_error, inspect_csv
from .mapping import guess_mapping, mapping_problems
from .runner import delete_file

MAX_FILE_BYTES = 20 * 1024 * 1024
# A running import without progress for this long is considered stalled and may be retried.
STALLED_AFTER = timedelta(minutes=10)


def start_import(
    organization: Organization, upload: UploadedFile, created_by: User | None = None
) -> ProfileImport:
    """Check and store an uploaded CSV file; the import waits for its column mapping."""
    size = upload.size or 0
    if size > MAX_FILE_BYTES:
        raise file_error(
            f"The file is {size / 1024 / 1024:.1f} MiB; the limit is "
            f"{MAX_FILE_BYTES // 1024 // 1024} MiB. Split it into smaller files."
        )
    data = upload.read()
    inspection = inspect_csv(data)
    with transaction.atomic():
        profile_import = ProfileImport.objects.create(
            organization=organization,
            created_by=created_by,
            file_name=(upload.name or "import.csv")[:255],
            file_size=len(data),
            encoding=inspection.encoding,
            delimiter=inspection.delimiter,
            columns=inspection.columns,
            sample_rows=inspection.sample_rows,
            mapping=guess_mapping(inspection.columns, inspection.sample_rows),
            total_rows=inspection.total_rows,
        )
        profile_import.file_path = default_storage.save(
            f"profile-imports/{organization.pk}/{profile_import.pk}.csv", ContentFile(data)
        )
        profile_import.save(update_fields=["file_path"])
    return profile_import


def _enqueue(profile_import: ProfileImport) -> None:
    # The database task backend writes the task row in the caller's transaction: the worker
    # sees it only once the import's new status is committed.
    run_profile_import.enqueue(profile_import.pk)


@transaction.atomic
def confirm_import(
    profile_import: ProfileImport,
    *,
    mapping: list[dict[str, str]],
    existing: str,
    subscription_status: str = "",
) -> ProfileImport:
    """Record the chosen mapping and options and queue the import."""
    locked = ProfileImport.objects.select_for_update().get(pk=profile_import.pk)
    if locked.status != ImportStatus.MAPPING:
        raise ActionError("invalid_state", None, "This import has already been started.")
    problems = mapping_problems(locked.columns, mapping)
    if problems:
        raise ActionError("validation_failed", "mapping", problems[0][1])
    if existing not in ExistingProfiles.values:
        raise ActionError("validation_failed", "existing", "update or skip")
    if subscription_status and subscription_status not in SubscriptionStatus.values:
        raise ActionError("validation_failed", "subscription_status", "subscribed or unsubscribed")
    locked.mapping = [
        {"field": entry["field"], "attribute": entry.get("attribute", "").strip()}
        for entry in mapping
    ]
    locked.existing = existing
    locked.subscription_status = subscription_status
    locked.status = ImportStatus.QUEUED
    locked.updated_at = timezone.now()
    locked.save()
    _enqueue(locked)
    return locked


def can_retry(profile_import: ProfileImport) -> bool:
    """A failed import, or one that has made no progress for STALLED_AFTER (its worker died)."""
    if profile_import.status == ImportStatus.FAILED:
        return True
    stalled = profile_import.updated_at < timezone.now() - STALLED_AFTER
    return stalled and profile_import.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)


@transaction.atomic
def retry_import(profile_import: ProfileImport) -> ProfileImport:
    """Queue the import again; it resumes after its last committed batch."""
    locked = ProfileImport.objects.select_for_update().get(pk=profile_import.pk)
    if not can_retry(locked):
        raise ActionError("invalid_state", None, "Only a failed or stalled import can be retried.")
    locked.status = ImportStatus.QUEUED
    locked.error = ""
    locked.updated_at = timezone.now()
    locked.save(update_fields=["status", "error", "updated_at"])
    _enqueue(locked)
    return locked


def cancel_import(profile_import: ProfileImport) -> ProfileImport:
    """Give up an import that waits for its mapping or failed; rows already imported stay."""
    with transaction.atomic():
        locked = ProfileImport.objects.select_for_update().get(pk=profile_import.pk)
        if locked.status not in (ImportStatus.MAPPING, ImportStatus.FAILED):
            raise ActionError("invalid_state", None, "Only a failed import can be cancelled.")
        path = locked.file_path
        locked.status = ImportStatus.CANCELLED
        locked.file_path = ""
        locked.sample_rows = []
        locked.finished_at = locked.updated_at = timezone.now()
        locked.save()
    delete_file(path)
    return locked


def _spreadsheet_safe(value: str) -> str:
    # A cell starting with = + - @ is run as a formula by spreadsheet programs (CSV injection).
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def rejected_rows_csv(profile_import: ProfileImport) -> Iterator[list[str]]:
    """The rejected rows as CSV rows: row number, reason, then the row's own cells."""
    # Every cell that came from the file is escaped: the header row and the reasons (which may
    # quote a value) as much as the data.
    yield ["row", "reason", *(_spreadsheet_safe(name) for name in profile_import.columns)]
    for rejection in profile_import.rejections.order_by("row_number").iterator(chunk_size=2000):
        yield [
            str(rejection.row_number),
            _spreadsheet_safe(rejection.reason),
            *(_spreadsheet_safe(cell) for cell in rejection.cells),
        ]
