"""The Organization switcher for users who belong to more than one Organization."""

from __future__ import annotations

from django.urls import reverse

from apps.accounts import permissions
from apps.accounts.middleware import SESSION_KEY
from tests.base import PersonaTestCase
from tests.factories import make_membership

SWITCH_URL = "/switch-org/"


class OrganizationSwitcherTests(PersonaTestCase):
    def setUp(self) -> None:
        # alice owns Acme and is also an admin of Globex.
        make_membership(self.alice, self.globex, permissions.ADMIN)
        self.client.force_login(self.alice)

    def test_it_offers_every_organization_of_the_user(self) -> None:
        response = self.client.get(reverse("dashboard:home"))
        self.assertContains(response, f'<form method="post" action="{SWITCH_URL}"')
        self.assertContains(response, '<option value="acme" selected>Acme</option>', html=True)
        self.assertContains(response, '<option value="globex">Globex</option>', html=True)

    def test_it_does_not_offer_a_switcher_to_a_user_of_one_organization(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.get(reverse("dashboard:home"))
        self.assertNotContains(response, SWITCH_URL)
        self.assertNotContains(response, "Globex")

    def test_it_switches_and_the_next_pages_show_the_other_organization(self) -> None:
        response = self.client.post(SWITCH_URL, {"org": "globex"})
        self.assertRedirects(response, reverse("dashboard:home"), fetch_redirect_response=False)
        self.assertEqual(self.client.session[SESSION_KEY], self.globex.id)

        home = self.client.get(reverse("dashboard:home"))
        self.assertContains(home, "<h1>Globex</h1>", html=True)
        self.assertContains(home, "alice@example.com · Admin")
        self.assertContains(home, '<option value="globex" selected>Globex</option>', html=True)
        self.assertContains(home, "Switched to Globex.")

        keys = self.client.get(reverse("accounts:api_keys"))
        self.assertContains(keys, "Globex full")
        self.assertNotContains(keys, "Acme full")
        members = self.client.get(reverse("accounts:members"))
        self.assertContains(members, "charlie@example.com")
        self.assertNotContains(members, "bob@example.com")

    def test_it_switches_back(self) -> None:
        self.client.post(SWITCH_URL, {"org": "globex"})
        self.client.post(SWITCH_URL, {"org": "acme"})
        home = self.client.get(reverse("dashboard:home"))
        self.assertContains(home, "<h1>Acme</h1>", html=True)
        self.assertContains(home, "alice@example.com · Owner")

    def test_the_role_follows_the_organization(self) -> None:
        # bob is a plain member of Acme but an owner of Globex: settings open up after switching.
        make_membership(self.bob, self.globex, permissions.OWNER)
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(reverse("accounts:api_keys")).status_code, 403)
        self.client.post(SWITCH_URL, {"org": "globex"})
        self.assertContains(self.client.get(reverse("accounts:api_keys")), "Globex full")

    def test_it_is_404_for_an_organization_the_user_is_not_a_member_of(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.post(SWITCH_URL, {"org": "globex"})
        self.assertEqual(response.status_code, 404)
        self.assertNotIn(SESSION_KEY, self.client.session)
        home = self.client.get(reverse("dashboard:home"))
        self.assertContains(home, "<h1>Acme</h1>", html=True)

    def test_it_is_404_for_an_unknown_organization(self) -> None:
        response = self.client.post(SWITCH_URL, {"org": "no-such-org"})
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.client.post(SWITCH_URL).status_code, 404)

    def test_it_only_switches_on_post(self) -> None:
        response = self.client.get(SWITCH_URL, {"org": "globex"})
        self.assertEqual(response.status_code, 405)
        self.assertNotIn(SESSION_KEY, self.client.session)

    def test_it_falls_back_to_a_remaining_organization_after_losing_membership(self) -> None:
        self.client.post(SWITCH_URL, {"org": "globex"})
        self.alice.memberships.filter(organization=self.globex).delete()
        home = self.client.get(reverse("dashboard:home"))
        self.assertContains(home, "<h1>Acme</h1>", html=True)
        self.assertEqual(self.client.get(reverse("accounts:api_keys")).status_code, 200)
