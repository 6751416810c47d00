"""Profile lookups of the API's hot paths (events.track, emails.send) by hand-written SQL:
building and compiling the QuerySet costs more than the round trip (bench/profile_me.py)."""

from __future__ import annotations

from collections.abc import Collection

from django.db import connection

from apps.accounts.models import Organization
from segmentflow import rows

from .models import Profile


def profiles_by_id(organization: Organization, ids: Collection[str]) -> list[Profile]:
    """Profile.objects.for_org(organization).filter(pk__in=ids)."""
    if not ids:
        return []
    placeholders = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {rows.columns(Profile)} FROM {rows.table(Profile)}"  # noqa: S608 - identifiers only
            f" WHERE organization_id = %s AND id IN ({placeholders})",
            [organization.pk, *ids],
        )
        return [rows.from_row(Profile, row) for row in cursor.fetchall()]
