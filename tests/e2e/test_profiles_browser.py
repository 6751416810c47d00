"""Profiles in a real browser: create one, edit an attribute inline, unsubscribe it from the
dashboard and from the public link of its emails."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from apps.accounts.models import Organization, User
from apps.profiles.models import Profile, SubscriptionSource, SubscriptionStatus
from apps.profiles.unsubscribe import unsubscribe_url
from tests.e2e import PASSWORD
from tests.e2e.conftest import TIMEOUT_MS

pytestmark = pytest.mark.e2e

LogIn = Callable[[str, str], None]
# Survives only while htmx swaps parts of the page instead of the browser loading a new one.
MARK_THE_PAGE = "window.stillTheSamePage = true"
PAGE_IS_THE_SAME = "window.stillTheSamePage === true"


@pytest.fixture
def recipient(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """The browser of someone who clicks a link in an email: a context of its own, no session."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, "the unsubscribe page threw: " + "; ".join(errors)


def on_live_server(url: str, live_server: LiveServer) -> str:
    """`url` (built on SITE_URL, as in an email) pointed at the live server instead."""
    parts = urlsplit(url)
    return live_server.url + parts.path + (f"?{parts.query}" if parts.query else "")


def attribute_row(attributes: Locator, key: str) -> Locator:
    return attributes.get_by_role("row").filter(
        has=attributes.page.get_by_role("rowheader", name=key, exact=True)
    )


def test_a_marketer_creates_a_profile_edits_an_attribute_inline_and_unsubscribes_it(
    page: Page,
    log_in: LogIn,
    alice: User,
    acme: Organization,
    recipient: Page,
    live_server: LiveServer,
) -> None:
    log_in(alice.email, PASSWORD)
    sections = page.get_by_role("navigation", name="Sections")
    sections.get_by_role("link", name="Profiles").click()
    expect(sections.get_by_role("link", name="Profiles")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", name="No Profiles yet")).to_be_visible()

    # Create: the email is stored lower-cased, the user lands on the new Profile's page.
    page.get_by_role("link", name="Add Profile").click()
    expect(page.get_by_role("heading", name="Add Profile")).to_be_visible()
    page.get_by_role("textbox", name="Email", exact=True).fill("Ada.Lovelace@Example.COM")
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_label("External ID").fill("crm-1815")
    page.get_by_role("button", name="Add Profile").click()

    expect(page.get_by_role("heading", name="ada.lovelace@example.com")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/profiles/prof_[0-9a-z]+/$"))
    expect(page.get_by_role("status")).to_contain_text("Profile ada.lovelace@example.com created.")
    profile = Profile.objects.get(organization=acme)
    assert page.url.endswith(f"/profiles/{profile.id}/")
    assert (profile.email, profile.first_name, profile.last_name, profile.external_id) == (
        "ada.lovelace@example.com",
        "Ada",
        "Lovelace",
        "crm-1815",
    )
    fields = page.get_by_role("region", name="Profile", exact=True)
    expect(fields.get_by_role("row", name="External ID")).to_contain_text("crm-1815")

    # Attributes, inline: add a key, then edit its value; the page itself never reloads.
    page.evaluate(MARK_THE_PAGE)
    attributes = page.get_by_role("region", name="Attributes")
    expect(attributes).to_contain_text("No attributes yet.")
    attributes.get_by_label("Key", exact=True).fill("plan")
    attributes.get_by_label("Value", exact=True).fill("free")
    attributes.get_by_role("button", name="Add attribute").click()
    plan = attribute_row(attributes, "plan")
    expect(plan.get_by_role("cell").nth(0)).to_have_text("free")
    expect(plan.get_by_role("cell").nth(1)).to_have_text("text")
    assert Profile.objects.get(pk=profile.pk).attributes == {"plan": "free"}

    plan.get_by_role("link", name="Edit plan").click()
    value = attributes.get_by_label("Value of plan")
    expect(value).to_have_value("free")
    expect(value).to_be_focused()
    value.fill("null")
    attributes.get_by_role("button", name="Save").click()
    expect(attributes.get_by_role("alert")).to_have_text(
        "null is not a value here: use Delete to remove the key."
    )
    value.fill('{"tier": "pro", "seats": 5}')
    attributes.get_by_role("button", name="Save").click()
    expect(attributes.get_by_label("Value of plan")).to_have_count(0)
    expect(plan.get_by_role("cell").nth(0)).to_have_text('{"tier": "pro", "seats": 5}')
    expect(plan.get_by_role("cell").nth(1)).to_have_text("object")
    assert Profile.objects.get(pk=profile.pk).attributes == {"plan": {"tier": "pro", "seats": 5}}
    assert page.evaluate(PAGE_IS_THE_SAME) is True

    # Unsubscribe from the dashboard: the badge and the history change in place.
    subscription = page.get_by_role("region", name="Subscription")
    expect(subscription.locator(".badge")).to_have_text("Subscribed")
    subscription.get_by_role("button", name="Unsubscribe").click()
    expect(subscription.locator(".badge")).to_have_text("Unsubscribed")
    expect(subscription.get_by_role("button", name="Subscribe")).to_be_visible()
    history = subscription.get_by_role("listitem")
    expect(history).to_have_count(2)
    expect(history.first).to_contain_text("Unsubscribed dashboard")
    expect(history.first).to_contain_text(alice.email)
    expect(history.last).to_contain_text("Subscribed dashboard")
    expect(page.get_by_role("status")).to_contain_text(
        "ada.lovelace@example.com is unsubscribed from marketing email."
    )
    assert page.evaluate(PAGE_IS_THE_SAME) is True
    profile.refresh_from_db()
    assert profile.subscription_status == SubscriptionStatus.UNSUBSCRIBED
    assert profile.subscription_source == SubscriptionSource.DASHBOARD
    change = profile.subscription_changes.first()
    assert change is not None
    assert (change.status, change.source, change.changed_by) == (
        SubscriptionStatus.UNSUBSCRIBED,
        SubscriptionSource.DASHBOARD,
        alice,
    )

    # The link in the footer of an email, opened by the recipient: no login, no session.
    recipient.goto(on_live_server(unsubscribe_url(profile), live_server))
    expect(recipient.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    expect(recipient.get_by_role("main")).to_contain_text("a***@example.com")
    assert "ada.lovelace@example.com" not in recipient.content()

    recipient.get_by_role("button", name="Resubscribe").click()
    expect(recipient.get_by_role("status")).to_contain_text("You are subscribed again")
    profile.refresh_from_db()
    assert profile.subscription_status == SubscriptionStatus.SUBSCRIBED
    assert profile.subscription_source == SubscriptionSource.UNSUBSCRIBE_LINK

    recipient.get_by_role("button", name="Unsubscribe").click()
    expect(recipient.get_by_role("status")).to_contain_text("You are unsubscribed")
    expect(recipient.get_by_role("button", name="Resubscribe")).to_be_visible()
    profile.refresh_from_db()
    assert profile.subscription_status == SubscriptionStatus.UNSUBSCRIBED
    assert profile.subscription_source == SubscriptionSource.UNSUBSCRIBE_LINK
    changes = list(profile.subscription_changes.values_list("status", "source", "changed_by"))
    assert changes == [
        (SubscriptionStatus.UNSUBSCRIBED, SubscriptionSource.UNSUBSCRIBE_LINK, None),
        (SubscriptionStatus.SUBSCRIBED, SubscriptionSource.UNSUBSCRIBE_LINK, None),
        (SubscriptionStatus.UNSUBSCRIBED, SubscriptionSource.DASHBOARD, alice.pk),
        (SubscriptionStatus.SUBSCRIBED, SubscriptionSource.DASHBOARD, alice.pk),
    ]
    assert "sessionid" not in {cookie["name"] for cookie in recipient.context.cookies()}

    # Back in the dashboard, the Profile page tells what the recipient did.
    page.reload()
    expect(subscription.locator(".badge")).to_have_text("Unsubscribed")
    expect(history).to_have_count(4)
    expect(history.first).to_contain_text("Unsubscribed unsubscribe_link")
    expect(history.first).not_to_contain_text(alice.email)


def test_a_bad_email_is_refused_inline_without_losing_what_was_typed(
    page: Page, log_in: LogIn, alice: User, acme: Organization
) -> None:
    log_in(alice.email, PASSWORD)
    page.goto("/profiles/new/")
    page.evaluate(MARK_THE_PAGE)
    email = page.get_by_role("textbox", name="Email", exact=True)
    email.fill("ada.lovelace.example.com")
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_label("External ID").fill("crm-1815")
    page.get_by_label("Unsubscribed").check()

    with page.expect_response(re.compile(r"/profiles/new/$")) as submitted:
        page.get_by_role("button", name="Add Profile").click()

    assert submitted.value.status == 422
    assert submitted.value.request.headers.get("hx-request") == "true"
    expect(page.get_by_role("alert").first).to_have_text("Please correct the error below.")
    email_row = page.locator(".form-row", has=email)
    expect(email_row.get_by_role("alert")).to_have_text("not a valid email address")
    expect(email).to_be_focused()
    expect(email).to_have_value("ada.lovelace.example.com")
    expect(page.get_by_label("First name")).to_have_value("Ada")
    expect(page.get_by_label("Last name")).to_have_value("Lovelace")
    expect(page.get_by_label("External ID")).to_have_value("crm-1815")
    expect(page.get_by_label("Unsubscribed")).to_be_checked()
    assert page.evaluate(PAGE_IS_THE_SAME) is True
    assert not Profile.objects.exists()

    email.fill("ada.lovelace@example.com")
    page.get_by_role("button", name="Add Profile").click()
    expect(page.get_by_role("heading", name="ada.lovelace@example.com")).to_be_visible()
    expect(page.get_by_role("region", name="Subscription").locator(".badge")).to_have_text(
        "Unsubscribed"
    )
    profile = Profile.objects.get(organization=acme)
    assert (profile.first_name, profile.last_name, profile.external_id) == (
        "Ada",
        "Lovelace",
        "crm-1815",
    )
    assert profile.subscription_status == SubscriptionStatus.UNSUBSCRIBED
