"""`brand.*` as templates see it."""

from __future__ import annotations

from apps.brand_kits.actions import create_brand_kit
from apps.brand_kits.context import DEFAULT_COLORS, brand_context, build_brand
from apps.brand_kits.models import BrandKit
from tests.base import PersonaTestCase

from .test_brand_kits_api import make_ready_asset


class BrandContextTests(PersonaTestCase):
    def test_it_gives_templates_every_brand_value(self) -> None:
        primary = make_ready_asset(self.acme, alt_text="Acme logo")
        icon = make_ready_asset(self.acme)
        kit = create_brand_kit(
            self.acme,
            name="Acme",
            logos=[
                {"asset_id": icon.pk, "role": "icon"},
                {"asset_id": primary.pk, "role": "primary"},
            ],
            colors={"primary": "#F60"},
            fonts={"heading": "Open Sans"},
            sender={"from_name": "Acme", "from_email": "hi@acme.example"},
            footer={"company_name": "Acme Inc.", "address": "1 Main St"},
            social_links=[{"network": "x", "url": "https://x.com/acme"}],
        )
        brand = brand_context(kit)
        self.assertEqual(brand["name"], "Acme")
        self.assertEqual(brand["colors"], {**DEFAULT_COLORS, "primary": "#ff6600"})
        self.assertEqual(brand["buttonText"], "#111827")  # near-black reads better on orange
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
        brand = brand_context(create_brand_kit(self.acme, name="Plain"))
        self.assertIsNone(brand["logo"])
        self.assertEqual(brand["logos"], {"primary": None, "icon": None, "dark": None})
        self.assertIsNone(brand["websiteUrl"])

    def test_unsaved_values_with_a_logo_url_make_the_same_shape(self) -> None:
        logo = {"url": "https://cdn.example/logo.png", "alt": "Acme", "width": None, "height": None}
        sample = BrandKit(name="Acme", colors={"primary": "#1d4ed8"}, fonts={"body": "Lora"})
        brand = build_brand(sample, {"primary": logo})
        self.assertEqual(brand.keys(), brand_context(create_brand_kit(self.acme, name="X")).keys())
        self.assertEqual(brand["logo"], logo)
        self.assertEqual(brand["logos"], {"primary": logo, "icon": None, "dark": None})
        self.assertEqual(brand["buttonText"], "#ffffff")
        self.assertEqual(brand["fonts"]["bodyStack"], "Lora, Georgia, 'Times New Roman', serif")
        self.assertEqual(brand["footer"], {"companyName": None, "address": None})
