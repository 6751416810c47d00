"""The Journey builder in a real browser: build a Journey (trigger order.completed, a
send_email step with the Receipt template and a From on acme.test), publish and activate it;
track the event over the API on the live server, run the engine and delivery, and find the
run, its step history and the email on the Journey's page."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from apps.accounts.models import Organization, User
from apps.events.engine import loop as journey_loop
from apps.events.models import Journey, JourneyRun
from apps.sending.delivery import loop as delivery_loop
from apps.sending.models import EmailSend
from segmentflow.email_url import mailer_from_url
from tests.e2e import PASSWORD
from tests.factories import make_api_key, make_template

pytestmark = pytest.mark.e2e

LogIn = Callable[[str, str], None]
# Survives only while htmx swaps parts of the page instead of the browser loading a new one.
MARK_THE_PAGE = "window.stillTheSamePage = true"
PAGE_IS_THE_SAME = "window.stillTheSamePage === true"


def track(live_server: LiveServer, secret: str, body: dict[str, object]) -> dict[str, object]:
    """POST /api/v1/events on the live server, as a backend would."""
    request = urllib.request.Request(  # noqa: S310 - the live server's http URL
        f"{live_server.url}/api/v1/events",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "X-API-Key": secret},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert response.status == 202
        answer: dict[str, object] = json.loads(response.read())
        return answer


def test_a_marketer_builds_a_journey_that_an_event_runs(
    page: Page,
    log_in: LogIn,
    alice: User,
    acme: Organization,
    settings: Settings,
    live_server: LiveServer,
) -> None:
    # EMAIL_URL unset: the outbox, where the From domain need not be verified over DNS.
    settings.MAILERS = {"default": mailer_from_url("")}
    make_template(
        acme,
        name="Receipt",
        subject="Your order {{ event.properties.orderNumber }}",
        html="<p id='thanks'>Thanks {{ profile.firstName }}, order {{ data.orderNumber }}.</p>",
    )
    _, secret = make_api_key(acme, ["events:write"])
    log_in(alice.email, PASSWORD)

    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Journeys").click()
    page.get_by_role("link", name="New Journey").first.click()
    page.get_by_label("Name").fill("Order follow-up")
    page.get_by_label("Trigger event").fill("order.completed")
    page.get_by_role("button", name="Create and open the builder").click()
    expect(page).to_have_url(re.compile(r"/journeys/jrn_[0-9a-z]+/edit/$"))
    journey = Journey.objects.get(organization=acme)
    expect(page.locator(".trigger-card")).to_contain_text("When order.completed is tracked")

    # Add a send_email step: htmx swaps the builder, the new step is selected in the panel.
    page.evaluate(MARK_THE_PAGE)
    page.locator(".add-step summary").first.click()
    page.get_by_role("group", name="Step type to add at steps[0]").get_by_role(
        "button", name="Send email"
    ).click()
    panel = page.locator("#panel")
    expect(panel.get_by_role("heading", level=2)).to_have_text("Send email steps[0]")
    card = page.locator('.step-card[data-path="steps[0]"]')
    expect(card).to_have_class(re.compile(r"\bselected\b"))
    expect(card).to_contain_text("Send an email (no template picked yet)")
    panel.get_by_label("Template").select_option(label="Receipt")
    panel.get_by_label("From").fill("Acme <hello@acme.test>")
    panel.get_by_role("button", name="Save step").click()
    expect(card).to_contain_text("Send 'Receipt'")
    expect(page.locator("#draft-state")).to_have_text("unpublished changes")
    assert page.evaluate(PAGE_IS_THE_SAME)

    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#messages")).to_contain_text("Published version 2")
    expect(page.locator("#draft-state")).to_contain_text("the published version")
    # The toast sits over the page's top right corner, where the status buttons are.
    page.locator("#messages").get_by_role("button", name="Dismiss").click()
    page.get_by_role("button", name="Activate").click()
    expect(page.locator("#messages")).to_contain_text("Order follow-up is active")
    expect(page.locator("#journey-status")).to_have_text("Active")
    journey.refresh_from_db()
    assert (journey.status, journey.version) == ("active", 2)

    answer = track(
        live_server,
        secret,
        {
            "name": "order.completed",
            "email": "ada@example.com",
            "properties": {"orderNumber": "E2E-9"},
        },
    )
    assert answer["journeyIds"] == [journey.pk]
    totals, _ = journey_loop.run_due(max_seconds=30, idle_seconds=0)
    assert totals.completed == 1
    sent, _ = delivery_loop.deliver_due(max_seconds=30, idle_seconds=0)
    assert sent.sent == 1
    send = EmailSend.objects.get(organization=acme)
    assert send.journey_id == journey.pk

    page.locator("#messages").get_by_role("button", name="Dismiss").click()
    page.get_by_role("link", name="Journey page").click()
    run = JourneyRun.objects.get(journey=journey)
    row = page.locator(f'tr[id="{run.pk}"]')
    expect(row).to_contain_text("ada@example.com")
    expect(row).to_contain_text("Completed")
    expect(page.locator('.step-card[data-path="steps[0]"] .step-counts')).to_contain_text("Done1")
    row.get_by_text("1 step").click()
    expect(row.locator(".run-history li")).to_contain_text("send_email")
    row.get_by_role("link", name="Email").click()
    expect(page).to_have_url(re.compile(rf"/emails/{send.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your order E2E-9")
    expect(page.locator("#email-status")).to_have_text("Sent")
    frame = page.frame_locator("iframe.email-frame")
    expect(frame.locator("#thanks")).to_have_text("Thanks , order E2E-9.")
