"""The extraction routes × persona, the start-time SSRF refusals, the result's shape, and
applying a proposal (all or part of it) to a kit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from apps.brand_kits import actions
from apps.brand_kits.models import BrandExtraction, BrandKit, BrandKitLogo, ExtractionStatus
from segmentflow.errors import ActionError
from tests.brand_kits.test_brand_kits_api import BrandKitApiTestCase, make_ready_asset

REFUSED_AT_START = [
    "http://127.0.0.1/",
    "http://localhost/",
    "http://10.0.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://2130706433/",
    "http://0x7f.1/",
    "http://100.100.100.200/",
    "file:///etc/passwd",
    "gopher://example.com/_GET",
    "https://example.com:8443/",
    "http://user:pass@example.com/",
]


class ExtractionApiTestCase(BrandKitApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.kit = self.create()

    def start(self, body: dict[str, Any], secret: str | None = None, kit_id: str = "") -> Any:
        path = f"/brand-kit/{kit_id or self.kit['id']}/extractions"
        with self.captureOnCommitCallbacks(execute=True):
            return self.api("POST", path, secret, body=body)

    def succeeded(self, result: dict[str, Any], **kw: Any) -> BrandExtraction:
        """An extraction as the job leaves it when it succeeds."""
        return BrandExtraction.objects.create(
            organization=self.acme,
            brand_kit=BrandKit.objects.get(pk=self.kit["id"]),
            url="https://acme.example/",
            status=ExtractionStatus.SUCCEEDED,
            progress=100,
            step="Done",
            result={
                "name": "Acme",
                "websiteUrl": "https://www.acme.example/",
                "logos": [],
                "colors": {},
                "fonts": {},
                "socialLinks": [],
                "notes": [],
                **result,
            },
            **kw,
        )


class StartExtractionTests(ExtractionApiTestCase):
    def test_it_queues_an_extraction_and_answers_202(self) -> None:
        response = self.start({"url": "https://acme.example/about?x=1#team", "apply": True})
        self.assertEqual(response.status_code, 202, response.content)
        body = response.json()
        self.assertTrue(body["id"].startswith("bkx_"))
        self.assertEqual(body["object"], "brand_extraction")
        self.assertEqual(body["brandKitId"], self.kit["id"])
        self.assertEqual(body["url"], "https://acme.example/about?x=1")
        self.assertIs(body["apply"], True)
        self.assertEqual(body["status"], "queued")
        self.assertEqual(body["progress"], 0)
        self.assertIsNone(body["result"])
        self.assertIsNone(body["error"])
        self.assertIsNone(body["startedAt"])
        task = DBTaskResult.objects.get()
        self.assertEqual(task.task_path, "apps.brand_kits.tasks.run_brand_extraction")
        self.assertEqual(task.args_kwargs["args"], [body["id"]])

    def test_a_bare_domain_is_taken_as_https(self) -> None:
        response = self.start({"url": "acme.example"})
        self.assertEqual(response.status_code, 202, response.content)
        self.assertEqual(response.json()["url"], "https://acme.example/")
        self.assertIs(response.json()["apply"], False)

    def test_obviously_bad_urls_are_refused_and_nothing_is_queued(self) -> None:
        for url in REFUSED_AT_START:
            with self.subTest(url=url):
                error = self.assertEnvelope(self.start({"url": url}), 422, "url_not_allowed")
                self.assertEqual([field["path"] for field in error["fields"]], ["url"])
        self.assertFalse(BrandExtraction.objects.exists())
        self.assertFalse(DBTaskResult.objects.exists())

    def test_bad_bodies_name_the_field(self) -> None:
        for body, path in [
            ({}, "url"),
            ({"url": ""}, "url"),
            ({"url": 5}, "url"),
            ({"url": "https://acme.example/", "apply": "maybe"}, "apply"),
            ({"url": "https://acme.example/", "colour": "red"}, "colour"),
            ({"url": "https://acme.example/" + "a" * 2000}, "url"),
        ]:
            with self.subTest(body=body):
                error = self.assertEnvelope(self.start(body), 422, "validation_failed")
                self.assertIn(path, [field["path"] for field in error["fields"]], error)
        self.assertFalse(BrandExtraction.objects.exists())

    def test_scopes_and_organizations(self) -> None:
        _, read_only = self.key_with("brand_kit:read")
        body = {"url": "https://acme.example/"}
        self.assertEnvelope(self.start(body, read_only), 403, "insufficient_scope")
        self.assertEnvelope(self.start(body, self.globex_secret), 404, "not_found")
        self.assertEnvelope(self.start(body, kit_id="bk_missing"), 404, "not_found")
        self.assertEnvelope(self.start(body, ""), 401, "missing_api_key")
        self.assertFalse(BrandExtraction.objects.exists())
        _, write = self.key_with("brand_kit:write")
        self.assertEqual(self.start(body, write).status_code, 202)

    def test_an_idempotency_key_starts_one_extraction(self) -> None:
        path = f"/brand-kit/{self.kit['id']}/extractions"
        body = {"url": "https://acme.example/"}
        first = self.api("POST", path, body=body, **{"Idempotency-Key": "import-1"})
        again = self.api("POST", path, body=body, **{"Idempotency-Key": "import-1"})
        self.assertEqual(first.status_code, 202)
        self.assertEqual(again.json()["id"], first.json()["id"])
        self.assertEqual(BrandExtraction.objects.count(), 1)


class GetExtractionTests(ExtractionApiTestCase):
    def test_it_shows_the_result_with_its_logos_as_assets(self) -> None:
        logo = make_ready_asset(self.acme, filename="logo.png")
        gone = make_ready_asset(self.acme, filename="icon.png")
        extraction = self.succeeded(
            {
                "logos": [
                    {
                        "assetId": logo.pk,
                        "role": "primary",
                        "sourceUrl": "https://acme.example/logo.png",
                        "source": "img-logo",
                    },
                    {"assetId": gone.pk, "role": "icon", "sourceUrl": "x", "source": "icon"},
                ],
                "colors": {"primary": "#6f4e37", "background": "#ffffff", "text": "#222222"},
                "fonts": {"heading": "Playfair Display", "body": "Inter"},
                "socialLinks": [{"network": "instagram", "url": "https://instagram.com/acme"}],
                "notes": ["The logo is an inline SVG."],
            }
        )
        gone.delete()
        response = self.api("GET", f"/brand-kit/extractions/{extraction.pk}")
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(body["status"], "succeeded")
        self.assertEqual(body["progress"], 100)
        result = body["result"]
        self.assertEqual(result["name"], "Acme")
        self.assertEqual(result["websiteUrl"], "https://www.acme.example/")
        self.assertEqual(len(result["logos"]), 1)
        self.assertEqual(result["logos"][0]["id"], logo.pk)
        self.assertEqual(result["logos"][0]["object"], "asset")
        self.assertEqual(result["logos"][0]["role"], "primary")
        self.assertEqual(result["logos"][0]["sourceUrl"], "https://acme.example/logo.png")
        self.assertEqual(result["logos"][0]["width"], 320)
        self.assertEqual(result["colors"]["primary"], "#6f4e37")
        self.assertIsNone(result["colors"]["accent"])
        self.assertEqual(result["fonts"], {"heading": "Playfair Display", "body": "Inter"})
        self.assertEqual(result["socialLinks"][0]["network"], "instagram")
        self.assertEqual(result["notes"], ["The logo is an inline SVG."])

    def test_a_failed_extraction_shows_its_error(self) -> None:
        extraction = BrandExtraction.objects.create(
            organization=self.acme,
            brand_kit=BrandKit.objects.get(pk=self.kit["id"]),
            url="https://acme.example/",
            status=ExtractionStatus.FAILED,
            step="Failed",
            error="The site could not be read: timed out.",
        )
        body = self.api("GET", f"/brand-kit/extractions/{extraction.pk}").json()
        self.assertEqual(body["status"], "failed")
        self.assertEqual(body["error"], "The site could not be read: timed out.")
        self.assertIsNone(body["result"])

    def test_a_running_extraction_whose_worker_died_is_reported_failed(self) -> None:
        kit = BrandKit.objects.get(pk=self.kit["id"])
        fresh, stale = (
            BrandExtraction.objects.create(
                organization=self.acme, brand_kit=kit, url="https://a.example/", status="running"
            )
            for _ in range(2)
        )
        silent = timezone.now() - timedelta(seconds=settings.SEGMENTFLOW_EXTRACTION_BUDGET + 121)
        BrandExtraction.objects.filter(pk=stale.pk).update(updated_at=silent)
        body = self.api("GET", f"/brand-kit/extractions/{stale.pk}").json()
        self.assertEqual(body["status"], "failed")
        self.assertIn("interrupted", body["error"])
        self.assertIsNotNone(body["finishedAt"])
        self.assertEqual(
            self.api("GET", f"/brand-kit/extractions/{fresh.pk}").json()["status"], "running"
        )
        # A GET writes nothing: the worker's sweep records it (test_interrupted.py).
        self.assertEqual(BrandExtraction.objects.get(pk=stale.pk).status, "running")

    def test_scopes_and_organizations(self) -> None:
        extraction = self.succeeded({})
        path = f"/brand-kit/extractions/{extraction.pk}"
        _, read = self.key_with("brand_kit:read")
        _, other = self.key_with("assets:read")
        self.assertEqual(self.api("GET", path, read).status_code, 200)
        self.assertEnvelope(self.api("GET", path, other), 403, "insufficient_scope")
        self.assertEnvelope(self.api("GET", path, self.globex_secret), 404, "not_found")
        self.assertEnvelope(self.api("GET", "/brand-kit/extractions/bkx_nope"), 404, "not_found")


class ApplyExtractionTests(ExtractionApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.dark = make_ready_asset(self.acme, filename="dark.png")
        self.old = make_ready_asset(self.acme, filename="old.png")
        self.patched(
            self.kit["id"],
            {
                "logos": [
                    {"assetId": self.old.pk, "role": "primary"},
                    {"assetId": self.dark.pk, "role": "dark"},
                ],
                "colors": {"primary": "#000000", "text": "#333333"},
                "fonts": {"body": "Georgia"},
            },
        )
        self.logo = make_ready_asset(self.acme, filename="logo.png")
        self.extraction = self.succeeded(
            {
                "logos": [{"assetId": self.logo.pk, "role": "primary"}],
                "colors": {"primary": "#6f4e37", "accent": "#d4a373", "background": "#ffffff"},
                "fonts": {"heading": "Playfair Display", "body": "Inter"},
                "socialLinks": [{"network": "instagram", "url": "https://instagram.com/acme"}],
            }
        )

    def kit_now(self) -> dict[str, Any]:
        return dict(self.api("GET", f"/brand-kit/{self.kit['id']}").json())

    def test_applying_everything_keeps_logos_of_other_roles(self) -> None:
        actions.apply_extraction(self.extraction)
        kit = self.kit_now()
        self.assertEqual(kit["websiteUrl"], "https://www.acme.example/")
        self.assertEqual(
            kit["logos"],
            [
                {"assetId": self.logo.pk, "role": "primary"},
                {"assetId": self.dark.pk, "role": "dark"},
            ],
        )
        self.assertEqual(kit["colors"]["primary"], "#6f4e37")
        self.assertEqual(kit["colors"]["accent"], "#d4a373")
        self.assertEqual(kit["colors"]["text"], "#333333")  # not proposed: kept
        self.assertEqual(kit["fonts"]["heading"], "Playfair Display")
        self.assertEqual(kit["name"], "Acme")
        self.assertEqual(len(kit["socialLinks"]), 1)
        self.extraction.refresh_from_db()
        self.assertIsNotNone(self.extraction.applied_at)

    def test_applying_some_parts_leaves_the_rest(self) -> None:
        actions.apply_extraction(self.extraction, {"colors.accent", "fonts.heading"})
        kit = self.kit_now()
        self.assertEqual(kit["colors"]["primary"], "#000000")
        self.assertEqual(kit["colors"]["accent"], "#d4a373")
        self.assertEqual(kit["fonts"]["heading"], "Playfair Display")
        self.assertEqual(kit["fonts"]["body"], "Georgia")
        self.assertEqual(kit["logos"][0]["assetId"], self.old.pk)
        self.assertIsNone(kit["websiteUrl"])
        self.assertEqual(kit["socialLinks"], [])

    def test_unknown_parts_and_unfinished_extractions_are_refused(self) -> None:
        with self.assertRaises(ActionError) as caught:
            actions.apply_extraction(self.extraction, {"colours"})
        self.assertEqual(caught.exception.field, "parts")
        with self.assertRaises(ActionError) as caught:
            actions.apply_extraction(self.extraction, [])
        self.assertEqual(caught.exception.field, "parts")
        self.extraction.refresh_from_db()
        self.assertIsNone(self.extraction.applied_at)
        self.extraction.status = ExtractionStatus.RUNNING
        self.extraction.save()
        with self.assertRaises(ActionError) as caught:
            actions.apply_extraction(self.extraction)
        self.assertEqual(caught.exception.code, "invalid_state")
        self.assertEqual(self.kit_now()["colors"]["primary"], "#000000")

    def test_a_logo_deleted_since_is_a_clear_error_and_changes_nothing(self) -> None:
        self.logo.delete()
        with self.assertRaises(ActionError) as caught:
            actions.apply_extraction(self.extraction)
        self.assertEqual(caught.exception.field, "logos[0].asset_id")
        self.assertEqual(self.kit_now()["colors"]["primary"], "#000000")
        self.assertEqual(BrandKitLogo.objects.filter(asset=self.old).count(), 1)
