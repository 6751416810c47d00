"""Profiles → CSV import in a real browser: upload 1,200 rows, map them, watch the page follow the
background task to its report."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from django.test import override_settings
from playwright.sync_api import Page, expect

from apps.accounts.models import Organization, User
from apps.profiles.models import Profile
from tests.e2e import PASSWORD
from tests.tasks import drain_tasks

pytestmark = pytest.mark.e2e

LogIn = Callable[[str, str], None]


@pytest.fixture(autouse=True)
def in_memory_storage() -> Iterator[None]:
    storages = {
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        yield


def people_csv() -> bytes:
    lines = ["E-mail;Prénom;Plan"]
    lines += [f"person{n}@example.com;Pers{n};{'pro' if n % 2 else 'free'}" for n in range(1198)]
    lines += ["not-an-email;Bad;free", "PERSON3@example.com;Again;pro"]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def test_a_marketer_imports_1200_rows_and_follows_the_progress_to_the_report(
    page: Page, log_in: LogIn, alice: User, acme: Organization
) -> None:
    log_in(alice.email, PASSWORD)
    page.goto("/profiles/")
    page.get_by_role("link", name="Import CSV").click()
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": people_csv()}]
    )
    page.get_by_role("button", name="Upload and map the columns").click()

    expect(page.get_by_role("heading", name="Map the columns of people.csv")).to_be_visible()
    expect(
        page.get_by_text("1,200 rows to import, 3 columns, separated by semicolons")
    ).to_be_visible()
    expect(page.get_by_label("Import “E-mail” as")).to_have_value("email")
    expect(page.get_by_label("Import “Prénom” as")).to_have_value("first_name")
    expect(page.get_by_label("Import “Plan” as")).to_have_value("attribute")
    page.get_by_label("Attribute name for “Plan”").fill("plan")
    page.get_by_role("button", name="Import 1,200 rows").click()

    expect(page.get_by_text("0 of 1,200 rows (0%)")).to_be_visible()
    expect(page.locator("#import-progress")).to_have_attribute("hx-trigger", "every 1s")
    assert drain_tasks() == 1

    # No reload: the polled fragment turns into the report and stops polling.
    expect(page.get_by_text("1,200 of 1,200 rows (100%)")).to_be_visible()
    expect(page.locator("#import-progress")).not_to_have_attribute("hx-trigger", re.compile(".*"))
    rejected = page.get_by_role("table", name="Rejected rows with the reason")
    expect(rejected.get_by_role("row")).to_have_count(3)
    expect(rejected).to_contain_text("email: not a valid email address")
    expect(rejected).to_contain_text("email: duplicate in the file (first in row 5)")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the rejected rows (CSV)").click()
    assert "Again" in download.value.path().read_text(encoding="utf-8-sig")

    assert Profile.objects.for_org(acme).count() == 1198
    assert Profile.objects.for_org(acme).get(email="person3@example.com").first_name == "Pers3"
