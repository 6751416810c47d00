from __future__ import annotations

from tests.base import PersonaTestCase


class MeTests(PersonaTestCase):
    def test_it_describes_the_calling_key_and_its_organization(self) -> None:
        key, secret = self.key_with("profiles:read", name="Reader")
        response = self.api("GET", "/me", secret)
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(body["id"], key.id)
        self.assertEqual(body["object"], "api_key")
        self.assertEqual(body["name"], "Reader")
        self.assertEqual(body["scopes"], ["profiles:read"])
        self.assertEqual(body["organization"]["id"], self.acme.id)
        self.assertEqual(body["organization"]["slug"], "acme")
        self.assertTrue(body["createdAt"].endswith("Z"))
        self.assertTrue(response["X-Request-Id"].startswith("req_"))

    def test_it_never_exposes_the_secret_or_its_hash(self) -> None:
        response = self.api("GET", "/me")
        self.assertNotIn(self.acme_secret, response.content.decode())
        self.assertNotIn(self.acme_key.secret_hash, response.content.decode())
