"""Unsubscribe links: the signed token, the confirmation page, RFC 8058 one-click, real HTTP."""

from __future__ import annotations

import http.cookiejar
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any
from unittest import mock

from django.conf import settings
from django.core import signing
from django.test import Client, LiveServerTestCase, override_settings
from django.urls import reverse

from apps.email_templates.rendering import list_unsubscribe_headers
from apps.profiles.actions import delete_profile, set_subscription
from apps.profiles.models import Profile, SubscriptionChange
from apps.profiles.unsubscribe import (
    UNSUBSCRIBE_SALT,
    make_token,
    mask_email,
    profile_for_token,
    unsubscribe_url,
)
from apps.profiles.unsubscribe import one_click_url as absolute_one_click_url
from tests.base import PersonaTestCase
from tests.factories import make_org, make_profile

ONE_CLICK_BODY = {"List-Unsubscribe": "One-Click"}


def csrf_token_of(html: str) -> str:
    """The token of the `csrfmiddlewaretoken` hidden input in a rendered page."""
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match is not None, "no CSRF token in the page"
    return match.group(1)


def page_url(profile: Profile) -> str:
    return reverse("unsubscribe:page", kwargs={"token": make_token(profile)})


def one_click_url(profile: Profile) -> str:
    return reverse("unsubscribe:one_click", kwargs={"token": make_token(profile)})


def tampered(token: str) -> str:
    """The token with the last character of its signature changed."""
    return token[:-1] + ("A" if token[-1] != "A" else "B")


def status_of(profile: Profile) -> str:
    return Profile.objects.get(pk=profile.pk).subscription_status


def link_changes(profile: Profile) -> list[str]:
    """The statuses recorded with source unsubscribe_link, oldest first."""
    changes = SubscriptionChange.objects.filter(profile=profile, source="unsubscribe_link")
    return list(changes.order_by("at", "id").values_list("status", flat=True))


class UnsubscribeTokenTests(PersonaTestCase):
    def setUp(self) -> None:
        self.profile = make_profile(self.acme, email="ada@example.com")

    def test_a_token_leads_back_to_its_profile(self) -> None:
        found = profile_for_token(make_token(self.profile))
        self.assertEqual(found, self.profile)

    def test_each_profile_has_its_own_token(self) -> None:
        other = make_profile(self.acme)
        self.assertNotEqual(make_token(self.profile), make_token(other))
        self.assertEqual(profile_for_token(make_token(other)), other)

    def test_a_tampered_token_finds_nothing(self) -> None:
        self.assertIsNone(profile_for_token(tampered(make_token(self.profile))))
        self.assertIsNone(profile_for_token("not-a-token"))
        self.assertIsNone(profile_for_token(""))

    def test_a_profile_id_signed_with_another_salt_is_not_a_token(self) -> None:
        for signer in (signing.Signer(salt="something.else"), signing.Signer()):
            with self.subTest(salt=signer.salt):
                self.assertIsNone(profile_for_token(signer.sign_object(self.profile.pk)))

    def test_a_validly_signed_value_that_is_not_a_profile_id_finds_nothing(self) -> None:
        signer = signing.Signer(salt=UNSUBSCRIBE_SALT)
        self.assertIsNone(profile_for_token(signer.sign_object(["prof_x"])))
        self.assertIsNone(profile_for_token(signer.sign_object("prof_unknown")))

    def test_a_token_still_works_ten_years_later(self) -> None:
        # Links live on in old emails.
        token = make_token(self.profile)
        later = time.time() + 10 * 365 * 24 * 3600
        with mock.patch("django.core.signing.time.time", return_value=later):
            self.assertEqual(profile_for_token(token), self.profile)

    def test_a_token_survives_a_secret_key_rotation_through_the_fallbacks(self) -> None:
        token = make_token(self.profile)
        old_key = settings.SECRET_KEY
        with override_settings(SECRET_KEY="a-new-secret-key", SECRET_KEY_FALLBACKS=[old_key]):
            self.assertEqual(profile_for_token(token), self.profile)
        with override_settings(SECRET_KEY="a-new-secret-key", SECRET_KEY_FALLBACKS=[]):
            self.assertIsNone(profile_for_token(token))

    @override_settings(SITE_URL="https://mail.example.org")
    def test_the_url_is_absolute_on_site_url(self) -> None:
        url = unsubscribe_url(self.profile)
        self.assertEqual(url, f"https://mail.example.org/u/{make_token(self.profile)}/")

    @override_settings(SITE_URL="https://mail.example.org")
    def test_the_headers_offer_rfc_8058_one_click_over_https(self) -> None:
        headers = list_unsubscribe_headers(absolute_one_click_url(self.profile))
        token = make_token(self.profile)
        self.assertEqual(
            headers,
            {
                "List-Unsubscribe": f"<https://mail.example.org/u/{token}/one-click/>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )

    @override_settings(SITE_URL="http://127.0.0.1:8000")
    def test_the_headers_keep_the_scheme_of_site_url(self) -> None:
        header = list_unsubscribe_headers(absolute_one_click_url(self.profile))["List-Unsubscribe"]
        self.assertTrue(header.startswith("<http://127.0.0.1:8000/u/"), header)

    def test_the_header_url_is_the_one_click_endpoint(self) -> None:
        header = list_unsubscribe_headers(absolute_one_click_url(self.profile))["List-Unsubscribe"]
        path = urllib.parse.urlsplit(header.strip("<>")).path
        response = Client(enforce_csrf_checks=True).post(path, ONE_CLICK_BODY)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(status_of(self.profile), "unsubscribed")

    def test_an_email_is_masked_down_to_its_first_letter_and_domain(self) -> None:
        self.assertEqual(mask_email("ada@example.com"), "a***@example.com")
        self.assertEqual(mask_email("x@example.com"), "x***@example.com")
        self.assertEqual(mask_email("no-at-sign"), "***")


class UnsubscribePageTests(PersonaTestCase):
    def setUp(self) -> None:
        self.profile = make_profile(self.acme, email="ada@example.com")
        self.url = page_url(self.profile)

    def test_the_page_asks_for_confirmation_and_changes_nothing(self) -> None:
        # Mail scanners open every link in a message: a GET must not unsubscribe.
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Unsubscribe from Acme?")
        self.assertContains(response, "a***@example.com")
        self.assertContains(response, '<button type="submit" class="button primary">Unsubscribe')
        self.assertContains(response, 'name="csrfmiddlewaretoken"')
        self.assertNotContains(response, "Resubscribe")
        self.assertEqual(status_of(self.profile), "subscribed")
        self.assertEqual(link_changes(self.profile), [])

    def test_the_page_shows_neither_the_full_email_nor_the_dashboard(self) -> None:
        make_profile(self.acme, email="someone-else@example.com")
        response = self.client.get(self.url)
        self.assertNotContains(response, "ada@example.com")
        self.assertNotContains(response, "someone-else")
        self.assertNotContains(response, self.profile.pk)
        self.assertNotContains(response, 'class="sidebar"')
        self.assertNotContains(response, "/static/")
        self.assertTemplateUsed(response, "profiles/unsubscribe.html")
        self.assertTemplateNotUsed(response, "base.html")

    def test_the_page_loads_nothing_from_elsewhere(self) -> None:
        html = self.client.get(self.url).content.decode()
        self.assertEqual(re.findall(r'(?:src|href)="(?!data:)([^"]+)"', html), [])
        self.assertNotIn("url(", html)

    def test_the_page_is_not_cached_and_not_indexed(self) -> None:
        response = self.client.get(self.url)
        self.assertIn("no-store", response["Cache-Control"])
        self.assertContains(response, '<meta name="robots" content="noindex, nofollow">')

    def test_a_post_unsubscribes_and_records_the_change_as_from_the_link(self) -> None:
        response = self.client.post(self.url, {"status": "unsubscribed"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "You are unsubscribed")
        self.assertContains(response, '<div role="status">')
        self.assertEqual(status_of(self.profile), "unsubscribed")
        self.assertEqual(link_changes(self.profile), ["unsubscribed"])
        profile = Profile.objects.get(pk=self.profile.pk)
        self.assertEqual(profile.subscription_source, "unsubscribe_link")

    def test_an_unsubscribed_profile_is_offered_to_resubscribe(self) -> None:
        set_subscription(self.profile, "unsubscribed", "api")
        response = self.client.get(self.url)
        self.assertContains(response, "You are unsubscribed")
        self.assertContains(response, '<input type="hidden" name="status" value="subscribed">')
        self.assertContains(response, "Resubscribe</button>")
        self.assertNotContains(response, 'role="status"')

    def test_resubscribing_from_the_page_works_and_is_recorded(self) -> None:
        self.client.post(self.url, {"status": "unsubscribed"})
        response = self.client.post(self.url, {"status": "subscribed"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "You are subscribed again")
        self.assertContains(response, "Unsubscribe</button>")
        self.assertEqual(status_of(self.profile), "subscribed")
        self.assertEqual(link_changes(self.profile), ["unsubscribed", "subscribed"])

    def test_posting_the_same_status_twice_records_one_change(self) -> None:
        self.client.post(self.url, {"status": "unsubscribed"})
        response = self.client.post(self.url, {"status": "unsubscribed"})
        self.assertContains(response, "You are unsubscribed")
        self.assertEqual(link_changes(self.profile), ["unsubscribed"])

    def test_an_unknown_status_is_refused_and_changes_nothing(self) -> None:
        for body in ({"status": "deleted"}, {}):
            with self.subTest(body=body):
                response = self.client.post(self.url, body)
                self.assertEqual(response.status_code, 400)
        self.assertEqual(status_of(self.profile), "subscribed")

    def test_the_page_post_needs_the_csrf_token_of_the_page(self) -> None:
        client = Client(enforce_csrf_checks=True)
        client.get(self.url)
        response = client.post(self.url, {"status": "unsubscribed"})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(status_of(self.profile), "subscribed")
        token = csrf_token_of(client.get(self.url).content.decode())
        response = client.post(self.url, {"status": "unsubscribed", "csrfmiddlewaretoken": token})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(status_of(self.profile), "unsubscribed")

    def test_the_page_starts_no_session(self) -> None:
        self.client.get(self.url)
        self.client.post(self.url, {"status": "unsubscribed"})
        self.assertNotIn("sessionid", self.client.cookies)

    def test_a_tampered_token_shows_the_friendly_404_page(self) -> None:
        token = make_token(self.profile)
        for method in ("get", "post"):
            with self.subTest(method=method):
                response = getattr(self.client, method)(
                    reverse("unsubscribe:page", kwargs={"token": tampered(token)}),
                    {"status": "unsubscribed"} if method == "post" else None,
                )
                self.assertEqual(response.status_code, 404)
                self.assertContains(response, "This link is not valid", status_code=404)
                self.assertTemplateUsed(response, "profiles/unsubscribe.html")
        self.assertEqual(status_of(self.profile), "subscribed")

    def test_a_deleted_profiles_link_shows_the_same_404_page_as_a_tampered_one(self) -> None:
        # The same page for both: a link reveals nothing about which Profiles exist.
        bogus = self.client.get(
            reverse("unsubscribe:page", kwargs={"token": tampered(make_token(self.profile))})
        )
        delete_profile(self.profile)
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 404)
        self.assertContains(response, "This link is not valid", status_code=404)
        self.assertNotContains(response, "Acme", status_code=404)
        self.assertEqual(response.content, bogus.content)

    def test_the_link_of_another_organizations_profile_shows_that_organization(self) -> None:
        profile = make_profile(self.globex, email="grace@example.com")
        response = self.client.get(page_url(profile))
        self.assertContains(response, "Unsubscribe from Globex?")
        self.assertNotContains(response, "Acme")

    def test_the_page_escapes_the_organization_name(self) -> None:
        org = make_org("<b>Evil</b> & Co")
        response = self.client.get(page_url(make_profile(org)))
        self.assertContains(response, "&lt;b&gt;Evil&lt;/b&gt; &amp; Co")
        self.assertNotContains(response, "<b>Evil</b>")

    def test_other_methods_are_not_allowed(self) -> None:
        self.assertEqual(self.client.put(self.url).status_code, 405)
        self.assertEqual(self.client.delete(self.url).status_code, 405)


class OneClickTests(PersonaTestCase):
    def setUp(self) -> None:
        self.profile = make_profile(self.acme, email="ada@example.com")
        self.url = one_click_url(self.profile)
        # RFC 8058 senders have no CSRF token: the endpoint must not need one.
        self.client = Client(enforce_csrf_checks=True)

    def test_one_click_unsubscribes_without_a_csrf_token(self) -> None:
        response = self.client.post(self.url, ONE_CLICK_BODY)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, b"Unsubscribed.")
        self.assertEqual(status_of(self.profile), "unsubscribed")
        self.assertEqual(link_changes(self.profile), ["unsubscribed"])

    def test_one_click_accepts_a_urlencoded_and_a_multipart_body(self) -> None:
        urlencoded = self.client.post(
            self.url,
            "List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        )
        self.assertEqual(urlencoded.status_code, 200)
        set_subscription(self.profile, "subscribed", "api")
        multipart = self.client.post(self.url, ONE_CLICK_BODY)  # the test client's default
        self.assertEqual(multipart.status_code, 200)
        self.assertEqual(status_of(self.profile), "unsubscribed")

    def test_one_click_twice_is_fine_and_records_one_change(self) -> None:
        first = self.client.post(self.url, ONE_CLICK_BODY)
        second = self.client.post(self.url, ONE_CLICK_BODY)
        self.assertEqual((first.status_code, second.status_code), (200, 200))
        self.assertEqual(link_changes(self.profile), ["unsubscribed"])

    def test_one_click_without_the_one_click_body_is_400_and_changes_nothing(self) -> None:
        bodies: list[dict[str, Any]] = [
            {"data": {}},
            {"data": {"List-Unsubscribe": "one-click"}},
            {"data": {"Unsubscribe": "One-Click"}},
            {"data": '{"List-Unsubscribe": "One-Click"}', "content_type": "application/json"},
            {"data": "List-Unsubscribe=One-Click", "content_type": "text/plain"},
        ]
        for kwargs in bodies:
            with self.subTest(**kwargs):
                response = self.client.post(self.url, **kwargs)
                self.assertEqual(response.status_code, 400)
        self.assertEqual(status_of(self.profile), "subscribed")
        self.assertEqual(link_changes(self.profile), [])

    def test_one_click_get_shows_the_confirmation_page_and_changes_nothing(self) -> None:
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Unsubscribe from Acme?")
        # Its button posts to the page, which takes a CSRF token, not to the one-click endpoint.
        self.assertContains(response, f'action="{page_url(self.profile)}"')
        self.assertEqual(status_of(self.profile), "subscribed")

    def test_one_click_with_a_tampered_token_is_404(self) -> None:
        url = reverse("unsubscribe:one_click", kwargs={"token": tampered(make_token(self.profile))})
        response = self.client.post(url, ONE_CLICK_BODY)
        self.assertEqual(response.status_code, 404)
        self.assertContains(self.client.get(url), "This link is not valid", status_code=404)
        self.assertEqual(status_of(self.profile), "subscribed")

    def test_one_click_for_a_deleted_profile_is_404(self) -> None:
        delete_profile(self.profile)
        self.assertEqual(self.client.post(self.url, ONE_CLICK_BODY).status_code, 404)

    def test_one_click_starts_no_session_and_sets_no_cookie(self) -> None:
        response = self.client.post(self.url, ONE_CLICK_BODY)
        self.assertEqual(list(response.cookies), [])


class UnsubscribeOverHttpTests(LiveServerTestCase):
    """The acceptance point: a real HTTP request, with no session, unsubscribes."""

    def setUp(self) -> None:
        self.profile = make_profile(make_org("Acme"), email="ada@example.com")
        self.cookies = http.cookiejar.CookieJar()
        # Like a browser or a mail provider: keeps cookies it is given, sends no others.
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def request(
        self, path: str, body: dict[str, str] | None = None, **headers: str
    ) -> tuple[int, str]:
        data = urllib.parse.urlencode(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - the local live server
            f"{self.live_server_url}{path}", data=data, headers=headers
        )
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def cookie_names(self) -> set[str]:
        return {cookie.name for cookie in self.cookies}

    def test_one_click_over_http_unsubscribes_with_no_cookie_at_all(self) -> None:
        header = list_unsubscribe_headers(absolute_one_click_url(self.profile))["List-Unsubscribe"]
        path = urllib.parse.urlsplit(header.strip("<>")).path
        status, body = self.request(path, ONE_CLICK_BODY)
        self.assertEqual((status, body), (200, "Unsubscribed."))
        self.assertEqual(status_of(self.profile), "unsubscribed")
        self.assertEqual(link_changes(self.profile), ["unsubscribed"])
        self.assertEqual(self.cookie_names(), set())

    def test_one_click_over_http_without_the_body_is_400(self) -> None:
        status, _ = self.request(one_click_url(self.profile), {"other": "value"})
        self.assertEqual(status, 400)
        self.assertEqual(status_of(self.profile), "subscribed")

    def test_the_page_over_http_unsubscribes_with_the_csrf_cookie_and_token_of_its_get(
        self,
    ) -> None:
        url = page_url(self.profile)
        status, html = self.request(url)
        self.assertEqual(status, 200)
        self.assertIn("Unsubscribe from Acme?", html)
        self.assertEqual(status_of(self.profile), "subscribed")
        self.assertEqual(self.cookie_names(), {"csrftoken"})

        token = csrf_token_of(html)
        # A browser posting the form sends its Origin; the CSRF check compares it with the host.
        status, html = self.request(
            url,
            {"csrfmiddlewaretoken": token, "status": "unsubscribed"},
            Origin=self.live_server_url,
        )
        self.assertEqual(status, 200)
        self.assertIn("You are unsubscribed", html)
        self.assertEqual(status_of(self.profile), "unsubscribed")
        self.assertEqual(link_changes(self.profile), ["unsubscribed"])
        self.assertNotIn("sessionid", self.cookie_names())

    def test_the_page_over_http_refuses_a_post_without_the_csrf_token(self) -> None:
        url = page_url(self.profile)
        self.request(url)
        status, _ = self.request(url, {"status": "unsubscribed"})
        self.assertEqual(status, 403)
        self.assertEqual(status_of(self.profile), "subscribed")

    def test_a_deleted_profiles_link_over_http_is_the_404_page(self) -> None:
        url = page_url(self.profile)
        delete_profile(self.profile)
        status, html = self.request(url)
        self.assertEqual(status, 404)
        self.assertIn("This link is not valid", html)
