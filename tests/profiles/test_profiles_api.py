"""Every Profiles route × persona, and the bad input the contract names."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from apps.profiles.models import Profile, ProfileErasure, SubscriptionChange
from tests.base import PersonaTestCase
from tests.factories import make_profile

ROUTES = [
    ("GET", "/profiles", "profiles:read"),
    ("GET", "/profiles/{id}", "profiles:read"),
    ("GET", "/profiles/{id}/subscription", "profiles:read"),
    ("POST", "/profiles", "profiles:write"),
    ("PATCH", "/profiles/{id}", "profiles:write"),
    ("PUT", "/profiles/{id}/subscription", "profiles:write"),
    ("DELETE", "/profiles/{id}", "profiles:write"),
]
BODIES: dict[str, Any] = {
    "POST": {"email": "new@example.com"},
    "PATCH": {"firstName": "Ada"},
    "PUT": {"status": "unsubscribed"},
}


class ProfileScopeTests(PersonaTestCase):
    def setUp(self) -> None:
        self.profile = make_profile(self.acme, email="ada@example.com")

    def call(self, method: str, path: str, secret: str) -> Any:
        return self.api(method, path.format(id=self.profile.id), secret, body=BODIES.get(method))

    def test_every_route_works_with_its_scope(self) -> None:
        for method, path, scope in ROUTES:
            with self.subTest(route=f"{method} {path}"):
                _, secret = self.key_with(scope)
                response = self.call(method, path, secret)
                self.assertIn(response.status_code, (200, 201, 204), response.content)
                if method == "DELETE":
                    self.profile = make_profile(self.acme, email="ada@example.com")
                if method == "POST":
                    Profile.objects.filter(email="new@example.com").delete()

    def test_every_route_refuses_a_key_without_its_scope(self) -> None:
        other = {"profiles:read": "profiles:write", "profiles:write": "profiles:read"}
        for method, path, scope in ROUTES:
            with self.subTest(route=f"{method} {path}"):
                _, secret = self.key_with(other[scope], "emails:send")
                error = self.assertEnvelope(
                    self.call(method, path, secret), 403, "insufficient_scope"
                )
                self.assertIn(scope, error["message"])
        self.assertTrue(Profile.objects.filter(pk=self.profile.pk, first_name="").exists())

    def test_every_route_hides_another_orgs_profile(self) -> None:
        for method, path, _ in ROUTES:
            if "{id}" not in path:
                continue
            with self.subTest(route=f"{method} {path}"):
                self.assertEnvelope(self.call(method, path, self.globex_secret), 404, "not_found")
        self.profile.refresh_from_db()
        self.assertEqual(self.profile.subscription_status, "subscribed")

    def test_another_orgs_list_never_shows_the_profile(self) -> None:
        body = self.api("GET", "/profiles", self.globex_secret).json()
        self.assertEqual(body["data"], [])
        body = self.api("GET", "/profiles?email=ada@example.com", self.globex_secret).json()
        self.assertEqual(body["data"], [])


class ProfileCreateTests(PersonaTestCase):
    def test_it_creates_a_profile_in_the_contract_shape(self) -> None:
        response = self.api(
            "POST",
            "/profiles",
            body={
                "email": "  Ada@Example.COM ",
                "externalId": "u-1",
                "firstName": "Ada",
                "lastName": "Lovelace",
                "locale": "en-GB",
                "timezone": "Europe/London",
                "attributes": {"plan": "pro", "seats": 3},
            },
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertTrue(body["id"].startswith("prof_"))
        self.assertEqual(body["object"], "profile")
        self.assertEqual(body["email"], "ada@example.com")
        self.assertEqual(body["externalId"], "u-1")
        self.assertEqual(body["firstName"], "Ada")
        self.assertEqual(body["attributes"], {"plan": "pro", "seats": 3})
        self.assertEqual(body["subscription"]["status"], "subscribed")
        self.assertEqual(body["subscription"]["source"], "api")
        self.assertTrue(body["subscription"]["updatedAt"].endswith("Z"))
        self.assertIsNone(body["suppressed"])
        self.assertTrue(body["createdAt"].endswith("Z"))

    def test_it_can_create_an_unsubscribed_profile(self) -> None:
        body = self.api(
            "POST",
            "/profiles",
            body={"email": "a@example.com", "subscription": {"status": "unsubscribed"}},
        ).json()
        self.assertEqual(body["subscription"]["status"], "unsubscribed")

    def test_a_taken_email_is_a_conflict_whatever_its_case(self) -> None:
        make_profile(self.acme, email="ada@example.com")
        error = self.assertEnvelope(
            self.api("POST", "/profiles", body={"email": "ADA@example.com"}), 409, "conflict"
        )
        self.assertEqual(error["fields"][0]["path"], "email")
        self.assertEqual(Profile.objects.count(), 1)

    def test_the_same_email_may_exist_in_another_org(self) -> None:
        make_profile(self.globex, email="ada@example.com")
        self.assertEqual(
            self.api("POST", "/profiles", body={"email": "ada@example.com"}).status_code, 201
        )

    def test_a_taken_external_id_is_a_conflict(self) -> None:
        make_profile(self.acme, email="a@example.com", external_id="u-1")
        error = self.assertEnvelope(
            self.api("POST", "/profiles", body={"email": "b@example.com", "externalId": "u-1"}),
            409,
            "conflict",
        )
        self.assertEqual(error["fields"][0]["path"], "externalId")

    def test_it_refuses_bad_input_naming_the_field(self) -> None:
        cases = [
            ({"email": "not-an-email"}, "email"),
            ({}, "email"),
            ({"email": "a@example.com", "nickname": "x"}, "nickname"),
            ({"email": "a@example.com", "attributes": ["not", "an", "object"]}, "attributes"),
            ({"email": "a@example.com", "attributes": "text"}, "attributes"),
            ({"email": "a@example.com", "attributes": {"blob": "x" * (64 * 1024)}}, "attributes"),
            ({"email": "a@example.com", "timezone": "Mars/Olympus"}, "timezone"),
            ({"email": "a@example.com", "locale": "not a locale"}, "locale"),
            # NUL characters, which no PostgreSQL text or jsonb column can hold.
            ({"email": "a@example.com", "firstName": "a\x00"}, "firstName"),
            ({"email": "a@example.com", "externalId": "x\x00"}, "externalId"),
            # ... named down to the value at fault.
            ({"email": "a@example.com", "attributes": {"plan": ["a\x00"]}}, "attributes.plan[0]"),
            ({"email": "a@example.com", "attributes": {"a\x00": 1}}, 'attributes["a\\u0000"]'),
            (
                {"email": "a@example.com", "subscription": {"status": "maybe"}},
                "subscription.status",
            ),
        ]
        for body, path in cases:
            with self.subTest(path=path, body=str(body)[:60]):
                error = self.assertEnvelope(
                    self.api("POST", "/profiles", body=body), 422, "validation_failed"
                )
                self.assertIn(path, [f["path"] for f in error["fields"]])
        self.assertFalse(Profile.objects.exists())

    def test_attributes_of_exactly_64_kib_are_accepted(self) -> None:
        filler = "x" * (64 * 1024 - len('{"blob":""}'))
        response = self.api(
            "POST", "/profiles", body={"email": "a@example.com", "attributes": {"blob": filler}}
        )
        self.assertEqual(response.status_code, 201, response.content[:200])

    def test_it_records_the_first_subscription_in_the_history(self) -> None:
        self.api("POST", "/profiles", body={"email": "a@example.com"})
        change = SubscriptionChange.objects.get()
        self.assertEqual((change.status, change.source), ("subscribed", "api"))


class ProfileUpdateTests(PersonaTestCase):
    def setUp(self) -> None:
        self.profile = make_profile(
            self.acme,
            email="ada@example.com",
            first_name="Ada",
            attributes={"plan": "free", "seats": 1, "tz": "x"},
        )

    def patch(self, body: dict[str, Any]) -> Any:
        return self.api("PATCH", f"/profiles/{self.profile.id}", body=body)

    def test_it_merges_attributes_key_by_key_and_null_deletes(self) -> None:
        body = self.patch({"attributes": {"plan": "pro", "tz": None, "new": [1, 2]}}).json()
        self.assertEqual(body["attributes"], {"plan": "pro", "seats": 1, "new": [1, 2]})
        self.assertEqual(body["firstName"], "Ada")

    def test_it_changes_only_the_fields_sent_and_null_clears(self) -> None:
        body = self.patch({"lastName": "Lovelace", "firstName": None}).json()
        self.assertEqual(body["lastName"], "Lovelace")
        self.assertIsNone(body["firstName"])
        self.assertEqual(body["attributes"], {"plan": "free", "seats": 1, "tz": "x"})

    def test_it_moves_updated_at(self) -> None:
        earlier = timezone.now() - timedelta(hours=1)
        Profile.objects.filter(pk=self.profile.pk).update(updated_at=earlier)
        after = datetime.fromisoformat(self.patch({"locale": "fr"}).json()["updatedAt"])
        self.assertGreater(after, earlier)
        self.assertEqual(self.api("GET", f"/profiles/{self.profile.id}").json()["locale"], "fr")

    def test_changing_the_email_to_a_taken_one_is_a_conflict(self) -> None:
        make_profile(self.acme, email="grace@example.com")
        self.assertEnvelope(self.patch({"email": "Grace@example.com"}), 409, "conflict")
        self.profile.refresh_from_db()
        self.assertEqual(self.profile.email, "ada@example.com")

    def test_it_refuses_bad_input_and_changes_nothing(self) -> None:
        cases = [
            ({"email": None}, "email"),
            ({"email": "nope"}, "email"),
            ({"attributes": [1]}, "attributes"),
            ({"attributes": {"blob": "x" * (64 * 1024)}}, "attributes"),
            ({"favouriteColour": "red"}, "favouriteColour"),
        ]
        for body, path in cases:
            with self.subTest(path=path):
                error = self.assertEnvelope(self.patch(body), 422, "validation_failed")
                self.assertIn(path, [f["path"] for f in error["fields"]])
        self.profile.refresh_from_db()
        self.assertEqual(self.profile.attributes, {"plan": "free", "seats": 1, "tz": "x"})


class ProfileSubscriptionTests(PersonaTestCase):
    def test_it_reads_and_changes_the_subscription_with_history(self) -> None:
        profile = make_profile(self.acme)
        body = self.api("GET", f"/profiles/{profile.id}/subscription").json()
        self.assertEqual(
            (body["object"], body["profileId"], body["status"]),
            ("subscription", profile.id, "subscribed"),
        )
        body = self.api(
            "PUT", f"/profiles/{profile.id}/subscription", body={"status": "unsubscribed"}
        ).json()
        self.assertEqual((body["status"], body["source"]), ("unsubscribed", "api"))
        # Same status again: nothing new in the history.
        self.api("PUT", f"/profiles/{profile.id}/subscription", body={"status": "unsubscribed"})
        self.assertEqual(
            list(profile.subscription_changes.values_list("status", flat=True)),
            ["unsubscribed", "subscribed"],
        )
        self.assertEqual(
            self.api("GET", f"/profiles/{profile.id}").json()["subscription"]["status"],
            "unsubscribed",
        )

    def test_it_refuses_an_unknown_status(self) -> None:
        profile = make_profile(self.acme)
        error = self.assertEnvelope(
            self.api("PUT", f"/profiles/{profile.id}/subscription", body={"status": "paused"}),
            422,
            "validation_failed",
        )
        self.assertEqual(error["fields"][0]["path"], "status")


class ProfileDeleteTests(PersonaTestCase):
    def test_it_erases_the_profile_and_keeps_only_an_anonymous_count(self) -> None:
        profile = make_profile(
            self.acme, email="ada@example.com", first_name="Ada", attributes={"x": 1}
        )
        self.assertEqual(self.api("DELETE", f"/profiles/{profile.id}").status_code, 204)
        self.assertEnvelope(self.api("GET", f"/profiles/{profile.id}"), 404, "not_found")
        self.assertEnvelope(self.api("DELETE", f"/profiles/{profile.id}"), 404, "not_found")
        self.assertFalse(Profile.objects.filter(email="ada@example.com").exists())
        self.assertFalse(SubscriptionChange.objects.exists())
        erasure = ProfileErasure.objects.get()
        self.assertEqual(erasure.organization, self.acme)
        self.assertEqual(erasure.subscription_changes, 1)
        # The email is free again.
        self.assertEqual(
            self.api("POST", "/profiles", body={"email": "ada@example.com"}).status_code, 201
        )


class ProfileListTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.ada = make_profile(cls.acme, email="ada@example.com", external_id="u-1")
        cls.grace = make_profile(
            cls.acme, email="grace@example.com", subscription_status="unsubscribed"
        )
        cls.alan = make_profile(cls.acme, email="alan@example.com")

    def emails(self, query: str = "") -> list[str]:
        response = self.api("GET", f"/profiles{query}")
        self.assertEqual(response.status_code, 200, response.content)
        return [p["email"] for p in response.json()["data"]]

    def test_it_lists_newest_first(self) -> None:
        self.assertEqual(
            self.emails(), ["alan@example.com", "grace@example.com", "ada@example.com"]
        )

    def test_it_filters(self) -> None:
        self.assertEqual(self.emails("?email=ADA@example.com"), ["ada@example.com"])
        self.assertEqual(self.emails("?externalId=u-1"), ["ada@example.com"])
        self.assertEqual(self.emails("?subscriptionStatus=unsubscribed"), ["grace@example.com"])
        self.assertEqual(
            self.emails("?subscriptionStatus=subscribed&limit=1"), ["alan@example.com"]
        )

    def test_it_filters_by_update_time(self) -> None:
        from datetime import timedelta

        from django.utils import timezone

        Profile.objects.filter(pk=self.ada.pk).update(updated_at=timezone.now() - timedelta(days=2))
        since = (timezone.now() - timedelta(days=1)).isoformat().replace("+00:00", "Z")
        self.assertEqual(
            self.emails(f"?updatedSince={since}"), ["alan@example.com", "grace@example.com"]
        )

    def test_it_pages_with_a_cursor(self) -> None:
        first = self.api("GET", "/profiles?limit=2").json()
        self.assertTrue(first["hasMore"])
        second = self.api("GET", f"/profiles?limit=2&after={first['nextCursor']}").json()
        self.assertEqual([p["email"] for p in second["data"]], ["ada@example.com"])
        self.assertFalse(second["hasMore"])

    def test_it_refuses_bad_filters(self) -> None:
        for query, path in [
            ("?subscriptionStatus=maybe", "subscriptionStatus"),
            ("?updatedSince=yesterday", "updatedSince"),
            ("?limit=0", "limit"),
            ("?after=junk", "after"),
        ]:
            with self.subTest(query=query):
                error = self.assertEnvelope(
                    self.api("GET", f"/profiles{query}"), 422, "validation_failed"
                )
                self.assertEqual(error["fields"][0]["path"], path)
