"""The dashboard under its Content-Security-Policy (issue #10): every page an owner can reach by
following links loads in Chromium without a single violation, and the reporter the `page`
fixture installs does catch one, so "no violation" means something."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import Browser, Page
from pytest_django.live_server_helper import LiveServer

from apps.accounts.models import Organization, User
from apps.brand_kits.actions import create_brand_kit
from apps.email_templates.actions import create_template
from apps.email_templates.starters import STARTERS
from apps.profiles.unsubscribe import unsubscribe_url
from tests.e2e import PASSWORD
from tests.e2e.conftest import CSP_MARKER, CSP_VIOLATION_REPORTER
from tests.factories import make_asset, make_profile

pytestmark = pytest.mark.e2e

LogIn = Callable[[str, str], None]
# Pages that change something on GET do not exist; these only end the session or leave the app.
SKIPPED_PREFIXES = ("/logout/", "/admin/", "/media/", "/static/", "/api/v1/uploads/")
MAX_PAGES = 120


def test_every_dashboard_page_loads_without_a_csp_violation(
    page: Page, log_in: LogIn, alice: User, acme: Organization
) -> None:
    profile = make_profile(acme, email="ada@example.com", attributes={"plan": "pro"})
    create_brand_kit(acme, name="Acme", colors={"primary": "#336699"})
    for starter in STARTERS:
        create_template(acme, starter.template_data(), saved_by="test")
    make_asset(acme, alt_text="Logo")
    log_in(alice.email, PASSWORD)

    base = page.url
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(base))
    queue = ["/", "/api/v1/docs", urlsplit(unsubscribe_url(profile)).path]
    seen: set[str] = set()
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(path)
        assert response is not None and response.status == 200, f"{path}: {response}"
        assert "Content-Security-Policy" in response.headers or (
            "content-security-policy" in response.headers
        ), path
        page.wait_for_load_state("networkidle")
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            parts = urlsplit(urljoin(page.url, href))
            if f"{parts.scheme}://{parts.netloc}" != origin:
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if not parts.path.startswith(SKIPPED_PREFIXES) and target not in seen:
                queue.append(target)
    # The crawl reached every section, not just the home page ...
    for expected in ("/profiles/", "/templates/", "/assets/", "/brand-kits/", "/settings/"):
        assert any(path.startswith(expected) for path in seen), (expected, sorted(seen))
    # ... and the editors: a template's (with its preview iframe), a kit's, a Profile's.
    for editor in ("/templates/tmpl_", "/brand-kits/bk_", "/profiles/prof_", "/u/"):
        assert any(path.startswith(editor) for path in seen), (editor, sorted(seen))


def test_the_reporter_catches_a_violation(
    browser: Browser, live_server: LiveServer, transactional_db: None
) -> None:
    # Its own context: the `page` fixture would (rightly) fail the test for this violation.
    context = browser.new_context(base_url=live_server.url)
    context.add_init_script(CSP_VIOLATION_REPORTER)
    messages: list[str] = []
    page = context.new_page()
    page.on("console", lambda message: messages.append(message.text))
    try:
        page.goto("/login/")
        page.evaluate(
            """() => {
            const script = document.createElement("script");
            script.textContent = "window.ranInline = true";
            document.body.appendChild(script);
        }"""
        )
        page.wait_for_function("() => true")
        page.wait_for_timeout(300)
        assert page.evaluate("() => window.ranInline === undefined")
        assert any(text.startswith(CSP_MARKER) for text in messages), messages
    finally:
        context.close()
