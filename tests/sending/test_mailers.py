"""EMAIL_URL → MAILERS, and the kicks that wake the delivery loop."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import TestCase
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from apps.sending import tasks
from segmentflow.email_url import (
    OUTBOX_BACKEND,
    POSTMARK_BACKEND,
    SES_BACKEND,
    SMTP_BACKEND,
    EmailUrlError,
    describe_mailer,
    mailer_from_url,
)


def test_unset_is_the_outbox() -> None:
    assert mailer_from_url("") == {"BACKEND": OUTBOX_BACKEND}
    assert describe_mailer(mailer_from_url("")) == "the outbox (nothing is delivered)"


@pytest.mark.parametrize(
    ("url", "host", "port", "tls", "ssl", "user", "password"),
    [
        ("smtp://mta.internal:2525", "mta.internal", 2525, False, False, "", ""),
        ("smtp://localhost", "localhost", 25, False, False, "", ""),
        (
            "smtp+starttls://u%40x:p%3Aw@smtp.example.com:587",
            "smtp.example.com",
            587,
            True,
            False,
            "u@x",
            "p:w",
        ),  # fmt: skip
        ("smtp+starttls://u:p@smtp.example.com", "smtp.example.com", 587, True, False, "u", "p"),
        ("smtps://u:p@smtp.example.com", "smtp.example.com", 465, False, True, "u", "p"),
    ],
)
def test_smtp_urls(
    url: str, host: str, port: int, tls: bool, ssl: bool, user: str, password: str
) -> None:
    config = mailer_from_url(url, timeout=7)
    assert config["BACKEND"] == SMTP_BACKEND
    assert config["OPTIONS"] == {
        "host": host,
        "port": port,
        "username": user,
        "password": password,
        "use_tls": tls,
        "use_ssl": ssl,
        "timeout": 7,
    }


def test_the_description_carries_no_secret() -> None:
    config = mailer_from_url("smtps://mailer:hunter2secret@smtp.example.com")
    assert describe_mailer(config) == "SMTP smtp.example.com:465 (TLS)"


def test_esp_urls() -> None:
    assert mailer_from_url("amazon-ses://?region=eu-west-1") == {
        "BACKEND": SES_BACKEND,
        "OPTIONS": {"client_params": {"region_name": "eu-west-1"}},
    }
    assert mailer_from_url("postmark://tok-123@") == {
        "BACKEND": POSTMARK_BACKEND,
        "OPTIONS": {"server_token": "tok-123"},
    }


@pytest.mark.parametrize(
    "url", ["smtp://", "smtp://host:port", "postmark://", "sendmail:///usr/sbin/sendmail", "x"]
)
def test_unusable_urls_say_why(url: str) -> None:
    with pytest.raises(EmailUrlError, match="EMAIL_URL"):
        mailer_from_url(url)


class WakeTests(TestCase):
    def setUp(self) -> None:
        cache.clear()

    def kicks(self) -> list[DBTaskResult]:
        return list(DBTaskResult.objects.filter(task_path=tasks.deliver_emails.module_path))

    def test_one_kick_per_window_for_sends_due_now(self) -> None:
        now = timezone.now()
        tasks.wake([now])
        tasks.wake([now, now - timedelta(seconds=5)])
        self.assertEqual(len(self.kicks()), 1)

    def test_a_scheduled_send_gets_a_kick_at_its_time(self) -> None:
        at = timezone.now() + timedelta(hours=2)
        tasks.wake([at])
        tasks.wake([at])
        [kick] = self.kicks()
        self.assertEqual(kick.run_after, at)
