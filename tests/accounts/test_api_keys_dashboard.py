"""Settings → API keys in the dashboard: who may see them, minting, validation and revoking."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts import permissions
from apps.accounts.actions import find_api_key
from apps.accounts.models import ApiKey
from segmentflow import scopes
from tests.base import PersonaTestCase
from tests.factories import make_membership, make_user

HTMX = {"HX-Request": "true"}
RAW_KEY = re.compile(r"sf_live_[A-Za-z0-9]{44}")
LIST_URL = "/settings/api-keys/"
CREATE_URL = "/settings/api-keys/new/"


def revoke_url(key: ApiKey) -> str:
    return reverse("accounts:api_key_revoke", args=[key.id])


def raw_key_in(response: HttpResponse) -> str:
    """The one `sf_live_…` key a "key created" response shows."""
    keys = set(RAW_KEY.findall(response.content.decode()))
    assert len(keys) == 1, keys
    return keys.pop()


class ApiKeyAccessTests(PersonaTestCase):
    def test_owners_and_admins_see_the_keys_of_their_organization(self) -> None:
        admin = make_user("admin@example.com")
        make_membership(admin, self.acme, permissions.ADMIN)
        for user in (self.alice, admin):
            with self.subTest(user=user.email):
                self.client.force_login(user)
                response = self.client.get(LIST_URL)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, "<td>Acme full</td>", html=True)
                self.assertContains(response, f"<code>{self.acme_key.display_prefix}…</code>")
                self.assertNotContains(response, "Globex full")
                self.assertNotContains(response, self.globex_key.display_prefix)

    def test_members_and_viewers_get_403_on_every_key_page(self) -> None:
        for user in (self.bob, self.viewer):
            self.client.force_login(user)
            for method, url in (
                ("get", LIST_URL),
                ("get", CREATE_URL),
                ("post", CREATE_URL),
                ("get", revoke_url(self.acme_key)),
                ("post", revoke_url(self.acme_key)),
            ):
                with self.subTest(user=user.email, method=method, url=url):
                    data = {"name": "Sneaky", "scopes": ["profiles:read"]}
                    response = getattr(self.client, method)(url, data if method == "post" else None)
                    self.assertEqual(response.status_code, 403)
        self.acme_key.refresh_from_db()
        self.assertIsNone(self.acme_key.revoked_at)
        self.assertFalse(ApiKey.objects.filter(name="Sneaky").exists())

    def test_members_and_viewers_are_not_shown_a_link_to_api_keys(self) -> None:
        for user in (self.bob, self.viewer):
            with self.subTest(user=user.email):
                self.client.force_login(user)
                response = self.client.get(reverse("accounts:members"))
                self.assertNotContains(response, LIST_URL)

    def test_the_list_shows_an_empty_state_without_keys(self) -> None:
        self.acme.api_keys.all().delete()
        self.client.force_login(self.alice)
        response = self.client.get(LIST_URL)
        self.assertContains(response, "<h2>No API keys yet</h2>", html=True)
        self.assertContains(response, f'href="{CREATE_URL}"')


class MintApiKeyTests(PersonaTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.alice)

    def mint(self, headers: dict[str, str] | None = None, **data: Any) -> HttpResponse:
        data.setdefault("name", "Billing backend")
        data.setdefault("scopes", ["profiles:read", "emails:send"])
        return self.client.post(CREATE_URL, data, headers=headers or {})

    def test_it_offers_every_api_scope_to_an_owner(self) -> None:
        response = self.client.get(CREATE_URL)
        self.assertEqual(response.status_code, 200)
        for scope in scopes.API_SCOPES:
            self.assertContains(response, f'value="{scope}"')
        self.assertNotContains(response, scopes.MANAGE_SETTINGS)

    def test_it_mints_a_key_with_the_chosen_scopes_and_shows_it_once(self) -> None:
        response = self.mint()
        self.assertEqual(response.status_code, 200)
        raw_key = raw_key_in(response)
        self.assertContains(response, "it is shown only this once")
        api_key = ApiKey.objects.get(name="Billing backend")
        self.assertEqual(api_key.organization, self.acme)
        self.assertEqual(api_key.scopes, ["profiles:read", "emails:send"])
        self.assertEqual(api_key.created_by, self.alice)
        self.assertIsNone(api_key.rate_limit)
        self.assertIsNone(api_key.expires_at)
        self.assertEqual(find_api_key(raw_key), api_key)

    def test_the_database_stores_only_the_hash_of_the_key(self) -> None:
        raw_key = raw_key_in(self.mint())
        secret = raw_key[-32:]
        row = ApiKey.objects.filter(name="Billing backend").values().get()
        self.assertEqual(row["secret_hash"], hashlib.sha256(raw_key.encode()).hexdigest())
        for column, value in row.items():
            with self.subTest(column=column):
                self.assertNotIn(raw_key, str(value))
                self.assertNotIn(secret, str(value))

    def test_the_list_never_shows_the_key_again(self) -> None:
        raw_key = raw_key_in(self.mint())
        api_key = ApiKey.objects.get(name="Billing backend")
        for url in (LIST_URL, revoke_url(api_key), CREATE_URL):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertNotContains(response, raw_key[-32:])
                self.assertIsNone(RAW_KEY.search(response.content.decode()))
        listing = self.client.get(LIST_URL)
        self.assertContains(listing, f"<code>{api_key.display_prefix}…</code>")
        self.assertContains(listing, '<span class="tag">emails:send</span>')

    def test_it_stores_a_rate_limit_and_an_expiry(self) -> None:
        expires = (timezone.now() + timedelta(days=30)).replace(second=0, microsecond=0)
        self.mint(rate_limit="25", expires_at=expires.strftime("%Y-%m-%dT%H:%M"))
        api_key = ApiKey.objects.get(name="Billing backend")
        self.assertEqual(api_key.rate_limit, 25)
        self.assertEqual(api_key.expires_at, expires)
        self.assertContains(self.client.get(LIST_URL), "25/s")

    def test_it_stores_a_rate_limit_of_zero_as_no_limit(self) -> None:
        self.mint(rate_limit="0")
        self.assertEqual(ApiKey.objects.get(name="Billing backend").rate_limit, 0)
        self.assertContains(self.client.get(LIST_URL), "<td>none</td>", html=True)

    def test_an_htmx_mint_returns_only_the_created_fragment(self) -> None:
        response = self.mint(headers=HTMX)
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertTrue(html.lstrip().startswith('<nav class="breadcrumbs"'))
        self.assertIn('<div id="key-form" class="key-created">', html)
        # It replaces the page's content, heading included, instead of nesting in the form.
        self.assertEqual(response["HX-Retarget"], "#content")
        self.assertEqual(response["HX-Reswap"], "innerHTML")
        self.assertNotIn("<html", html)
        self.assertNotIn('class="sidebar"', html)
        api_key = find_api_key(raw_key_in(response))
        assert api_key is not None
        self.assertEqual(api_key.name, "Billing backend")

    def test_it_escapes_the_key_name(self) -> None:
        self.mint(name="<script>alert(1)</script>")
        response = self.client.get(LIST_URL)
        self.assertNotContains(response, "<script>alert(1)</script>")
        self.assertContains(response, "&lt;script&gt;alert(1)&lt;/script&gt;")


class InvalidApiKeyFormTests(PersonaTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.alice)
        self.keys_before = ApiKey.objects.count()

    def post(self, data: dict[str, Any], headers: dict[str, str] | None = None) -> HttpResponse:
        return self.client.post(CREATE_URL, data, headers=headers or {})

    def assertFieldError(self, response: HttpResponse, field: str, message: str) -> None:  # noqa: N802
        self.assertEqual(response.status_code, 422)
        self.assertEqual(ApiKey.objects.count(), self.keys_before)
        error = response.context["form"].errors[field][0]
        self.assertIn(message, error)
        self.assertContains(
            response, f'<p class="field-error" role="alert">{error}</p>', status_code=422
        )
        self.assertContains(response, "Please correct the errors below.", status_code=422)

    def test_it_requires_a_name(self) -> None:
        response = self.post({"name": "  ", "scopes": ["profiles:read"]})
        self.assertFieldError(response, "name", "This field is required.")

    def test_it_requires_a_scope(self) -> None:
        response = self.post({"name": "No scopes"})
        self.assertFieldError(response, "scopes", "This field is required.")

    def test_it_refuses_a_negative_rate_limit(self) -> None:
        response = self.post({"name": "Neg", "scopes": ["profiles:read"], "rate_limit": "-1"})
        self.assertFieldError(
            response, "rate_limit", "Ensure this value is greater than or equal to 0."
        )

    def test_it_refuses_an_expiry_in_the_past(self) -> None:
        past = (timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
        response = self.post({"name": "Old", "scopes": ["profiles:read"], "expires_at": past})
        self.assertFieldError(response, "expires_at", "must be in the future")

    def test_it_reports_every_error_of_an_empty_post(self) -> None:
        response = self.post({})
        self.assertFieldError(response, "name", "This field is required.")
        self.assertFieldError(response, "scopes", "This field is required.")

    def test_it_keeps_what_was_typed(self) -> None:
        response = self.post({"name": "Half done", "rate_limit": "-5"})
        self.assertContains(response, 'value="Half done"', status_code=422)
        self.assertContains(response, 'value="-5"', status_code=422)

    def test_it_refuses_a_forged_scope_outside_the_choices(self) -> None:
        for forged in ("settings:manage", "admin:all", "all"):
            with self.subTest(scope=forged):
                response = self.post({"name": "Forged", "scopes": ["profiles:read", forged]})
                self.assertEqual(response.status_code, 422)
                self.assertIn("scopes", response.context["form"].errors)
        self.assertFalse(ApiKey.objects.filter(name="Forged").exists())

    def test_an_invalid_htmx_post_returns_the_form_fragment_only(self) -> None:
        response = self.post({"name": "", "scopes": ["profiles:read"]}, headers=HTMX)
        self.assertEqual(response.status_code, 422)
        html = response.content.decode()
        self.assertTrue(html.lstrip().startswith('<form id="key-form"'), html[:200])
        self.assertTrue(html.rstrip().endswith("</form>"), html[-200:])
        self.assertNotIn("<html", html)
        self.assertNotIn("<h1>", html)
        self.assertIn('<p class="field-error" role="alert">This field is required.</p>', html)
        self.assertEqual(ApiKey.objects.count(), self.keys_before)

    def test_an_invalid_plain_post_returns_the_whole_page(self) -> None:
        response = self.post({"name": "", "scopes": ["profiles:read"]})
        self.assertContains(response, "<h1>Create API key</h1>", status_code=422, html=True)
        self.assertContains(response, 'class="sidebar"', status_code=422)

    def test_an_invalid_boosted_post_returns_the_whole_page(self) -> None:
        response = self.post(
            {"name": "", "scopes": ["profiles:read"]}, headers={**HTMX, "HX-Boosted": "true"}
        )
        self.assertContains(response, "<h1>Create API key</h1>", status_code=422, html=True)


class RevokeApiKeyTests(PersonaTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.alice)
        self.key, self.secret = self.key_with("profiles:read", name="To revoke")

    def test_get_shows_a_confirmation_page_and_revokes_nothing(self) -> None:
        response = self.client.get(revoke_url(self.key))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "<h1>Revoke “To revoke”?</h1>", html=True)
        self.assertContains(response, f"<code>{self.key.display_prefix}…</code>")
        self.assertContains(response, '<form method="post">')
        self.key.refresh_from_db()
        self.assertIsNone(self.key.revoked_at)
        self.assertEqual(self.api("GET", "/me", self.secret).status_code, 200)

    def test_revoking_via_htmx_returns_the_updated_row_and_the_key_stops_working(self) -> None:
        self.assertEqual(self.api("GET", "/me", self.secret).status_code, 200)
        response = self.client.post(revoke_url(self.key), headers=HTMX)
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertTrue(html.lstrip().startswith(f'<tr id="key-{self.key.id}">'), html[:200])
        self.assertNotIn("<html", html)
        self.assertIn('<span class="status status-off">revoked', html)
        # A revoked key has no Revoke button any more.
        self.assertNotIn(revoke_url(self.key), html)
        self.key.refresh_from_db()
        self.assertIsNotNone(self.key.revoked_at)
        self.assertEnvelope(self.api("GET", "/me", self.secret), 401, "invalid_api_key")
        # Other keys keep working.
        self.assertEqual(self.api("GET", "/me").status_code, 200)

    def test_revoking_with_a_plain_post_redirects_to_the_list(self) -> None:
        response = self.client.post(revoke_url(self.key))
        self.assertRedirects(response, LIST_URL, fetch_redirect_response=False)
        listing = self.client.get(LIST_URL)
        self.assertContains(listing, "API key “To revoke” revoked.")
        self.assertEnvelope(self.api("GET", "/me", self.secret), 401, "invalid_api_key")

    def test_revoking_twice_keeps_the_first_time(self) -> None:
        self.client.post(revoke_url(self.key))
        self.key.refresh_from_db()
        first = self.key.revoked_at
        self.client.post(revoke_url(self.key))
        self.key.refresh_from_db()
        self.assertEqual(self.key.revoked_at, first)

    def test_it_refuses_a_key_of_another_org(self) -> None:
        for method in ("get", "post"):
            with self.subTest(method=method):
                response = getattr(self.client, method)(revoke_url(self.globex_key), headers=HTMX)
                self.assertEqual(response.status_code, 404)
        self.globex_key.refresh_from_db()
        self.assertIsNone(self.globex_key.revoked_at)
        self.assertEqual(self.api("GET", "/me", self.globex_secret).status_code, 200)

    def test_it_is_404_for_an_unknown_key(self) -> None:
        self.assertEqual(self.client.post("/settings/api-keys/key_nope/revoke/").status_code, 404)

    def test_an_expired_key_is_listed_as_expired_without_revoke_button(self) -> None:
        ApiKey.objects.filter(pk=self.key.pk).update(expires_at=datetime(2020, 1, 1, tzinfo=UTC))
        response = self.client.get(LIST_URL)
        self.assertContains(response, '<span class="status status-off">expired</span>', html=True)
        self.assertNotContains(response, revoke_url(self.key))
        self.assertContains(response, revoke_url(self.acme_key))


class ApiKeyCsrfTests(PersonaTestCase):
    def test_an_htmx_revoke_passes_csrf_with_the_token_from_hx_headers(self) -> None:
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.alice)
        page = client.get(LIST_URL).content.decode()
        match = re.search(r"""hx-headers='\{"X-CSRFToken": "([^"]+)"\}'""", page)
        assert match is not None, "no CSRF token in hx-headers"
        refused = client.post(revoke_url(self.acme_key), headers=HTMX)
        self.assertEqual(refused.status_code, 403)
        response = client.post(
            revoke_url(self.acme_key), headers={**HTMX, "X-CSRFToken": match.group(1)}
        )
        self.assertEqual(response.status_code, 200)
        self.acme_key.refresh_from_db()
        self.assertIsNotNone(self.acme_key.revoked_at)
