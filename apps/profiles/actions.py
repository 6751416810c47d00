"""Writes on Profiles shared by the API, the dashboard, the CSV import and the unsubscribe pages."""

from __future__ import annotations

import functools
import re
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from apps.accounts.models import Organization, User
from segmentflow.errors import ActionError, invalid
from segmentflow.values import clean_json_object, refuse_unstorable_text

from .models import (
    MAX_ATTRIBUTES_BYTES,
    Profile,
    ProfileErasure,
    SubscriptionChange,
    SubscriptionSource,
    SubscriptionStatus,
    SuppressionReason,
    normalize_email,
)

LOCALE_RE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
# Fields a caller may set, in the model's names.
PROFILE_FIELDS = ("email", "external_id", "first_name", "last_name", "locale", "timezone")


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _check_length(name: str, value: str) -> None:
    """Refuse a value longer than its column: the CSV import writes rows without the API's
    schema, and PostgreSQL would fail the whole batch on it."""
    column = Profile._meta.get_field(name)
    max_length = column.max_length if isinstance(column, models.CharField) else None
    if max_length is not None and len(value) > max_length:
        raise invalid(name, f"at most {max_length} characters")


def clean_email(email: Any) -> str:
    if not isinstance(email, str) or not email.strip():
        raise invalid("email", "field required")
    email = normalize_email(email)
    _check_length("email", email)
    try:
        validate_email(email)
    except DjangoValidationError as exc:
        raise invalid("email", "not a valid email address") from exc
    return email


def clean_attributes(attributes: Any) -> dict[str, Any]:
    return clean_json_object(attributes, "attributes", max_bytes=MAX_ATTRIBUTES_BYTES)


def clean_fields(values: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if name not in PROFILE_FIELDS:
            raise ValueError(f"unknown Profile field {name}")
        if name == "email":
            cleaned[name] = clean_email(value)
            continue
        value = refuse_unstorable_text((value or "").strip(), name)
        _check_length(name, value)
        if name == "locale" and value and not LOCALE_RE.match(value):
            raise invalid("locale", "not a locale such as en or pt-BR")
        if name == "timezone" and value and value not in _time_zones():
            raise ActionError(
                "validation_failed", "timezone", "not an IANA time zone such as Europe/Paris"
            )
        cleaned[name] = value
    return cleaned


def _check_unique(organization: Organization, values: dict[str, Any], exclude: str | None) -> None:
    others = Profile.objects.for_org(organization)
    if exclude:
        others = others.exclude(pk=exclude)
    if "email" in values and others.filter(email=values["email"]).exists():
        raise ActionError("conflict", "email", "a Profile with this email exists")
    external_id = values.get("external_id")
    if external_id and others.filter(external_id=external_id).exists():
        raise ActionError("conflict", "external_id", "a Profile with this externalId exists")


def _save_unique(profile: Profile, **save_kwargs: Any) -> None:
    """Save, turning a lost race on the unique indexes into a conflict."""
    try:
        with transaction.atomic():
            profile.save(**save_kwargs)
    except IntegrityError as exc:
        _check_unique(
            profile.organization,
            {"email": profile.email, "external_id": profile.external_id},
            profile.pk,
        )
        raise ActionError(
            "conflict", "email", "a Profile with this email or externalId exists"
        ) from exc


@transaction.atomic
def create_profile(
    organization: Organization,
    *,
    email: str,
    attributes: dict[str, Any] | None = None,
    subscription_status: str = SubscriptionStatus.SUBSCRIBED,
    source: str = SubscriptionSource.API,
    changed_by: User | None = None,
    **fields: Any,
) -> Profile:
    values = clean_fields({"email": email, **fields})
    attrs = clean_attributes(attributes if attributes is not None else {})
    if subscription_status not in SubscriptionStatus.values:
        raise invalid("subscription.status", "subscribed or unsubscribed")
    _check_unique(organization, values, exclude=None)
    now = timezone.now()
    profile = Profile(
        organization=organization,
        attributes=attrs,
        subscription_status=subscription_status,
        subscription_source=source,
        subscription_updated_at=now,
        created_at=now,
        updated_at=now,
        **values,
    )
    _save_unique(profile, force_insert=True)
    SubscriptionChange.objects.create(
        profile=profile, status=subscription_status, source=source, at=now, changed_by=changed_by
    )
    return profile


@transaction.atomic
def save_new_profiles(
    organization: Organization, profiles: list[Profile], source: str = SubscriptionSource.API
) -> dict[str, Profile]:
    """Insert Profiles built in memory (fields cleaned, emails normalised) in one statement, each
    with its first subscription change as create_profile records it; an email taken meanwhile
    by another request keeps that Profile. Returns the saved Profile of each email."""
    saved = save_new_profiles_in_order(organization, profiles, source)
    return {profile.email: profile for profile in saved if profile is not None}


def save_new_profiles_in_order(
    organization: Organization, profiles: list[Profile], source: str = SubscriptionSource.API
) -> list[Profile | None]:
    """save_new_profiles for Profiles identified by email or by externalId (an event's
    Profile may have no email): the saved Profile of each, in order (None where the insert
    lost to a Profile holding its externalId under another email)."""
    Profile.objects.bulk_create(profiles, ignore_conflicts=True)
    emails = [profile.email for profile in profiles if profile.email]
    external_ids = [profile.external_id for profile in profiles if profile.external_id]
    rows = Profile.objects.for_org(organization).filter(
        models.Q(email__in=emails) | models.Q(external_id__in=external_ids)
    )
    by_email = {row.email: row for row in rows if row.email}
    by_external = {row.external_id: row for row in rows if row.external_id}
    saved = [
        by_email.get(profile.email) if profile.email else by_external[profile.external_id]
        for profile in profiles
    ]
    SubscriptionChange.objects.bulk_create(
        SubscriptionChange(
            profile=profile,
            status=profile.subscription_status,
            source=source,
            at=profile.created_at,
        )
        for profile, row in zip(profiles, saved, strict=True)
        if row is not None and row.pk == profile.pk
    )
    return saved


def merge_attributes(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Merge key by key; a key set to None is removed."""
    merged = dict(current)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


@transaction.atomic
def update_profile(
    profile: Profile, *, attributes: dict[str, Any] | None = None, **fields: Any
) -> Profile:
    """Change the given fields; `attributes` is merged in (a None value deletes its key).

    The change is applied to the row as stored, under a lock, and only the given columns are
    written: `profile` may have been read before a concurrent unsubscribe, suppression or patch
    of other attribute keys, and saving it whole would undo them.
    """
    values = clean_fields(fields)
    if attributes is not None and not isinstance(attributes, dict):
        raise invalid("attributes", "must be a JSON object")
    locked = Profile.objects.select_for_update().get(pk=profile.pk)
    if attributes is not None:
        values["attributes"] = clean_attributes(merge_attributes(locked.attributes, attributes))
    _check_unique(profile.organization, values, exclude=profile.pk)
    for name, value in values.items():
        setattr(locked, name, value)
    locked.updated_at = timezone.now()
    _save_unique(locked, update_fields=[*values, "updated_at"])
    return locked


@transaction.atomic
def set_subscription(
    profile: Profile, status: str, source: str, changed_by: User | None = None
) -> Profile:
    """Change the marketing subscription and record it; the same status again changes nothing."""
    if status not in SubscriptionStatus.values:
        raise invalid("status", "must be subscribed or unsubscribed")
    locked = Profile.objects.select_for_update().get(pk=profile.pk)
    if locked.subscription_status == status:
        return locked
    now = timezone.now()
    locked.subscription_status = status
    locked.subscription_source = source
    locked.subscription_updated_at = now
    locked.updated_at = now
    locked.save(
        update_fields=[
            "subscription_status",
            "subscription_source",
            "subscription_updated_at",
            "updated_at",
        ]
    )
    SubscriptionChange.objects.create(
        profile=locked, status=status, source=source, at=now, changed_by=changed_by
    )
    return locked


@transaction.atomic
def suppress_profile(profile: Profile, reason: str, changed_by: User | None = None) -> Profile:
    """Stop all email to the Profile; suppressing again keeps the first time unless the reason
    changes. A complaint also unsubscribes it from marketing (source `complaint`)."""
    if reason not in SuppressionReason.values:
        raise invalid("reason", "must be hard_bounce, complaint or manual")
    locked = Profile.objects.select_for_update().get(pk=profile.pk)
    if locked.suppressed_reason != reason:
        now = timezone.now()
        locked.suppressed_reason = reason
        locked.suppressed_at = now
        locked.updated_at = now
        locked.save(update_fields=["suppressed_reason", "suppressed_at", "updated_at"])
    if reason == SuppressionReason.COMPLAINT:
        # Checked on every complaint, not only the first: a Profile resubscribed after an
        # earlier complaint must be unsubscribed again by a new one.
        locked = set_subscription(
            locked, SubscriptionStatus.UNSUBSCRIBED, SubscriptionSource.COMPLAINT, changed_by
        )
    return locked


@transaction.atomic
def unsuppress_profile(profile: Profile) -> Profile:
    """Allow email to the Profile again; its marketing subscription is left as it is. Unlike a
    subscription change, a suppression change is not recorded, so there is no "by whom" to keep."""
    locked = Profile.objects.select_for_update().get(pk=profile.pk)
    if not locked.suppressed_reason:
        return locked
    locked.suppressed_reason = ""
    locked.suppressed_at = None
    locked.updated_at = timezone.now()
    locked.save(update_fields=["suppressed_reason", "suppressed_at", "updated_at"])
    return locked


@transaction.atomic
def delete_profile(profile: Profile) -> ProfileErasure:
    """Erase a Profile's personal data; only an anonymised record that one existed remains."""
    erasure = ProfileErasure.objects.create(
        organization=profile.organization,
        subscription_changes=profile.subscription_changes.count(),
    )
    # Later issues attach events and email sends; their erasure hooks in here.
    profile.delete()
    return erasure


# The CSV import (apps/profiles/imports) writes through here, in batches.

# A person who unsubscribed themselves is never resubscribed by a file: consent is theirs.
PERSONAL_UNSUBSCRIBE_SOURCES = (SubscriptionSource.UNSUBSCRIBE_LINK, SubscriptionSource.COMPLAINT)


def subscription_from_import(profile: Profile, wanted: str) -> str | None:
    """The subscription an existing Profile gets from an import that sets `wanted` ("" to leave
    it), or None when it keeps its own."""
    if not wanted or wanted == profile.subscription_status:
        return None
    if (
        wanted == SubscriptionStatus.SUBSCRIBED
        and profile.subscription_source in PERSONAL_UNSUBSCRIBE_SOURCES
    ):
        return None
    return wanted


@dataclass(frozen=True)
class ImportedRow:
    """One row of a file, cleaned (clean_fields, clean_attributes): its Profile fields (`email`
    always) and its non-empty attributes."""

    row_number: int
    values: dict[str, str]
    attributes: dict[str, Any]


@dataclass
class ImportWrite:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    refused: list[tuple[ImportedRow, ActionError]] = field(default_factory=list)


def import_profiles(
    organization: Organization,
    rows: list[ImportedRow],
    *,
    update_existing: bool,
    subscription_status: str,
    changed_by: User | None,
) -> ImportWrite:
    """Create the rows' new Profiles in bulk and update (or skip) the existing ones, each change
    of subscription recorded with source `import`; the caller holds the transaction."""
    result = ImportWrite()
    emails = [row.values["email"] for row in rows]
    # Locked so that an API write to the same Profile waits instead of being overwritten.
    existing = {
        profile.email: profile
        for profile in Profile.objects.for_org(organization)
        .filter(email__in=emails)
        .select_for_update()
    }
    external_ids = [row.values["external_id"] for row in rows if row.values.get("external_id")]
    external_id_owners = dict(
        Profile.objects.for_org(organization)
        .filter(external_id__in=external_ids)
        .values_list("external_id", "email")
    )
    now = timezone.now()
    to_create: list[Profile] = []
    to_update: list[tuple[Profile, list[str]]] = []
    changes: list[SubscriptionChange] = []

    def record(profile: Profile, status: str) -> None:
        changes.append(
            SubscriptionChange(
                profile=profile,
                status=status,
                source=SubscriptionSource.IMPORT,
                at=now,
                changed_by=changed_by,
            )
        )

    for row in rows:
        email = row.values["email"]
        profile = existing.get(email)
        if profile is not None and not update_existing:
            result.skipped += 1
            continue
        external_id = row.values.get("external_id")
        if external_id and external_id_owners.get(external_id, email) != email:
            conflict = ActionError(
                "conflict", "external_id", "a Profile with this externalId exists"
            )
            result.refused.append((row, conflict))
            continue
        if profile is None:
            status = subscription_status or SubscriptionStatus.SUBSCRIBED
            profile = Profile(
                organization=organization,
                attributes=row.attributes,
                subscription_status=status,
                subscription_source=SubscriptionSource.IMPORT,
                subscription_updated_at=now,
                created_at=now,
                updated_at=now,
                **row.values,
            )
            to_create.append(profile)
            record(profile, status)
            continue
        try:
            merged = clean_attributes(merge_attributes(profile.attributes, row.attributes))
        except ActionError as error:
            result.refused.append((row, error))
            continue
        new_values: dict[str, Any] = {**row.values, "attributes": merged}
        new_status = subscription_from_import(profile, subscription_status)
        if new_status:
            new_values["subscription_status"] = new_status
            new_values["subscription_source"] = SubscriptionSource.IMPORT
            new_values["subscription_updated_at"] = now
            record(profile, new_status)
        changed = [name for name, value in new_values.items() if getattr(profile, name) != value]
        if changed:
            for name in changed:
                setattr(profile, name, new_values[name])
            profile.updated_at = now
            to_update.append((profile, [*changed, "updated_at"]))
        result.updated += 1
    Profile.objects.bulk_create(to_create)
    # One UPDATE per changed Profile, of its changed columns only: bulk_update's CASE per row
    # and column measured 20x slower, and a file imported again changes little.
    for profile, columns in to_update:
        profile.save(update_fields=columns)
    SubscriptionChange.objects.bulk_create(changes)
    result.created += len(to_create)
    return result
