"""Templates in a real browser: start from a starter, edit the HTML and watch the sandboxed
preview follow, switch its width and part, see that a hostile template cannot touch the
dashboard, save new versions and restore the first."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Dialog, Page, expect

from apps.accounts.models import Organization, User
from apps.email_templates.models import Template
from tests.e2e import PASSWORD

pytestmark = pytest.mark.e2e

LogIn = Callable[[str, str], None]
HOSTILE = (
    "<html><body><h1 id='marker'>Hostile</h1>"
    "<script>window.parent.document.title='pwned'; alert('script ran')</script>"
    "<img src=x onerror=\"window.parent.document.body.innerHTML='pwned'; alert('onerror ran')\">"
    "</body></html>"
)


def test_a_marketer_edits_a_starter_with_a_live_sandboxed_preview(
    page: Page, log_in: LogIn, alice: User, acme: Organization
) -> None:
    dialogs: list[str] = []

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", record)
    log_in(alice.email, PASSWORD)
    sections = page.get_by_role("navigation", name="Sections")
    sections.get_by_role("link", name="Templates").click()
    expect(sections.get_by_role("link", name="Templates")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", name="No templates yet")).to_be_visible()
    page.get_by_role("link", name="New template").click()
    page.get_by_role("button", name="Use the Welcome starter").click()

    expect(page.get_by_role("heading", name="Welcome", exact=True)).to_be_visible()
    expect(page.locator(".template-version")).to_have_text("Version 1")
    frame = page.frame_locator("iframe.preview-frame")
    expect(frame.locator("h1")).to_have_text("Welcome, Ada!")
    expect(page.locator(".preview-subject")).to_contain_text("Welcome to Acme, Ada!")

    # Typing in the HTML editor refreshes the preview (debounced), without saving.
    editor = page.locator("#template-html")
    starter_html = editor.input_value()
    editor.fill(starter_html.replace("Welcome, {{ profile", "Hello again, {{ profile"))
    expect(frame.locator("h1")).to_have_text("Hello again, Ada!")
    # Tab indents inside the editor instead of leaving it.
    editor.press("Control+Home")
    editor.press("Tab")
    expect(editor).to_be_focused()
    assert editor.input_value().startswith("  <!DOCTYPE html>")

    page.get_by_role("button", name="Mobile").click()
    expect(page.locator("iframe.preview-frame")).to_have_css("width", "375px")
    page.get_by_role("button", name="Text", exact=True).click()
    expect(page.locator(".preview-text")).to_be_visible()
    expect(page.locator(".preview-text")).to_contain_text("Hello again, Ada!")
    expect(page.locator("iframe.preview-frame")).to_be_hidden()
    page.get_by_role("button", name="HTML", exact=True).click()
    expect(page.locator("iframe.preview-frame")).to_be_visible()

    page.get_by_role("button", name="Save").click()
    expect(page.locator(".template-version")).to_have_text("Version 2")
    expect(page.get_by_text("Saved Welcome as version 2.")).to_be_visible()

    # A hostile template runs nothing in the dashboard: the preview frame is sandboxed.
    title = page.title()
    page.locator("#template-html").fill(HOSTILE)
    expect(frame.locator("#marker")).to_have_text("Hostile")
    page.wait_for_timeout(500)  # room for an onerror handler, were it allowed to run
    assert page.title() == title
    expect(page.get_by_role("heading", name="Welcome", exact=True)).to_be_visible()
    expect(page.locator("#template-form")).to_be_visible()
    assert dialogs == []

    page.get_by_role("button", name="Save").click()
    expect(page.locator(".template-version")).to_have_text("Version 3")
    expect(frame.locator("#marker")).to_have_text("Hostile")
    page.wait_for_timeout(300)
    assert page.title() == title
    assert dialogs == []

    page.get_by_role("link", name="Version history").click()
    page.get_by_role("button", name="Restore version 1").click()
    expect(page.locator(".template-version")).to_have_text("Version 4")
    expect(frame.locator("h1")).to_have_text("Welcome, Ada!")
    assert len(dialogs) == 1 and dialogs[0].startswith("Restore version 1?")
    template = Template.objects.get(organization=acme)
    assert template.version == 4
    assert template.versions.count() == 4
