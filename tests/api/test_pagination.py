"""Keyset pagination with opaque cursors (api-contract.md → Pagination)."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import ApiKey
from tests.base import PersonaTestCase
from tests.factories import make_api_key


@override_settings(ROOT_URLCONF="tests.api.urls")
class PaginationTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        base = timezone.now() - timedelta(days=1)
        for i in range(24):
            key, _ = make_api_key(cls.acme, ["profiles:read"], name=f"item {i:02d}")
            # Pairs share a timestamp so the id tie-breaker is exercised.
            ApiKey.objects.filter(pk=key.pk).update(created_at=base + timedelta(seconds=i // 2))

    def walk(self, limit: int) -> list[str]:
        names: list[str] = []
        url = f"/probe/items?limit={limit}"
        while True:
            page = self.api("GET", url).json()
            self.assertEqual(page["object"], "list")
            names += [item["name"] for item in page["data"]]
            if not page["hasMore"]:
                self.assertIsNone(page["nextCursor"])
                return names
            url = f"/probe/items?limit={limit}&after={page['nextCursor']}"

    def test_it_walks_every_object_once_newest_first(self) -> None:
        expected = list(
            ApiKey.objects.for_org(self.acme)
            .order_by("-created_at", "-pk")
            .values_list("name", flat=True)
        )
        for limit in (1, 5, 7, 100):
            with self.subTest(limit=limit):
                self.assertEqual(self.walk(limit), expected)

    def test_it_defaults_to_twenty(self) -> None:
        page = self.api("GET", "/probe/items").json()
        self.assertEqual(len(page["data"]), 20)
        self.assertTrue(page["hasMore"])

    def test_it_neither_counts_nor_offsets(self) -> None:
        first = self.api("GET", "/probe/items?limit=5").json()
        with CaptureQueriesContext(connection) as queries:
            self.api("GET", f"/probe/items?limit=5&after={first['nextCursor']}")
        sql = " ".join(q["sql"].upper() for q in queries.captured_queries)
        self.assertNotIn("COUNT(", sql)
        self.assertNotIn("OFFSET", sql)

    def test_objects_created_after_the_first_page_do_not_shift_later_pages(self) -> None:
        first = self.api("GET", "/probe/items?limit=5").json()
        make_api_key(self.acme, ["profiles:read"], name="brand new")
        second = self.api("GET", f"/probe/items?limit=5&after={first['nextCursor']}").json()
        seen = {item["id"] for item in first["data"]}
        self.assertFalse(seen & {item["id"] for item in second["data"]})
        self.assertNotIn("brand new", [item["name"] for item in second["data"]])
