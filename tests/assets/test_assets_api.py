"""Every Assets route × persona, the upload → finalize → delete flow on local storage, and the
bad uploads the issue names, each leaving nothing stored."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.test import override_settings

from apps.assets import storage
from apps.assets.inspection import MAX_BYTES
from apps.assets.models import Asset
from tests.base import PersonaTestCase
from tests.factories import make_asset

from .images import SVG_WITH_SCRIPT, TEXT_FILE, image_bytes, png_bomb

ROUTES = [
    ("GET", "/assets", "assets:read"),
    ("GET", "/assets/{id}", "assets:read"),
    ("POST", "/assets", "assets:write"),
    ("POST", "/assets/{id}/upload-session", "assets:write"),
    ("POST", "/assets/{id}/finalize", "assets:write"),
    ("PATCH", "/assets/{id}", "assets:write"),
    ("DELETE", "/assets/{id}", "assets:write"),
]
CREATE = {"filename": "logo.png", "contentType": "image/png", "size": 1234, "altText": "Our logo"}


class LocalStorageTestCase(PersonaTestCase):
    """Files go to a fresh MEDIA_ROOT per test, through the FileSystemStorage default."""

    def setUp(self) -> None:
        super().setUp()
        media_root = tempfile.mkdtemp(prefix="sf-media-")
        self.addCleanup(shutil.rmtree, media_root, ignore_errors=True)
        self.media_root = Path(media_root)
        local = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
        override = override_settings(
            MEDIA_ROOT=media_root, STORAGES={**settings.STORAGES, "default": local}
        )
        override.enable()
        self.addCleanup(override.disable)

    def stored_files(self) -> list[str]:
        return sorted(
            str(path.relative_to(self.media_root))
            for path in self.media_root.rglob("*")
            if path.is_file()
        )

    def create(self, secret: str | None = None, **body: Any) -> dict[str, Any]:
        response = self.api("POST", "/assets", secret, body={**CREATE, **body})
        self.assertEqual(response.status_code, 201, response.content)
        return dict(response.json())

    def upload_session(self, asset_id: str, secret: str | None = None) -> dict[str, Any]:
        response = self.api("POST", f"/assets/{asset_id}/upload-session", secret)
        self.assertEqual(response.status_code, 200, response.content)
        return dict(response.json())

    def put(self, upload_url: str, data: bytes, content_type: str = "image/png") -> Any:
        return self.client.put(urlsplit(upload_url).path, data, content_type=content_type)

    def upload(self, asset_id: str, data: bytes) -> Any:
        session = self.upload_session(asset_id)
        return self.put(session["uploadUrl"], data, session["headers"]["Content-Type"])

    def finalize(self, asset_id: str, secret: str | None = None) -> Any:
        return self.api("POST", f"/assets/{asset_id}/finalize", secret)

    def ready_asset(self, data: bytes | None = None, **body: Any) -> dict[str, Any]:
        asset = self.create(**body)
        self.assertEqual(self.upload(asset["id"], data or image_bytes()).status_code, 204)
        response = self.finalize(asset["id"])
        self.assertEqual(response.status_code, 200, response.content)
        return dict(response.json())


class AssetScopeTests(LocalStorageTestCase):
    def uploaded_asset(self) -> Asset:
        asset = make_asset(self.acme)
        storage.save_file(asset.upload_key, image_bytes())
        return asset

    def call(self, method: str, path: str, secret: str, asset: Asset) -> Any:
        bodies = {"POST": CREATE if path == "/assets" else None, "PATCH": {"altText": "New"}}
        return self.api(method, path.format(id=asset.id), secret, body=bodies.get(method))

    def test_every_route_works_with_its_scope(self) -> None:
        expected = {"POST": 201, "DELETE": 204}
        for method, path, scope in ROUTES:
            with self.subTest(route=f"{method} {path}"):
                _, secret = self.key_with(scope)
                response = self.call(method, path, secret, self.uploaded_asset())
                status = 200 if "{id}/" in path else expected.get(method, 200)
                self.assertEqual(response.status_code, status, response.content)

    def test_every_route_refuses_a_key_without_its_scope(self) -> None:
        asset = self.uploaded_asset()
        other = {"assets:read": "assets:write", "assets:write": "assets:read"}
        for method, path, scope in ROUTES:
            with self.subTest(route=f"{method} {path}"):
                _, secret = self.key_with(other[scope], "profiles:write")
                error = self.assertEnvelope(
                    self.call(method, path, secret, asset), 403, "insufficient_scope"
                )
                self.assertIn(scope, error["message"])
        asset.refresh_from_db()
        self.assertEqual(
            (asset.status, asset.alt_text, asset.upload_nonce), ("pending_upload", "", "")
        )
        self.assertEqual(Asset.objects.count(), 1)

    def test_every_route_hides_another_orgs_asset(self) -> None:
        asset = self.uploaded_asset()
        for method, path, _ in ROUTES:
            if "{id}" not in path:
                continue
            with self.subTest(route=f"{method} {path}"):
                self.assertEnvelope(
                    self.call(method, path, self.globex_secret, asset), 404, "not_found"
                )
        asset.refresh_from_db()
        self.assertEqual(
            (asset.status, asset.alt_text, asset.upload_nonce), ("pending_upload", "", "")
        )
        self.assertEqual(self.stored_files(), [asset.upload_key])

    def test_another_orgs_list_never_shows_the_asset(self) -> None:
        make_asset(self.acme, filename="acme.png")
        self.assertEqual(self.api("GET", "/assets", self.globex_secret).json()["data"], [])
        body = self.api("GET", "/assets?filename=acme", self.globex_secret).json()
        self.assertEqual(body["data"], [])

    def test_an_upload_url_cannot_be_pointed_at_another_asset(self) -> None:
        theirs = make_asset(self.globex)
        session = self.upload_session(self.create()["id"])
        token = urlsplit(session["uploadUrl"]).path.rsplit("/", 1)[-1]
        payload, rest = token.split(":", 1)
        forged_payload = signing.b64_encode(
            signing.b64_decode(payload.encode()).replace(b"asset_", b"asset_0")
        ).decode()
        forged = signing.TimestampSigner(salt="other").sign_object({"a": theirs.id, "n": "x"})
        for bad in (f"{forged_payload}:{rest}", forged, "nonsense"):
            with self.subTest(token=bad):
                response = self.client.put(f"/api/v1/uploads/{bad}", image_bytes(), "image/png")
                self.assertEnvelope(response, 404, "not_found")
        self.assertEqual(self.stored_files(), [])

    def test_the_upload_url_of_another_orgs_asset_writes_only_that_asset(self) -> None:
        mine = self.create()
        theirs = self.create(secret=self.globex_secret)
        session = self.upload_session(theirs["id"], self.globex_secret)
        self.assertEqual(self.put(session["uploadUrl"], image_bytes()).status_code, 204)
        self.assertEnvelope(self.finalize(mine["id"]), 409, "invalid_state")
        self.assertEnvelope(self.finalize(theirs["id"]), 404, "not_found")
        self.assertEqual(self.finalize(theirs["id"], self.globex_secret).status_code, 200)


class AssetFlowTests(LocalStorageTestCase):
    def test_it_creates_an_asset_waiting_for_its_upload(self) -> None:
        asset = self.create(tags=["logo", " brand ", "logo"])
        self.assertTrue(asset["id"].startswith("asset_"))
        self.assertEqual(asset["object"], "asset")
        self.assertEqual(asset["status"], "pending_upload")
        self.assertEqual(asset["filename"], "logo.png")
        self.assertEqual(asset["altText"], "Our logo")
        self.assertEqual(asset["tags"], ["logo", "brand"])
        self.assertIsNone(asset["url"])
        self.assertIsNone(asset["thumbnailUrl"])
        self.assertTrue(asset["createdAt"].endswith("Z"))

    def test_the_full_upload_finalize_delete_flow(self) -> None:
        asset = self.create(filename="photo.jpg", contentType="image/jpeg", size=5000)
        session = self.upload_session(asset["id"])
        self.assertEqual(session["method"], "PUT")
        self.assertEqual(session["headers"], {"Content-Type": "image/jpeg"})
        self.assertTrue(session["uploadUrl"].startswith(f"{settings.SITE_URL}/api/v1/uploads/"))
        self.assertTrue(session["expiresAt"].endswith("Z"))

        jpeg = image_bytes("JPEG", (640, 480))
        response = self.put(session["uploadUrl"], jpeg, "image/jpeg")
        self.assertEqual(response.status_code, 204, response.content)
        self.assertEqual(self.stored_files(), [f"uploads/{asset['id']}"])

        response = self.finalize(asset["id"])
        self.assertEqual(response.status_code, 200, response.content)
        ready = response.json()
        self.assertEqual(ready["status"], "ready")
        self.assertEqual(ready["contentType"], "image/jpeg")
        self.assertEqual((ready["width"], ready["height"]), (640, 480))
        self.assertGreater(ready["size"], 0)
        files = self.stored_files()
        self.assertEqual(len(files), 2, files)
        self.assertTrue(all(name.startswith(f"assets/{asset['id']}/") for name in files))

        original = self.client.get(urlsplit(ready["url"]).path)
        self.assertEqual(original.status_code, 200)
        self.assertEqual(original["Content-Type"], "image/jpeg")
        self.assertEqual(original["Cache-Control"], "public, max-age=31536000, immutable")
        self.assertEqual(original["X-Content-Type-Options"], "nosniff")
        self.assertEqual(b"".join(original.streaming_content)[:2], b"\xff\xd8")
        thumbnail = self.client.get(urlsplit(ready["thumbnailUrl"]).path)
        self.assertEqual(thumbnail["Content-Type"], "image/webp")
        self.assertTrue(ready["url"].startswith(settings.SITE_URL + "/media/assets/"))

        self.assertEqual(self.api("GET", f"/assets/{asset['id']}").json(), ready)
        response = self.api("DELETE", f"/assets/{asset['id']}")
        self.assertEqual(response.status_code, 204)
        self.assertEqual(self.stored_files(), [])
        self.assertFalse(Asset.objects.filter(pk=asset["id"]).exists())
        self.assertEqual(self.client.get(urlsplit(ready["url"]).path).status_code, 404)
        self.assertEnvelope(self.api("GET", f"/assets/{asset['id']}"), 404, "not_found")

    def test_finalizing_twice_returns_the_same_asset(self) -> None:
        ready = self.ready_asset()
        files = self.stored_files()
        again = self.finalize(ready["id"])
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.json(), ready)
        self.assertEqual(self.stored_files(), files)

    def test_a_ready_asset_refuses_a_new_upload_session(self) -> None:
        ready = self.ready_asset()
        response = self.api("POST", f"/assets/{ready['id']}/upload-session")
        self.assertEnvelope(response, 409, "invalid_state")

    def test_finalize_before_any_upload_is_invalid_state(self) -> None:
        asset = self.create()
        self.assertEnvelope(self.finalize(asset["id"]), 409, "invalid_state")
        self.assertEqual(
            self.api("GET", f"/assets/{asset['id']}").json()["status"], "pending_upload"
        )

    def test_it_updates_alt_text_filename_and_tags(self) -> None:
        ready = self.ready_asset()
        response = self.api(
            "PATCH",
            f"/assets/{ready['id']}",
            body={"altText": "Red square", "filename": "square.png", "tags": ["a", "b"]},
        )
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(
            (body["altText"], body["filename"], body["tags"]),
            ("Red square", "square.png", ["a", "b"]),
        )
        self.assertEqual(body["url"], ready["url"])
        response = self.api("PATCH", f"/assets/{ready['id']}", body={"altText": None, "tags": None})
        self.assertEqual((response.json()["altText"], response.json()["tags"]), ("", []))

    def test_update_refuses_bad_values(self) -> None:
        asset = self.create()
        cases = [
            ({"filename": None}, "filename"),
            ({"filename": "  "}, "filename"),
            ({"tags": ["x" * 51]}, "tags"),
            ({"tags": "logo"}, "tags"),
            ({"size": 10}, "size"),
        ]
        for body, path in cases:
            with self.subTest(body=body):
                error = self.assertEnvelope(
                    self.api("PATCH", f"/assets/{asset['id']}", body=body), 422, "validation_failed"
                )
                self.assertEqual(error["fields"][0]["path"], path)

    def test_the_list_is_newest_first_and_filters(self) -> None:
        first = self.create(filename="Header.png")
        second = self.create(filename="footer.png")
        ready = self.ready_asset(filename="banner-header.png")
        body = self.api("GET", "/assets?limit=2").json()
        self.assertEqual([a["id"] for a in body["data"]], [ready["id"], second["id"]])
        self.assertTrue(body["hasMore"])
        body = self.api("GET", f"/assets?after={body['nextCursor']}").json()
        self.assertEqual([a["id"] for a in body["data"]], [first["id"]])
        body = self.api("GET", "/assets?filename=HEADER").json()
        self.assertEqual([a["id"] for a in body["data"]], [ready["id"], first["id"]])
        body = self.api("GET", "/assets?status=ready").json()
        self.assertEqual([a["id"] for a in body["data"]], [ready["id"]])
        self.assertEnvelope(self.api("GET", "/assets?status=gone"), 422, "validation_failed")

    def test_delete_is_refused_while_the_asset_is_in_use(self) -> None:
        ready = self.ready_asset()
        files = self.stored_files()
        with mock.patch("apps.assets.actions.asset_in_use", return_value=True):
            response = self.api("DELETE", f"/assets/{ready['id']}")
        self.assertEnvelope(response, 409, "asset_in_use")
        self.assertEqual(self.stored_files(), files)
        self.assertEqual(self.api("GET", f"/assets/{ready['id']}").status_code, 200)

    def test_a_pending_upload_is_never_served(self) -> None:
        asset = self.create()
        self.upload(asset["id"], b"<html><script>alert(1)</script></html>")
        self.assertEqual(self.client.get(f"/media/uploads/{asset['id']}").status_code, 404)
        self.assertEqual(self.client.get(f"/media/assets/{asset['id']}/x.png").status_code, 404)


class AssetCreateValidationTests(LocalStorageTestCase):
    def test_it_refuses_a_declared_size_over_10_mib(self) -> None:
        response = self.api("POST", "/assets", body={**CREATE, "size": MAX_BYTES + 1})
        self.assertEnvelope(response, 413, "payload_too_large")
        self.assertFalse(Asset.objects.exists())

    def test_it_refuses_a_type_that_is_not_an_accepted_image(self) -> None:
        for content_type in ("image/svg+xml", "text/html", "application/pdf"):
            with self.subTest(content_type=content_type):
                response = self.api("POST", "/assets", body={**CREATE, "contentType": content_type})
                error = self.assertEnvelope(response, 422, "validation_failed")
                self.assertEqual(error["fields"][0]["path"], "contentType")
        self.assertFalse(Asset.objects.exists())

    def test_it_refuses_missing_and_unknown_fields(self) -> None:
        error = self.assertEnvelope(
            self.api("POST", "/assets", body={"filename": "a.png", "colour": 1}),
            422,
            "validation_failed",
        )
        paths = {field["path"] for field in error["fields"]}
        self.assertEqual(paths, {"contentType", "size", "colour"})


class BadUploadTests(LocalStorageTestCase):
    def assert_refused_image(self, data: bytes, **body: Any) -> dict[str, Any]:
        asset = self.create(**body)
        self.assertEqual(self.upload(asset["id"], data).status_code, 204)
        error = self.assertEnvelope(self.finalize(asset["id"]), 422, "invalid_image")
        self.assertEqual(self.stored_files(), [])
        stored = Asset.objects.get(pk=asset["id"])
        self.assertEqual(stored.status, "failed")
        self.assertTrue(stored.failure_reason)
        self.assertEqual(self.api("GET", f"/assets/{asset['id']}").json()["status"], "failed")
        return error

    def test_a_png_named_jpg_is_accepted_as_a_png(self) -> None:
        ready = self.ready_asset(image_bytes("PNG"), filename="photo.jpg", contentType="image/jpeg")
        self.assertEqual(ready["contentType"], "image/png")
        self.assertEqual(ready["filename"], "photo.jpg")
        self.assertTrue(ready["url"].endswith(".png"))

    def test_every_accepted_format_becomes_ready(self) -> None:
        for fmt, content_type in (("GIF", "image/gif"), ("WEBP", "image/webp")):
            with self.subTest(fmt=fmt):
                self.assertEqual(self.ready_asset(image_bytes(fmt))["contentType"], content_type)

    def test_a_text_file_is_refused(self) -> None:
        self.assert_refused_image(TEXT_FILE)

    def test_an_svg_with_a_script_is_refused(self) -> None:
        self.assert_refused_image(SVG_WITH_SCRIPT, filename="logo.svg")

    def test_a_truncated_jpeg_is_refused(self) -> None:
        jpeg = image_bytes("JPEG", (400, 300))
        self.assert_refused_image(jpeg[: len(jpeg) // 2], contentType="image/jpeg")

    def test_a_png_decompression_bomb_is_refused(self) -> None:
        self.assert_refused_image(png_bomb())

    def test_a_failed_asset_can_be_uploaded_again(self) -> None:
        asset = self.create()
        self.upload(asset["id"], TEXT_FILE)
        self.assertEnvelope(self.finalize(asset["id"]), 422, "invalid_image")
        self.assertEqual(self.upload(asset["id"], image_bytes()).status_code, 204)
        self.assertEqual(self.finalize(asset["id"]).json()["status"], "ready")

    def test_an_upload_over_10_mib_is_refused_and_not_stored(self) -> None:
        asset = self.create()
        session = self.upload_session(asset["id"])
        response = self.put(session["uploadUrl"], b"\0" * (MAX_BYTES + 1))
        self.assertEnvelope(response, 413, "payload_too_large")
        self.assertEqual(self.stored_files(), [])
        self.assertEnvelope(self.finalize(asset["id"]), 409, "invalid_state")

    def test_an_upload_without_a_length_is_cut_at_10_mib(self) -> None:
        asset = Asset.objects.get(pk=self.create()["id"])
        from apps.assets import actions

        with self.assertRaises(actions.ActionError) as caught:
            actions.receive_upload(asset, _Endless(), None)
        self.assertEqual(caught.exception.code, "payload_too_large")
        self.assertEqual(self.stored_files(), [])

    def test_a_put_after_the_session_expired_is_refused(self) -> None:
        asset = self.create()
        sixteen_minutes_ago = time.time() - 16 * 60
        with mock.patch("django.core.signing.time.time", return_value=sixteen_minutes_ago):
            session = self.upload_session(asset["id"])
        error = self.assertEnvelope(self.put(session["uploadUrl"], image_bytes()), 404, "not_found")
        self.assertIn("expired", error["message"])
        self.assertEqual(self.stored_files(), [])

    def test_a_second_put_with_a_used_token_is_refused(self) -> None:
        asset = self.create()
        session = self.upload_session(asset["id"])
        first = image_bytes("PNG", (10, 10))
        self.assertEqual(self.put(session["uploadUrl"], first).status_code, 204)
        response = self.put(session["uploadUrl"], image_bytes("GIF", (20, 20)))
        self.assertEnvelope(response, 409, "invalid_state")
        self.assertEqual((self.media_root / "uploads" / asset["id"]).read_bytes(), first)

    def test_a_newer_session_replaces_the_older_url(self) -> None:
        asset = self.create()
        old = self.upload_session(asset["id"])
        new = self.upload_session(asset["id"])
        self.assertEnvelope(self.put(old["uploadUrl"], image_bytes()), 409, "invalid_state")
        self.assertEqual(self.stored_files(), [])
        self.assertEqual(self.put(new["uploadUrl"], image_bytes()).status_code, 204)

    def test_an_upload_for_a_deleted_asset_is_not_found(self) -> None:
        asset = self.create()
        session = self.upload_session(asset["id"])
        self.api("DELETE", f"/assets/{asset['id']}")
        self.assertEnvelope(self.put(session["uploadUrl"], image_bytes()), 404, "not_found")
        self.assertEqual(self.stored_files(), [])

    def test_the_upload_url_only_takes_put(self) -> None:
        session = self.upload_session(self.create()["id"])
        response = self.client.post(urlsplit(session["uploadUrl"]).path, b"x", "image/png")
        self.assertEnvelope(response, 405, "method_not_allowed")


class _Endless:
    """A request body that never ends (chunked transfer without a Content-Length)."""

    def read(self, size: int = -1, /) -> bytes:
        return b"\0" * (size if size > 0 else 65536)
