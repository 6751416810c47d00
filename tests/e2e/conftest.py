"""Browser tests: a real Chromium, driven by Playwright, against pytest-django's live_server.

Only Debian's Chromium is used (never a browser downloaded by `playwright install`). Mark
every test here with `pytest.mark.e2e`; `make test-fast` leaves them out.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Response,
    expect,
    sync_playwright,
)
from pytest_django.live_server_helper import LiveServer

from apps.accounts import permissions
from apps.accounts.models import Organization, User
from tests.e2e import PASSWORD
from tests.factories import make_membership, make_org, make_user

CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
# The test machines have no internet: without these flags Chromium keeps dialling Google's
# services and floods the logs with refused connections.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Fail fast: a local page that takes 5 seconds is a bug, not something to wait for.
TIMEOUT_MS = 5_000
expect.set_options(timeout=TIMEOUT_MS)

# The live server listens on the loopback address only (--liveserver still wins).
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")


class _SharedConnectionServer(ThreadedWSGIServer):
    """On SQLite the test database lives in memory, so the live server's threads are handed
    the test's own connection (connections_override), and one sqlite3 connection used by two
    requests at once mixes up their statements and transactions: a page's lazy fragments,
    loaded together, were now and then answered as if logged out. There, requests are served
    one at a time (each still on its own thread, so keep-alive connections block nothing).
    PostgreSQL gives each thread its own connection and keeps the concurrency."""

    def set_app(self, application: Any) -> None:
        if not self.connections_override:
            super().set_app(application)
            return
        lock = threading.Lock()

        def one_at_a_time(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
            with lock:
                return application(environ, start_response)

        super().set_app(one_at_a_time)


LiveServerThread.server_class = _SharedConnectionServer

LogIn = Callable[[str, str], None]
CSP_MARKER = "csp-violation:"
CSP_VIOLATION_REPORTER = f"""
document.addEventListener("securitypolicyviolation", (event) => {{
  console.error("{CSP_MARKER} " + event.violatedDirective + " blocked " + event.blockedURI
                + " in " + event.documentURI + " (" + (event.sample || "") + ")");
}});
"""


@pytest.fixture
def acme(transactional_db: None) -> Organization:
    return make_org("Acme", slug="acme")


@pytest.fixture
def alice(acme: Organization) -> User:
    """Acme's owner, who signs in with PASSWORD."""
    alice = make_user("alice@example.com", PASSWORD)
    make_membership(alice, acme, permissions.OWNER)
    return alice


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        reason = f"no Chromium at {CHROMIUM}: install Debian's chromium package"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API keeps an asyncio loop running in the main thread for as long
        # as it is started, so Django takes the test's own ORM calls (factories, assertions,
        # the flush between tests) for calls from async code and refuses them. They are plain
        # blocking calls, so the guard can be lifted while the browser lives.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer, transactional_db: None) -> Iterator[Page]:
    """A fresh browser context (no cookies) on the live server; relative URLs work in goto()."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    # A page that throws, or that misses its CSS or htmx, is broken even if the test's
    # assertions happen to pass.
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
    # The Content-Security-Policy must never have to refuse anything of our own pages: every
    # violation event of every document is reported on the console, and fails the test.
    context.add_init_script(CSP_VIOLATION_REPORTER)

    def check_console(message: ConsoleMessage) -> None:
        if message.text.startswith(CSP_MARKER) or "Content Security Policy" in message.text:
            problems.append(f"CSP violation: {message.text}")

    page.on("console", check_console)

    def check_static(response: Response) -> None:
        if "/static/" in response.url and response.status >= 400:
            problems.append(f"{response.status} for {response.url}")

    page.on("response", check_static)
    yield page
    context.close()
    assert not problems, "the page was broken: " + "; ".join(problems)


@pytest.fixture
def log_in(page: Page) -> LogIn:
    """Log in through the real login form and land on the dashboard home."""

    def log_in_as(email: str, password: str) -> None:
        page.goto("/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()

    return log_in_as
