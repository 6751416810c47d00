"""Idempotency-Key never outruns authentication or the scope check (issue #10, defects 1 and 2).

Reproduced on the product routes the issue names: a replay used to hand a stored upload URL,
or a Profile's personal data, to a key that lacks the scope; and a low-scope key's 403 used
to be stored, so the real client's identical request was refused for 24 hours.
"""

from __future__ import annotations

from typing import Any

from apps.profiles.models import Profile
from segmentflow.models import IdempotencyRecord
from tests.base import PersonaTestCase
from tests.factories import make_asset, make_profile


class ReplayNeedsTheScopeTests(PersonaTestCase):
    def setUp(self) -> None:
        super().setUp()
        _, self.reader_secret = self.key_with("templates:read")

    def call(self, method: str, path: str, secret: str, key: str, body: Any = None) -> Any:
        return self.api(method, path, secret, body=body, **{"Idempotency-Key": key})

    def test_a_replayed_upload_session_is_403_for_a_key_without_assets_write(self) -> None:
        asset = make_asset(self.acme)
        path = f"/assets/{asset.id}/upload-session"
        first = self.call("POST", path, self.acme_secret, "upl-1")
        self.assertEqual(first.status_code, 200, first.content)

        stolen = self.call("POST", path, self.reader_secret, "upl-1")

        error = self.assertEnvelope(stolen, 403, "insufficient_scope")
        self.assertIn("assets:write", error["message"])
        self.assertFalse(stolen.has_header("Idempotent-Replayed"))
        self.assertNotIn("uploadUrl", stolen.content.decode())

    def test_a_replayed_profile_update_does_not_leak_personal_data(self) -> None:
        profile = make_profile(self.acme, email="ada@example.com", first_name="Ada")
        path = f"/profiles/{profile.id}"
        body = {"lastName": "Lovelace"}
        self.assertEqual(self.call("PATCH", path, self.acme_secret, "p-1", body).status_code, 200)

        replay = self.call("PATCH", path, self.reader_secret, "p-1", body)

        self.assertEnvelope(replay, 403, "insufficient_scope")
        self.assertNotIn("ada@example.com", replay.content.decode())
        self.assertFalse(replay.has_header("Idempotent-Replayed"))

    def test_a_replay_to_an_unknown_key_is_401(self) -> None:
        self.call("POST", "/profiles", self.acme_secret, "signup-1", {"email": "x@example.com"})
        replay = self.call(
            "POST", "/profiles", "sf_live_nope", "signup-1", {"email": "x@example.com"}
        )
        self.assertEnvelope(replay, 401, "invalid_api_key")
        self.assertNotIn("x@example.com", replay.content.decode())

    def test_a_refusal_is_not_stored_so_the_real_client_still_gets_through(self) -> None:
        body = {"email": "signup42@example.com"}
        refused = self.call("POST", "/profiles", self.reader_secret, "signup-42", body)
        self.assertEnvelope(refused, 403, "insufficient_scope")
        self.assertFalse(IdempotencyRecord.objects.filter(key="signup-42").exists())

        real = self.call("POST", "/profiles", self.acme_secret, "signup-42", body)

        self.assertEqual(real.status_code, 201, real.content)
        self.assertFalse(real.has_header("Idempotent-Replayed"))
        self.assertTrue(Profile.objects.filter(email="signup42@example.com").exists())
        again = self.call("POST", "/profiles", self.acme_secret, "signup-42", body)
        self.assertEqual(again["Idempotent-Replayed"], "true")
        self.assertEqual(again.json(), real.json())

    def test_a_missing_key_is_not_stored_either(self) -> None:
        body = {"email": "nokey@example.com"}
        self.assertEqual(self.call("POST", "/profiles", "", "k-401", body).status_code, 401)
        self.assertFalse(IdempotencyRecord.objects.exists())

    def test_a_rate_limited_request_is_not_stored(self) -> None:
        _, limited = self.key_with("profiles:write", rate_limit=1)  # 1 request/s, burst of 2
        body = {"email": "limited@example.com"}
        self.api("GET", "/me", limited)
        self.api("GET", "/me", limited)
        throttled = self.call("POST", "/profiles", limited, "rl-1", body)
        self.assertEnvelope(throttled, 429, "rate_limited")
        self.assertFalse(IdempotencyRecord.objects.filter(key="rl-1").exists())

        real = self.call("POST", "/profiles", self.acme_secret, "rl-1", body)
        self.assertEqual(real.status_code, 201, real.content)
