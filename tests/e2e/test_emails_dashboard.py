"""The Emails log in a real browser: send a test from the template editor with the sample data
saved there, follow the toast's link to the EmailSend, see it queued, then delivered to the
outbox with its message in the sandboxed frame, and find it in the log."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect
from pytest_django.fixtures import Settings

from apps.accounts.models import Organization, User
from apps.brand_kits.actions import create_brand_kit
from apps.sending.delivery import loop
from apps.sending.models import EmailSend
from segmentflow.email_url import mailer_from_url
from tests.e2e import PASSWORD
from tests.factories import make_template

pytestmark = pytest.mark.e2e

LogIn = Callable[[str, str], None]
# Survives only while htmx swaps parts of the page instead of the browser loading a new one.
MARK_THE_PAGE = "window.stillTheSamePage = true"
PAGE_IS_THE_SAME = "window.stillTheSamePage === true"


def header_row(page: Page, name: str) -> Locator:
    headers = page.locator("table.email-headers")
    return headers.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=name, exact=True)
    )


def test_a_marketer_sends_a_test_and_follows_it_to_the_outbox(
    page: Page, log_in: LogIn, alice: User, acme: Organization, settings: Settings
) -> None:
    # EMAIL_URL unset: the outbox, where an unverified From domain is allowed.
    settings.MAILERS = {"default": mailer_from_url("")}
    create_brand_kit(
        acme, name="Acme", sender={"from_name": "Acme", "from_email": "hello@acme.example"}
    )
    template = make_template(
        acme,
        name="Receipt",
        subject="Your order {{ data.orderNumber }}",
        html="<p id='greeting'>Hi {{ profile.firstName }}, order {{ data.orderNumber }} ships.</p>",
    )
    log_in(alice.email, PASSWORD)
    page.goto(f"/templates/{template.pk}/")

    # The sample data saved with the template is what the test renders with.
    sample = {"profile": {"firstName": "Grace"}, "data": {"orderNumber": "E2E-7"}}
    page.locator("#template-sample").fill(json.dumps(sample))
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Nothing changed: no new version was saved.")).to_be_visible()

    form = page.locator("#test-send-form")
    expect(form).to_contain_text("Sends the last saved version")
    address = form.get_by_label("Send a test to")
    expect(address).to_have_value(alice.email)
    address.fill("qa@example.net")
    page.evaluate(MARK_THE_PAGE)
    form.get_by_role("button", name="Send test").click()
    toast = page.locator("#messages")
    expect(toast).to_contain_text("Test sent to qa@example.net")
    # The editor stayed as it was: htmx posted the form, the toast came out of band.
    assert page.evaluate(PAGE_IS_THE_SAME)
    expect(address).to_have_value("qa@example.net")

    toast.get_by_role("link", name="see it in the Emails log").click()
    send = EmailSend.objects.get(organization=acme)
    expect(page).to_have_url(re.compile(rf"/emails/{send.pk}/$"))
    expect(page.locator("#email-status")).to_have_text("Queued")
    expect(page.get_by_text("Not sent yet")).to_be_visible()

    totals, _ = loop.deliver_due(max_seconds=30, idle_seconds=0)
    assert totals.sent == 1
    page.reload()
    expect(page.locator("#email-status")).to_have_text("Sent")
    expect(header_row(page, "Subject")).to_contain_text("[Test] Your order E2E-7")
    expect(header_row(page, "To").get_by_role("cell")).to_have_text("qa@example.net")
    frame = page.frame_locator("iframe.email-frame")
    expect(frame.locator("#greeting")).to_have_text("Hi Grace, order E2E-7 ships.")
    expect(page.locator(".email-timeline li").first).to_contain_text("stored in the outbox")

    sections = page.get_by_role("navigation", name="Sections")
    sections.get_by_role("link", name="Emails").click()
    expect(page.get_by_text("Sandbox: nothing is delivered.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="qa@example.net")
    expect(row).to_contain_text("test")
    expect(row).to_contain_text("Sent")
    expect(row.get_by_role("link", name="Receipt")).to_be_visible()
