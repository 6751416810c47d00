"""Settings → Sending domains in the dashboard: owners and admins only, the records with copy
buttons and their problems in words, Verify now in place, rotate, delete."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from apps.accounts import permissions
from apps.sending.models import SendingDomain
from tests.factories import make_membership, make_user

from .helpers import DnsTestCase, fresh, record_of

HTMX = {"HX-Request": "true"}


class DomainDashboardTests(DnsTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.domain = self.add_domain()

    def urls(self) -> list[tuple[str, str]]:
        pk = self.domain.pk
        return [
            ("GET", reverse("sending:list")),
            ("POST", reverse("sending:create")),
            ("GET", reverse("sending:detail", args=[pk])),
            ("POST", reverse("sending:verify", args=[pk])),
            ("POST", reverse("sending:rotate", args=[pk])),
            ("GET", reverse("sending:delete", args=[pk])),
            ("POST", reverse("sending:delete", args=[pk])),
        ]

    def test_members_and_viewers_are_refused_every_page(self) -> None:
        for user in (self.bob, self.viewer):
            self.client.force_login(user)
            for method, url in self.urls():
                with self.subTest(user=user.email, url=f"{method} {url}"):
                    response = getattr(self.client, method.lower())(url, {"domain": "x.example"})
                    self.assertEqual(response.status_code, 403)
        self.assertEqual(SendingDomain.objects.count(), 1)
        self.assertEqual(fresh(self.domain).dkim_keys.count(), 1)

    def test_another_organizations_owner_gets_404(self) -> None:
        self.client.force_login(self.charlie)
        for method, url in self.urls()[2:]:
            with self.subTest(url=f"{method} {url}"):
                self.assertEqual(getattr(self.client, method.lower())(url).status_code, 404)
        self.assertTrue(SendingDomain.objects.filter(pk=self.domain.pk).exists())

    def test_the_owner_adds_a_domain_and_lands_on_its_records(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.post(reverse("sending:create"), {"domain": "Mail.Acme.example"})
        added = SendingDomain.objects.get(domain="mail.acme.example")
        self.assertRedirects(response, reverse("sending:detail", args=[added.pk]))
        page = self.client.get(reverse("sending:detail", args=[added.pk])).content.decode()
        self.assertIn("mail.acme.example", page)
        self.assertIn('data-copy="#value-2"', page)
        self.assertIn(record_of(added, "dkim").value, page)
        self.assertIn("_dmarc.mail.acme.example", page)
        self.assertIn("How to publish these records", page)

    def test_a_bad_domain_is_shown_on_the_form(self) -> None:
        self.client.force_login(self.alice)
        for value, words in (("localhost", "localhost"), ("example.com", "already")):
            with self.subTest(value):
                response = self.client.post(
                    reverse("sending:create"), {"domain": value}, headers=HTMX
                )
                self.assertEqual(response.status_code, 422)
                body = response.content.decode()
                self.assertTrue(body.strip().startswith('<form id="add-domain"'))
                self.assertIn(words, body)

    def test_verify_now_shows_the_result_in_place(self) -> None:
        self.client.force_login(self.alice)
        url = reverse("sending:verify", args=[self.domain.pk])
        body = self.client.post(url, headers=HTMX).content.decode()
        self.assertTrue(body.strip().startswith('<div id="checks">'))
        self.assertIn("No SPF record at example.com yet.", body)
        self.publish(self.domain)
        body = self.client.post(url, headers=HTMX).content.decode()
        self.assertIn("Mail can be sent from any address at example.com", body)
        self.assertEqual(fresh(self.domain).status, "verified")

    def test_rotate_and_delete(self) -> None:
        self.client.force_login(self.alice)
        self.client.post(reverse("sending:rotate", args=[self.domain.pk]))
        self.assertEqual(fresh(self.domain).dkim_keys.count(), 2)
        page = self.client.get(reverse("sending:detail", args=[self.domain.pk])).content.decode()
        self.assertIn("Signs until the new key", page)
        confirm = self.client.get(reverse("sending:delete", args=[self.domain.pk]))
        self.assertContains(confirm, "Delete example.com?")
        response = self.client.post(reverse("sending:delete", args=[self.domain.pk]))
        self.assertRedirects(response, reverse("sending:list"))
        self.assertFalse(SendingDomain.objects.exists())

    def test_the_list_shows_status_badges(self) -> None:
        self.client.force_login(self.alice)
        self.publish(self.domain)
        self.check(self.domain)
        page = self.client.get(reverse("sending:list")).content.decode()
        self.assertIn('class="badge badge-check-verified">Verified', page)


class DomainDashboardRoleTests(DnsTestCase):
    def test_an_admin_manages_domains_and_the_tab_follows_the_permission(self) -> None:
        admin = make_user("admin@example.com", self.password)
        make_membership(admin, self.acme, permissions.ADMIN)
        self.client.force_login(admin)
        self.assertEqual(self.client.get(reverse("sending:list")).status_code, 200)
        response = self.client.post(reverse("sending:create"), {"domain": "admin.example"})
        self.assertEqual(response.status_code, 302)
        members = self.client.get(reverse("accounts:members")).content.decode()
        self.assertIn(reverse("sending:list"), members)
        self.client.force_login(self.bob)
        members = self.client.get(reverse("accounts:members")).content.decode()
        self.assertNotIn(reverse("sending:list"), members)

    def test_every_write_needs_the_csrf_token(self) -> None:
        domain = self.add_domain()
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.alice)
        for url in (
            reverse("sending:create"),
            reverse("sending:verify", args=[domain.pk]),
            reverse("sending:rotate", args=[domain.pk]),
            reverse("sending:delete", args=[domain.pk]),
        ):
            with self.subTest(url):
                self.assertEqual(client.post(url, {"domain": "csrf.example"}).status_code, 403)
        self.assertEqual(SendingDomain.objects.count(), 1)
        self.assertEqual(fresh(domain).dkim_keys.count(), 1)
