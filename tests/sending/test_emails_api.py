"""emails.send, emails.batchSend, emails.get, emails.list and emails.cancel
(api-contract.md → Emails): what is accepted, every refusal in the contract's order, and the
suppression rules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from apps.email_templates.actions import archive_template
from apps.profiles.actions import save_new_profiles, set_subscription, suppress_profile
from apps.profiles.models import Profile
from apps.sending.models import EmailSend
from tests.factories import make_profile, make_template

from .email_helpers import SENDER, EmailTestCase


class SendTests(EmailTestCase):
    def test_it_queues_a_send_to_a_profile(self) -> None:
        response = self.send()
        self.assertEqual(response.status_code, 202, response.content)
        body = response.json()
        self.assertTrue(body["id"].startswith("es_"))
        self.assertEqual(body["object"], "email_send")
        self.assertEqual(body["status"], "queued")
        self.assertEqual(body["profileId"], self.ada.pk)
        self.assertEqual(body["templateId"], self.receipt.pk)
        self.assertEqual(body["templateVersion"], 1)
        self.assertEqual(body["to"], "ada@example.com")
        self.assertEqual(body["from"], SENDER)
        self.assertEqual(body["subject"], "Your order A-1001")
        self.assertFalse(body["sandbox"])
        self.assertIsNone(body["messageId"])
        self.assertIsNone(body["journeyId"])
        self.assertEqual(body["statusHistory"][0]["status"], "queued")
        self.assertTrue(body["statusHistory"][0]["at"].endswith("Z"))
        self.assertTrue(body["createdAt"].endswith("Z"))
        stored = EmailSend.objects.get(pk=body["id"])
        self.assertEqual(stored.data, {"orderNumber": "A-1001"})

    def test_to_upserts_the_profile_by_email_case_insensitively(self) -> None:
        first = self.accepted(
            profileId=None, to={"email": "Grace@Example.com", "firstName": "Grace"}
        )
        grace = Profile.objects.get(organization=self.acme, email="grace@example.com")
        self.assertEqual(first.profile_id, grace.pk)
        self.assertEqual(grace.first_name, "Grace")
        # Created as create_profile creates: its first subscription change is recorded.
        changes = list(grace.subscription_changes.values_list("status", "source"))
        self.assertEqual(changes, [("subscribed", "api")])
        second = self.accepted(profileId=None, to={"email": "GRACE@example.COM"})
        self.assertEqual(second.profile_id, grace.pk)
        self.assertEqual(Profile.objects.filter(organization=self.acme).count(), 2)
        self.accepted(profileId=None, to={"email": "ada@example.com", "lastName": "Lovelace"})
        self.ada.refresh_from_db()
        self.assertEqual((self.ada.first_name, self.ada.last_name), ("Ada", "Lovelace"))

    def test_a_profile_created_meanwhile_is_taken_as_it_is(self) -> None:
        racer = Profile(organization=self.acme, email="ada@example.com", first_name="Other")
        saved = save_new_profiles(self.acme, [racer])
        self.assertEqual(saved["ada@example.com"].pk, self.ada.pk)
        self.assertEqual(saved["ada@example.com"].first_name, "Ada")
        self.assertEqual(self.ada.subscription_changes.count(), 1)

    def test_exactly_one_of_profile_id_and_to(self) -> None:
        both = self.send(to={"email": "x@example.com"})
        self.assertEqual(
            self.assertEnvelope(both, 422, "validation_failed")["fields"][0]["path"], "profileId"
        )
        neither = self.send(profileId=None)
        self.assertEnvelope(neither, 422, "validation_failed")
        self.assertFalse(Profile.objects.filter(email="x@example.com").exists())
        self.assertEqual(EmailSend.objects.count(), 0)

    def test_an_unknown_or_foreign_profile_is_not_found(self) -> None:
        stranger = make_profile(self.globex, email="stranger@example.com")
        for profile_id in ("prof_nope", stranger.pk):
            with self.subTest(profile_id=profile_id):
                error = self.assertEnvelope(self.send(profileId=profile_id), 404, "not_found")
                self.assertEqual(error["fields"][0]["path"], "profileId")
        self.assertEqual(EmailSend.objects.count(), 0)

    def test_a_bad_address_names_the_field(self) -> None:
        for address in ("not-an-address", "a@", "two@@example.com", ""):
            with self.subTest(address=address):
                response = self.send(profileId=None, to={"email": address})
                error = self.assertEnvelope(response, 422, "validation_failed")
                self.assertEqual(error["fields"][0]["path"], "to.email")
        error = self.assertEnvelope(self.send(**{"from": "nobody"}), 422, "validation_failed")
        self.assertEqual(error["fields"][0]["path"], "from")
        self.assertEqual(EmailSend.objects.count(), 0)

    def test_an_unknown_field_is_refused(self) -> None:
        error = self.assertEnvelope(self.send(tempateId="x"), 422, "validation_failed")
        self.assertIn("tempateId", error["message"])

    def test_an_unknown_foreign_or_archived_template(self) -> None:
        foreign = make_template(self.globex)
        for template_id in ("tmpl_nope", foreign.pk):
            with self.subTest(template_id=template_id):
                error = self.assertEnvelope(self.send(templateId=template_id), 404, "not_found")
                self.assertEqual(error["fields"][0]["path"], "templateId")
        archive_template(self.receipt)
        error = self.assertEnvelope(self.send(), 422, "template_archived")
        self.assertEqual(error["fields"][0]["path"], "templateId")

    def test_missing_merge_data_names_the_field(self) -> None:
        error = self.assertEnvelope(self.send(data={}), 422, "template_render_failed")
        self.assertIn("data.orderNumber", error["message"])
        self.assertEqual(EmailSend.objects.count(), 0)

    def test_the_from_must_be_on_a_verified_domain_of_this_organization(self) -> None:
        self.add_domain("pending.test")  # added, never verified
        self.verified_domain("globex.test", org=self.globex)
        for sender in ("Acme <hello@pending.test>", "hello@globex.test", "x@elsewhere.test"):
            with self.subTest(sender=sender):
                error = self.assertEnvelope(
                    self.send(**{"from": sender}), 422, "domain_not_verified"
                )
                self.assertEqual(error["fields"][0]["path"], "from")
        self.assertEqual(EmailSend.objects.count(), 0)

    def test_the_checks_come_in_the_contracts_order(self) -> None:
        archive_template(self.receipt)
        # A bad recipient is reported before the archived template, the render before the From.
        self.assertEnvelope(self.send(profileId="prof_nope"), 404, "not_found")
        self.assertEnvelope(self.send(), 422, "template_archived")
        other = make_template(self.acme, html="{{ data.needed }}")
        self.assertEnvelope(
            self.send(templateId=other.pk, **{"from": "x@elsewhere.test"}),
            422,
            "template_render_failed",
        )

    def test_the_from_defaults_to_the_brand_kit_sender(self) -> None:
        from apps.brand_kits.actions import create_brand_kit

        create_brand_kit(
            self.acme,
            name="Acme",
            is_default=True,
            sender={
                "from_name": "Acme Shop",
                "from_email": "shop@acme.test",
                "reply_to": "help@acme.test",
            },
        )
        send = self.accepted(**{"from": None})
        self.assertEqual(send.from_address, "Acme Shop <shop@acme.test>")
        self.assertEqual(send.reply_to, "help@acme.test")

    def test_no_from_at_all_is_refused(self) -> None:
        error = self.assertEnvelope(self.send(**{"from": None}), 422, "validation_failed")
        self.assertEqual(error["fields"][0]["path"], "from")

    def test_a_suppressed_profile_gets_nothing_but_the_send_is_kept(self) -> None:
        suppress_profile(self.ada, "hard_bounce")
        for template in (self.receipt, self.newsletter):
            send = self.accepted(templateId=template.pk)
            self.assertEqual(send.status, "suppressed")
            self.assertIn("hard_bounce", send.status_history[0]["detail"])
            self.assertIsNone(send.due_at)

    def test_an_unsubscribed_profile_gets_transactional_mail_only(self) -> None:
        set_subscription(self.ada, "unsubscribed", "api")
        self.assertEqual(self.accepted().status, "queued")
        marketing = self.accepted(templateId=self.newsletter.pk)
        self.assertEqual(marketing.status, "suppressed")
        self.assertIn("unsubscribed", marketing.status_history[0]["detail"])

    def test_it_needs_the_emails_send_scope(self) -> None:
        _, secret = self.key_with("emails:read", "profiles:write")
        self.assertEnvelope(self.send(secret), 403, "insufficient_scope")
        self.assertEqual(EmailSend.objects.count(), 0)

    def test_an_idempotency_key_replays_and_refuses_another_body(self) -> None:
        headers = {"Idempotency-Key": "send-1"}
        body = self.send_body()
        first = self.api("POST", "/emails", body=body, **headers)
        again = self.api("POST", "/emails", body=body, **headers)
        self.assertEqual(again.status_code, 202)
        self.assertEqual(again["Idempotent-Replayed"], "true")
        self.assertEqual(again.json()["id"], first.json()["id"])
        other = self.api("POST", "/emails", body={**body, "data": {"orderNumber": "B"}}, **headers)
        self.assertEnvelope(other, 422, "idempotency_key_reused")
        self.assertEqual(EmailSend.objects.count(), 1)


class ScheduleAndCancelTests(EmailTestCase):
    def test_a_scheduled_send_waits_for_its_time(self) -> None:
        at = timezone.now() + timedelta(days=2)
        send = self.accepted(scheduledAt=at.isoformat())
        self.assertEqual(send.status, "scheduled")
        self.assertEqual(send.due_at, send.scheduled_at)
        self.assertFalse(EmailSend.objects.due().exists())

    def test_more_than_30_days_ahead_is_refused(self) -> None:
        at = timezone.now() + timedelta(days=30, minutes=5)
        error = self.assertEnvelope(self.send(scheduledAt=at.isoformat()), 422, "validation_failed")
        self.assertEqual(error["fields"][0]["path"], "scheduledAt")

    def test_a_time_without_offset_is_refused(self) -> None:
        error = self.assertEnvelope(
            self.send(scheduledAt="2030-01-01T09:00:00"), 422, "validation_failed"
        )
        self.assertEqual(error["fields"][0]["path"], "scheduledAt")

    def test_cancel_stops_a_waiting_send_only(self) -> None:
        scheduled = self.accepted(scheduledAt=(timezone.now() + timedelta(hours=1)).isoformat())
        queued = self.accepted()
        for send in (scheduled, queued):
            response = self.api("POST", f"/emails/{send.pk}/cancel")
            self.assertEqual(response.status_code, 200, response.content)
            self.assertEqual(response.json()["status"], "cancelled")
            self.assertEqual(response.json()["statusHistory"][-1]["status"], "cancelled")
        again = self.api("POST", f"/emails/{queued.pk}/cancel")
        self.assertIn("cancelled", self.assertEnvelope(again, 409, "invalid_state")["message"])
        EmailSend.objects.filter(pk=queued.pk).update(status="sent")
        self.assertEnvelope(self.api("POST", f"/emails/{queued.pk}/cancel"), 409, "invalid_state")

    def test_cancel_needs_the_send_scope_and_this_organization(self) -> None:
        send = self.accepted()
        _, reader = self.key_with("emails:read")
        self.assertEnvelope(
            self.api("POST", f"/emails/{send.pk}/cancel", reader), 403, "insufficient_scope"
        )
        self.assertEnvelope(
            self.api("POST", f"/emails/{send.pk}/cancel", self.globex_secret), 404, "not_found"
        )
        self.assertEqual(EmailSend.objects.get(pk=send.pk).status, "queued")


class BatchTests(EmailTestCase):
    def batch(self, items: list[dict[str, Any]], **headers: Any) -> Any:
        with self.captureOnCommitCallbacks(execute=True):
            return self.api("POST", "/emails/batch", body={"emails": items}, **headers)

    def test_each_item_stands_alone(self) -> None:
        items = [
            self.send_body(),
            self.send_body(data={}),
            self.send_body(profileId=None, to={"email": "new@example.com"}),
            self.send_body(templateId="tmpl_nope"),
            {"templateId": self.receipt.pk, "unknown": 1},
            self.send_body(profileId=None, to={"email": "NEW@example.com", "firstName": "Neo"}),
        ]
        response = self.batch(items)
        self.assertEqual(response.status_code, 202, response.content)
        data = response.json()["data"]
        self.assertEqual([entry["index"] for entry in data], list(range(6)))
        self.assertEqual(data[0]["emailSend"]["status"], "queued")
        self.assertEqual(data[1]["error"]["errorCode"], "template_render_failed")
        self.assertEqual(data[2]["emailSend"]["to"], "new@example.com")
        self.assertEqual(data[3]["error"]["errorCode"], "not_found")
        self.assertEqual(data[4]["error"]["errorCode"], "validation_failed")
        self.assertIn("unknown", data[4]["error"]["fields"][0]["path"])
        self.assertEqual(set(data[4]["error"]["fields"][0]), {"path", "message"})
        self.assertNotIn("emailSend", data[1])
        self.assertNotIn("error", data[0])
        self.assertEqual(EmailSend.objects.count(), 3)
        new = Profile.objects.get(organization=self.acme, email="new@example.com")
        self.assertEqual(new.first_name, "Neo")
        self.assertEqual(new.subscription_changes.count(), 1)
        self.assertEqual(data[5]["emailSend"]["profileId"], new.pk)
        self.assertEqual(data[2]["emailSend"]["profileId"], new.pk)

    def test_more_than_100_is_payload_too_large(self) -> None:
        response = self.batch([self.send_body()] * 101)
        self.assertEnvelope(response, 413, "payload_too_large")
        self.assertEqual(EmailSend.objects.count(), 0)
        self.assertEqual(self.batch([self.send_body()] * 100).status_code, 202)
        self.assertEqual(EmailSend.objects.count(), 100)

    def test_an_empty_batch_is_refused(self) -> None:
        self.assertEnvelope(self.batch([]), 422, "validation_failed")

    def test_one_idempotency_key_covers_the_batch(self) -> None:
        items = [self.send_body(), self.send_body(data={})]
        first = self.batch(items, **{"Idempotency-Key": "batch-1"})
        again = self.batch(items, **{"Idempotency-Key": "batch-1"})
        self.assertEqual(again["Idempotent-Replayed"], "true")
        self.assertEqual(again.json(), first.json())
        self.assertEqual(EmailSend.objects.count(), 1)
        self.assertEnvelope(
            self.batch(items[:1], **{"Idempotency-Key": "batch-1"}), 422, "idempotency_key_reused"
        )

    def test_it_needs_the_emails_send_scope(self) -> None:
        _, secret = self.key_with("emails:read")
        response = self.api("POST", "/emails/batch", secret, body={"emails": [self.send_body()]})
        self.assertEnvelope(response, 403, "insufficient_scope")


class ReadTests(EmailTestCase):
    def test_get_shows_this_organizations_sends_only(self) -> None:
        send = self.accepted()
        _, reader = self.key_with("emails:read")
        response = self.api("GET", f"/emails/{send.pk}", reader)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["id"], send.pk)
        self.assertEnvelope(
            self.api("GET", f"/emails/{send.pk}", self.globex_secret), 404, "not_found"
        )
        _, sender = self.key_with("emails:send")
        self.assertEnvelope(
            self.api("GET", f"/emails/{send.pk}", sender), 403, "insufficient_scope"
        )

    def test_list_filters_and_pages_newest_first(self) -> None:
        grace = make_profile(self.acme, email="grace@example.com")
        sends = [self.accepted() for _ in range(3)]
        to_grace = self.accepted(profileId=grace.pk, templateId=self.newsletter.pk)
        EmailSend.objects.filter(pk=sends[0].pk).update(status="sent")
        page = self.api("GET", "/emails?limit=2").json()
        self.assertEqual([s["id"] for s in page["data"]], [to_grace.pk, sends[2].pk])
        self.assertTrue(page["hasMore"])
        rest = self.api("GET", f"/emails?limit=2&after={page['nextCursor']}").json()
        self.assertEqual([s["id"] for s in rest["data"]], [sends[1].pk, sends[0].pk])
        self.assertFalse(rest["hasMore"])

        def ids(query: str) -> list[str]:
            response = self.api("GET", f"/emails?{query}")
            self.assertEqual(response.status_code, 200, response.content)
            return [s["id"] for s in response.json()["data"]]

        self.assertEqual(ids("status=sent"), [sends[0].pk])
        self.assertEqual(ids(f"profileId={grace.pk}"), [to_grace.pk])
        self.assertEqual(ids(f"templateId={self.newsletter.pk}"), [to_grace.pk])
        self.assertEqual(ids("journeyId=jrn_none"), [])
        self.assertEqual(self.api("GET", "/emails", self.globex_secret).json()["data"], [])

    def test_a_bad_filter_or_cursor_is_refused(self) -> None:
        self.assertEnvelope(self.api("GET", "/emails?status=lost"), 422, "validation_failed")
        self.assertEnvelope(self.api("GET", "/emails?after=nope"), 422, "validation_failed")
        self.assertEnvelope(self.api("GET", "/emails?limit=101"), 422, "validation_failed")
