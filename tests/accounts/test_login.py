"""Logging in and out of the dashboard, and the login wall in front of every page."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from tests.base import PersonaTestCase

LOGIN_URL = "/login/"


def csrf_token_of(html: str) -> str:
    """The token of the `csrfmiddlewaretoken` hidden input in a rendered page."""
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match is not None, "no CSRF token in the page"
    return match.group(1)


class LoginTests(PersonaTestCase):
    def test_it_shows_a_login_form_asking_for_email_and_password(self) -> None:
        response = self.client.get(LOGIN_URL)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, '<input type="email" name="username"')
        self.assertContains(response, '<input type="password" name="password"')
        self.assertNotContains(response, 'class="sidebar"')

    def test_it_logs_in_through_the_real_form_with_its_csrf_token(self) -> None:
        client = Client(enforce_csrf_checks=True)
        token = csrf_token_of(client.get(LOGIN_URL).content.decode())
        response = client.post(
            LOGIN_URL,
            {
                "username": "alice@example.com",
                "password": self.password,
                "csrfmiddlewaretoken": token,
            },
        )
        self.assertRedirects(response, reverse("dashboard:home"))
        home = client.get(reverse("dashboard:home"))
        self.assertContains(home, "<h1>Acme</h1>", html=True)
        self.assertContains(home, "alice@example.com")

    def test_it_refuses_a_post_without_csrf_token(self) -> None:
        client = Client(enforce_csrf_checks=True)
        client.get(LOGIN_URL)
        response = client.post(
            LOGIN_URL, {"username": "alice@example.com", "password": self.password}
        )
        self.assertEqual(response.status_code, 403)
        self.assertNotIn("_auth_user_id", client.session)

    def test_it_shows_an_error_for_a_wrong_password(self) -> None:
        response = self.client.post(
            LOGIN_URL, {"username": "alice@example.com", "password": "not-her-password"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'class="errornote" role="alert"')
        self.assertContains(response, "Please enter a correct email address and password")
        # The email is kept so the user only retypes the password.
        self.assertContains(response, 'value="alice@example.com"')
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_it_shows_an_error_for_an_unknown_email(self) -> None:
        response = self.client.post(
            LOGIN_URL, {"username": "nobody@example.com", "password": self.password}
        )
        self.assertContains(response, "Please enter a correct email address and password")
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_it_accepts_the_email_in_any_case(self) -> None:
        response = self.client.post(
            LOGIN_URL, {"username": "Alice@Example.COM", "password": self.password}
        )
        self.assertRedirects(response, reverse("dashboard:home"))
        self.assertEqual(self.client.session["_auth_user_id"], str(self.alice.pk))

    def test_it_returns_to_the_page_asked_for_after_login(self) -> None:
        api_keys = reverse("accounts:api_keys")
        wall = self.client.get(api_keys)
        self.assertRedirects(wall, f"{LOGIN_URL}?next={api_keys}")
        form = self.client.get(wall["Location"])
        self.assertContains(form, f'<input type="hidden" name="next" value="{api_keys}">')
        response = self.client.post(
            LOGIN_URL,
            {"username": "alice@example.com", "password": self.password, "next": api_keys},
        )
        self.assertRedirects(response, api_keys)

    def test_it_sends_a_signed_in_user_from_the_login_page_to_home(self) -> None:
        self.client.force_login(self.alice)
        self.assertRedirects(self.client.get(LOGIN_URL), reverse("dashboard:home"))


class LogoutTests(PersonaTestCase):
    def test_it_logs_out_on_post(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.post("/logout/")
        self.assertRedirects(response, LOGIN_URL)
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertRedirects(self.client.get(reverse("dashboard:home")), f"{LOGIN_URL}?next=/")

    def test_it_does_not_log_out_on_get(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.get("/logout/")
        self.assertEqual(response.status_code, 405)
        self.assertEqual(self.client.session["_auth_user_id"], str(self.alice.pk))

    def test_every_page_has_a_logout_button_that_posts(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.get(reverse("dashboard:home"))
        self.assertContains(response, '<form method="post" action="/logout/" class="inline">')


class LoginWallTests(PersonaTestCase):
    def dashboard_urls(self) -> list[str]:
        return [
            reverse("dashboard:home"),
            reverse("profiles:list"),
            reverse("assets:list"),
            reverse("brand_kits:list"),
            reverse("brand_kits:create"),
            reverse("email_templates:list"),
            reverse("email_templates:create"),
            reverse("emails:list"),
            reverse("events:list"),
            reverse("journeys:list"),
            reverse("accounts:settings"),
            reverse("accounts:api_keys"),
            reverse("accounts:api_key_create"),
            reverse("accounts:api_key_revoke", args=[self.acme_key.id]),
            reverse("accounts:members"),
            reverse("sending:list"),
        ]

    def test_every_dashboard_page_redirects_to_the_login_page(self) -> None:
        for url in self.dashboard_urls():
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertRedirects(response, f"{LOGIN_URL}?next={url}")

    def test_every_dashboard_write_redirects_to_the_login_page(self) -> None:
        writes = [
            reverse("accounts:switch_org"),
            reverse("accounts:api_key_create"),
            reverse("accounts:api_key_revoke", args=[self.acme_key.id]),
        ]
        for url in writes:
            with self.subTest(url=url):
                response = self.client.post(
                    url, {"org": "acme", "name": "x", "scopes": ["profiles:read"]}
                )
                self.assertRedirects(response, f"{LOGIN_URL}?next={url}")
        self.acme_key.refresh_from_db()
        self.assertIsNone(self.acme_key.revoked_at)
        self.assertEqual(self.acme.api_keys.count(), 1)
