"""The persona base case (style.md → Tests): alice, bob, viewer in Acme; charlie in Globex."""

from __future__ import annotations

from typing import Any

from django.test import TestCase

from apps.accounts import permissions
from apps.accounts.models import ApiKey

from .factories import make_api_key, make_membership, make_org, make_user


class PersonaTestCase(TestCase):
    """alice owns Acme, bob is a member of Acme, viewer can only read Acme, charlie owns Globex."""

    password = "password"

    @classmethod
    def setUpTestData(cls) -> None:
        cls.acme = make_org("Acme", slug="acme")
        cls.globex = make_org("Globex", slug="globex")
        cls.alice = make_user("alice@example.com", cls.password)
        cls.bob = make_user("bob@example.com", cls.password)
        cls.viewer = make_user("viewer@example.com", cls.password)
        cls.charlie = make_user("charlie@example.com", cls.password)
        make_membership(cls.alice, cls.acme, permissions.OWNER)
        make_membership(cls.bob, cls.acme, permissions.MEMBER)
        make_membership(cls.viewer, cls.acme, permissions.VIEWER)
        make_membership(cls.charlie, cls.globex, permissions.OWNER)
        cls.acme_key, cls.acme_secret = make_api_key(cls.acme, "all", name="Acme full")
        cls.globex_key, cls.globex_secret = make_api_key(cls.globex, "all", name="Globex full")

    def key_with(self, *scopes: str, org: Any = None, **kw: Any) -> tuple[ApiKey, str]:
        return make_api_key(org or self.acme, list(scopes), **kw)

    def api(
        self, method: str, path: str, secret: str | None = None, body: Any = None, **headers: Any
    ) -> Any:
        """Call /api/v1 with the given key (Acme's full key by default) and a JSON body."""
        if secret is None:
            secret = self.acme_secret
        if secret:
            headers["x-api-key"] = secret
        kwargs: dict[str, Any] = {"headers": headers}
        if body is not None:
            kwargs["data"] = body
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method.lower())(f"/api/v1{path}", **kwargs)

    def assertEnvelope(self, response: Any, status: int, error_code: str) -> dict[str, Any]:  # noqa: N802
        self.assertEqual(response.status_code, status, response.content)
        body = response.json()
        self.assertEqual(body["error"]["errorCode"], error_code, body)
        self.assertTrue(body["error"]["requestId"].startswith("req_"))
        self.assertEqual(body["error"]["requestId"], response["X-Request-Id"])
        self.assertIsInstance(body["error"]["message"], str)
        return body["error"]
