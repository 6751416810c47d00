"""segmentflow/rows.py: hand-written SQL reads and writes what the ORM would, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import connection
from django.test import TestCase

from apps.events.models import UserEvent
from apps.profiles.models import Profile
from segmentflow import rows

from .factories import make_org, make_profile


class RowsTest(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.org = make_org()
        cls.profile = make_profile(
            cls.org, email="ada@example.com", attributes={"plan": "pro", "seats": 3, "ü": [1.5]}
        )

    def select(self, model: type, names: tuple[str, ...] | None = None, where: str = "") -> list:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {rows.columns(model, names=names)} FROM {rows.table(model)} {where}"  # noqa: S608 - identifiers only
            )
            return [rows.from_row(model, row, names) for row in cursor.fetchall()]

    def test_a_row_becomes_the_instance_the_orm_reads(self) -> None:
        [read] = self.select(Profile)
        orm = Profile.objects.get(pk=self.profile.pk)
        for field in Profile._meta.concrete_fields:
            self.assertEqual(getattr(read, field.attname), getattr(orm, field.attname), field.name)
        self.assertEqual(read.attributes, {"plan": "pro", "seats": 3, "ü": [1.5]})
        self.assertIsNotNone(read.created_at.tzinfo)
        self.assertFalse(read._state.adding)

    def test_fields_not_selected_are_deferred_and_load_when_read(self) -> None:
        [read] = self.select(Profile, names=("id", "organization", "email"))
        self.assertEqual(read.email, "ada@example.com")
        self.assertIn("attributes", read.get_deferred_fields())
        self.assertEqual(read.attributes["plan"], "pro")

    def test_an_unknown_field_name_is_refused(self) -> None:
        with self.assertRaisesMessage(ValueError, "['nope']"):
            rows.columns(Profile, names=("id", "nope"))

    def test_insert_writes_what_the_orm_reads_back(self) -> None:
        occurred = datetime(2026, 5, 1, 12, 30, 15, 123456, tzinfo=UTC)
        event = UserEvent(
            organization=self.org,
            profile=self.profile,
            name="order.paid",
            properties={"total": 12.5, "items": [{"sku": "A-1"}], "note": "ünïcode"},
            occurred_at=occurred,
            received_at=occurred,
        )
        rows.insert(event)
        self.assertFalse(event._state.adding)
        stored = UserEvent.objects.get(pk=event.pk)
        self.assertEqual(stored.properties, event.properties)
        self.assertEqual(stored.occurred_at, occurred)
        self.assertEqual(stored.created_at, event.created_at)
        self.assertEqual(stored.profile_id, self.profile.pk)
        self.assertTrue(stored.pk.startswith("evt_"))

    def test_like_contains_matches_wildcards_literally(self) -> None:
        now = datetime.now(UTC)
        for name in ("a_b", "axb", "a%b", "aXYb", "a\\b", "zz"):
            rows.insert(
                UserEvent(
                    organization=self.org,
                    profile=self.profile,
                    name=name,
                    occurred_at=now,
                    received_at=now,
                )
            )
        for wanted in ("a_b", "a%b", "a\\b"):
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT name FROM {rows.table(UserEvent)} WHERE name LIKE %s ESCAPE '\\'",  # noqa: S608 - identifiers only
                    [rows.like_contains(wanted)],
                )
                self.assertEqual([row[0] for row in cursor.fetchall()], [wanted])

    def test_a_value_prepared_for_raw_sql_reads_back_through_the_orm(self) -> None:
        at = datetime(2026, 5, 1, 8, 15, 30, 250000, tzinfo=UTC)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {rows.table(Profile)} SET suppressed_at = %s WHERE id = %s",  # noqa: S608 - identifiers only
                [rows.prep_value(Profile, "suppressed_at", at), self.profile.pk],
            )
        self.assertEqual(Profile.objects.get(pk=self.profile.pk).suppressed_at, at)
        # The ORM's own filters find it, so the stored form is the one it writes.
        self.assertTrue(Profile.objects.filter(pk=self.profile.pk, suppressed_at=at).exists())
