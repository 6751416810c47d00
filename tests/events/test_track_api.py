"""events.track and events.batchTrack over the API (api-contract.md → Events)."""

from __future__ import annotations

import json
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.events.actions import BatchItem, Tracked
from apps.events.journeys import save_journey
from apps.events.models import JourneyRun, UserEvent
from apps.events.schemas import (
    BatchRefusedOut,
    BatchTrackedOut,
    EventTrackOut,
    batch_entry_json,
    tracked_json,
)
from apps.profiles.models import Profile
from segmentflow.errors import ActionError, to_api_error
from tests.factories import make_profile

from .helpers import JourneyTestCase


class TrackTest(JourneyTestCase):
    def test_an_unknown_event_is_stored_and_matches_nothing(self) -> None:
        self.journey()
        body = self.tracked("user.sneezed", properties={"loud": True})
        self.assertEqual((body["matchedJourneys"], body["journeyIds"]), (0, []))
        event = body["event"]
        self.assertTrue(event["id"].startswith("evt_"))
        self.assertEqual(event["object"], "user_event")
        self.assertEqual(event["name"], "user.sneezed")
        self.assertEqual(event["profileId"], self.ada.pk)
        self.assertEqual(event["properties"], {"loud": True})
        for name in ("occurredAt", "receivedAt", "createdAt", "updatedAt"):
            self.assertTrue(event[name].endswith("Z"), name)
        self.assertEqual(UserEvent.objects.get().name, "user.sneezed")
        # The same content type as every other answer of the API.
        self.assertEqual(self.track("x")["Content-Type"], self.api("GET", "/me")["Content-Type"])
        self.assertFalse(JourneyRun.objects.exists())

    def test_one_event_starts_each_active_journey_and_no_paused_or_draft_one(self) -> None:
        first = self.journey(name="First")
        second = self.journey(name="Second")
        self.journey(name="Paused", status="paused")
        self.journey(name="Draft", status="draft")
        self.journey(name="Other event", trigger={"event": "order.refunded", "where": []})
        theirs = save_journey(self.globex, {**self.definition(), "steps": []})
        body = self.tracked()
        self.assertEqual(body["matchedJourneys"], 2)
        self.assertEqual(set(body["journeyIds"]), {first.pk, second.pk})
        self.assertEqual(
            set(JourneyRun.objects.values_list("journey_id", flat=True)), {first.pk, second.pk}
        )
        self.assertFalse(JourneyRun.objects.filter(journey=theirs).exists())

    def test_trigger_conditions_decide(self) -> None:
        big = self.journey(
            trigger={
                "event": "order.completed",
                "where": [
                    {"path": "event.properties.total", "op": "gte", "value": 50},
                    {"path": "profile.firstName", "op": "equals", "value": "Ada"},
                ],
            }
        )
        self.assertEqual(self.tracked(properties={"total": 20})["journeyIds"], [])
        self.assertEqual(self.tracked(properties={"total": 80})["journeyIds"], [big.pk])

    def test_the_occurred_at_given_is_kept(self) -> None:
        body = self.tracked(occurredAt="2026-11-30T08:00:00+01:00")
        self.assertEqual(body["event"]["occurredAt"], "2026-11-30T07:00:00.000Z")

    def test_it_makes_the_same_queries_whatever_the_number_of_journeys(self) -> None:
        self.journey(name="Listening")

        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                cache.clear()  # each call kicks the engine: no kick of the last call pending
                self.tracked()
            return len(captured)

        self.tracked("warm.up")  # the first call of a key does a few things once
        few = queries()
        for n in range(50):
            self.journey(name=f"Journey {n}")
            self.journey(name=f"Elsewhere {n}", trigger={"event": f"other.{n}", "where": []})
        self.assertEqual(queries(), few)
        self.assertEqual(JourneyRun.objects.count(), 52)


class IdentifyTest(JourneyTestCase):
    def test_an_unknown_email_creates_the_profile(self) -> None:
        body = self.tracked(profileId=None, email="New.Person@Example.com")
        profile = Profile.objects.get(pk=body["event"]["profileId"])
        self.assertEqual(profile.email, "new.person@example.com")
        self.assertEqual(profile.subscription_changes.count(), 1)
        # The same address again is the same Profile.
        again = self.tracked(profileId=None, email="new.person@example.com")
        self.assertEqual(again["event"]["profileId"], profile.pk)

    def test_an_unknown_external_id_creates_a_profile_without_email(self) -> None:
        body = self.tracked(profileId=None, externalId="user-42")
        profile = Profile.objects.get(pk=body["event"]["profileId"])
        self.assertEqual((profile.email, profile.external_id), ("", "user-42"))
        shown = self.api("GET", f"/profiles/{profile.pk}").json()
        self.assertIsNone(shown["email"])
        # Later, the email joins it.
        both = self.tracked(profileId=None, externalId="user-42", email="u42@example.com")
        self.assertEqual(both["event"]["profileId"], profile.pk)
        profile.refresh_from_db()
        self.assertEqual(profile.email, "u42@example.com")

    def test_identifiers_that_agree_are_fine(self) -> None:
        grace = make_profile(self.acme, email="grace@example.com", external_id="g-1")
        body = self.tracked(profileId=grace.pk, email="GRACE@example.com", externalId="g-1")
        self.assertEqual(body["event"]["profileId"], grace.pk)

    def test_identifiers_that_disagree_are_refused(self) -> None:
        grace = make_profile(self.acme, email="grace@example.com", external_id="g-1")
        error = self.assertEnvelope(
            self.track(profileId=self.ada.pk, email="grace@example.com"), 422, "validation_failed"
        )
        self.assertEqual(error["fields"][0]["path"], "email")
        error = self.assertEnvelope(
            self.track(profileId=None, email="grace@example.com", externalId="other"),
            422,
            "validation_failed",
        )
        self.assertEqual(error["fields"][0]["path"], "externalId")
        self.assertEnvelope(
            self.track(profileId=grace.pk, externalId="g-2"), 422, "validation_failed"
        )
        self.assertFalse(UserEvent.objects.exists())

    def test_a_profile_of_another_org_is_not_found(self) -> None:
        theirs = make_profile(self.globex, email="them@example.com")
        error = self.assertEnvelope(self.track(profileId=theirs.pk), 404, "not_found")
        self.assertEqual(error["message"].split(":")[0], "profileId")
        self.assertFalse(UserEvent.objects.exists())

    def test_no_identifier_is_refused(self) -> None:
        error = self.assertEnvelope(self.track(profileId=None), 422, "validation_failed")
        self.assertEqual(error["fields"][0]["path"], "profileId")


class BadInputTest(JourneyTestCase):
    def refused(self, body: dict[str, Any], path: str, status: int = 422) -> dict[str, Any]:
        with self.captureOnCommitCallbacks(execute=True):
            response = self.api("POST", "/events", body={"profileId": self.ada.pk, **body})
        error = self.assertEnvelope(response, status, "validation_failed")
        self.assertIn(path, [field["path"] for field in error.get("fields") or []], error)
        self.assertFalse(UserEvent.objects.exists())
        return error

    def test_an_empty_name(self) -> None:
        self.refused({"name": ""}, "name")
        self.refused({"name": "   "}, "name")

    def test_a_missing_name(self) -> None:
        self.refused({}, "name")

    def test_a_name_over_200_characters(self) -> None:
        self.refused({"name": "x" * 201}, "name")
        self.assertEqual(self.tracked("x" * 200)["event"]["name"], "x" * 200)

    def test_properties_not_an_object(self) -> None:
        self.refused({"name": "a", "properties": [1, 2]}, "properties")
        self.refused({"name": "a", "properties": "total=5"}, "properties")

    def test_properties_over_64_kib(self) -> None:
        self.refused({"name": "a", "properties": {"blob": "x" * (64 * 1024)}}, "properties")

    def test_an_unknown_field(self) -> None:
        self.refused({"name": "a", "propertys": {}}, "propertys")

    def test_an_occurred_at_without_offset_or_far_ahead(self) -> None:
        self.refused({"name": "a", "occurredAt": "2026-12-01T10:00:00"}, "occurredAt")
        self.refused({"name": "a", "occurredAt": "2099-01-01T00:00:00Z"}, "occurredAt")
        self.refused({"name": "a", "occurredAt": "yesterday"}, "occurredAt")

    def test_it_needs_the_events_write_scope(self) -> None:
        _, secret = self.key_with("profiles:read")
        error = self.assertEnvelope(self.track(secret=secret), 403, "insufficient_scope")
        self.assertIn("events:write", error["message"])
        _, secret = self.key_with("events:write")
        self.assertEqual(self.track(secret=secret).status_code, 202)

    def test_a_replayed_idempotency_key_returns_the_same_event(self) -> None:
        self.journey()
        body = {"name": "order.completed", "profileId": self.ada.pk}
        with self.captureOnCommitCallbacks(execute=True):
            first = self.api("POST", "/events", body=body, **{"Idempotency-Key": "evt-1"})
            again = self.api("POST", "/events", body=body, **{"Idempotency-Key": "evt-1"})
        self.assertEqual(first.status_code, 202)
        self.assertEqual(again.status_code, 202)
        self.assertEqual(again.json(), first.json())
        self.assertEqual(UserEvent.objects.count(), 1)
        self.assertEqual(JourneyRun.objects.count(), 1)
        other = self.api(
            "POST", "/events", body={**body, "name": "x"}, **{"Idempotency-Key": "evt-1"}
        )
        self.assertEnvelope(other, 422, "idempotency_key_reused")


class BatchTrackTest(JourneyTestCase):
    def batch(self, events: list[Any], **headers: Any) -> Any:
        with self.captureOnCommitCallbacks(execute=True):
            return self.api("POST", "/events/batch", body={"events": events}, **headers)

    def test_each_event_stands_alone(self) -> None:
        journey = self.journey()
        response = self.batch(
            [
                {"name": "order.completed", "profileId": self.ada.pk},
                {"name": "", "profileId": self.ada.pk},
                {"name": "signed.up", "email": "new@example.com", "properties": {"plan": "pro"}},
                {"name": "order.completed", "email": "new@example.com"},
                {"name": "a", "profileId": "prof_nope"},
                {"name": "a", "properties": []},
            ]
        )
        self.assertEqual(response.status_code, 202, response.content)
        data = response.json()["data"]
        self.assertEqual([item["index"] for item in data], list(range(6)))
        self.assertEqual(data[0]["journeyIds"], [journey.pk])
        self.assertEqual(data[1]["error"]["errorCode"], "validation_failed")
        self.assertEqual(data[1]["error"]["fields"][0]["path"], "name")
        self.assertEqual(data[2]["matchedJourneys"], 0)
        self.assertEqual(data[3]["event"]["profileId"], data[2]["event"]["profileId"])
        self.assertEqual(data[3]["journeyIds"], [journey.pk])
        self.assertEqual(data[4]["error"]["errorCode"], "not_found")
        self.assertEqual(data[5]["error"]["errorCode"], "validation_failed")
        self.assertEqual(UserEvent.objects.count(), 3)
        self.assertEqual(Profile.objects.filter(email="new@example.com").count(), 1)
        self.assertEqual(JourneyRun.objects.count(), 2)

    def test_it_inserts_the_events_in_one_statement(self) -> None:
        events = [
            {"name": "page.viewed", "email": f"p{n}@example.com", "properties": {"n": n}}
            for n in range(200)
        ]
        with CaptureQueriesContext(connection) as captured:
            response = self.batch(events)
        self.assertEqual(response.status_code, 202)
        inserts = [
            q["sql"] for q in captured if q["sql"].startswith('INSERT INTO "events_userevent"')
        ]
        self.assertEqual(len(inserts), 1)
        self.assertEqual(UserEvent.objects.count(), 200)
        self.assertLess(len(captured), 30)

    def test_over_500_events_is_payload_too_large(self) -> None:
        events = [{"name": "a", "profileId": self.ada.pk}] * 501
        self.assertEnvelope(self.batch(events), 413, "payload_too_large")
        self.assertFalse(UserEvent.objects.exists())

    def test_an_empty_or_missing_list_is_refused(self) -> None:
        self.assertEnvelope(self.batch([]), 422, "validation_failed")
        with self.captureOnCommitCallbacks(execute=True):
            response = self.api("POST", "/events/batch", body={})
        self.assertEnvelope(response, 422, "validation_failed")

    def test_one_idempotency_key_covers_the_batch(self) -> None:
        events = [{"name": "a", "profileId": self.ada.pk}, {"name": "b", "profileId": self.ada.pk}]
        first = self.batch(events, **{"Idempotency-Key": "backfill-1"})
        again = self.batch(events, **{"Idempotency-Key": "backfill-1"})
        self.assertEqual(json.loads(again.content), json.loads(first.content))
        self.assertEqual(UserEvent.objects.count(), 2)


class BatchAnswerShapeTest(JourneyTestCase):
    def test_the_batch_answer_is_what_the_schemas_render(self) -> None:
        body = self.tracked(properties={"nested": {"ok": [1, 2.5, None]}})
        event = UserEvent.objects.get(pk=body["event"]["id"])
        tracked = BatchItem(3, tracked=Tracked(event, ["jrn_x"]))
        expected = BatchTrackedOut.model_validate(
            {"index": 3, "event": event, "matched_journeys": 1, "journey_ids": ["jrn_x"]}
        ).model_dump(by_alias=True, mode="json")
        self.assertEqual(batch_entry_json(3, tracked.tracked, None), expected)
        single = EventTrackOut.model_validate(
            {"event": event, "matched_journeys": 1, "journey_ids": ["jrn_x"]}
        ).model_dump(by_alias=True, mode="json")
        self.assertEqual(tracked_json(Tracked(event, ["jrn_x"])), single)
        for error in (
            ActionError("validation_failed", "name", "field required"),
            ActionError("payload_too_large", None, "too big"),
        ):
            refused = BatchItem(1, error=error)
            entry = batch_entry_json(1, None, refused.error)
            api_error = to_api_error(error)
            expected = BatchRefusedOut.model_validate(
                {
                    "index": 1,
                    "error": {
                        "error_code": api_error.error_code,
                        "message": api_error.message,
                        "fields": api_error.fields,
                    },
                }
            ).model_dump(by_alias=True, mode="json")
            self.assertEqual(entry, expected)
