"""Provider feedback through django-anymail's real webhook views (Postmark's payloads): basic
auth, delivered, a hard bounce and a complaint suppress the Profile, a soft bounce does not;
and erasing a Profile erases what its sends hold."""

from __future__ import annotations

import base64
from typing import Any

from django.test import override_settings

from apps.profiles.actions import delete_profile
from apps.sending.models import EmailSend, SentMessage

from .email_helpers import EmailTestCase

SECRET = "hook:s3cret"
URL = "/webhooks/anymail/postmark/tracking/"


@override_settings(ANYMAIL={"WEBHOOK_SECRET": SECRET})
class PostmarkWebhookTests(EmailTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.email_send = self.accepted()
        EmailSend.objects.filter(pk=self.email_send.pk).update(
            status="sent", provider_message_id="pm-1"
        )

    def post(self, payload: dict[str, Any], auth: str = SECRET) -> Any:
        token = base64.b64encode(auth.encode()).decode()
        return self.client.post(
            URL, payload, content_type="application/json", HTTP_AUTHORIZATION=f"Basic {token}"
        )

    def status(self) -> str:
        return EmailSend.objects.get(pk=self.email_send.pk).status

    def test_delivered_moves_the_send_on(self) -> None:
        payload = {
            "RecordType": "Delivery",
            "MessageID": "pm-1",
            "Recipient": "ada@example.com",
            "DeliveredAt": "2026-12-03T10:00:00Z",
            "Details": "Test delivery webhook details",
        }
        self.assertEqual(self.post(payload).status_code, 200)
        self.assertEqual(self.status(), "delivered")
        entry = EmailSend.objects.get(pk=self.email_send.pk).status_history[-1]
        self.assertEqual(entry["status"], "delivered")
        self.assertIn("Postmark", entry["detail"])

    def test_a_hard_bounce_suppresses_the_profile(self) -> None:
        payload = {
            "RecordType": "Bounce",
            "Type": "HardBounce",
            "MessageID": "pm-1",
            "Email": "ada@example.com",
            "BouncedAt": "2026-12-03T10:00:00Z",
            "Description": "The server was unable to deliver your message",
        }
        self.assertEqual(self.post(payload).status_code, 200)
        self.assertEqual(self.status(), "bounced")
        self.ada.refresh_from_db()
        self.assertEqual(self.ada.suppressed_reason, "hard_bounce")

    def test_a_soft_bounce_is_noted_only(self) -> None:
        payload = {
            "RecordType": "Bounce",
            "Type": "SoftBounce",
            "MessageID": "pm-1",
            "Email": "ada@example.com",
            "BouncedAt": "2026-12-03T10:00:00Z",
        }
        self.assertEqual(self.post(payload).status_code, 200)
        self.assertEqual(self.status(), "sent")
        self.ada.refresh_from_db()
        self.assertEqual(self.ada.suppressed_reason, "")

    def test_a_complaint_suppresses_and_unsubscribes(self) -> None:
        payload = {
            "RecordType": "SpamComplaint",
            "Type": "SpamComplaint",
            "MessageID": "pm-1",
            "Email": "ada@example.com",
            "BouncedAt": "2026-12-03T10:00:00Z",
        }
        self.assertEqual(self.post(payload).status_code, 200)
        self.assertEqual(self.status(), "complained")
        self.ada.refresh_from_db()
        self.assertEqual(self.ada.suppressed_reason, "complaint")
        self.assertEqual(self.ada.subscription_status, "unsubscribed")

    def test_a_wrong_secret_is_refused(self) -> None:
        payload = {"RecordType": "Delivery", "MessageID": "pm-1", "Recipient": "a@b.c"}
        self.assertEqual(self.post(payload, auth="hook:wrong").status_code, 400)
        self.assertEqual(self.status(), "sent")

    def test_an_unknown_message_changes_nothing(self) -> None:
        payload = {"RecordType": "Delivery", "MessageID": "pm-other", "Recipient": "a@b.c"}
        self.assertEqual(self.post(payload).status_code, 200)
        self.assertEqual(self.status(), "sent")

    @override_settings(ANYMAIL={})
    def test_without_a_secret_every_call_is_refused(self) -> None:
        payload = {"RecordType": "Delivery", "MessageID": "pm-1", "Recipient": "a@b.c"}
        self.assertEqual(self.post(payload).status_code, 403)
        self.assertEqual(self.status(), "sent")


class ErasureTests(EmailTestCase):
    def test_erasing_a_profile_erases_its_sends_content(self) -> None:
        send = self.accepted()
        SentMessage.objects.create(email_send=send, mime="From: x")
        delete_profile(self.ada)
        send.refresh_from_db()
        self.assertIsNone(send.profile_id)
        self.assertEqual(send.to_email, "erased")
        self.assertEqual(send.data, {})
        self.assertFalse(SentMessage.objects.filter(email_send=send).exists())
        self.assertEqual(send.status, "cancelled")
        self.assertIn("erased", send.status_history[-1]["detail"])
