"""The rules the Asset actions keep for every caller: the API, the dashboard and imports."""

from __future__ import annotations

from apps.assets import actions
from apps.assets.models import Asset
from segmentflow.errors import ActionError
from tests.base import PersonaTestCase
from tests.factories import make_asset


class AltTextTests(PersonaTestCase):
    def test_create_keeps_an_alt_text_of_1000_characters_stripped(self) -> None:
        asset = make_asset(self.acme, alt_text=f"  {'a' * 1000}  ")
        self.assertEqual(Asset.objects.get(pk=asset.pk).alt_text, "a" * 1000)

    def test_create_refuses_a_longer_alt_text_and_keeps_nothing(self) -> None:
        with self.assertRaises(ActionError) as raised:
            make_asset(self.acme, alt_text="a" * 1001)
        error = raised.exception
        self.assertEqual(
            (error.code, error.field, error.message),
            ("validation_failed", "alt_text", "at most 1000 characters"),
        )
        self.assertFalse(Asset.objects.exists())

    def test_update_refuses_a_longer_alt_text_and_keeps_the_old_one(self) -> None:
        asset = make_asset(self.acme, alt_text="Kept")
        with self.assertRaises(ActionError) as raised:
            actions.update_asset(asset, alt_text="a" * 1001)
        self.assertEqual(
            (raised.exception.field, raised.exception.code), ("alt_text", "validation_failed")
        )
        self.assertEqual(Asset.objects.get(pk=asset.pk).alt_text, "Kept")

    def test_update_counts_the_alt_text_after_stripping_it(self) -> None:
        asset = make_asset(self.acme)
        actions.update_asset(asset, alt_text=f"{'b' * 1000}\n")
        self.assertEqual(Asset.objects.get(pk=asset.pk).alt_text, "b" * 1000)
