"""The Template lookup of emails.send by hand-written SQL: the Template and the Brand Kit it
renders with, in one round trip (bench/profile_me.py --send: the two QuerySets cost more
than the database's work)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection

from apps.accounts.models import Organization
from apps.brand_kits.models import BrandKit
from segmentflow import rows

from .models import Template


def template_and_kit_sql() -> tuple[str, str, list[Any]]:
    """(columns, joins, join params) to select the Template `t` with its kit `k` after a FROM
    that has none: `LEFT JOIN` the Template whose organization and id are the first two
    parameters, then its own kit, else the Organization's default kit."""
    selected = f"{rows.columns(Template, 't')}, {rows.columns(BrandKit, 'k')}"
    joins = (
        f" LEFT JOIN {rows.table(Template)} t ON t.organization_id = %s AND t.id = %s"
        f" LEFT JOIN {rows.table(BrandKit)} k ON k.organization_id = t.organization_id"
        " AND (k.id = t.brand_kit_id OR (t.brand_kit_id IS NULL AND k.is_default = %s))"
    )
    return selected, joins, [rows.prep_value(BrandKit, "is_default", True)]


def template_and_kit_of(row: Sequence[Any]) -> tuple[Template | None, BrandKit | None]:
    """The Template and kit of a row's columns as template_and_kit_sql selects them."""
    split = rows.width(Template)
    if row[0] is None:
        return None, None
    template = rows.from_row(Template, row[:split])
    kit = rows.from_row(BrandKit, row[split:]) if row[split] is not None else None
    if kit is not None and template.brand_kit_id == kit.pk:
        template.brand_kit = kit
    return template, kit


def template_and_kit(
    organization: Organization, template_id: str
) -> tuple[Template | None, BrandKit | None]:
    """The Organization's Template `template_id` and its Brand Kit: its own, else the
    Organization's default kit (None without one). Without such a Template, (None, None).
    The Template's own kit is set on it (`template.brand_kit` makes no query)."""
    selected, joins, params = template_and_kit_sql()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {selected} FROM (SELECT 1 AS one) one{joins}",  # noqa: S608 - identifiers only
            [organization.pk, template_id, *params],
        )
        return template_and_kit_of(cursor.fetchone())
