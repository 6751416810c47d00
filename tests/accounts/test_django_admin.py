"""Django's admin: open to superusers, closed to the members of Organizations."""

from __future__ import annotations

from django.urls import reverse

from apps.accounts.models import User
from tests.base import PersonaTestCase
from tests.factories import make_user


class DjangoAdminTests(PersonaTestCase):
    def setUp(self) -> None:
        self.root = make_user("root@example.com", is_staff=True, is_superuser=True)

    def test_a_superuser_opens_the_admin_index(self) -> None:
        self.client.force_login(self.root)
        response = self.client.get("/admin/")
        self.assertEqual(response.status_code, 200)
        for model in ("Organizations", "Api keys", "Users"):
            self.assertContains(response, model)

    def test_a_superuser_opens_the_change_pages_of_every_accounts_model(self) -> None:
        self.client.force_login(self.root)
        urls = [
            reverse("admin:accounts_organization_change", args=[self.acme.pk]),
            reverse("admin:accounts_apikey_change", args=[self.acme_key.pk]),
            reverse("admin:accounts_user_change", args=[self.alice.pk]),
            reverse("admin:accounts_organization_changelist"),
            reverse("admin:accounts_apikey_changelist"),
            reverse("admin:accounts_user_changelist"),
            reverse("admin:accounts_user_add"),
        ]
        for url in urls:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 200)

    def test_the_admin_never_shows_the_hash_of_a_key(self) -> None:
        self.client.force_login(self.root)
        response = self.client.get(reverse("admin:accounts_apikey_change", args=[self.acme_key.pk]))
        self.assertContains(response, "Acme full")
        self.assertNotContains(response, self.acme_key.secret_hash)
        self.assertNotContains(response, "secret_hash")

    def test_a_superuser_adds_a_user_who_can_then_log_in(self) -> None:
        self.client.force_login(self.root)
        response = self.client.post(
            reverse("admin:accounts_user_add"),
            {
                "email": "New.Person@Example.com",
                "password1": "x7-long-pass",
                "password2": "x7-long-pass",
            },
        )
        self.assertEqual(response.status_code, 302, response.content)
        user = User.objects.get(email="new.person@example.com")
        self.assertTrue(user.check_password("x7-long-pass"))
        self.client.logout()
        login = self.client.post(
            "/login/", {"username": "New.Person@example.com", "password": "x7-long-pass"}
        )
        self.assertEqual(login.status_code, 302)
        self.assertEqual(self.client.session["_auth_user_id"], str(user.pk))

    def test_members_of_organizations_are_sent_to_the_admin_login(self) -> None:
        for user in (self.alice, self.bob, self.viewer, self.charlie):
            with self.subTest(user=user.email):
                self.client.force_login(user)
                response = self.client.get("/admin/")
                self.assertRedirects(response, "/admin/login/?next=/admin/")
                change = reverse("admin:accounts_apikey_change", args=[self.acme_key.pk])
                response = self.client.get(change)
                self.assertRedirects(response, f"/admin/login/?next={change}")

    def test_the_dashboard_links_the_admin_for_superusers_only(self) -> None:
        self.client.force_login(self.alice)
        self.assertNotContains(self.client.get("/"), 'href="/admin/"')
        self.acme.memberships.create(user=self.root, role="viewer")
        self.client.force_login(self.root)
        self.assertContains(self.client.get("/"), '<a href="/admin/">Django admin</a>', html=True)
