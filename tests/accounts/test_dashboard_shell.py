"""The dashboard shell: home, the sidebar, users without an Organization."""

from __future__ import annotations

from django.urls import reverse

from tests.base import PersonaTestCase
from tests.factories import make_user

SIDEBAR = [
    ("/profiles/", "Profiles"),
    ("/templates/", "Templates"),
    ("/assets/", "Assets"),
    ("/brand-kits/", "Brand Kits"),
    ("/emails/", "Emails"),
    ("/events/", "Events"),
    ("/journeys/", "Journeys"),
    ("/settings/", "Settings"),
]


class HomeTests(PersonaTestCase):
    def test_it_shows_every_sidebar_section(self) -> None:
        self.client.force_login(self.viewer)
        response = self.client.get(reverse("dashboard:home"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, '<nav class="sidebar" aria-label="Sections">')
        for url, label in SIDEBAR:
            with self.subTest(section=label):
                self.assertContains(response, f'<a href="{url}">{label}</a>', html=True)

    def test_it_names_the_current_organization_and_the_users_role(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.get(reverse("dashboard:home"))
        self.assertContains(response, "<h1>Acme</h1>", html=True)
        self.assertContains(response, '<span class="org-name">Acme</span>', html=True)
        self.assertContains(response, "bob@example.com · Member")
        self.assertNotContains(response, "Globex")

    def test_it_shows_another_organization_to_its_owner(self) -> None:
        self.client.force_login(self.charlie)
        response = self.client.get(reverse("dashboard:home"))
        self.assertContains(response, "<h1>Globex</h1>", html=True)
        self.assertNotContains(response, "Acme")

    def test_it_links_each_section_and_the_api_documentation(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.get(reverse("dashboard:home"))
        built_sections = ("profiles:list", "email_templates:list", "assets:list", "brand_kits:list")
        for built in (*built_sections, "emails:list", "events:list", "journeys:list"):
            self.assertContains(response, f'<a class="card" href="{reverse(built)}">')
        self.assertContains(response, f'<a class="card" href="{reverse("api:openapi-view")}">')


class SidebarTests(PersonaTestCase):
    def test_the_sidebar_settings_link_leads_owners_to_api_keys(self) -> None:
        self.client.force_login(self.alice)
        self.assertRedirects(
            self.client.get(reverse("accounts:settings")), reverse("accounts:api_keys")
        )

    def test_the_sidebar_settings_link_leads_members_and_viewers_to_members(self) -> None:
        for user in (self.bob, self.viewer):
            with self.subTest(user=user.email):
                self.client.force_login(user)
                self.assertRedirects(
                    self.client.get(reverse("accounts:settings")), reverse("accounts:members")
                )

    def test_the_members_page_lists_the_organizations_members_only(self) -> None:
        self.client.force_login(self.viewer)
        response = self.client.get(reverse("accounts:members"))
        self.assertEqual(response.status_code, 200)
        for email, role in (
            ("alice@example.com", "Owner"),
            ("bob@example.com", "Member"),
            ("viewer@example.com", "Viewer"),
        ):
            self.assertContains(response, f"<td>{email}</td><td>{role}</td>")
        self.assertNotContains(response, "charlie@example.com")
        # Without settings:manage there is no tab to API keys or sending domains.
        self.assertNotContains(response, reverse("accounts:api_keys"))
        self.assertNotContains(response, reverse("sending:list"))

    def test_the_sending_domains_page_is_for_owners(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.get(reverse("sending:list"))
        self.assertContains(response, "No sending domain yet")
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(reverse("sending:list")).status_code, 403)


class NoOrganizationTests(PersonaTestCase):
    def test_a_user_without_membership_gets_the_not_in_any_organization_page(self) -> None:
        loner = make_user("loner@example.com")
        self.client.force_login(loner)
        response = self.client.get(reverse("dashboard:home"))
        self.assertContains(
            response, "<h1>You are not in any Organization</h1>", status_code=403, html=True
        )
        self.assertContains(response, "--owner-email loner@example.com", status_code=403)
        self.assertNotContains(response, 'class="sidebar"', status_code=403)
        self.assertNotContains(response, "Acme", status_code=403)

    def test_a_user_without_membership_is_refused_every_other_page(self) -> None:
        self.client.force_login(make_user())
        urls = [
            reverse("profiles:list"),
            reverse("accounts:settings"),
            reverse("accounts:api_keys"),
            reverse("accounts:api_key_create"),
            reverse("accounts:members"),
            reverse("accounts:api_key_revoke", args=[self.acme_key.id]),
        ]
        for url in urls:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 403)
                self.assertNotContains(response, "Acme", status_code=403)


class ErrorPageTests(PersonaTestCase):
    def test_a_refused_page_explains_itself_inside_the_dashboard(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.get(reverse("accounts:api_keys"))
        self.assertEqual(response.status_code, 403)
        self.assertContains(response, "Not allowed", status_code=403)
        self.assertContains(response, "does not allow settings:manage", status_code=403)
        self.assertContains(response, 'class="sidebar"', status_code=403)

    def test_an_unknown_page_is_a_dashboard_404_not_an_api_envelope(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.get("/no-such-page/")
        self.assertEqual(response.status_code, 404)
        self.assertContains(response, "Not found", status_code=404)
        self.assertEqual(response["Content-Type"], "text/html; charset=utf-8")

    def test_browsers_asking_for_favicon_ico_get_the_svg_icon(self) -> None:
        response = self.client.get("/favicon.ico")
        self.assertEqual(response.status_code, 301)
        self.assertTrue(response["Location"].endswith("favicon.svg"))
