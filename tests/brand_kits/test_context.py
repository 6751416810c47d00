"""`brand.*` as templates see it."""

from __future__ import annotations

from apps.brand_kits.actions import create_brand_kit
from apps.brand_kits.context import DEFAULT_COLORS, brand_context
from tests.base import PersonaTestCase

from .test_brand_kits_api import make_ready_asset


class BrandContextTests(PersonaTestCase):
    def test_it_gives_templates_every_brand_value(self) -> None:
        primary = make_ready_asset(self.acme, alt_text="Acme logo")
        icon = make_ready_asset(self.acme)
        kit = create_brand_kit(
            self.acme,
            {
                "name": "Acme",
                "logos": [
                    {"assetId": icon.pk, "role": "icon"},
                    {"assetId": primary.pk, "role": "primary"},
                ],
                "colors": {"primary": "#F60"},
                "fonts": {"heading": "Open Sans"},
                "sender": {"fromName": "Acme", "fromEmail": "hi@acme.example"},
                "footer": {"companyName": "Acme Inc.", "address": "1 Main St"},
                "socialLinks": [{"network": "x", "url": "https://x.com/acme"}],
            },
        )
        brand = brand_context(kit)
        self.assertEqual(brand["name"], "Acme")
        self.assertEqual(brand["colors"], {**DEFAULT_COLORS, "primary": "#ff6600"})
        self.assertEqual(brand["logo"], brand["logos"]["primary"])
        self.assertEqual(brand["logo"]["alt"], "Acme logo")
        self.assertTrue(brand["logo"]["url"].endswith(primary.original_key))
        self.assertEqual((brand["logo"]["width"], brand["logo"]["height"]), (320, 80))
        self.assertEqual(brand["logos"]["icon"]["alt"], "Acme")
        self.assertEqual(
            brand["fonts"],
            {
                "heading": "Open Sans",
                "body": None,
                "headingStack": "'Open Sans', Helvetica, Arial, sans-serif",
                "bodyStack": "Helvetica, Arial, sans-serif",
            },
        )
        self.assertEqual(brand["footer"], {"companyName": "Acme Inc.", "address": "1 Main St"})
        self.assertEqual(
            brand["sender"], {"fromName": "Acme", "fromEmail": "hi@acme.example", "replyTo": None}
        )
        self.assertEqual(brand["socialLinks"], [{"network": "x", "url": "https://x.com/acme"}])

    def test_a_kit_without_logos_has_no_logo(self) -> None:
        brand = brand_context(create_brand_kit(self.acme, {"name": "Plain"}))
        self.assertIsNone(brand["logo"])
        self.assertEqual(brand["logos"], {"primary": None, "icon": None, "dark": None})
        self.assertIsNone(brand["websiteUrl"])
