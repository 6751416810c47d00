"""The admin commands: create_org, create_api_key and ensure_demo (used by `make run`)."""

from __future__ import annotations

import re
from io import StringIO

from django.core.management import CommandError, call_command
from django.test import TestCase

from apps.accounts import permissions
from apps.accounts.actions import find_api_key
from apps.accounts.models import ApiKey, Membership, Organization, User
from apps.brand_kits.models import BrandKit
from apps.demo.management.commands.ensure_demo import DEMO_EMAIL
from apps.email_templates.models import Template
from apps.events.models import Journey
from segmentflow import scopes
from tests.factories import make_org, make_user

RAW_KEY = re.compile(r"sf_live_[A-Za-z0-9]{44}")


def run(*args: str) -> tuple[str, str]:
    """Run a command with command-line arguments; return (stdout, stderr)."""
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def last_line(text: str) -> str:
    return text.rstrip("\n").split("\n")[-1]


class CreateOrgCommandTests(TestCase):
    def test_it_prints_the_slug_last_and_makes_the_owner(self) -> None:
        out, _ = run(
            "create_org", "--name", "Initech", "--owner-email", "Peter@Initech.com",
            "--password", "tps-report-1",
        )  # fmt: skip
        self.assertEqual(last_line(out), "initech")
        org = Organization.objects.get(slug="initech")
        self.assertEqual(org.name, "Initech")
        owner = User.objects.get(email="peter@initech.com")
        self.assertTrue(owner.check_password("tps-report-1"))
        membership = Membership.objects.get(organization=org)
        self.assertEqual((membership.user, membership.role), (owner, permissions.OWNER))

    def test_the_owner_can_log_in_to_the_new_organization(self) -> None:
        run(
            "create_org",
            "--name",
            "Initech",
            "--owner-email",
            "p@initech.com",
            "--password",
            "pw-1",
        )
        login = self.client.post("/login/", {"username": "p@initech.com", "password": "pw-1"})
        self.assertEqual(login.status_code, 302, login.content)
        self.assertContains(self.client.get("/"), "<h1>Initech</h1>", html=True)

    def test_it_gives_a_second_organization_of_the_same_name_its_own_slug(self) -> None:
        make_org("Initech", slug="initech")
        out, _ = run(
            "create_org", "--name", "Initech", "--owner-email", "p@x.com", "--password", "p"
        )
        self.assertEqual(last_line(out), "initech-2")
        self.assertTrue(Organization.objects.filter(slug="initech-2").exists())

    def test_it_adds_an_existing_user_as_owner_and_keeps_their_password(self) -> None:
        user = make_user("sam@example.com", "old-password")
        out, _ = run(
            "create_org", "--name", "Second", "--owner-email", "sam@example.com",
            "--password", "ignored",
        )  # fmt: skip
        user.refresh_from_db()
        self.assertTrue(user.check_password("old-password"))
        self.assertEqual(user.memberships.get().organization.slug, last_line(out))
        self.assertEqual(User.objects.count(), 1)

    def test_it_refuses_a_bad_email_or_an_empty_name_and_creates_nothing(self) -> None:
        cases = [
            (("--name", "X", "--owner-email", "not-an-email", "--password", "p"), "--owner-email"),
            (("--name", "  ", "--owner-email", "a@b.com", "--password", "p"), "name"),
            (("--name", "x" * 201, "--owner-email", "a@b.com", "--password", "p"), "name"),
            (("--name", "X", "--owner-email", "a@b.com", "--password", ""), "--password"),
        ]
        for args, problem in cases:
            with (
                self.subTest(problem=problem, args=args[:2]),
                self.assertRaisesMessage(CommandError, problem),
            ):
                run("create_org", *args)
        self.assertFalse(Organization.objects.exists())
        self.assertFalse(User.objects.exists())


class CreateApiKeyCommandTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.org = make_org("Initech", slug="initech")

    def test_it_prints_the_key_alone_on_the_last_line(self) -> None:
        out, err = run(
            "create_api_key", "--org", "initech", "--name", "Billing",
            "--scopes", "profiles:read,emails:send",
        )  # fmt: skip
        raw_key = last_line(out)
        self.assertRegex(raw_key, rf"^{RAW_KEY.pattern}$")
        self.assertNotIn(raw_key, err)
        api_key = find_api_key(raw_key)
        assert api_key is not None
        self.assertEqual(api_key.organization, self.org)
        self.assertEqual(api_key.name, "Billing")
        self.assertEqual(api_key.scopes, ["profiles:read", "emails:send"])
        self.assertIsNone(api_key.rate_limit)
        # Only the hash is kept.
        self.assertNotIn(raw_key[-32:], str(ApiKey.objects.filter(pk=api_key.pk).values().get()))

    def test_all_grants_every_scope(self) -> None:
        out, _ = run("create_api_key", "--org", "initech", "--name", "Full", "--scopes", "all")
        api_key = find_api_key(last_line(out))
        assert api_key is not None
        self.assertEqual(api_key.scopes, list(scopes.API_SCOPES))

    def test_a_rate_limit_of_zero_is_stored_as_zero(self) -> None:
        run(
            "create_api_key", "--org", "initech", "--name", "Unlimited",
            "--scopes", "events:write", "--rate-limit", "0",
        )  # fmt: skip
        self.assertEqual(ApiKey.objects.get(name="Unlimited").rate_limit, 0)

    def test_it_names_an_unknown_scope(self) -> None:
        with self.assertRaisesMessage(CommandError, "profiles:admin"):
            run(
                "create_api_key", "--org", "initech", "--name", "Bad",
                "--scopes", "profiles:read,profiles:admin",
            )  # fmt: skip
        self.assertFalse(ApiKey.objects.exists())

    def test_it_names_an_unknown_organization(self) -> None:
        with self.assertRaisesMessage(CommandError, "'umbrella'"):
            run("create_api_key", "--org", "umbrella", "--name", "X", "--scopes", "all")
        self.assertFalse(ApiKey.objects.exists())

    def test_it_refuses_a_negative_rate_limit_and_an_overlong_name(self) -> None:
        cases = [
            (("--name", "Neg", "--rate-limit", "-1"), "--rate-limit"),
            (("--name", "x" * 101), "name"),
        ]
        for args, problem in cases:
            with self.subTest(problem=problem), self.assertRaisesMessage(CommandError, problem):
                run("create_api_key", "--org", "initech", "--scopes", "all", *args)
        self.assertFalse(ApiKey.objects.exists())


class EnsureDemoCommandTests(TestCase):
    def test_it_creates_a_demo_organization_once(self) -> None:
        out, _ = run("ensure_demo")
        org = Organization.objects.get()
        owner = User.objects.get(email=DEMO_EMAIL)
        self.assertEqual(owner.memberships.get().organization, org)
        self.assertEqual(owner.memberships.get().role, permissions.OWNER)
        self.assertIn(f"slug: {org.slug}", out)

        password = re.search(rf"dashboard login: {re.escape(DEMO_EMAIL)} / (\S+)", out)
        assert password is not None, out
        self.assertTrue(owner.check_password(password.group(1)))
        raw_keys = RAW_KEY.findall(out)
        self.assertEqual(len(raw_keys), 1)
        api_key = find_api_key(raw_keys[0])
        assert api_key is not None
        self.assertEqual((api_key.organization, api_key.scopes), (org, list(scopes.API_SCOPES)))
        kit = BrandKit.objects.get(organization=org)
        self.assertTrue(kit.is_default)
        self.assertTrue(kit.footer["address"])
        names = set(Template.objects.for_org(org).values_list("name", flat=True))
        self.assertEqual(names, {"Welcome", "Receipt", "Password reset", "Newsletter"})
        journey = Journey.objects.get(organization=org)
        self.assertEqual((journey.name, journey.status), ("Welcome series", "draft"))

    def test_it_does_nothing_the_second_time(self) -> None:
        run("ensure_demo")
        owner_password = User.objects.get(email=DEMO_EMAIL).password
        out, _ = run("ensure_demo")
        self.assertEqual(out.strip(), "Organizations exist already; no demo created.")
        self.assertEqual(Organization.objects.count(), 1)
        self.assertEqual(ApiKey.objects.count(), 1)
        self.assertEqual(User.objects.get(email=DEMO_EMAIL).password, owner_password)
        self.assertIsNone(RAW_KEY.search(out))

    def test_it_does_nothing_when_any_organization_exists(self) -> None:
        make_org("Existing")
        out, _ = run("ensure_demo")
        self.assertIn("no demo created", out)
        self.assertEqual(Organization.objects.count(), 1)
        self.assertFalse(User.objects.filter(email=DEMO_EMAIL).exists())
