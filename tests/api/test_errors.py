"""Every errorCode of the auth, validation, idempotency, rate-limit and 404/405 rows."""

from __future__ import annotations

from datetime import timedelta

from django.test import override_settings
from django.utils import timezone

from apps.accounts.actions import revoke_api_key
from tests.base import PersonaTestCase


@override_settings(ROOT_URLCONF="tests.api.urls")
class AuthErrorTests(PersonaTestCase):
    def test_it_asks_for_a_key_when_none_is_sent(self) -> None:
        error = self.assertEnvelope(self.api("GET", "/me", secret=""), 401, "missing_api_key")
        self.assertIn("x-api-key", error["message"])

    def test_it_refuses_an_unknown_key(self) -> None:
        unknown = "sf_live_" + "A" * 44
        self.assertEnvelope(self.api("GET", "/me", secret=unknown), 401, "invalid_api_key")

    def test_it_refuses_a_malformed_key(self) -> None:
        for bad in ("nonsense", "sf_live_short", "sf_live_" + "é" * 44, self.acme_secret + "x"):
            with self.subTest(bad=bad):
                self.assertEnvelope(self.api("GET", "/me", secret=bad), 401, "invalid_api_key")

    def test_it_refuses_a_revoked_key(self) -> None:
        key, secret = self.key_with("profiles:read")
        self.assertEqual(self.api("GET", "/me", secret).status_code, 200)
        revoke_api_key(key)
        self.assertEnvelope(self.api("GET", "/me", secret), 401, "invalid_api_key")

    def test_it_refuses_an_expired_key(self) -> None:
        key, secret = self.key_with("profiles:read", expires_at=timezone.now() + timedelta(hours=1))
        self.assertEqual(self.api("GET", "/me", secret).status_code, 200)
        key.expires_at = timezone.now() - timedelta(seconds=1)
        key.save()
        self.assertEnvelope(self.api("GET", "/me", secret), 401, "invalid_api_key")

    def test_it_refuses_a_key_whose_secret_part_is_wrong(self) -> None:
        # Same lookup prefix, different secret: the hash comparison must fail.
        forged = self.acme_secret[:-4] + (
            "AAAA" if not self.acme_secret.endswith("AAAA") else "BBBB"
        )
        self.assertEnvelope(self.api("GET", "/me", secret=forged), 401, "invalid_api_key")

    def test_it_names_the_missing_scope(self) -> None:
        _, secret = self.key_with("emails:read")
        error = self.assertEnvelope(
            self.api("GET", "/probe/items", secret), 403, "insufficient_scope"
        )
        self.assertIn("profiles:read", error["message"])

    def test_it_checks_the_scope_before_the_body(self) -> None:
        _, secret = self.key_with("profiles:read")
        response = self.api("POST", "/probe/items", secret, body={"unknown": 1})
        error = self.assertEnvelope(response, 403, "insufficient_scope")
        self.assertIn("profiles:write", error["message"])

    def test_it_hides_objects_of_another_org_behind_404(self) -> None:
        response = self.api("GET", f"/probe/items/{self.acme_key.id}", self.globex_secret)
        self.assertEnvelope(response, 404, "not_found")
        response = self.api("DELETE", f"/probe/items/{self.acme_key.id}", self.globex_secret)
        self.assertEnvelope(response, 404, "not_found")
        self.assertEqual(self.api("GET", f"/probe/items/{self.acme_key.id}").status_code, 200)

    def test_a_key_of_another_org_never_lists_its_objects(self) -> None:
        ids = {
            item["id"]
            for item in self.api("GET", "/probe/items?limit=100", self.globex_secret).json()["data"]
        }
        self.assertEqual(ids, {self.globex_key.id})


@override_settings(ROOT_URLCONF="tests.api.urls")
class RequestErrorTests(PersonaTestCase):
    def test_it_answers_unknown_routes_with_not_found(self) -> None:
        self.assertEnvelope(self.api("GET", "/no-such-route"), 404, "not_found")
        self.assertEnvelope(self.api("GET", "/no-such-route", secret=""), 404, "not_found")

    def test_it_answers_a_wrong_method_with_method_not_allowed(self) -> None:
        response = self.api("POST", "/me", body={})
        self.assertEnvelope(response, 405, "method_not_allowed")
        self.assertEqual(response["Allow"], "GET")

    def test_it_refuses_malformed_json(self) -> None:
        response = self.client.post(
            "/api/v1/probe/items",
            data=b'{"name": ',
            content_type="application/json",
            headers={"x-api-key": self.acme_secret},
        )
        self.assertEnvelope(response, 400, "invalid_request")

    def test_it_refuses_a_body_that_is_not_json(self) -> None:
        response = self.client.post(
            "/api/v1/probe/items",
            data="name=x",
            content_type="application/x-www-form-urlencoded",
            headers={"x-api-key": self.acme_secret},
        )
        error = self.assertEnvelope(response, 400, "invalid_request")
        self.assertIn("application/json", error["message"])

    def test_it_lists_every_invalid_field(self) -> None:
        response = self.api("POST", "/probe/items", body={"nmae": "typo", "delaySeconds": "soon"})
        error = self.assertEnvelope(response, 422, "validation_failed")
        fields = {f["path"]: f["message"] for f in error["fields"]}
        self.assertEqual(fields["name"], "field required")
        self.assertEqual(fields["nmae"], "unknown field")
        self.assertIn("delaySeconds", fields)
        self.assertIn("name: field required", error["message"])

    def test_it_asks_for_a_body_when_none_is_sent(self) -> None:
        response = self.client.post(
            "/api/v1/probe/items",
            data="",
            content_type="application/json",
            headers={"x-api-key": self.acme_secret},
        )
        error = self.assertEnvelope(response, 422, "validation_failed")
        self.assertEqual(error["fields"], [{"path": "body", "message": "field required"}])

    def test_it_refuses_a_body_that_is_not_an_object(self) -> None:
        self.assertEnvelope(self.api("POST", "/probe/items", body=["x"]), 422, "validation_failed")

    def test_it_refuses_a_limit_outside_1_to_100(self) -> None:
        for limit in ("0", "101", "ten"):
            with self.subTest(limit=limit):
                error = self.assertEnvelope(
                    self.api("GET", f"/probe/items?limit={limit}"), 422, "validation_failed"
                )
                self.assertEqual(error["fields"][0]["path"], "limit")

    def test_it_refuses_a_malformed_cursor(self) -> None:
        for cursor in ("garbage", "W10", "bm90IGpzb24"):
            with self.subTest(cursor=cursor):
                error = self.assertEnvelope(
                    self.api("GET", f"/probe/items?after={cursor}"), 422, "validation_failed"
                )
                self.assertEqual(
                    error["fields"], [{"path": "after", "message": "malformed cursor"}]
                )

    def test_a_well_formed_cursor_past_every_row_is_an_empty_page(self) -> None:
        # The cursor's pattern (in the OpenAPI document) is its whole rule: the extremes it
        # allows convert on every database (year 1970 and year 2286) rather than failing.
        for cursor in ("0_key_" + "0" * 26, "9" * 16 + "_key_" + "z" * 26):
            with self.subTest(cursor=cursor):
                response = self.api("GET", f"/probe/items?after={cursor}")
                self.assertEqual(response.status_code, 200, response.content)

    def test_it_refuses_a_cursor_off_its_pattern(self) -> None:
        for cursor in ("9" * 17 + "_key_" + "0" * 26, "1_key_" + "0" * 25, "1_KEY_" + "0" * 26):
            with self.subTest(cursor=cursor):
                self.assertEnvelope(
                    self.api("GET", f"/probe/items?after={cursor}"), 422, "validation_failed"
                )

    def test_it_refuses_bodies_over_one_mebibyte(self) -> None:
        body = {"name": "x" * (1024 * 1024)}
        response = self.api("POST", "/probe/items", body=body)
        self.assertEnvelope(response, 413, "payload_too_large")

    def test_it_reports_a_conflict(self) -> None:
        self.assertEnvelope(
            self.api("POST", "/probe/items", body={"name": "Acme full"}), 409, "conflict"
        )

    def test_it_hides_the_stack_trace_of_a_bug(self) -> None:
        with self.assertLogs("segmentflow.api", level="ERROR"):
            response = self.api(
                "POST", "/probe/items", body={"name": "boom", "failAfterWrite": True}
            )
        error = self.assertEnvelope(response, 500, "internal_error")
        self.assertNotIn("Traceback", response.content.decode())
        self.assertNotIn("probe failure", error["message"])

    def test_django_errors_outside_ninja_come_out_in_the_envelope(self) -> None:
        self.assertEqual(self.client.get("/api/v1/plain/").status_code, 200)
        response = self.client.post("/api/v1/plain/")
        self.assertEnvelope(response, 405, "method_not_allowed")
        self.assertEqual(response["Allow"], "GET")
        self.client.raise_request_exception = False
        with self.assertLogs("segmentflow.api", level="ERROR"):
            response = self.client.get("/api/v1/plain/?crash=1")
        self.assertEnvelope(response, 500, "internal_error")
        self.assertNotIn("a bug outside ninja", response.content.decode())

    def test_every_response_carries_a_request_id(self) -> None:
        ok = self.api("GET", "/me")
        missing = self.api("GET", "/nowhere")
        self.assertRegex(ok["X-Request-Id"], r"^req_[0-9a-f]{24}$")
        self.assertNotEqual(ok["X-Request-Id"], missing["X-Request-Id"])

    def test_error_responses_keep_the_security_headers(self) -> None:
        self.client.raise_request_exception = False
        with self.assertLogs("segmentflow.api", level="ERROR"):
            crash = self.client.get("/api/v1/plain/?crash=1")
        responses = {
            "404": self.api("GET", "/nope"),
            "405": self.api("DELETE", "/me"),
            "405 outside ninja": self.client.post("/api/v1/plain/"),
            "413": self.api("POST", "/probe/items", body={"name": "x" * (1024 * 1024)}),
            "500 outside ninja": crash,
            "401": self.api("GET", "/me", secret=""),
            "200": self.api("GET", "/me"),
        }
        for label, response in responses.items():
            with self.subTest(label):
                self.assertEqual(response["X-Content-Type-Options"], "nosniff")
                self.assertEqual(response["X-Frame-Options"], "DENY")
                self.assertEqual(response["Referrer-Policy"], "same-origin")
                self.assertTrue(response["X-Request-Id"].startswith("req_"))
