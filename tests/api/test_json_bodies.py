"""One JSON decoding rule for every body (issue #10, defect 3 and "what to build").

The bodies are written as raw text, as a hostile or buggy client would send them: Python's
json.dumps cannot write NaN-as-a-client-means-it, lone surrogates or repeated keys.
"""

from __future__ import annotations

from typing import Any

from apps.assets.actions import update_asset
from apps.brand_kits.actions import create_brand_kit
from apps.brand_kits.models import BrandKit
from apps.profiles.models import Profile
from segmentflow.errors import ActionError
from segmentflow.values import MAX_DEPTH, JsonProblem, check_json_value, loads
from tests.base import PersonaTestCase
from tests.factories import make_asset, make_profile

from ..profiles.test_profiles_dashboard import HTMX, url


def nested(levels: int, leaf: str = "1") -> str:
    return '{"a": ' * levels + leaf + "}" * levels


class JsonBodyTests(PersonaTestCase):
    def send(self, method: str, path: str, raw: str | bytes, **headers: Any) -> Any:
        return getattr(self.client, method.lower())(
            f"/api/v1{path}",
            raw,
            content_type="application/json",
            headers={"x-api-key": self.acme_secret, **headers},
        )

    def create(self, attributes_json: str, email: str = "new@example.com") -> Any:
        return self.send(
            "POST", "/profiles", f'{{"email": "{email}", "attributes": {attributes_json}}}'
        )

    def test_attributes_nested_480_levels_are_refused_on_create_and_update(self) -> None:
        profile = make_profile(self.acme, attributes={"keep": 1})
        for response in (
            self.create(nested(480)),
            self.send("PATCH", f"/profiles/{profile.id}", f'{{"attributes": {nested(480)}}}'),
        ):
            with self.subTest(method=response.request["REQUEST_METHOD"]):
                error = self.assertEnvelope(response, 422, "validation_failed")
                self.assertIn(f"deeper than {MAX_DEPTH} levels", error["message"])
                self.assertTrue(error["fields"][0]["path"].startswith("attributes.a.a"))
        profile.refresh_from_db()
        self.assertEqual(profile.attributes, {"keep": 1})
        self.assertEqual(Profile.objects.count(), 1)

    def test_a_body_nested_beyond_the_parser_is_a_400(self) -> None:
        error = self.assertEnvelope(self.create(nested(100_000)), 400, "invalid_request")
        self.assertIn("nested deeper", error["message"])
        flat = "[" * 50_000 + "]" * 50_000
        self.assertEnvelope(self.send("POST", "/profiles", flat), 400, "invalid_request")

    def test_thirty_two_levels_are_accepted(self) -> None:
        # The attributes object is level 2 of the body; 31 more levels make 32 in all.
        response = self.create(nested(30))
        self.assertEqual(response.status_code, 201, response.content)

    def test_lone_surrogates_are_refused_as_values_and_as_keys(self) -> None:
        for attributes, path in (
            ('{"k": "\\ud800"}', "attributes.k"),
            ('{"k": ["ok", "x\\udfff"]}', "attributes.k[1]"),
            ('{"\\ud800": 1}', 'attributes["\\ud800"]'),
        ):
            with self.subTest(attributes=attributes):
                error = self.assertEnvelope(self.create(attributes), 422, "validation_failed")
                self.assertEqual(error["fields"][0]["path"], path)
                self.assertIn("surrogate", error["message"])
        # A surrogate pair is a real character and is fine.
        self.assertEqual(self.create('{"emoji": "\\ud83d\\ude00"}').status_code, 201)
        self.assertEqual(Profile.objects.get().attributes, {"emoji": "😀"})

    def test_nan_infinity_and_out_of_range_numbers_are_refused_not_a_conflict(self) -> None:
        for number in ("NaN", "Infinity", "-Infinity", "1e309", "-1e309", "1" * 5000):
            with self.subTest(number=number[:10]):
                error = self.assertEnvelope(
                    self.create(f'{{"n": {number}}}'), 422, "validation_failed"
                )
                self.assertEqual(error["fields"][0]["path"], "attributes.n")
        self.assertFalse(Profile.objects.exists())
        self.assertEqual(self.create('{"n": 1e308, "m": -0.5}').status_code, 201)

    def test_a_repeated_key_is_refused_wherever_it_is(self) -> None:
        error = self.assertEnvelope(
            self.send("POST", "/profiles", '{"email": "a@example.com", "email": "b@example.com"}'),
            422,
            "validation_failed",
        )
        self.assertEqual(error["fields"][0]["path"], "body")
        self.assertIn('"email" appears twice', error["message"])
        error = self.assertEnvelope(
            self.create('{"x": {"k": 1, "k": 2}}'), 422, "validation_failed"
        )
        self.assertEqual(error["fields"][0]["path"], "attributes.x")
        self.assertFalse(Profile.objects.exists())

    def test_nul_is_refused_in_any_string_of_any_body(self) -> None:
        error = self.assertEnvelope(
            self.send("POST", "/templates", '{"name": "a\\u0000b", "subject": "s", "html": "h"}'),
            422,
            "validation_failed",
        )
        self.assertEqual(error["fields"][0]["path"], "name")

    def test_bytes_that_are_not_utf8_are_a_400(self) -> None:
        raw = b'{"email": "\xff@example.com"}'
        self.assertEnvelope(self.send("POST", "/profiles", raw), 400, "invalid_request")

    def test_a_refused_body_with_an_idempotency_key_is_refused_again(self) -> None:
        statuses = []
        for _ in range(2):
            response = self.send(
                "POST", "/profiles", nested(100_000), **{"Idempotency-Key": "deep-1"}
            )
            statuses.append((response.status_code, response.json()["error"]["errorCode"]))
        self.assertEqual(statuses, [(400, "invalid_request")] * 2)
        self.assertEqual(response["Idempotent-Replayed"], "true")


class JsonValueRuleTests(PersonaTestCase):
    """The same rule for values built in Python (dashboard forms, the CSV import)."""

    def test_it_walks_a_deep_value_without_recursion(self) -> None:
        value: Any = 1
        for _ in range(100_000):
            value = {"a": value}
        with self.assertRaises(JsonProblem) as caught:
            check_json_value(value, "attributes")
        self.assertIn("deeper than 32", caught.exception.message)

    def test_it_refuses_python_values_json_cannot_hold(self) -> None:
        for bad in (float("nan"), {1: "int key"}, {"s": {1, 2}}, b"bytes", 10**200):
            with self.subTest(bad=repr(bad)[:20]), self.assertRaises(JsonProblem):
                check_json_value({"v": bad})

    def test_loads_accepts_plain_json(self) -> None:
        self.assertEqual(
            loads('{"a": [1, 2.5, "x", null, true, {"b": []}]}'),
            {"a": [1, 2.5, "x", None, True, {"b": []}]},
        )

    def test_the_dashboard_attribute_editor_refuses_a_600_deep_value_at_once(self) -> None:
        self.client.force_login(self.bob)
        profile = make_profile(self.acme, attributes={"plan": "pro"})
        response = self.client.post(
            url("attribute_set", profile),
            {"key": "plan", "value": "[" * 600 + "]" * 600},
            headers=HTMX,
        )
        self.assertEqual(response.status_code, 422)
        self.assertIn("nested deeper than 32 levels", response.content.decode())
        profile.refresh_from_db()
        self.assertEqual(profile.attributes, {"plan": "pro"})

    def test_a_deep_text_value_is_still_shown_and_editable(self) -> None:
        self.client.force_login(self.bob)
        deep_text = "[" * 600 + "]" * 600 + " as text"
        profile = make_profile(self.acme, attributes={"note": deep_text})
        response = self.client.get(url("attributes", profile), {"edit": "note"}, headers=HTMX)
        self.assertEqual(response.status_code, 200)
        self.assertIn("as text", response.content.decode())


class NulInStoredTextTests(PersonaTestCase):
    """Defect 4: the actions, which the dashboard also calls, refuse NUL where the API's
    parser is not in front of them."""

    def test_asset_alt_text_with_nul_is_refused_on_create_and_update(self) -> None:
        with self.assertRaises(ActionError) as caught:
            make_asset(self.acme, alt_text="logo\x00")
        self.assertEqual(caught.exception.field, "alt_text")
        asset = make_asset(self.acme, alt_text="logo")
        with self.assertRaises(ActionError):
            update_asset(asset, alt_text="x\x00y")
        asset.refresh_from_db()
        self.assertEqual(asset.alt_text, "logo")

    def test_brand_kit_urls_with_nul_are_refused(self) -> None:
        for data, field in (
            ({"name": "Kit", "website_url": "https://acme.example/\x00"}, "website_url"),
            (
                {"name": "Kit", "social_links": [{"network": "x", "url": "https://x.com/\x00a"}]},
                "social_links[0].url",
            ),
        ):
            with self.subTest(field=field), self.assertRaises(ActionError) as caught:
                create_brand_kit(self.acme, **data)
            self.assertEqual(caught.exception.field, field)
        self.assertFalse(BrandKit.objects.exists())

    def test_the_api_names_the_field_holding_a_nul(self) -> None:
        asset = make_asset(self.acme)
        response = self.api("PATCH", f"/assets/{asset.id}", body={"altText": "a\x00"})
        error = self.assertEnvelope(response, 422, "validation_failed")
        self.assertEqual(error["fields"][0]["path"], "altText")
        response = self.api(
            "POST", "/brand-kit", body={"name": "K", "websiteUrl": "https://a.b/\x00"}
        )
        error = self.assertEnvelope(response, 422, "validation_failed")
        self.assertEqual(error["fields"][0]["path"], "websiteUrl")
