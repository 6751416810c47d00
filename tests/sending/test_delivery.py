"""The delivery engine end to end, against real servers on 127.0.0.1: the DNS server publishes
the domain's records, aiosmtpd receives. What arrives (both parts, the headers, a DKIM signature
that verifies with the published key), and faults that lose nothing."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import timedelta
from typing import Any
from unittest import mock

import dkim
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from apps.profiles.models import Profile
from apps.sending import tasks
from apps.sending.delivery import loop
from apps.sending.models import EmailSend, SentMessage
from segmentflow.email_url import mailer_from_url
from tests.factories import make_template
from tests.tasks import drain_tasks

from .email_helpers import SENDER, EmailTestCase
from .smtp_server import SmtpServer


def deliver() -> loop.BatchResult:
    totals, _ = loop.deliver_due(max_seconds=30, idle_seconds=0)
    return totals


def make_due(*sends: EmailSend) -> None:
    """Bring retries forward to now (all waiting sends without arguments)."""
    waiting = EmailSend.objects.filter(status="queued")
    if sends:
        waiting = waiting.filter(pk__in=[s.pk for s in sends])
    waiting.update(due_at=timezone.now())


class SmtpTestCase(EmailTestCase):
    """An SMTP server the delivery engine sends to (EMAIL_URL=smtp://127.0.0.1:<port>)."""

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

    def dnsfunc(self, name: bytes, timeout: int = 5) -> bytes:
        """What dkim.verify asks: the TXT record from this test's DNS server."""
        records = self.zone.txt.get(name.decode().rstrip(".").lower(), [])
        return b"".join(part.encode() for part in records[0]) if records else b""


class EndToEndTests(SmtpTestCase):
    def test_a_send_arrives_signed_with_both_parts_and_its_headers(self) -> None:
        send = self.accepted(replyTo="Help <help@acme.test>")
        self.assertEqual(deliver().sent, 1)
        [received] = self.smtp.mailbox.received
        self.assertEqual(received.mail_from, "hello@acme.test")
        self.assertEqual(received.rcpt_tos, ["ada@example.com"])
        message = received.message
        self.assertEqual(message["From"], SENDER)
        self.assertEqual(message["To"], "Ada <ada@example.com>")
        self.assertEqual(message["Reply-To"], "Help <help@acme.test>")
        self.assertEqual(message["Subject"], "Your order A-1001")
        self.assertEqual(message["Message-ID"], f"<{send.pk}@acme.test>")
        self.assertEqual(message["X-SegmentFlow-Send-Id"], send.pk)
        self.assertIsNone(message["List-Unsubscribe"])
        self.assertEqual(message.get_content_type(), "multipart/alternative")
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        self.assertIn("order A-1001 is on its way", text)
        self.assertIn("<p>Hi Ada, order A-1001 is on its way.</p>", html)
        self.assertTrue(dkim.verify(received.data, dnsfunc=self.dnsfunc))
        signature = message["DKIM-Signature"]
        self.assertIn("d=acme.test", signature)
        self.assertIn(f"s={self.domain.dkim_keys.get(state='active').selector}", signature)

        send.refresh_from_db()
        self.assertEqual(send.status, "sent")
        self.assertEqual(send.message_id, f"{send.pk}@acme.test")
        self.assertEqual(send.provider_message_id, "Q00001")
        self.assertIn("250", send.status_history[-1]["detail"])
        self.assertTrue(SentMessage.objects.filter(email_send=send).exists())
        body = self.api("GET", f"/emails/{send.pk}").json()
        self.assertEqual(body["status"], "sent")
        self.assertEqual(body["messageId"], f"{send.pk}@acme.test")

    def test_marketing_mail_carries_one_click_unsubscribe(self) -> None:
        send = self.accepted(templateId=self.newsletter.pk)
        deliver()
        message = self.smtp.mailbox.received[0].message
        self.assertRegex(message["List-Unsubscribe"], r"^<http://.+/u/.+/one-click/?>")
        self.assertEqual(message["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
        self.assertTrue(dkim.verify(self.smtp.mailbox.received[0].data, dnsfunc=self.dnsfunc))
        self.assertIn(b"list-unsubscribe", message["DKIM-Signature"].encode().lower())
        self.assertEqual(EmailSend.objects.get(pk=send.pk).status, "sent")

    def test_the_worker_delivers_what_the_api_queued(self) -> None:
        send = self.accepted()
        with mock.patch.object(tasks, "IDLE_SECONDS", 0):
            self.assertGreaterEqual(drain_tasks(), 1)
        self.assertEqual(EmailSend.objects.get(pk=send.pk).status, "sent")
        self.assertEqual(len(self.smtp.mailbox.received), 1)

    def test_a_suppression_after_acceptance_stops_the_send(self) -> None:
        send = self.accepted()
        Profile.objects.filter(pk=self.ada.pk).update(suppressed_reason="manual")
        self.assertEqual(deliver().suppressed, 1)
        self.assertEqual(EmailSend.objects.get(pk=send.pk).status, "suppressed")
        self.assertEqual(self.smtp.mailbox.received, [])

    def test_a_batch_shares_one_connection(self) -> None:
        sends = [self.accepted() for _ in range(5)]
        with mock.patch("smtplib.SMTP.connect", autospec=True, side_effect=_count_connects) as c:
            self.assertEqual(deliver().sent, 5)
        self.assertEqual(c.call_count, 1)
        ids = {r.message["X-SegmentFlow-Send-Id"] for r in self.smtp.mailbox.received}
        self.assertEqual(ids, {s.pk for s in sends})


_real_connect = __import__("smtplib").SMTP.connect


def _count_connects(self: Any, *args: Any, **kwargs: Any) -> Any:
    return _real_connect(self, *args, **kwargs)


@override_settings(SEGMENTFLOW_DELIVERY_RETRY_BASE=30, SEGMENTFLOW_DELIVERY_MAX_ATTEMPTS=3)
class FaultTests(SmtpTestCase):
    def test_refused_connections_retry_until_the_server_returns(self) -> None:
        sends = [self.accepted() for _ in range(3)]
        self.smtp.stop()
        before = timezone.now()
        self.assertEqual(deliver().retrying, 3)
        for send in EmailSend.objects.filter(pk__in=[s.pk for s in sends]):
            self.assertEqual(send.status, "queued")
            self.assertIn("connection refused", send.status_history[-1]["detail"])
            # 30 s doubling from the first attempt, with ±20 % jitter.
            self.assertGreater(send.due_at, before + timedelta(seconds=23))
            self.assertLess(send.due_at, before + timedelta(seconds=37))
        self.assertEqual(deliver().sent, 0)  # not due yet
        make_due()
        self.assertEqual(deliver().retrying, 3)  # still down
        self.smtp.start()
        make_due()
        self.assertEqual(deliver().sent, 3)
        for send in EmailSend.objects.filter(pk__in=[s.pk for s in sends]):
            self.assertEqual(send.status, "sent")
            self.assertEqual(send.attempts, 3)
            statuses = [entry["status"] for entry in send.status_history]
            self.assertEqual(statuses, ["queued", "queued", "queued", "sent"])
        self.assertEqual(len(self.smtp.mailbox.received), 3)

    def test_451_is_retried_then_sent(self) -> None:
        self.smtp.mailbox.rcpt_replies = ["451 4.3.0 Try again later"]
        send = self.accepted()
        self.assertEqual(deliver().retrying, 1)
        send.refresh_from_db()
        self.assertIn("451 4.3.0 Try again later", send.status_history[-1]["detail"])
        make_due(send)
        self.assertEqual(deliver().sent, 1)
        send.refresh_from_db()
        self.assertEqual(send.status, "sent")
        self.assertEqual([e["status"] for e in send.status_history], ["queued", "queued", "sent"])

    def test_550_5_1_1_fails_at_once_and_suppresses_the_profile(self) -> None:
        self.smtp.mailbox.rcpt_replies = ["550 5.1.1 <ada@example.com>: no such user"]
        send = self.accepted()
        self.assertEqual(deliver().failed, 1)
        send.refresh_from_db()
        self.assertEqual(send.status, "failed")
        self.assertIn("550 5.1.1", send.status_history[-1]["detail"])
        self.ada.refresh_from_db()
        self.assertEqual(self.ada.suppressed_reason, "hard_bounce")
        self.assertEqual(self.accepted().status, "suppressed")

    def test_another_5xx_fails_without_suppressing(self) -> None:
        self.smtp.mailbox.rcpt_replies = ["554 5.7.1 policy rejection"]
        send = self.accepted()
        self.assertEqual(deliver().failed, 1)
        self.assertEqual(EmailSend.objects.get(pk=send.pk).status, "failed")
        self.ada.refresh_from_db()
        self.assertEqual(self.ada.suppressed_reason, "")

    def test_it_fails_after_the_last_attempt(self) -> None:
        self.smtp.mailbox.rcpt_replies = ["451 4.3.0 busy"] * 3
        send = self.accepted()
        for _ in range(3):
            deliver()
            make_due(send)
        send.refresh_from_db()
        self.assertEqual(send.status, "failed")
        self.assertIn("no attempts left", send.status_history[-1]["detail"])
        self.assertEqual(self.smtp.mailbox.received, [])

    def test_an_expired_lease_goes_back_to_the_queue_and_the_late_claim_writes_nothing(
        self,
    ) -> None:
        send = self.accepted()
        [claimed] = loop.claim_batch()
        self.assertEqual(EmailSend.objects.get(pk=send.pk).status, "sending")
        # The worker holding it is killed: its lease runs out.
        EmailSend.objects.filter(pk=send.pk).update(
            lease_until=timezone.now() - timedelta(seconds=1)
        )
        self.assertEqual(loop.return_expired_leases(), 1)
        self.assertEqual(EmailSend.objects.get(pk=send.pk).status, "queued")
        self.assertEqual(deliver().sent, 1)
        # The first claim's outcome, arriving late, is refused by the lease token.
        result = loop.deliver_batch([claimed])
        self.assertEqual(result.lost_lease, 1)
        send.refresh_from_db()
        self.assertEqual(send.status, "sent")
        statuses = [e["status"] for e in send.status_history]
        self.assertEqual(statuses, ["queued", "queued", "sent"])
        # Delivered twice, with the same Message-ID: the duplicate is recognisable downstream.
        ids = {r.message["Message-ID"] for r in self.smtp.mailbox.received}
        self.assertEqual(len(self.smtp.mailbox.received), 2)
        self.assertEqual(ids, {f"<{send.pk}@acme.test>"})

    def test_a_scheduled_send_waits_then_goes(self) -> None:
        at = timezone.now() + timedelta(minutes=5)
        send = self.accepted(scheduledAt=at.isoformat())
        self.assertEqual(deliver().sent, 0)
        EmailSend.objects.filter(pk=send.pk).update(due_at=timezone.now())
        self.assertEqual(deliver().sent, 1)
        self.assertEqual(
            [e["status"] for e in EmailSend.objects.get(pk=send.pk).status_history],
            ["scheduled", "sent"],
        )
        self.assertEqual(len(self.smtp.mailbox.received), 1)

    def test_a_cancelled_send_is_never_claimed(self) -> None:
        send = self.accepted()
        self.api("POST", f"/emails/{send.pk}/cancel")
        self.assertEqual(deliver().sent, 0)
        self.assertEqual(self.smtp.mailbox.received, [])


class OtherMailerTests(EmailTestCase):
    @override_settings(MAILERS={"default": mailer_from_url("")})
    def test_the_outbox_stores_signed_messages_and_allows_unverified_domains(self) -> None:
        signed = self.accepted()
        unverified = self.accepted(**{"from": "Other <x@unverified.test>"})
        self.assertTrue(signed.sandbox)
        self.assertEqual(deliver().sent, 2)
        stored = SentMessage.objects.get(email_send=signed).mime.encode()
        self.assertTrue(stored.startswith(b"DKIM-Signature:"))
        self.assertIn(b"X-SegmentFlow-Send-Id: " + signed.pk.encode(), stored)
        plain = SentMessage.objects.get(email_send=unverified).mime.encode()
        self.assertFalse(plain.startswith(b"DKIM-Signature:"))
        detail = EmailSend.objects.get(pk=signed.pk).status_history[-1]["detail"]
        self.assertIn("outbox", detail)
        self.assertTrue(self.api("GET", f"/emails/{signed.pk}").json()["sandbox"])

    def test_a_django_mailer_gets_the_parts_and_headers(self) -> None:
        # The test runner's memory backend stands where an ESP's anymail backend would.
        send = self.accepted(templateId=self.newsletter.pk)
        self.assertEqual(deliver().sent, 1)
        [message] = mail.outbox
        self.assertEqual(message.to, ["Ada <ada@example.com>"])
        self.assertEqual(message.extra_headers["X-SegmentFlow-Send-Id"], send.pk)
        self.assertIn("List-Unsubscribe", message.extra_headers)
        self.assertEqual(message.alternatives[0].mimetype, "text/html")

    @override_settings(
        MAILERS={"default": {"BACKEND": "anymail.backends.test.EmailBackend"}},
        ANYMAIL={"TEST_SEND_DEFAULTS": {}},
    )
    def test_an_anymail_backend_gives_the_providers_message_id(self) -> None:
        send = self.accepted()
        self.assertEqual(deliver().sent, 1)
        send.refresh_from_db()
        self.assertEqual(send.status, "sent")
        # The test backend's message ids are the message's place in mail.outbox.
        self.assertEqual(send.provider_message_id, "0")
        self.assertEqual(mail.outbox[0].anymail_status.status, {"sent"})

    def test_old_content_is_dropped_and_the_status_kept(self) -> None:
        send = self.accepted()
        deliver()
        EmailSend.objects.filter(pk=send.pk).update(created_at=timezone.now() - timedelta(days=31))
        young = self.accepted()
        deliver()
        self.assertEqual(loop.drop_old_content(), 1)
        send.refresh_from_db()
        self.assertEqual(send.status, "sent")
        self.assertEqual(send.data, {})
        self.assertIsNotNone(send.content_dropped_at)
        self.assertFalse(SentMessage.objects.filter(email_send=send).exists())
        self.assertTrue(SentMessage.objects.filter(email_send=young).exists())
        self.assertEqual(loop.drop_old_content(), 0)


class MessageTests(SmtpTestCase):
    def test_non_ascii_names_and_subjects_arrive_intact_and_signed(self) -> None:
        template = make_template(
            self.acme,
            subject="Ihre Bestellung ✓ {{ data.orderNumber }} — danke, {{ profile.firstName }}",
            html="<p>Grüße, 日本語 {{ data.orderNumber }}</p>" + "<p>x</p>" * 400,
        )
        self.ada.first_name = "Zoë"
        self.ada.save()
        self.accepted(templateId=template.pk, **{"from": "Café Crème <hello@acme.test>"})
        deliver()
        received = self.smtp.mailbox.received[0]
        self.assertTrue(received.data.isascii())
        self.assertLess(max(len(line) for line in received.data.split(b"\r\n")), 999)
        message = received.message
        self.assertEqual(message["Subject"], "Ihre Bestellung ✓ A-1001 — danke, Zoë")
        self.assertEqual(message["From"].addresses[0].display_name, "Café Crème")
        self.assertEqual(message["To"].addresses[0].display_name, "Zoë")
        self.assertIn("Grüße, 日本語 A-1001", message.get_body(("html",)).get_content())
        self.assertTrue(dkim.verify(received.data, dnsfunc=self.dnsfunc))

    def test_a_long_subject_is_folded_and_still_verifies(self) -> None:
        self.accepted(subject="word " * 300)
        deliver()
        received = self.smtp.mailbox.received[0]
        self.assertLess(max(len(line) for line in received.data.split(b"\r\n")), 999)
        self.assertEqual(received.message["Subject"], " ".join(["word"] * 300))
        self.assertTrue(dkim.verify(received.data, dnsfunc=self.dnsfunc))
