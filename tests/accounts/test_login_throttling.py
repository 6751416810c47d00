"""Login throttling (issue #10, defect 8): wrong passwords lock one account on one address for a
while, never for good, and never the owner on another address."""

from __future__ import annotations

from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests.base import PersonaTestCase

LOGIN_URL = "/login/"
ATTACKER = "203.0.113.7"
OWNER = "198.51.100.20"


class LoginThrottlingTests(PersonaTestCase):
    def login(
        self, password: str, address: str = ATTACKER, email: str = "alice@example.com"
    ) -> int:
        client = Client(REMOTE_ADDR=address)
        response = client.post(LOGIN_URL, {"username": email, "password": password})
        return response.status_code

    def guess_wrong(self, times: int, address: str = ATTACKER) -> list[int]:
        return [self.login(f"wrong-{n}", address) for n in range(times)]

    def test_five_wrong_passwords_lock_the_account_on_that_address(self) -> None:
        statuses = self.guess_wrong(settings.AXES_FAILURE_LIMIT)
        self.assertEqual(statuses[:-1], [200] * (settings.AXES_FAILURE_LIMIT - 1))
        self.assertEqual(statuses[-1], 429)
        # Even the right password is refused now: guessing on cannot succeed.
        client = Client(REMOTE_ADDR=ATTACKER)
        response = client.post(LOGIN_URL, {"username": "alice@example.com", "password": "password"})
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "Too many failed logins", status_code=429)
        self.assertContains(response, "15 minutes", status_code=429)
        self.assertEqual(response["Retry-After"], "900")
        self.assertNotIn("_auth_user_id", client.session)

    def test_thirty_fast_guesses_are_not_all_answered(self) -> None:
        statuses = self.guess_wrong(30)
        self.assertEqual(statuses.count(200), settings.AXES_FAILURE_LIMIT - 1)
        self.assertEqual(statuses.count(429), 30 - settings.AXES_FAILURE_LIMIT + 1)

    def test_the_owner_on_another_address_is_never_locked_out(self) -> None:
        self.guess_wrong(30)
        self.assertEqual(self.login("password", ATTACKER), 429)
        self.assertEqual(self.login("password", OWNER), 302)

    def test_other_accounts_on_the_same_address_still_log_in(self) -> None:
        self.guess_wrong(10)
        self.assertEqual(self.login("password", ATTACKER, email="bob@example.com"), 302)

    def test_the_lock_ends_by_itself_after_the_cool_off(self) -> None:
        self.guess_wrong(10)
        self.assertEqual(self.login("password"), 429)
        # The last failure was one cool-off (and a second) ago.
        long_ago = timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
        AccessAttempt.objects.update(attempt_time=long_ago)
        self.assertEqual(self.login("password"), 302)

    def test_a_successful_login_forgets_earlier_failures(self) -> None:
        self.guess_wrong(settings.AXES_FAILURE_LIMIT - 1)
        self.assertEqual(self.login("password"), 302)
        self.assertFalse(AccessAttempt.objects.filter(username="alice@example.com").exists())
        self.assertEqual(self.guess_wrong(settings.AXES_FAILURE_LIMIT - 1), [200] * 4)

    def test_axes_reset_lifts_every_lock_at_once(self) -> None:
        self.guess_wrong(10)
        self.assertEqual(self.login("password"), 429)
        call_command("axes_reset", verbosity=0)
        self.assertEqual(self.login("password"), 302)
