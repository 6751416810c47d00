"""The Journey engine driven like the worker drives it, with the Journeys' clock moved
instead of sleeping; the emails arrive at a local aiosmtpd server."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from apps.email_templates.actions import update_template
from apps.events import clock
from apps.events.engine import loop, steps
from apps.events.journeys import save_journey, set_journey_status
from apps.events.models import JourneyRun, JourneyStepRecord, RunStatus, StepStatus
from apps.profiles.actions import set_subscription, update_profile
from apps.sending.models import EmailSend, EmailStatus
from segmentflow.email_url import mailer_from_url
from tests.factories import make_profile, make_template
from tests.sending.email_helpers import SENDER
from tests.sending.smtp_server import SmtpServer
from tests.tasks import drain_tasks

from .helpers import JourneyTestCase


class EngineTestCase(JourneyTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.smtp = SmtpServer()
        self.smtp.start()
        self.addCleanup(self.smtp.stop)
        stack = ExitStack()
        self.addCleanup(stack.close)
        stack.enter_context(
            override_settings(MAILERS={"default": mailer_from_url(self.smtp.url, timeout=5)})
        )
        self.welcome = make_template(
            self.acme,
            name="Thanks",
            subject="Thanks for order {{ event.properties.orderNumber }}",
            html="<p>{{ profile.firstName }}, your {{ event.name }} is noted.</p>",
        )
        self.vip = make_template(self.acme, name="VIP", subject="A gift for you, VIP")
        self.regular = make_template(self.acme, name="Regular", subject="Come back soon")

    def send(self, template: Any, **extra: Any) -> dict[str, Any]:
        return {"type": "send_email", "template": template.pk, "from": SENDER, **extra}

    def received_subjects(self) -> list[str]:
        return [str(r.message["Subject"]) for r in self.smtp.mailbox.received]

    def records(self, run: JourneyRun) -> list[tuple[str, str]]:
        return list(run.step_records.order_by("visit", "id").values_list("step_path", "status"))


class FlowTest(EngineTestCase):
    def follow_up(self) -> Any:
        return self.journey(
            steps=[
                self.send(self.welcome),
                {"type": "wait", "duration": "PT2H"},
                {
                    "type": "branch",
                    "where": [{"path": "profile.attributes.vip", "op": "equals", "value": True}],
                    "yes": [self.send(self.vip)],
                    "no": [self.send(self.regular)],
                },
                {
                    "type": "update_profile",
                    "set": {"lastOrder": "{{ event.properties.orderNumber }}"},
                },
            ]
        )

    def test_send_wait_branch_send_ends_with_the_right_emails(self) -> None:
        journey = self.follow_up()
        grace = make_profile(self.acme, email="grace@example.com", attributes={"vip": True})
        self.tracked(properties={"orderNumber": "A-1001"})
        self.tracked(profileId=grace.pk, properties={"orderNumber": "A-1002"})
        self.run_engine()
        self.assertEqual(self.deliver(), 2)
        self.assertEqual(
            sorted(self.received_subjects()),
            ["Thanks for order A-1001", "Thanks for order A-1002"],
        )
        # An hour later nothing is due; two hours later the branch sends.
        self.move_clock(hours=1)
        self.assertEqual(self.run_engine().steps, 0)
        self.move_clock(hours=1, seconds=1)
        self.run_engine()
        self.assertEqual(self.deliver(), 2)
        by_recipient = {
            r.rcpt_tos[0]: str(r.message["Subject"]) for r in self.smtp.mailbox.received[2:]
        }
        self.assertEqual(
            by_recipient,
            {"ada@example.com": "Come back soon", "grace@example.com": "A gift for you, VIP"},
        )
        run = JourneyRun.objects.get(profile=grace)
        self.assertEqual(run.status, RunStatus.COMPLETED)
        self.assertEqual(
            self.records(run),
            [
                ("steps[0]", "done"),
                ("steps[1]", "done"),
                ("steps[2]", "done"),
                ("steps[2].yes[0]", "done"),
                ("steps[3]", "done"),
            ],
        )
        grace.refresh_from_db()
        self.assertEqual(grace.attributes["lastOrder"], "A-1002")
        sends = EmailSend.objects.filter(journey_id=journey.pk)
        self.assertEqual(sends.count(), 4)
        self.assertEqual(
            self.api("GET", f"/emails?journeyId={journey.pk}").json()["data"][0]["journeyId"],
            journey.pk,
        )

    def test_the_worker_runs_the_engine_when_an_event_kicks_it(self) -> None:
        self.journey(steps=[self.send(self.welcome)])
        self.tracked(properties={"orderNumber": "A-9"})
        drain_tasks()
        self.assertEqual(self.received_subjects(), ["Thanks for order A-9"])
        self.assertEqual(JourneyRun.objects.get().status, RunStatus.COMPLETED)

    def test_the_worker_schedules_a_kick_for_when_a_wait_ends(self) -> None:
        self.journey(steps=[{"type": "wait", "duration": "PT5M"}, self.send(self.welcome)])
        self.tracked(properties={"orderNumber": "A-9"})
        drain_tasks()
        run = JourneyRun.objects.get()
        kicks = DBTaskResult.objects.filter(
            task_path="apps.events.tasks.run_journeys", status="READY"
        ).values_list("run_after", flat=True)
        self.assertEqual(len(kicks), 1)
        # At most WAKE_GRANULARITY_SECONDS after the wait ends.
        self.assertGreaterEqual(kicks[0], run.due_at)
        self.assertLessEqual(kicks[0], run.due_at + timedelta(seconds=10))

    def test_a_failed_send_is_recorded_and_the_run_goes_on(self) -> None:
        self.journey(
            steps=[
                self.send(self.welcome, **{"from": "Nope <hi@unverified.test>"}),
                {"type": "update_profile", "set": {"reached": True}},
            ]
        )
        self.tracked(properties={"orderNumber": "A-1"})
        self.run_engine()
        run = JourneyRun.objects.get()
        self.assertEqual(self.records(run), [("steps[0]", "failed"), ("steps[1]", "done")])
        self.assertIn("unverified.test is not a verified", run.step_records.first().detail)
        self.assertEqual(run.status, RunStatus.COMPLETED)
        self.assertFalse(EmailSend.objects.exists())

    def test_a_marketing_template_respects_unsubscribes(self) -> None:
        self.journey(steps=[self.send(self.newsletter), self.send(self.receipt)])
        set_subscription(self.ada, "unsubscribed", "api")
        self.tracked(properties={"orderNumber": "A-1"})
        self.run_engine()
        self.deliver()
        statuses = dict(EmailSend.objects.values_list("template_id", "status"))
        self.assertEqual(statuses[self.newsletter.pk], EmailStatus.SUPPRESSED)
        self.assertEqual(self.received_subjects(), ["Your order A-1"])

    def test_wait_until_a_time_of_day_in_the_profiles_time_zone(self) -> None:
        update_profile(self.ada, timezone="Asia/Tokyo")
        self.journey(steps=[{"type": "wait", "until": "09:00"}, self.send(self.welcome)])
        # 2026-12-03 23:00 UTC is 08:00 on the 4th in Tokyo: an hour to wait.
        at = datetime(2026, 12, 3, 23, 0, tzinfo=UTC)
        with mock.patch.object(clock, "now", return_value=at):
            self.tracked(properties={"orderNumber": "A-1"})
            self.run_engine()
        run = JourneyRun.objects.get()
        self.assertEqual(run.due_at, datetime(2026, 12, 4, 0, 0, tzinfo=UTC))

    def test_event_merge_fields_render_empty_outside_journeys(self) -> None:
        response = self.send_direct()
        self.assertEqual(response.status_code, 202, response.content)
        self.assertEqual(response.json()["subject"], "Thanks for order")

    def send_direct(self) -> Any:
        with self.captureOnCommitCallbacks(execute=True):
            return self.api(
                "POST",
                "/emails",
                body={"profileId": self.ada.pk, "templateId": self.welcome.pk, "from": SENDER},
            )


class WaitForEventTest(EngineTestCase):
    def abandoned_cart(self) -> Any:
        return self.journey(
            trigger={"event": "cart.abandoned", "where": []},
            steps=[
                {
                    "type": "wait_for_event",
                    "event": "order.completed",
                    "timeout": "PT4H",
                    "received": [{"type": "update_profile", "set": {"converted": True}}],
                    "timedOut": [self.send(self.regular)],
                }
            ],
        )

    def test_the_awaited_event_takes_the_received_branch(self) -> None:
        self.abandoned_cart()
        self.tracked("cart.abandoned")
        self.run_engine()
        run = JourneyRun.objects.get()
        self.assertEqual((run.status, run.waiting_for), (RunStatus.WAITING, "order.completed"))
        # Another Profile's order does not count.
        other = make_profile(self.acme, email="other@example.com")
        self.tracked("order.completed", profileId=other.pk)
        run.refresh_from_db()
        self.assertEqual(run.status, RunStatus.WAITING)
        self.move_clock(hours=1)
        order = self.tracked("order.completed")
        self.run_engine()
        run.refresh_from_db()
        self.assertEqual(run.status, RunStatus.COMPLETED)
        self.assertEqual(
            self.records(run), [("steps[0]", "done"), ("steps[0].received[0]", "done")]
        )
        self.assertIn(order["event"]["id"], run.step_records.first().detail)
        self.ada.refresh_from_db()
        self.assertIs(self.ada.attributes["converted"], True)
        self.assertFalse(EmailSend.objects.exists())

    def test_a_run_on_an_older_version_still_gets_its_event(self) -> None:
        journey = self.abandoned_cart()
        self.tracked("cart.abandoned")
        self.run_engine()
        # Version 2 no longer waits for anything; the run in flight still does.
        save_journey(
            self.acme,
            self.definition(trigger={"event": "cart.abandoned", "where": []}, steps=[]),
            replace=journey,
        )
        self.tracked("order.completed")
        self.run_engine()
        run = JourneyRun.objects.get()
        self.assertEqual(run.status, RunStatus.COMPLETED)
        self.assertEqual(self.records(run)[-1], ("steps[0].received[0]", "done"))

    def test_no_event_in_time_takes_the_timed_out_branch(self) -> None:
        self.abandoned_cart()
        self.tracked("cart.abandoned")
        self.run_engine()
        self.move_clock(hours=4, seconds=1)
        self.run_engine()
        run = JourneyRun.objects.get()
        self.assertEqual(run.status, RunStatus.COMPLETED)
        self.assertEqual(
            self.records(run), [("steps[0]", "done"), ("steps[0].timedOut[0]", "done")]
        )
        self.assertIn("timed out", run.step_records.first().detail)
        self.deliver()
        self.assertEqual(self.received_subjects(), ["Come back soon"])
        # An order after the timeout changes nothing.
        self.tracked("order.completed")
        self.run_engine()
        self.assertEqual(JourneyRun.objects.get().status, RunStatus.COMPLETED)


class ReentryTest(EngineTestCase):
    def runs_after(self, reentry: str, *, finish_between: bool = False) -> int:
        self.journey(reentry=reentry, steps=[{"type": "wait", "duration": "PT1H"}])
        self.tracked()
        if finish_between:
            self.run_engine()
            self.move_clock(hours=2)
            self.run_engine()
        body = self.tracked()
        return JourneyRun.objects.count() if body["matchedJourneys"] or True else 0

    def test_every_time_starts_a_run_for_each_event(self) -> None:
        self.assertEqual(self.runs_after("every_time"), 2)

    def test_once_starts_one_run_ever(self) -> None:
        self.assertEqual(self.runs_after("once", finish_between=True), 1)
        self.assertEqual(self.tracked()["matchedJourneys"], 0)

    def test_once_at_a_time_waits_for_the_run_to_finish(self) -> None:
        journey = self.journey(
            reentry="once_at_a_time", steps=[{"type": "wait", "duration": "PT1H"}]
        )
        self.assertEqual(self.tracked()["journeyIds"], [journey.pk])
        self.assertEqual(self.tracked()["matchedJourneys"], 0)
        self.run_engine()
        self.move_clock(hours=2)
        self.run_engine()
        self.assertEqual(self.tracked()["journeyIds"], [journey.pk])
        self.assertEqual(JourneyRun.objects.count(), 2)

    def test_the_rules_are_per_profile(self) -> None:
        journey = self.journey(reentry="once")
        other = make_profile(self.acme, email="other@example.com")
        self.assertEqual(self.tracked()["journeyIds"], [journey.pk])
        self.assertEqual(self.tracked(profileId=other.pk)["journeyIds"], [journey.pk])


class LifecycleTest(EngineTestCase):
    def test_editing_an_active_journey_leaves_waiting_runs_on_their_version(self) -> None:
        journey = self.journey(
            steps=[{"type": "wait", "duration": "PT1H"}, self.send(self.welcome)]
        )
        self.tracked(properties={"orderNumber": "A-1"})
        self.run_engine()
        # The new version removes the wait and sends another template.
        edited = save_journey(
            self.acme, self.definition(steps=[self.send(self.vip)]), replace=journey
        )
        self.assertEqual(edited.version, 2)
        self.tracked(properties={"orderNumber": "A-2"})
        self.move_clock(hours=1, seconds=1)
        self.run_engine()
        self.deliver()
        self.assertEqual(
            sorted(self.received_subjects()), ["A gift for you, VIP", "Thanks for order A-1"]
        )
        versions = dict(JourneyRun.objects.values_list("journey_version__version", "status"))
        self.assertEqual(versions, {1: RunStatus.COMPLETED, 2: RunStatus.COMPLETED})

    def test_a_template_edited_meanwhile_sends_its_new_version(self) -> None:
        self.journey(steps=[{"type": "wait", "duration": "PT1H"}, self.send(self.welcome)])
        self.tracked(properties={"orderNumber": "A-1"})
        self.run_engine()
        update_template(
            self.welcome, {"subject": "Edited {{ event.properties.orderNumber }}"}, saved_by="alice"
        )
        self.move_clock(hours=2)
        self.run_engine()
        self.deliver()
        self.assertEqual(self.received_subjects(), ["Edited A-1"])

    def test_pausing_holds_runs_and_resuming_lets_them_go(self) -> None:
        journey = self.journey(
            steps=[{"type": "wait", "duration": "PT1H"}, self.send(self.welcome)]
        )
        self.tracked(properties={"orderNumber": "A-1"})
        self.run_engine()
        set_journey_status(journey, "paused")
        self.assertEqual(self.tracked()["matchedJourneys"], 0)
        self.move_clock(hours=2)
        self.assertEqual(self.run_engine().steps, 0)
        self.assertEqual(JourneyRun.objects.get().status, RunStatus.WAITING)
        set_journey_status(journey, "active")
        self.run_engine()
        self.assertEqual(JourneyRun.objects.get().status, RunStatus.COMPLETED)

    def test_archiving_exits_its_runs(self) -> None:
        journey = self.journey(
            steps=[{"type": "wait", "duration": "PT1H"}, self.send(self.welcome)]
        )
        self.tracked()
        self.run_engine()
        set_journey_status(journey, "archived")
        run = JourneyRun.objects.get()
        self.assertEqual((run.status, run.detail), (RunStatus.EXITED, "the Journey was archived"))
        self.move_clock(hours=2)
        self.run_engine()
        self.assertFalse(EmailSend.objects.exists())


class RetryTest(EngineTestCase):
    def test_a_claim_killed_mid_step_commits_nothing_and_the_retry_sends_once(self) -> None:
        self.journey(steps=[self.send(self.welcome), {"type": "update_profile", "set": {"n": 1}}])
        self.tracked(properties={"orderNumber": "A-1"})

        real_queue = steps.queue_prepared_send

        def save_then_die(email_send: EmailSend) -> None:
            real_queue(email_send)  # the EmailSend is written in the claim's transaction…
            raise KeyboardInterrupt  # …and the worker dies before it commits

        with (
            mock.patch.object(steps, "queue_prepared_send", save_then_die),
            self.assertRaises(KeyboardInterrupt),
        ):
            self.run_engine()
        run = JourneyRun.objects.get()
        self.assertEqual(run.status, RunStatus.RUNNING)
        self.assertFalse(EmailSend.objects.exists())
        self.assertFalse(JourneyStepRecord.objects.exists())
        # Nothing happens until the lease runs out; then the run is taken again.
        self.assertEqual(self.run_engine().steps, 0)
        self.move_clock(seconds=121)
        self.run_engine()
        run.refresh_from_db()
        self.assertEqual(run.status, RunStatus.COMPLETED)
        self.assertEqual(EmailSend.objects.count(), 1)
        self.assertEqual(self.records(run), [("steps[0]", "done"), ("steps[1]", "done")])
        self.deliver()
        self.assertEqual(self.received_subjects(), ["Thanks for order A-1"])

    def test_a_run_whose_claims_keep_dying_fails_in_the_end(self) -> None:
        self.journey()
        self.tracked()
        for _ in range(5):
            loop.claim_runs()
            self.move_clock(seconds=121)
            loop.return_expired_leases()
        run = JourneyRun.objects.get()
        self.assertEqual(run.status, RunStatus.FAILED)
        self.assertIn("5 claims", run.detail)

    def test_a_step_that_raises_fails_the_run_with_its_record(self) -> None:
        self.journey()
        self.tracked()
        with mock.patch.object(steps, "prepare_send", side_effect=RuntimeError("boom")):
            self.run_engine()
        run = JourneyRun.objects.get()
        self.assertEqual(run.status, RunStatus.FAILED)
        record = run.step_records.get()
        self.assertEqual(
            (record.status, record.detail), (StepStatus.FAILED, "internal error: RuntimeError")
        )

    def test_a_lost_lease_commits_nothing(self) -> None:
        self.journey()
        self.tracked()
        [run] = loop.claim_runs()
        JourneyRun.objects.filter(pk=run.pk).update(lease_token="someone-else")
        result = loop.run_batch([run])
        self.assertEqual(result.lost_lease, 1)
        self.assertFalse(EmailSend.objects.exists())
        self.assertFalse(JourneyStepRecord.objects.exists())
