"""A worker SIGKILLed in the middle of a step loses no run and sends no email twice.

The worker is a real process on the test database (PostgreSQL: the runs are committed rows
another process can claim). It kills itself with SIGKILL right after a send_email step wrote
its EmailSend and before the transaction committed; this process then plays the next worker.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import TransactionTestCase, override_settings

from apps.events import clock
from apps.events.actions import TrackRequest, track_batch
from apps.events.engine import loop
from apps.events.journeys import save_journey
from apps.events.models import JourneyRun, JourneyStepRecord, RunStatus
from apps.sending.delivery.loop import deliver_due
from apps.sending.models import EmailSend, EmailStatus
from segmentflow.email_url import mailer_from_url
from tests.factories import make_org, make_template

WORKER = textwrap.dedent(
    """
    import os, signal, django
    django.setup()
    from apps.events.engine import loop, steps

    real_queue, calls = steps.queue_prepared_send, []

    def queue_then_die(email_send):
        real_queue(email_send)
        calls.append(email_send.pk)
        if len(calls) == int(os.environ["KILL_AT"]):
            os.kill(os.getpid(), signal.SIGKILL)

    steps.queue_prepared_send = queue_then_die
    loop.run_due(max_seconds=60, idle_seconds=0, batch_size=25)
    """
)
RUNS = 60


@pytest.mark.postgres
# Both processes on the outbox (EMAIL_URL unset), which allows any From.
@override_settings(MAILERS={"default": mailer_from_url("")})
class WorkerKilledMidStepTest(TransactionTestCase):
    def setUp(self) -> None:
        clock.reset()
        self.addCleanup(clock.reset)
        self.org = make_org("Crash", slug="crash")
        template = make_template(self.org, name="Receipt", subject="Order {{ data.orderNumber }}")
        save_journey(
            self.org,
            {
                "name": "Receipt then tag",
                "status": "active",
                "trigger": {"event": "order.completed"},
                "steps": [
                    {"type": "send_email", "template": template.pk, "from": "Shop <hi@shop.test>"},
                    {"type": "update_profile", "set": {"receipted": True}},
                ],
            },
        )
        track_batch(
            self.org,
            [
                TrackRequest(
                    name="order.completed",
                    email=f"buyer{n}@example.com",
                    properties={"orderNumber": f"A-{n}"},
                )
                for n in range(RUNS)
            ],
        )

    def start_worker(self, kill_at: int) -> int:
        database = settings.DATABASES["default"]
        url = (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
            f"{connection.settings_dict['NAME']}"
        )
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "segmentflow.settings",
            "KILL_AT": str(kill_at),
        }
        env.pop("EMAIL_URL", None)
        worker = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", WORKER], env=env, timeout=120, check=False, capture_output=True
        )
        return worker.returncode

    def test_no_run_is_lost_and_no_email_is_sent_twice(self) -> None:
        self.assertEqual(self.start_worker(kill_at=37), -9)
        # What the killed worker committed stays; its claimed batch is leased to nobody.
        self.assertEqual(JourneyRun.objects.filter(status=RunStatus.COMPLETED).count(), 36)
        self.assertEqual(EmailSend.objects.count(), 36)
        self.assertTrue(JourneyRun.objects.filter(status=RunStatus.RUNNING).exists())
        # The next worker takes them once the lease has run out.
        clock.advance(timedelta(seconds=settings.SEGMENTFLOW_JOURNEY_LEASE_SECONDS + 1))
        totals, _ = loop.run_due(max_seconds=60, idle_seconds=0)
        self.assertEqual(
            JourneyRun.objects.filter(status=RunStatus.COMPLETED).count(), RUNS, totals
        )
        per_profile = EmailSend.objects.values_list("profile_id", flat=True)
        self.assertEqual(len(per_profile), RUNS)
        self.assertEqual(len(set(per_profile)), RUNS)
        self.assertEqual(JourneyStepRecord.objects.filter(status="done").count(), RUNS * 2)
        sent, _ = deliver_due(max_seconds=60, idle_seconds=0)
        self.assertEqual(sent.sent, RUNS)
        self.assertEqual(EmailSend.objects.filter(status=EmailStatus.SENT).count(), RUNS)
