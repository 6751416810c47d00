"""Every Brand Kit route × persona, the one-default rule, validation of the nested objects,
and the logos that keep an Asset from being deleted."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from apps.accounts.models import Organization
from apps.assets.models import Asset
from apps.brand_kits.models import BrandKit
from tests.base import PersonaTestCase
from tests.factories import make_asset, make_ready_asset

ROUTES = [
    ("GET", "/brand-kit", "brand_kit:read"),
    ("GET", "/brand-kit/{id}", "brand_kit:read"),
    ("POST", "/brand-kit", "brand_kit:write"),
    ("PATCH", "/brand-kit/{id}", "brand_kit:write"),
    ("DELETE", "/brand-kit/{id}", "brand_kit:write"),
]
CREATE = {"name": "Acme"}


class BrandKitApiTestCase(PersonaTestCase):
    def create(self, secret: str | None = None, **body: Any) -> dict[str, Any]:
        response = self.api("POST", "/brand-kit", secret, body={**CREATE, **body})
        self.assertEqual(response.status_code, 201, response.content)
        return dict(response.json())

    def patch(self, kit_id: str, body: dict[str, Any], secret: str | None = None) -> Any:
        return self.api("PATCH", f"/brand-kit/{kit_id}", secret, body=body)

    def patched(self, kit_id: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.patch(kit_id, body)
        self.assertEqual(response.status_code, 200, response.content)
        return dict(response.json())

    def refused(self, response: Any, path: str) -> None:
        error = self.assertEnvelope(response, 422, "validation_failed")
        self.assertIn(path, [field["path"] for field in error["fields"]], error)

    def default_ids(self, org: Organization | None = None) -> list[str]:
        kits = BrandKit.objects.for_org(org or self.acme).default()
        return list(kits.values_list("pk", flat=True))


class BrandKitScopeTests(BrandKitApiTestCase):
    def call(self, method: str, path: str, secret: str, kit: dict[str, Any]) -> Any:
        bodies = {"POST": CREATE, "PATCH": {"name": "Renamed"}}
        return self.api(method, path.format(id=kit["id"]), secret, body=bodies.get(method))

    def test_every_route_works_with_its_scope(self) -> None:
        expected = {"POST": 201, "DELETE": 204}
        for method, path, scope in ROUTES:
            with self.subTest(route=f"{method} {path}"):
                _, secret = self.key_with(scope)
                response = self.call(method, path, secret, self.create())
                self.assertEqual(response.status_code, expected.get(method, 200), response.content)

    def test_every_route_refuses_a_key_without_its_scope(self) -> None:
        kit = self.create()
        other = {"brand_kit:read": "brand_kit:write", "brand_kit:write": "brand_kit:read"}
        for method, path, scope in ROUTES:
            with self.subTest(route=f"{method} {path}"):
                _, secret = self.key_with(other[scope], "assets:write")
                error = self.assertEnvelope(
                    self.call(method, path, secret, kit), 403, "insufficient_scope"
                )
                self.assertIn(scope, error["message"])
        self.assertEqual(list(BrandKit.objects.values_list("name", flat=True)), ["Acme"])

    def test_every_route_hides_another_orgs_kit(self) -> None:
        kit = self.create()
        for method, path, _ in ROUTES:
            if "{id}" not in path:
                continue
            with self.subTest(route=f"{method} {path}"):
                self.assertEnvelope(
                    self.call(method, path, self.globex_secret, kit), 404, "not_found"
                )
        self.assertEqual(BrandKit.objects.get().name, "Acme")

    def test_another_orgs_list_never_shows_the_kit(self) -> None:
        self.create()
        self.assertEqual(self.api("GET", "/brand-kit", self.globex_secret).json()["data"], [])

    def test_it_refuses_a_request_without_a_key(self) -> None:
        self.assertEnvelope(self.api("GET", "/brand-kit", ""), 401, "missing_api_key")


class BrandKitDefaultTests(BrandKitApiTestCase):
    def test_the_first_kit_is_the_default_and_later_ones_are_not(self) -> None:
        first = self.create(isDefault=False)
        second = self.create(name="Second")
        self.assertTrue(first["isDefault"])
        self.assertFalse(second["isDefault"])
        self.assertEqual(self.default_ids(), [first["id"]])

    def test_each_organization_has_its_own_default(self) -> None:
        mine = self.create()
        theirs = self.create(secret=self.globex_secret)
        self.assertTrue(theirs["isDefault"])
        self.assertEqual(self.default_ids(), [mine["id"]])
        self.assertEqual(self.default_ids(self.globex), [theirs["id"]])

    def test_creating_a_default_kit_unsets_the_old_one(self) -> None:
        self.create()
        second = self.create(name="Second", isDefault=True)
        self.assertTrue(second["isDefault"])
        self.assertEqual(self.default_ids(), [second["id"]])

    def test_setting_is_default_moves_the_default(self) -> None:
        first = self.create()
        second = self.create(name="Second")
        self.assertTrue(self.patched(second["id"], {"isDefault": True})["isDefault"])
        self.assertEqual(self.default_ids(), [second["id"]])
        self.assertFalse(self.api("GET", f"/brand-kit/{first['id']}").json()["isDefault"])

    def test_the_default_cannot_be_unset_directly(self) -> None:
        first = self.create()
        self.refused(self.patch(first["id"], {"isDefault": False}), "isDefault")
        self.refused(self.patch(first["id"], {"isDefault": None}), "isDefault")
        self.assertEqual(self.default_ids(), [first["id"]])

    def test_deleting_the_default_promotes_the_most_recent_remaining_kit(self) -> None:
        first = self.create(name="First")
        second = self.create(name="Second")
        third = self.create(name="Third")
        self.assertEqual(self.api("DELETE", f"/brand-kit/{first['id']}").status_code, 204)
        self.assertEqual(self.default_ids(), [third["id"]])
        self.assertEqual(self.api("DELETE", f"/brand-kit/{second['id']}").status_code, 204)
        self.assertEqual(self.default_ids(), [third["id"]])
        self.assertEqual(self.api("DELETE", f"/brand-kit/{third['id']}").status_code, 204)
        self.assertEqual(self.default_ids(), [])
        self.assertEnvelope(self.api("GET", f"/brand-kit/{third['id']}"), 404, "not_found")

    def test_the_database_refuses_a_second_default(self) -> None:
        self.create()
        with self.assertRaises(IntegrityError), transaction.atomic():
            BrandKit.objects.create(organization=self.acme, name="Sneaky", is_default=True)


class BrandKitFieldTests(BrandKitApiTestCase):
    def test_it_creates_a_full_kit(self) -> None:
        logo = make_ready_asset(self.acme)
        kit = self.create(
            websiteUrl="https://acme.example/",
            logos=[{"assetId": logo.pk, "role": "primary"}],
            colors={"primary": "#FF6600", "text": "#abc"},
            fonts={"heading": "Playfair Display", "body": "Inter"},
            sender={"fromName": "Acme", "fromEmail": "hello@acme.example"},
            footer={"companyName": "Acme Inc.", "address": "1 Main St\nSpringfield"},
            socialLinks=[{"network": "LinkedIn", "url": "https://linkedin.com/company/acme"}],
        )
        self.assertTrue(kit["id"].startswith("bk_"))
        self.assertEqual(kit["object"], "brand_kit")
        self.assertEqual(kit["websiteUrl"], "https://acme.example/")
        self.assertEqual(kit["logos"], [{"assetId": logo.pk, "role": "primary"}])
        self.assertEqual(
            kit["colors"],
            {
                "primary": "#ff6600",
                "secondary": None,
                "accent": None,
                "background": None,
                "text": "#aabbcc",
            },
        )
        self.assertEqual(
            kit["fonts"],
            {
                "heading": "Playfair Display",
                "body": "Inter",
                "headingStack": "'Playfair Display', Georgia, 'Times New Roman', serif",
                "bodyStack": "Inter, Helvetica, Arial, sans-serif",
            },
        )
        self.assertEqual(
            kit["sender"], {"fromName": "Acme", "fromEmail": "hello@acme.example", "replyTo": None}
        )
        self.assertEqual(
            kit["footer"], {"companyName": "Acme Inc.", "address": "1 Main St\nSpringfield"}
        )
        self.assertEqual(
            kit["socialLinks"],
            [{"network": "linkedin", "url": "https://linkedin.com/company/acme"}],
        )
        self.assertTrue(kit["createdAt"].endswith("Z"))
        self.assertEqual(self.api("GET", f"/brand-kit/{kit['id']}").json(), kit)

    def test_an_empty_kit_has_every_field(self) -> None:
        kit = self.create()
        self.assertIsNone(kit["websiteUrl"])
        self.assertEqual(kit["logos"], [])
        self.assertEqual(set(kit["colors"].values()), {None})
        self.assertEqual(kit["fonts"]["bodyStack"], "Helvetica, Arial, sans-serif")
        self.assertEqual(kit["socialLinks"], [])

    def test_patch_merges_nested_objects_field_by_field(self) -> None:
        kit = self.create(
            colors={"primary": "#111111", "accent": "#222222"},
            sender={"fromName": "Acme", "fromEmail": "a@acme.example"},
            fonts={"heading": "Inter", "body": "Inter"},
        )
        patched = self.patched(
            kit["id"],
            {
                "colors": {"accent": "#333", "primary": None},
                "sender": {"replyTo": "r@acme.example"},
            },
        )
        self.assertEqual(patched["colors"]["primary"], None)
        self.assertEqual(patched["colors"]["accent"], "#333333")
        self.assertEqual(
            patched["sender"],
            {"fromName": "Acme", "fromEmail": "a@acme.example", "replyTo": "r@acme.example"},
        )
        self.assertEqual(patched["fonts"]["heading"], "Inter")
        self.assertEqual(patched["name"], "Acme")

    def test_null_clears_a_whole_object_or_list(self) -> None:
        logo = make_ready_asset(self.acme)
        kit = self.create(
            websiteUrl="https://acme.example",
            colors={"primary": "#111111"},
            logos=[{"assetId": logo.pk, "role": "icon"}],
            socialLinks=[{"network": "x", "url": "https://x.com/acme"}],
        )
        patched = self.patched(
            kit["id"], {"colors": None, "logos": None, "socialLinks": None, "websiteUrl": None}
        )
        self.assertEqual(set(patched["colors"].values()), {None})
        self.assertEqual((patched["logos"], patched["socialLinks"]), ([], []))
        self.assertIsNone(patched["websiteUrl"])

    def test_patch_replaces_the_logos(self) -> None:
        old, new = make_ready_asset(self.acme), make_ready_asset(self.acme)
        kit = self.create(logos=[{"assetId": old.pk, "role": "primary"}])
        logos = [{"assetId": new.pk, "role": "primary"}, {"assetId": old.pk, "role": "dark"}]
        self.assertEqual(self.patched(kit["id"], {"logos": logos})["logos"], logos)

    def test_it_refuses_bad_nested_values(self) -> None:
        kit = self.create()
        cases = [
            ({"colors": {"primary": "red"}}, "colors.primary"),
            ({"colors": {"text": "#12345"}}, "colors.text"),
            ({"colors": {"background": "#gggggg"}}, "colors.background"),
            ({"sender": {"fromEmail": "not an email"}}, "sender.fromEmail"),
            ({"sender": {"replyTo": "a@"}}, "sender.replyTo"),
            ({"fonts": {"body": "Inter; color: red"}}, "fonts.body"),
            (
                {"socialLinks": [{"network": "x", "url": "javascript:alert(1)"}]},
                "socialLinks[0].url",
            ),
            ({"socialLinks": [{"network": "x", "url": "ftp://x.com"}]}, "socialLinks[0].url"),
            ({"websiteUrl": "acme.example"}, "websiteUrl"),
            ({"name": None}, "name"),
            ({"name": "   "}, "name"),
            ({"colors": {"primry": "#111111"}}, "colors.primry"),
            ({"logo": []}, "logo"),
        ]
        for body, path in cases:
            with self.subTest(body=body):
                self.refused(self.patch(kit["id"], body), path)
        stored = BrandKit.objects.get()
        self.assertEqual((stored.name, stored.colors, stored.sender), ("Acme", {}, {}))

    def test_logos_must_be_ready_assets_of_the_organization(self) -> None:
        ready = make_ready_asset(self.acme)
        pending = make_asset(self.acme)
        theirs = make_ready_asset(self.globex)
        for bad in (pending.pk, theirs.pk, "asset_nope"):
            with self.subTest(asset=bad):
                logos = [{"assetId": ready.pk, "role": "primary"}, {"assetId": bad, "role": "icon"}]
                response = self.api("POST", "/brand-kit", body={**CREATE, "logos": logos})
                self.refused(response, "logos[1].assetId")
        self.assertEqual(BrandKit.objects.count(), 0)

    def test_each_logo_role_is_used_once(self) -> None:
        a, b = make_ready_asset(self.acme), make_ready_asset(self.acme)
        logos = [{"assetId": a.pk, "role": "primary"}, {"assetId": b.pk, "role": "primary"}]
        self.refused(
            self.api("POST", "/brand-kit", body={**CREATE, "logos": logos}), "logos[1].role"
        )

    def test_the_list_is_newest_first_and_paginated(self) -> None:
        ids = [self.create(name=f"Kit {n}")["id"] for n in range(5)]
        first = self.api("GET", "/brand-kit?limit=2").json()
        self.assertEqual([kit["id"] for kit in first["data"]], ids[::-1][:2])
        self.assertTrue(first["hasMore"])
        seen = [kit["id"] for kit in first["data"]]
        cursor = first["nextCursor"]
        while cursor:
            page = self.api("GET", f"/brand-kit?limit=2&after={cursor}").json()
            seen += [kit["id"] for kit in page["data"]]
            cursor = page["nextCursor"]
        self.assertEqual(seen, ids[::-1])
        self.assertEnvelope(self.api("GET", "/brand-kit?after=nonsense"), 422, "validation_failed")
        self.assertEnvelope(self.api("GET", "/brand-kit?limit=101"), 422, "validation_failed")


class BrandKitAssetReferenceTests(BrandKitApiTestCase):
    def test_an_asset_used_as_a_logo_cannot_be_deleted(self) -> None:
        logo = make_ready_asset(self.acme)
        kit = self.create(logos=[{"assetId": logo.pk, "role": "primary"}])
        self.assertEnvelope(self.api("DELETE", f"/assets/{logo.pk}"), 409, "asset_in_use")
        self.assertTrue(Asset.objects.filter(pk=logo.pk).exists())

        self.patched(kit["id"], {"logos": []})
        self.assertEqual(self.api("DELETE", f"/assets/{logo.pk}").status_code, 204)
        self.assertFalse(Asset.objects.filter(pk=logo.pk).exists())

    def test_deleting_the_kit_frees_its_logos(self) -> None:
        logo = make_ready_asset(self.acme)
        kit = self.create(logos=[{"assetId": logo.pk, "role": "primary"}])
        self.assertEqual(self.api("DELETE", f"/brand-kit/{kit['id']}").status_code, 204)
        self.assertEqual(self.api("DELETE", f"/assets/{logo.pk}").status_code, 204)
