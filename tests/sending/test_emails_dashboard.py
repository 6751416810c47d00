"""The Emails log in the dashboard: the list with its filters and "Load more", a Profile's
section, an EmailSend's page with the message the mailer got, cancelling, and the template
editor's "Send test", for every persona."""

from __future__ import annotations

import email
import email.policy
import html
import json
import re
from datetime import timedelta
from typing import Any

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from apps.brand_kits.actions import create_brand_kit
from apps.email_templates.actions import archive_template
from apps.email_templates.forms import TemplateForm
from apps.email_templates.models import Template
from apps.sending.delivery import loop
from apps.sending.models import EmailSend, SentMessage
from segmentflow.email_url import mailer_from_url
from tests.factories import make_profile

from .email_helpers import SENDER, EmailTestCase

HTMX = {"HX-Request": "true"}
OUTBOX = {"default": mailer_from_url("")}
SRCDOC = re.compile(r'<iframe class="email-frame" sandbox srcdoc="([^"]*)"')
SANDBOX_NOTICE = "<code>EMAIL_URL</code> is unset, so every email goes to the outbox"


def deliver() -> loop.BatchResult:
    totals, _ = loop.deliver_due(max_seconds=30, idle_seconds=0)
    return totals


def srcdoc(response: Any) -> str:
    """The EmailSend page's iframe document, as the browser reads the attribute."""
    match = SRCDOC.search(response.content.decode())
    assert match, "no sandboxed iframe"
    return html.unescape(match.group(1))


def list_url(**params: str) -> str:
    query = "&".join(f"{name}={value}" for name, value in params.items())
    return reverse("emails:list") + (f"?{query}" if query else "")


def detail_url(email_send: EmailSend) -> str:
    return reverse("emails:detail", args=[email_send.pk])


def cancel_url(email_send: EmailSend) -> str:
    return reverse("emails:cancel", args=[email_send.pk])


def send_test_url(template: Template) -> str:
    return reverse("emails:test_send", args=[template.pk])


class EmailsDashboardTestCase(EmailTestCase):
    def make_send(self, **fields: Any) -> EmailSend:
        """A send stored as the delivery loop leaves it, without going through the API."""
        fields = {
            "organization": self.acme,
            "profile": self.ada,
            "template": self.receipt,
            "template_version": 1,
            "purpose": "transactional",
            "to_email": "ada@example.com",
            "from_address": SENDER,
            "subject": "Your order A-1",
            "status": "sent",
            "status_history": [],
        } | fields
        return EmailSend.objects.create(**fields)

    def save_sample(self, template: Template, sample: str) -> None:
        """Save the template in the editor with `sample` as its sample data, as bob."""
        self.client.force_login(self.bob)
        values = TemplateForm.from_template(template, sample).values
        response = self.client.post(
            reverse("email_templates:edit", args=[template.pk]), values | {"sample": sample}
        )
        self.assertEqual(response.status_code, 302, response.content)


class PermissionTests(EmailsDashboardTestCase):
    def test_every_role_of_the_organization_reads_the_log_and_a_send(self) -> None:
        send = self.accepted()
        for user in (self.alice, self.bob, self.viewer):
            with self.subTest(user=user.email):
                self.client.force_login(user)
                listed = self.client.get(list_url())
                self.assertContains(listed, f'<a href="{detail_url(send)}">ada@example.com</a>')
                self.assertContains(self.client.get(detail_url(send)), "Your order A-1001")

    def test_a_viewer_can_neither_send_a_test_nor_cancel(self) -> None:
        send = self.accepted()
        self.client.force_login(self.viewer)
        editor = self.client.get(reverse("email_templates:edit", args=[self.receipt.pk]))
        self.assertEqual(editor.status_code, 200)
        self.assertNotContains(editor, 'id="test-send-form"')
        self.assertNotContains(self.client.get(detail_url(send)), "Cancel send")
        self.assertEqual(self.client.get(send_test_url(self.receipt)).status_code, 403)
        response = self.client.post(send_test_url(self.receipt), {"to": "qa@example.net"})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.client.post(cancel_url(send)).status_code, 403)
        self.assertEqual(EmailSend.objects.get().status, "queued")

    def test_a_member_sees_the_send_test_form_in_the_editor(self) -> None:
        self.client.force_login(self.bob)
        editor = self.client.get(reverse("email_templates:edit", args=[self.receipt.pk]))
        self.assertContains(editor, f'action="{send_test_url(self.receipt)}"')
        self.assertContains(editor, 'name="to" value="bob@example.com"')
        self.assertContains(editor, "Sends the last saved version (version 1)")

    def test_another_organizations_owner_gets_404_and_sees_none_of_it(self) -> None:
        send = self.accepted()
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get(detail_url(send)).status_code, 404)
        self.assertEqual(self.client.post(cancel_url(send)).status_code, 404)
        self.assertEqual(self.client.get(send_test_url(self.receipt)).status_code, 404)
        response = self.client.post(send_test_url(self.receipt), {"to": "qa@example.net"})
        self.assertEqual(response.status_code, 404)
        for url in (list_url(), list_url(profile=self.ada.pk), list_url(q="ada")):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertNotContains(response, "ada@example.com")
        self.assertEqual(EmailSend.objects.get().status, "queued")

    def test_the_sidebar_leads_to_the_log(self) -> None:
        self.client.force_login(self.viewer)
        response = self.client.get(list_url())
        self.assertContains(
            response, f'<a href="{list_url()}" aria-current="page">Emails</a>', html=True
        )
        self.assertContains(response, "No emails yet")


class ListTests(EmailsDashboardTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.bob)

    def rows(self, response: Any) -> list[str]:
        """The recipients of the listed rows, in order."""
        return [send.to_email for send in response.context["page"].items]

    def test_it_lists_the_newest_first_with_template_status_and_markers(self) -> None:
        now = timezone.now()
        self.make_send(to_email="old@example.com", created_at=now - timedelta(hours=2))
        self.make_send(
            to_email="qa@example.net",
            profile=None,
            is_test=True,
            sandbox=True,
            status="queued",
            created_at=now - timedelta(hours=1),
        )
        self.make_send(
            to_email="new@example.com", template=self.newsletter, subject="News", created_at=now
        )
        response = self.client.get(list_url())
        self.assertEqual(
            self.rows(response), ["new@example.com", "qa@example.net", "old@example.com"]
        )
        body = response.content.decode()
        self.assertLess(body.index("new@example.com"), body.index("old@example.com"))
        editor = reverse("email_templates:edit", args=[self.newsletter.pk])
        self.assertContains(response, f'<a href="{editor}">News</a>', html=True)
        self.assertContains(response, '<span class="badge badge-email-queued">Queued</span>')
        self.assertContains(response, '<span class="badge badge-email-sent">Sent</span>', count=2)
        self.assertContains(response, '<span class="badge badge-email-test">test</span>', count=1)
        self.assertContains(response, "badge-email-sandbox", count=1)

    def test_the_status_filter_narrows_the_list(self) -> None:
        self.make_send(to_email="sent@example.com")
        self.make_send(to_email="bounced@example.com", status="bounced")
        response = self.client.get(list_url(status="bounced"))
        self.assertEqual(self.rows(response), ["bounced@example.com"])
        self.assertContains(response, '<option value="bounced" selected>Bounced</option>')
        self.assertEqual(self.rows(self.client.get(list_url(status="sent"))), ["sent@example.com"])
        # A status that is not one filters nothing, like a hand-edited URL deserves.
        self.assertEqual(len(self.rows(self.client.get(list_url(status="nope")))), 2)

    def test_the_search_is_a_case_insensitive_prefix_of_the_recipient(self) -> None:
        self.make_send(to_email="ada@example.com")
        self.make_send(to_email="grace@example.com")
        self.assertEqual(self.rows(self.client.get(list_url(q="ADA"))), ["ada@example.com"])
        self.assertEqual(self.rows(self.client.get(list_url(q="grace@ex"))), ["grace@example.com"])
        response = self.client.get(list_url(q="example"))
        self.assertEqual(self.rows(response), [])
        self.assertContains(response, "No email matches")
        self.assertContains(response, f'<a href="{list_url()}">clear the search</a>', html=True)

    def test_a_search_swaps_only_the_results(self) -> None:
        self.make_send(to_email="ada@example.com")
        response = self.client.get(list_url(q="ada"), headers=HTMX)
        body = response.content.decode().strip()
        self.assertTrue(body.startswith('<div id="results" class="email-log">'), body[:80])
        self.assertIn("ada@example.com", body)
        self.assertNotIn('role="search"', body)

    def test_load_more_continues_after_the_last_row_without_gaps_or_repeats(self) -> None:
        start = timezone.now()
        for n in range(55):
            self.make_send(to_email=f"p{n:02}@example.com", created_at=start - timedelta(seconds=n))
        first = self.client.get(list_url())
        page = first.context["page"]
        self.assertEqual(self.rows(first), [f"p{n:02}@example.com" for n in range(50)])
        self.assertTrue(page.has_more)
        self.assertContains(first, "Load more")
        more = self.client.get(page.next_url, headers=HTMX)
        body = more.content.decode().strip()
        self.assertTrue(body.startswith("<tr>"), body[:80])
        self.assertEqual(self.rows(more), [f"p{n:02}@example.com" for n in range(50, 55)])
        self.assertNotIn("Load more", body)
        # Without htmx the same link is a page of its own.
        plain = self.client.get(page.next_url)
        self.assertContains(plain, "Older emails")
        self.assertEqual(len(self.rows(plain)), 5)

    def test_load_more_keeps_the_filters(self) -> None:
        start = timezone.now()
        for n in range(51):
            self.make_send(status="failed", created_at=start - timedelta(seconds=n))
        self.make_send(to_email="other@example.com", created_at=start - timedelta(hours=1))
        page = self.client.get(list_url(status="failed")).context["page"]
        self.assertIn("status=failed", page.next_url)
        more = self.client.get(page.next_url, headers=HTMX)
        self.assertEqual(self.rows(more), ["ada@example.com"])

    def test_a_hand_edited_cursor_is_a_bad_request(self) -> None:
        self.assertEqual(self.client.get(list_url(after="nonsense")).status_code, 400)

    def test_the_profile_filter_is_the_fragment_a_profile_page_loads(self) -> None:
        grace = make_profile(self.acme, email="grace@example.com")
        self.make_send(to_email="ada@example.com", subject="For Ada")
        self.make_send(profile=grace, to_email="grace@example.com", subject="For Grace")
        profile_page = self.client.get(reverse("profiles:detail", args=[self.ada.pk]))
        url = list_url(profile=self.ada.pk)
        self.assertContains(profile_page, f'hx-get="{url}" hx-trigger="load"')
        self.assertContains(profile_page, f'<a href="{url}">All emails to this Profile</a>')

        fragment = self.client.get(url, headers=HTMX)
        body = fragment.content.decode().strip()
        self.assertTrue(body.startswith('<div id="results"'), body[:80])
        self.assertIn("For Ada", body)
        self.assertNotIn("For Grace", body)
        # The plain link: the whole log page, narrowed and saying to whom.
        page = self.client.get(url)
        self.assertContains(page, "To the Profile")
        self.assertEqual(self.rows(page), ["ada@example.com"])
        self.assertContains(page, f'<input type="hidden" name="profile" value="{self.ada.pk}">')

    def test_a_profile_without_emails_says_so(self) -> None:
        grace = make_profile(self.acme, email="grace@example.com")
        self.make_send()
        fragment = self.client.get(list_url(profile=grace.pk), headers=HTMX)
        self.assertContains(fragment, "No email sent to this Profile yet.")
        self.assertNotContains(fragment, "ada@example.com")

    def test_the_template_filter_narrows_the_list(self) -> None:
        self.make_send(subject="A receipt")
        self.make_send(template=self.newsletter, subject="A newsletter")
        response = self.client.get(list_url(template=self.newsletter.pk))
        self.assertContains(response, "A newsletter")
        self.assertNotContains(response, "A receipt")
        self.assertContains(response, "Sent with the Template")

    def test_the_sandbox_notice_shows_only_when_nothing_is_delivered(self) -> None:
        self.assertNotContains(self.client.get(list_url()), SANDBOX_NOTICE)
        with override_settings(MAILERS=OUTBOX):
            response = self.client.get(list_url())
        self.assertContains(response, SANDBOX_NOTICE)
        self.assertContains(response, "Sandbox: nothing is delivered.")


class DetailTests(EmailsDashboardTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.bob)

    @override_settings(MAILERS=OUTBOX)
    def test_a_send_delivered_to_the_outbox_shows_its_message_and_headers(self) -> None:
        send = self.accepted(replyTo="Help <help@acme.test>")
        self.assertEqual(deliver().sent, 1)
        mime = SentMessage.objects.get(email_send=send).mime
        message = email.message_from_string(mime, policy=email.policy.default)
        response = self.client.get(detail_url(send))
        self.assertContains(response, SENDER_ESCAPED := html.escape(SENDER))
        frame = srcdoc(response)
        self.assertIn("<p>Hi Ada, order A-1001 is on its way.</p>", frame)
        self.assertEqual(frame, message.get_body(("html",)).get_content())  # type: ignore[union-attr]
        for name, value in (
            ("From", SENDER_ESCAPED),
            ("To", "Ada &lt;ada@example.com&gt;"),
            ("Reply-To", "Help &lt;help@acme.test&gt;"),
            ("Subject", "Your order A-1001"),
            ("Message-ID", f"&lt;{send.pk}@acme.test&gt;"),
            ("X-SegmentFlow-Send-Id", send.pk),
        ):
            with self.subTest(header=name):
                self.assertContains(
                    response, f'<tr><th scope="row">{name}</th><td>{value}</td></tr>', html=True
                )
        self.assertContains(response, '<span class="badge badge-ok">Signed</span>', html=True)
        self.assertNotContains(response, "List-Unsubscribe")
        self.assertContains(response, '<pre class="email-text">')
        self.assertContains(response, "order A-1001 is on its way")
        # The timeline, newest first, and where it came from.
        body = response.content.decode()
        self.assertLess(body.index("stored in the outbox"), body.index("accepted"))
        self.assertContains(response, "Sent to the outbox while <code>EMAIL_URL</code> was unset")
        self.assertContains(response, reverse("profiles:detail", args=[self.ada.pk]))
        self.assertContains(response, reverse("email_templates:edit", args=[self.receipt.pk]))
        self.assertNotContains(response, "Cancel send")

    @override_settings(MAILERS=OUTBOX)
    def test_marketing_mail_shows_its_unsubscribe_header(self) -> None:
        send = self.accepted(templateId=self.newsletter.pk)
        deliver()
        response = self.client.get(detail_url(send))
        self.assertContains(response, '<th scope="row">List-Unsubscribe</th>')
        self.assertContains(response, "/one-click")

    def test_a_waiting_send_says_it_is_not_sent_yet_and_can_be_cancelled(self) -> None:
        send = self.accepted()
        response = self.client.get(detail_url(send))
        self.assertContains(response, "Not sent yet")
        self.assertNotContains(response, "<iframe")
        self.assertContains(response, f'action="{cancel_url(send)}"')
        self.assertContains(response, '<span class="badge badge-email-queued" id="email-status">')

    def test_a_dropped_message_says_so_and_keeps_the_history(self) -> None:
        send = self.make_send(
            content_dropped_at=timezone.now(),
            status_history=[
                {"status": "queued", "at": "2026-01-02T03:04:05.000Z", "detail": "accepted"},
                {"status": "sent", "at": "2026-01-02T03:04:06.000Z", "detail": "250 OK"},
            ],
        )
        response = self.client.get(detail_url(send))
        self.assertContains(response, "The message was dropped on")
        self.assertContains(response, "2026-01-02 03:04:06 UTC")
        self.assertContains(response, "250 OK")

    def test_cancel_stops_a_waiting_send(self) -> None:
        send = self.accepted()
        response = self.client.post(cancel_url(send))
        self.assertRedirects(response, detail_url(send), fetch_redirect_response=False)
        send.refresh_from_db()
        self.assertEqual(send.status, "cancelled")
        self.assertEqual(send.status_history[-1]["status"], "cancelled")
        page = self.client.get(detail_url(send))
        self.assertContains(page, "The email to ada@example.com was cancelled.")
        self.assertNotContains(page, "Cancel send")
        self.assertEqual(deliver().sent, 0)

    def test_cancel_from_htmx_loads_the_page_again(self) -> None:
        send = self.accepted()
        response = self.client.post(cancel_url(send), headers=HTMX)
        self.assertEqual(response["HX-Redirect"], detail_url(send))
        self.assertEqual(EmailSend.objects.get(pk=send.pk).status, "cancelled")

    def test_a_send_already_sent_cannot_be_cancelled(self) -> None:
        send = self.make_send(status="sent")
        response = self.client.post(cancel_url(send), follow=True)
        self.assertContains(response, "Not cancelled: the EmailSend is sent")
        self.assertEqual(EmailSend.objects.get(pk=send.pk).status, "sent")


class TestSendTests(EmailsDashboardTestCase):
    def setUp(self) -> None:
        super().setUp()
        create_brand_kit(
            self.acme, name="Acme", sender={"from_name": "Acme", "from_email": "hello@acme.test"}
        )
        self.client.force_login(self.bob)

    def post(self, template: Template | None = None, htmx: bool = False, **data: str) -> Any:
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(
                send_test_url(template or self.receipt), data, headers=HTMX if htmx else {}
            )

    def test_it_sends_the_saved_version_with_the_editors_saved_sample(self) -> None:
        sample = {"profile": {"firstName": "Grace"}, "data": {"orderNumber": "T-42"}}
        self.save_sample(self.receipt, json.dumps(sample))
        response = self.post(to="QA@Example.net")
        editor_url = reverse("email_templates:edit", args=[self.receipt.pk])
        self.assertRedirects(response, editor_url, fetch_redirect_response=False)
        send = EmailSend.objects.get()
        self.assertTrue(send.is_test)
        self.assertIsNone(send.profile_id)
        self.assertEqual(send.to_email, "qa@example.net")
        self.assertEqual(send.test_profile, {"firstName": "Grace"})
        self.assertEqual(send.data, {"orderNumber": "T-42"})
        self.assertEqual(send.from_address, SENDER)
        self.assertEqual(send.status, "queued")
        editor = self.client.get(editor_url)
        link = f'<a href="{detail_url(send)}">see it in the Emails log</a>'
        self.assertContains(editor, f"Test sent to qa@example.net — {link}.")

        with override_settings(MAILERS=OUTBOX):
            self.assertEqual(deliver().sent, 1)
        page = self.client.get(detail_url(send))
        self.assertContains(
            page, '<tr><th scope="row">Subject</th><td>[Test] Your order T-42</td></tr>', html=True
        )
        self.assertIn("<p>Hi Grace, order T-42 is on its way.</p>", srcdoc(page))
        self.assertContains(page, '<span class="badge badge-email-test">test</span>', html=True)
        self.assertContains(page, "a test with the editor's sample data")
        listed = self.client.get(list_url(q="qa"))
        self.assertContains(listed, '<span class="badge badge-email-test">test</span>', html=True)

    def test_without_a_saved_sample_it_sends_the_editors_default(self) -> None:
        self.post(to="qa@example.net")
        self.assertEqual(EmailSend.objects.get().data, {"orderNumber": "Sample orderNumber"})

    def test_from_htmx_the_editor_stays_and_a_toast_links_the_send(self) -> None:
        response = self.post(htmx=True, to="qa@example.net")
        self.assertEqual(response.status_code, 200)
        body = response.content.decode().strip()
        self.assertTrue(body.startswith('<form id="test-send-form"'), body[:80])
        self.assertIn('value="qa@example.net"', body)
        send = EmailSend.objects.get()
        self.assertIn('hx-swap-oob="true"', body)
        self.assertIn(f'<a href="{detail_url(send)}">see it in the Emails log</a>', body)

    def test_in_the_sandbox_an_unverified_from_is_allowed(self) -> None:
        with override_settings(MAILERS=OUTBOX):
            self.post(to="qa@example.net", from_address="Test <test@unverified.example>")
        send = EmailSend.objects.get()
        self.assertTrue(send.sandbox)
        self.assertEqual(send.from_address, "Test <test@unverified.example>")

    def test_refusals_are_shown_on_the_form_with_422_and_nothing_typed_is_lost(self) -> None:
        cases = [
            ({"to": ""}, "to", "This field is required."),
            ({"to": "not an address"}, "to", "an address such as"),
            (
                {"to": "qa@example.net", "from_address": "x@unverified.example"},
                "from",
                "unverified.example is not a verified sending domain",
            ),
        ]
        for htmx in (False, True):
            for data, field, words in cases:
                with self.subTest(data=data, htmx=htmx):
                    response = self.post(htmx=htmx, **data)
                    self.assertContains(response, words, status_code=422)
                    self.assertContains(response, f'id="test-send-{field}-error"', status_code=422)
                    body = response.content.decode().strip()
                    starts_with_form = body.startswith('<form id="test-send-form"')
                    self.assertEqual(starts_with_form, htmx, body[:80])
                    for value in data.values():
                        self.assertContains(
                            response, f'value="{html.escape(value)}"', status_code=422
                        )
        self.assertFalse(EmailSend.objects.exists())

    def test_a_sample_that_does_not_render_is_shown_above_the_form(self) -> None:
        self.save_sample(self.receipt, json.dumps({"profile": {}, "data": {}}))
        response = self.post(htmx=True, to="qa@example.net")
        self.assertContains(response, "The test was not sent:", status_code=422)
        self.assertContains(response, "orderNumber", status_code=422)
        self.save_sample(self.receipt, "{not json")
        response = self.post(to="qa@example.net")
        self.assertContains(response, "The sample data saved with the template", status_code=422)
        self.assertFalse(EmailSend.objects.exists())

    def test_an_archived_template_is_refused(self) -> None:
        archive_template(self.receipt)
        response = self.post(to="qa@example.net")
        self.assertContains(response, "archived", status_code=422)
        self.assertFalse(EmailSend.objects.exists())

    def test_the_form_has_a_page_of_its_own_without_htmx(self) -> None:
        response = self.client.get(send_test_url(self.receipt))
        self.assertContains(response, "<h1>Send a test of Receipt</h1>", html=True)
        self.assertContains(response, 'name="to" value="bob@example.com"')
