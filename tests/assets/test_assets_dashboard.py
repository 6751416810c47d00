"""The asset library in the dashboard: the grid and its search, the upload endpoints that
static/js/assets.js drives, the plain upload form, inline edits and delete, for every persona."""

from __future__ import annotations

import json
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.assets import actions, storage
from apps.assets.inspection import MAX_BYTES
from apps.assets.models import Asset, AssetStatus
from segmentflow.errors import ActionError
from tests.factories import make_asset

from .images import TEXT_FILE, image_bytes
from .test_assets_api import LocalStorageTestCase

HTMX = {"HX-Request": "true"}


class DashboardTestCase(LocalStorageTestCase):
    def post_json(self, url: str, body: Any = None) -> Any:
        return self.client.post(url, json.dumps(body or {}), content_type="application/json")

    def ready_asset(self, data: bytes | None = None, **kw: Any) -> Asset:  # type: ignore[override]
        asset = make_asset(self.acme, **kw)
        storage.save_file(asset.upload_key, data or image_bytes())
        return actions.finalize_asset(asset)

    def upload_through_the_endpoints(self, data: bytes, **create: Any) -> Any:
        """What assets.js does for one file; returns the finalize response."""
        body = {"filename": "logo.png", "contentType": "image/png", "size": len(data)}
        body |= {"altText": "Our logo", **create}
        created = self.post_json(reverse("assets:upload_create"), body)
        self.assertEqual(created.status_code, 201, created.content)
        asset_id = created.json()["id"]
        session = self.post_json(reverse("assets:upload_session", args=[asset_id]))
        self.assertEqual(session.status_code, 200, session.content)
        target = session.json()
        put = self.client.put(
            urlsplit(target["uploadUrl"]).path, data, content_type=target["headers"]["Content-Type"]
        )
        self.assertEqual(put.status_code, 204, put.content)
        return self.post_json(reverse("assets:upload_finalize", args=[asset_id]))


class LibraryTests(DashboardTestCase):
    def test_it_shows_the_grid_with_size_dimensions_and_failures(self) -> None:
        ready = self.ready_asset(image_bytes(size=(64, 48)), filename="logo.png", tags=["brand"])
        failed = make_asset(self.acme, filename="notes.png")
        storage.save_file(failed.upload_key, TEXT_FILE)
        with self.assertRaises(ActionError):
            actions.finalize_asset(failed)
        self.client.force_login(self.viewer)
        response = self.client.get(reverse("assets:list"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "logo.png")
        self.assertContains(response, "64×48")
        self.assertContains(response, storage.public_url(ready.thumbnail_key))
        self.assertContains(response, '<span class="tag">brand</span>', html=True)
        self.assertContains(response, "notes.png")
        failed.refresh_from_db()
        self.assertContains(response, failed.failure_reason)
        self.assertContains(response, "Missing alt text")

    def test_a_viewer_sees_no_write_controls(self) -> None:
        self.ready_asset()
        self.client.force_login(self.viewer)
        response = self.client.get(reverse("assets:list"))
        self.assertNotContains(response, "data-asset-uploader")
        self.assertNotContains(response, "assets.js")
        self.assertNotContains(response, ">Edit<")
        self.assertNotContains(response, ">Delete<")
        self.assertContains(response, "data-copy=")

    def test_bob_sees_the_upload_form_and_the_write_controls(self) -> None:
        self.ready_asset()
        self.client.force_login(self.bob)
        response = self.client.get(reverse("assets:list"))
        self.assertContains(response, "data-asset-uploader")
        self.assertContains(response, 'type="file"')
        self.assertContains(response, ">Delete<")

    def test_charlie_never_sees_acmes_assets(self) -> None:
        self.ready_asset(filename="acme-secret.png")
        self.client.force_login(self.charlie)
        response = self.client.get(reverse("assets:list"))
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "acme-secret.png")

    def test_it_searches_by_filename_and_by_tag(self) -> None:
        make_asset(self.acme, filename="header.png", tags=["Newsletter"])
        make_asset(self.acme, filename="footer.png", tags=["café", "legal"])
        make_asset(self.acme, filename="logo.png", tags=["a", "b"])
        self.client.force_login(self.viewer)
        cases = {
            "HEADER": ["header.png"],
            "letter": ["header.png"],
            "café": ["footer.png"],
            "LEGAL": ["footer.png"],
            # Only the JSON text of ["a", "b"] contains this: no tag does.
            '", "': [],
            "a, b": [],
            "png": ["footer.png", "header.png", "logo.png"],
        }
        for query, expected in cases.items():
            with self.subTest(query=query):
                response = self.client.get(reverse("assets:list"), {"q": query})
                names = sorted(asset.filename for asset in response.context["page"].items)
                self.assertEqual(names, expected)

    def test_a_search_pages_through_full_pages_of_matches_in_order(self) -> None:
        # Interleaved with the matches (by filename or by a tag): assets whose tags hold the
        # searched text only in their JSON text, where every string is quoted, and assets that
        # do not match at all.
        matching = []
        for n in range(15):
            matching.append(make_asset(self.acme, filename=f'sleeve "{n:02}".png'))
            make_asset(self.acme, filename=f"poster{n:02}.png", tags=["cover", "print"])
            matching.append(make_asset(self.acme, filename=f"record{n:02}.png", tags=['12" LP']))
            make_asset(self.acme, filename=f"flyer{n:02}.png")
        expected = list(
            Asset.objects.filter(pk__in=[asset.pk for asset in matching]).order_by(
                "-created_at", "-pk"
            )
        )
        self.client.force_login(self.viewer)
        pages: list[list[Asset]] = []
        response = self.client.get(reverse("assets:list"), {"q": '"'})
        while True:
            pages.append(response.context["page"].items)
            if response.context["page"].next_url is None:
                break
            response = self.client.get(response.context["page"].next_url, headers=HTMX)
        self.assertEqual([len(page) for page in pages], [24, 6])
        self.assertEqual([asset.pk for page in pages for asset in page], [a.pk for a in expected])

    def test_a_search_by_tag_ignores_case_and_is_not_a_tag_prefix_of_json(self) -> None:
        make_asset(self.acme, filename="a.png", tags=["Summer Sale"])
        make_asset(self.acme, filename="b.png", tags=["summer", "sale"])
        make_asset(self.acme, filename="c.png", tags=['quote "x"'])
        self.client.force_login(self.viewer)
        cases = {
            "SUMMER SALE": ["a.png"],
            "summer": ["a.png", "b.png"],
            'summer", "sale': [],
            "sale%": [],
            '"x"': ["c.png"],
            "\\": [],
        }
        for query, expected in cases.items():
            with self.subTest(query=query):
                response = self.client.get(reverse("assets:list"), {"q": query})
                names = sorted(asset.filename for asset in response.context["page"].items)
                self.assertEqual(names, expected)

    def test_a_search_from_htmx_renders_only_the_results(self) -> None:
        make_asset(self.acme, filename="header.png")
        self.client.force_login(self.viewer)
        response = self.client.get(reverse("assets:list"), {"q": "head"}, headers=HTMX)
        self.assertContains(response, '<div id="results">')
        self.assertNotContains(response, "<html")

    def test_load_more_pages_through_every_asset_once(self) -> None:
        for n in range(30):
            make_asset(self.acme, filename=f"img{n:02}.png")
        self.client.force_login(self.viewer)
        first = self.client.get(reverse("assets:list"))
        seen = [asset.filename for asset in first.context["page"].items]
        next_url = first.context["page"].next_url
        self.assertIsNotNone(next_url)
        more = self.client.get(next_url, headers=HTMX)
        self.assertNotContains(more, '<div id="results">')
        seen += [asset.filename for asset in more.context["page"].items]
        self.assertIsNone(more.context["page"].next_url)
        self.assertEqual(sorted(seen), [f"img{n:02}.png" for n in range(30)])

    def test_a_malformed_cursor_is_a_bad_request(self) -> None:
        self.client.force_login(self.viewer)
        response = self.client.get(reverse("assets:list"), {"after": "not-a-cursor"})
        self.assertEqual(response.status_code, 400)

    def test_the_sidebar_links_to_the_library(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.get(reverse("assets:list"))
        self.assertContains(
            response, '<a href="/assets/" aria-current="page">Assets</a>', html=True
        )


class UploadEndpointTests(DashboardTestCase):
    def test_the_api_flow_through_the_dashboard_gives_a_ready_card(self) -> None:
        self.client.force_login(self.bob)
        response = self.upload_through_the_endpoints(image_bytes("JPEG", size=(80, 60)))
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        asset = Asset.objects.get(pk=body["id"])
        self.assertEqual((asset.status, asset.content_type), (AssetStatus.READY, "image/jpeg"))
        self.assertEqual((asset.width, asset.height, asset.alt_text), (80, 60, "Our logo"))
        self.assertEqual(asset.organization, self.acme)
        self.assertIn(f'id="{asset.pk}"', body["cardHtml"])
        self.assertIn(storage.public_url(asset.thumbnail_key), body["cardHtml"])
        self.assertEqual(body["url"], storage.public_url(asset.original_key))

    def test_an_invalid_image_is_reported_with_its_reason(self) -> None:
        self.client.force_login(self.bob)
        response = self.upload_through_the_endpoints(TEXT_FILE)
        self.assertEqual(response.status_code, 422)
        error = response.json()["error"]
        self.assertEqual(error["errorCode"], "invalid_image")
        self.assertIn("Not an accepted image", error["message"])
        self.assertEqual(Asset.objects.get().status, AssetStatus.FAILED)
        self.assertEqual(self.stored_files(), [])

    def test_a_file_over_the_limit_is_refused_before_any_upload(self) -> None:
        self.client.force_login(self.bob)
        body = {"filename": "huge.png", "contentType": "image/png", "size": MAX_BYTES + 1}
        response = self.post_json(reverse("assets:upload_create"), body)
        self.assertEqual(response.status_code, 413)
        self.assertEqual(response.json()["error"]["errorCode"], "payload_too_large")
        self.assertFalse(Asset.objects.exists())

    def test_a_type_that_is_not_an_image_is_refused(self) -> None:
        self.client.force_login(self.bob)
        body = {"filename": "page.html", "contentType": "text/html", "size": 100}
        response = self.post_json(reverse("assets:upload_create"), body)
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["error"]["errorCode"], "validation_failed")

    def test_a_viewer_may_not_upload(self) -> None:
        asset = make_asset(self.acme)
        self.client.force_login(self.viewer)
        body = {"filename": "a.png", "contentType": "image/png", "size": 100}
        self.assertEqual(self.post_json(reverse("assets:upload_create"), body).status_code, 403)
        for name in ("assets:upload_session", "assets:upload_finalize"):
            with self.subTest(endpoint=name):
                response = self.post_json(reverse(name, args=[asset.pk]))
                self.assertEqual(response.status_code, 403)
        self.assertEqual(Asset.objects.count(), 1)

    def test_charlie_gets_404_on_acmes_asset(self) -> None:
        asset = make_asset(self.acme)
        self.client.force_login(self.charlie)
        for name in ("assets:upload_session", "assets:upload_finalize"):
            with self.subTest(endpoint=name):
                response = self.post_json(reverse(name, args=[asset.pk]))
                self.assertEqual(response.status_code, 404)
                self.assertEqual(response.json()["error"]["errorCode"], "not_found")

    def test_the_endpoints_need_the_csrf_token(self) -> None:
        self.client = self.client_class(enforce_csrf_checks=True)
        self.client.force_login(self.bob)
        body = {"filename": "a.png", "contentType": "image/png", "size": 100}
        self.assertEqual(self.post_json(reverse("assets:upload_create"), body).status_code, 403)
        self.assertFalse(Asset.objects.exists())

    def test_the_plain_form_uploads_one_file_without_javascript(self) -> None:
        self.client.force_login(self.bob)
        upload = SimpleUploadedFile("photo.png", image_bytes(), content_type="image/png")
        response = self.client.post(
            reverse("assets:upload_form"),
            {"file": upload, "alt_text": "A photo", "tags": "hero, summer"},
            follow=True,
        )
        self.assertContains(response, "photo.png uploaded.")
        asset = Asset.objects.get()
        self.assertEqual((asset.status, asset.alt_text), (AssetStatus.READY, "A photo"))
        self.assertEqual(asset.tags, ["hero", "summer"])

    def test_the_plain_form_refuses_an_alt_text_over_1000_characters(self) -> None:
        self.client.force_login(self.bob)
        upload = SimpleUploadedFile("photo.png", image_bytes(), content_type="image/png")
        response = self.client.post(
            reverse("assets:upload_form"), {"file": upload, "alt_text": "a" * 1001}, follow=True
        )
        self.assertContains(
            response, "photo.png was not uploaded: Alt text: at most 1000 characters"
        )
        self.assertFalse(Asset.objects.exists())

    def test_the_upload_endpoint_refuses_an_alt_text_over_1000_characters(self) -> None:
        self.client.force_login(self.bob)
        body = {"filename": "logo.png", "contentType": "image/png", "size": 100}
        response = self.post_json(reverse("assets:upload_create"), body | {"altText": "a" * 1001})
        self.assertEqual(response.status_code, 422, response.content)
        error = response.json()["error"]
        self.assertEqual(error["errorCode"], "validation_failed")
        self.assertIn({"path": "altText", "message": "at most 1000 characters"}, error["fields"])
        self.assertFalse(Asset.objects.exists())

    def test_the_plain_form_reports_a_bad_file(self) -> None:
        self.client.force_login(self.bob)
        upload = SimpleUploadedFile("notes.png", TEXT_FILE, content_type="image/png")
        response = self.client.post(reverse("assets:upload_form"), {"file": upload}, follow=True)
        self.assertContains(response, "notes.png was not uploaded: Not an accepted image")
        self.assertEqual(Asset.objects.get().status, AssetStatus.FAILED)


class EditAndDeleteTests(DashboardTestCase):
    def test_bob_edits_alt_text_and_tags_inline(self) -> None:
        asset = self.ready_asset()
        self.client.force_login(self.bob)
        form = self.client.get(reverse("assets:card", args=[asset.pk]), {"edit": "1"}, headers=HTMX)
        self.assertContains(form, 'name="alt_text"')
        self.assertNotContains(form, "<html")
        response = self.client.post(
            reverse("assets:edit", args=[asset.pk]),
            {"alt_text": " A red square ", "tags": "brand, , red, brand"},
            headers=HTMX,
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "A red square")
        asset.refresh_from_db()
        self.assertEqual((asset.alt_text, asset.tags), ("A red square", ["brand", "red"]))

    def test_an_invalid_tag_re_renders_the_form_with_422(self) -> None:
        asset = self.ready_asset(alt_text="Kept")
        self.client.force_login(self.bob)
        response = self.client.post(
            reverse("assets:edit", args=[asset.pk]),
            {"alt_text": "Changed", "tags": "x" * 51},
            headers=HTMX,
        )
        self.assertContains(response, "each tag is 1 to 50 printable characters", status_code=422)
        self.assertContains(response, 'value="Changed"', status_code=422)
        asset.refresh_from_db()
        self.assertEqual(asset.alt_text, "Kept")

    def test_an_alt_text_over_1000_characters_is_shown_by_its_field_with_422(self) -> None:
        asset = self.ready_asset(alt_text="Kept")
        self.client.force_login(self.bob)
        too_long = "a" * 1001
        for headers in (HTMX, {}):
            with self.subTest(htmx=bool(headers)):
                response = self.client.post(
                    reverse("assets:edit", args=[asset.pk]),
                    {"alt_text": too_long, "tags": "brand"},
                    headers=headers,
                )
                self.assertContains(
                    response,
                    f'<p class="field-error" id="alt-error-{asset.pk}" role="alert">'
                    "at most 1000 characters</p>",
                    html=True,
                    status_code=422,
                )
                self.assertContains(response, 'aria-invalid="true"', status_code=422)
                self.assertContains(response, f'value="{too_long}"', status_code=422)
        asset.refresh_from_db()
        self.assertEqual((asset.alt_text, asset.tags), ("Kept", []))

    def test_a_plain_post_of_the_edit_form_redirects_to_the_library(self) -> None:
        asset = self.ready_asset()
        self.client.force_login(self.bob)
        response = self.client.post(
            reverse("assets:edit", args=[asset.pk]), {"alt_text": "Plain", "tags": ""}
        )
        self.assertRedirects(response, reverse("assets:list") + f"#{asset.pk}")

    def test_delete_asks_for_confirmation_then_removes_the_files(self) -> None:
        asset = self.ready_asset()
        self.client.force_login(self.bob)
        confirm = self.client.get(reverse("assets:delete", args=[asset.pk]))
        self.assertContains(confirm, "Yes, delete this Asset")
        response = self.client.post(reverse("assets:delete", args=[asset.pk]), headers=HTMX)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "was deleted")
        self.assertFalse(Asset.objects.filter(pk=asset.pk).exists())
        self.assertEqual(self.stored_files(), [])

    def test_delete_of_an_asset_in_use_shows_an_error_and_keeps_it(self) -> None:
        asset = self.ready_asset()
        files = self.stored_files()
        self.client.force_login(self.bob)
        with mock.patch("apps.assets.actions.asset_in_use", return_value=True):
            response = self.client.post(reverse("assets:delete", args=[asset.pk]), headers=HTMX)
        self.assertContains(response, "message-error")
        self.assertContains(response, "still uses this asset")
        self.assertContains(response, f'id="{asset.pk}"')
        self.assertTrue(Asset.objects.filter(pk=asset.pk).exists())
        self.assertEqual(self.stored_files(), files)

    def test_a_viewer_may_not_edit_or_delete(self) -> None:
        asset = self.ready_asset(alt_text="Kept")
        self.client.force_login(self.viewer)
        requests = [
            ("get", reverse("assets:card", args=[asset.pk]) + "?edit=1"),
            ("post", reverse("assets:edit", args=[asset.pk])),
            ("get", reverse("assets:delete", args=[asset.pk])),
            ("post", reverse("assets:delete", args=[asset.pk])),
            ("post", reverse("assets:upload_form")),
        ]
        for method, url in requests:
            with self.subTest(url=url, method=method):
                self.assertEqual(getattr(self.client, method)(url).status_code, 403)
        self.assertEqual(Asset.objects.get(pk=asset.pk).alt_text, "Kept")
        self.assertEqual(self.client.get(reverse("assets:card", args=[asset.pk])).status_code, 200)

    def test_charlie_gets_404_on_every_page_of_acmes_asset(self) -> None:
        asset = self.ready_asset()
        self.client.force_login(self.charlie)
        requests = [
            ("get", reverse("assets:card", args=[asset.pk])),
            ("get", reverse("assets:card", args=[asset.pk]) + "?edit=1"),
            ("post", reverse("assets:edit", args=[asset.pk])),
            ("get", reverse("assets:delete", args=[asset.pk])),
            ("post", reverse("assets:delete", args=[asset.pk])),
        ]
        for method, url in requests:
            with self.subTest(url=url, method=method):
                self.assertEqual(getattr(self.client, method)(url).status_code, 404)
        self.assertTrue(Asset.objects.filter(pk=asset.pk).exists())

    def test_every_page_needs_a_login(self) -> None:
        asset = make_asset(self.acme)
        for url in (reverse("assets:list"), reverse("assets:card", args=[asset.pk])):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302)
                self.assertIn("/login/", response["Location"])
