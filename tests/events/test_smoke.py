from __future__ import annotations

from apps.events.models import JourneyRun, RunStatus
from apps.sending.models import EmailSend

from .helpers import JourneyTestCase


class SmokeTest(JourneyTestCase):
    def test_it_runs(self) -> None:
        journey = self.journey(
            steps=[
                {"type": "send_email", "template": self.receipt.pk, "from": "Acme <hello@acme.test>"},
                {"type": "wait", "duration": "PT2H"},
                {"type": "update_profile", "set": {"last": "{{ event.properties.orderNumber }}"}},
            ]
        )
        body = self.tracked(properties={"orderNumber": "A-7"})
        self.assertEqual(body["matchedJourneys"], 1, body)
        self.assertEqual(body["journeyIds"], [journey.pk])
        print(body)
        print(self.run_engine())
        run = JourneyRun.objects.get()
        self.assertEqual(run.status, RunStatus.WAITING)
        print(list(run.step_records.values_list("step_path", "status", "detail")))
        send = EmailSend.objects.get()
        print(send.status, send.subject, send.journey_id)
        self.move_clock(hours=2, seconds=1)
        print(self.run_engine())
        run.refresh_from_db()
        self.assertEqual(run.status, RunStatus.COMPLETED)
        self.ada.refresh_from_db()
        self.assertEqual(self.ada.attributes["last"], "A-7")
        print(list(run.step_records.values_list("step_path", "status", "detail")))
