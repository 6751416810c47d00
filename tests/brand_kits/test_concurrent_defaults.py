"""Concurrent writes keep exactly one default kit (PostgreSQL: SQLite serialises writes anyway)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import TransactionTestCase

from apps.brand_kits.actions import create_brand_kit, update_brand_kit
from apps.brand_kits.models import BrandKit
from tests.factories import make_org


def run_together(work: Callable[[int], None], count: int) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            barrier.wait()
            work(index)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


@pytest.mark.postgres
class ConcurrentDefaultTests(TransactionTestCase):
    def test_concurrent_first_kits_make_exactly_one_default(self) -> None:
        org = make_org("Race")
        errors = run_together(lambda n: create_brand_kit(org, name=f"Kit {n}"), 8)
        self.assertEqual(errors, [])
        self.assertEqual(BrandKit.objects.for_org(org).count(), 8)
        self.assertEqual(BrandKit.objects.for_org(org).default().count(), 1)

    def test_concurrent_is_default_patches_leave_one_default(self) -> None:
        org = make_org("Race")
        kits = [create_brand_kit(org, name=f"Kit {n}") for n in range(6)]
        errors = run_together(lambda n: update_brand_kit(kits[n], is_default=True), 6)
        self.assertEqual(errors, [])
        self.assertEqual(BrandKit.objects.for_org(org).default().count(), 1)
