"""Settings → API keys in a real browser: mint a key, use it on /api/v1/me, revoke it."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Dialog, Page, expect

from apps.accounts.models import ApiKey, Organization, User
from tests.e2e import PASSWORD

pytestmark = pytest.mark.e2e

LogIn = Callable[[str, str], None]


def test_it_mints_a_key_shown_once_that_works_until_it_is_revoked(
    page: Page, log_in: LogIn, alice: User, acme: Organization
) -> None:
    log_in(alice.email, PASSWORD)
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Settings").click()
    settings_tabs = page.get_by_role("navigation", name="Settings")
    expect(settings_tabs.get_by_role("link", name="API keys")).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.get_by_role("heading", name="No API keys yet")).to_be_visible()

    page.get_by_role("link", name="Create API key").click()
    page.get_by_label("Name").fill("Billing backend")
    page.get_by_role("checkbox", name=re.compile(r"^profiles:read ")).check()
    page.get_by_role("checkbox", name=re.compile(r"^emails:send ")).check()
    page.get_by_role("button", name="Create key").click()

    expect(page.get_by_role("heading", name="API key “Billing backend” created")).to_be_visible()
    raw_key = page.get_by_test_id("new-api-key").input_value()
    assert re.fullmatch(r"sf_live_[A-Za-z0-9]{44}", raw_key)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == raw_key

    me = page.request.get("/api/v1/me", headers={"x-api-key": raw_key})
    assert me.status == 200, me.text()
    body = me.json()
    assert body["name"] == "Billing backend"
    assert body["scopes"] == ["profiles:read", "emails:send"]
    assert body["organization"]["id"] == acme.id
    assert body["organization"]["name"] == "Acme"

    page.reload()
    expect(page.get_by_role("heading", name="Create API key")).to_be_visible()
    assert raw_key not in page.content()
    page.get_by_role("link", name="API keys").click()
    row = page.get_by_role("row", name=re.compile("Billing backend"))
    expect(row).to_contain_text("active")
    expect(row).to_contain_text(raw_key[: len("sf_live_") + 12])
    assert raw_key not in page.content()

    confirmations: list[str] = []

    def accept(dialog: Dialog) -> None:
        confirmations.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    row.get_by_role("button", name="Revoke").click()
    expect(row).to_contain_text("revoked")
    expect(row.get_by_role("button", name="Revoke")).to_have_count(0)
    expect(page.get_by_role("status")).to_contain_text("API key “Billing backend” revoked.")
    assert confirmations == ["Revoke “Billing backend”? Requests using it will fail at once."]

    refused = page.request.get("/api/v1/me", headers={"x-api-key": raw_key})
    assert refused.status == 401
    assert refused.json()["error"]["errorCode"] == "invalid_api_key"
    assert ApiKey.objects.get(name="Billing backend").revoked_at is not None


def test_it_shows_inline_errors_and_creates_no_key_for_an_empty_form(
    page: Page, log_in: LogIn, alice: User
) -> None:
    log_in(alice.email, PASSWORD)
    page.goto("/settings/api-keys/new/")
    # Survives only if htmx swaps the form in place instead of the browser loading a new page.
    page.evaluate("window.stillTheSamePage = true")

    with page.expect_response(re.compile(r"/settings/api-keys/new/$")) as submitted:
        page.get_by_role("button", name="Create key").click()

    assert submitted.value.status == 422
    assert submitted.value.request.headers.get("hx-request") == "true"
    expect(page.get_by_role("alert").first).to_have_text("Please correct the errors below.")
    name_row = page.locator(".form-row", has=page.get_by_label("Name"))
    expect(name_row.locator(".field-error")).to_have_text("This field is required.")
    scopes = page.get_by_role("group", name="Scopes")
    expect(scopes.locator(".field-error")).to_have_text("This field is required.")
    assert page.evaluate("window.stillTheSamePage") is True
    assert not ApiKey.objects.exists()
