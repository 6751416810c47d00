"""What the event and Journey tests share: Acme's verified domain and templates (the email
tests' base), a Journey from a definition, tracking over the API, and the engine driven with
the Journeys' clock moved instead of sleeping."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from apps.events import clock
from apps.events.engine import loop
from apps.events.journeys import save_journey
from apps.events.models import Journey, JourneyRun
from apps.sending.delivery.loop import deliver_due
from tests.sending.email_helpers import SENDER, EmailTestCase


class JourneyTestCase(EmailTestCase):
    def setUp(self) -> None:
        super().setUp()
        clock.reset()
        self.addCleanup(clock.reset)

    def definition(self, **overrides: Any) -> dict[str, Any]:
        definition: dict[str, Any] = {
            "name": "Order follow-up",
            "status": "active",
            "reentry": "every_time",
            "trigger": {"event": "order.completed", "where": []},
            "steps": [{"type": "send_email", "template": self.receipt.pk, "from": SENDER}],
        }
        definition.update(overrides)
        return definition

    def journey(self, org: Any = None, **overrides: Any) -> Journey:
        return save_journey(org or self.acme, self.definition(**overrides))

    def track(self, name: str = "order.completed", secret: str | None = None, **body: Any) -> Any:
        body.setdefault("profileId", self.ada.pk)
        with self.captureOnCommitCallbacks(execute=True):
            return self.api("POST", "/events", secret, body={"name": name, **body})

    def tracked(self, name: str = "order.completed", **body: Any) -> dict[str, Any]:
        response = self.track(name, **body)
        self.assertEqual(response.status_code, 202, response.content)
        return response.json()

    def run_engine(self) -> loop.RoundResult:
        with self.captureOnCommitCallbacks(execute=False):
            totals, _ = loop.run_due(max_seconds=30, idle_seconds=0)
        return totals

    def move_clock(self, **delta: float) -> None:
        clock.advance(timedelta(**delta))

    def deliver(self) -> int:
        totals, _ = deliver_due(max_seconds=30, idle_seconds=0)
        return totals.sent

    def run_of(self, journey: Journey) -> JourneyRun:
        return JourneyRun.objects.get(journey=journey)
