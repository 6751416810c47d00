"""Profiles → CSV import: upload, column mapping, the background task, the report, resuming after
a crash, and who may do it."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from unittest import mock

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.http import HttpResponse
from django.test import override_settings
from django.urls import resolve, reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from apps.profiles import actions as profile_actions
from apps.profiles.imports import runner
from apps.profiles.imports.mapping import guess_mapping
from apps.profiles.models import (
    ImportStatus,
    Profile,
    ProfileImport,
    SubscriptionChange,
    SubscriptionSource,
    SubscriptionStatus,
)
from apps.profiles.tasks import run_profile_import
from tests.base import PersonaTestCase
from tests.factories import make_profile
from tests.tasks import drain_tasks

HTMX = {"HX-Request": "true"}
START_URL = reverse("profiles:import_start")
POLLING = 'hx-trigger="every 1s"'
IN_MEMORY_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
HEADER = ["Email", "First name", "Last name", "Plan"]


def url(name: str, profile_import: ProfileImport) -> str:
    return reverse(f"profiles:{name}", args=[profile_import.pk])


def csv_bytes(rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def people(count: int) -> list[list[str]]:
    """A header and `count` rows of distinct people; odd ones are on the pro plan."""
    rows = [
        [f"person{n}@example.com", f"First{n}", f"Last{n}", "pro" if n % 2 else "free"]
        for n in range(count)
    ]
    return [HEADER, *rows]


def fail_once(name: str, on_call: int, error: Exception | None = None, owner: Any = runner) -> Any:
    """Patch <owner>.<name> (runner's by default) so that its `on_call`-th call raises, as a
    crash would."""
    original: Callable[..., Any] = getattr(owner, name)
    calls = 0

    def crash_once(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == on_call:
            raise error or RuntimeError("simulated crash")
        return original(*args, **kwargs)

    return mock.patch.object(owner, name, side_effect=crash_once)


@override_settings(STORAGES=IN_MEMORY_STORAGES)
class ImportTestCase(PersonaTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.alice)

    def upload(self, data: bytes, name: str = "people.csv", **headers: str) -> HttpResponse:
        file = SimpleUploadedFile(name, data, content_type="text/csv")
        return self.client.post(START_URL, {"file": file}, headers=headers)

    def uploaded(self, data: bytes) -> ProfileImport:
        response = self.upload(data)
        self.assertEqual(response.status_code, 302, response.content.decode())
        return ProfileImport.objects.get(pk=resolve(response["Location"]).kwargs["import_id"])

    def mapping_data(
        self,
        profile_import: ProfileImport,
        *,
        existing: str = "update",
        subscription_status: str = "",
        **overrides: str,
    ) -> dict[str, str]:
        """The mapping form as guessed, with `field_<n>` / `attribute_<n>` overrides."""
        data = {"existing": existing, "subscription_status": subscription_status}
        for index, entry in enumerate(profile_import.mapping):
            data[f"field_{index}"] = entry["field"]
            data[f"attribute_{index}"] = entry["attribute"]
        data.update(overrides)
        return data

    def confirm(
        self, profile_import: ProfileImport, headers: dict[str, str] | None = None, **options: str
    ) -> HttpResponse:
        data = self.mapping_data(profile_import, **options)
        return self.client.post(url("import_mapping", profile_import), data, headers=headers)

    def imported(self, data: bytes, **options: str) -> ProfileImport:
        """Upload `data`, confirm the guessed mapping with `options`, and run the worker."""
        profile_import = self.uploaded(data)
        response = self.confirm(profile_import, **options)
        self.assertRedirects(
            response, url("import_detail", profile_import), fetch_redirect_response=False
        )
        self.assertEqual(drain_tasks(), 1)
        profile_import.refresh_from_db()
        return profile_import

    def acme_profiles(self) -> Any:
        return Profile.objects.for_org(self.acme)


class UploadTests(ImportTestCase):
    def test_a_utf8_file_with_a_byte_order_mark_is_read_without_the_mark(self) -> None:
        data = "\ufeff".encode() + csv_bytes([["Email", "First name"], ["zoe@example.com", "Zoë"]])
        profile_import = self.imported(data)
        self.assertEqual(profile_import.columns, ["Email", "First name"])
        self.assertEqual(profile_import.rows_created, 1)
        self.assertEqual(self.acme_profiles().get().first_name, "Zoë")

    def test_a_semicolon_separated_latin1_file_is_read(self) -> None:
        rows = [["E-mail", "Prénom", "Ville"], ["zoe@example.com", "Zoé", "Besançon"]]
        profile_import = self.imported(csv_bytes(rows, delimiter=";", encoding="cp1252"))
        self.assertEqual((profile_import.delimiter, profile_import.encoding), (";", "cp1252"))
        self.assertEqual(profile_import.columns, ["E-mail", "Prénom", "Ville"])
        profile = self.acme_profiles().get()
        self.assertEqual(profile.first_name, "Zoé")
        self.assertEqual(profile.attributes, {"ville": "Besançon"})

    def test_a_tab_separated_utf16_file_from_excel_is_read(self) -> None:
        rows = [["Email", "Last name"], ["ann@example.com", "Núñez, Jr."]]
        profile_import = self.imported(csv_bytes(rows, delimiter="\t", encoding="utf-16"))
        self.assertEqual(profile_import.delimiter, "\t")
        self.assertEqual(self.acme_profiles().get().last_name, "Núñez, Jr.")

    def test_an_empty_file_is_refused(self) -> None:
        for data, message in (
            (b"", "The file is empty."),
            (b"\r\n \r\n", "The file is empty."),
            (b"Email,First name\r\n", "The file has a header row but no data rows."),
        ):
            with self.subTest(data=data):
                response = self.upload(data)
                self.assertContains(response, message, status_code=422)
        self.assertFalse(ProfileImport.objects.exists())

    def test_a_file_over_20_mib_is_refused(self) -> None:
        data = csv_bytes(people(1)) + b"x" * (20 * 1024 * 1024)
        response = self.upload(data)
        self.assertContains(response, "the limit is 20 MiB", status_code=422)
        self.assertFalse(ProfileImport.objects.exists())

    def test_a_file_whose_first_row_is_not_a_header_is_refused(self) -> None:
        response = self.upload(csv_bytes([["ann@example.com", "Ann"], ["bob@example.com", "Bob"]]))
        self.assertContains(response, "The first row must be a header", status_code=422)

    def test_an_excel_workbook_is_refused_with_a_hint(self) -> None:
        response = self.upload(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "people.xlsx")
        self.assertContains(response, "must first be saved as CSV", status_code=422)

    def test_an_invalid_upload_over_htmx_swaps_only_the_form_with_422(self) -> None:
        response = self.upload(b"", **HTMX)
        self.assertContains(response, "The file is empty.", status_code=422)
        self.assertContains(response, 'id="upload-form"', status_code=422)
        self.assertNotContains(response, "Recent imports", status_code=422)
        self.assertNotContains(response, "<html", status_code=422)

    def test_a_valid_upload_over_htmx_loads_the_mapping_page(self) -> None:
        response = self.upload(csv_bytes(people(2)), **HTMX)
        profile_import = ProfileImport.objects.get()
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["HX-Redirect"], url("import_mapping", profile_import))

    def test_the_file_is_kept_in_the_default_storage_until_the_import_is_over(self) -> None:
        data = csv_bytes(people(3))
        profile_import = self.uploaded(data)
        self.assertTrue(profile_import.file_path.startswith(f"profile-imports/{self.acme.pk}/"))
        with default_storage.open(profile_import.file_path, "rb") as file:
            self.assertEqual(file.read(), data)
        self.confirm(profile_import)
        drain_tasks()
        self.assertFalse(default_storage.exists(profile_import.file_path))
        profile_import.refresh_from_db()
        self.assertEqual(profile_import.file_path, "")


class MappingTests(ImportTestCase):
    def test_usual_headers_are_mapped_to_profile_fields_and_the_rest_to_attributes(self) -> None:
        columns = ["E-Mail", "First Name", "surname", "Customer ID", "Language", "Time zone"]
        columns += ["Plan type", "Column 8"]
        self.assertEqual(
            [(entry["field"], entry["attribute"]) for entry in guess_mapping(columns, [])],
            [
                ("email", "eMail"),
                ("first_name", "firstName"),
                ("last_name", "surname"),
                ("external_id", "customerId"),
                ("locale", "language"),
                ("timezone", "timeZone"),
                ("attribute", "planType"),
                ("ignore", "column8"),
            ],
        )

    def test_a_second_column_with_a_known_header_becomes_an_attribute(self) -> None:
        mapping = guess_mapping(["Email", "Work email"], [])
        self.assertEqual([entry["field"] for entry in mapping], ["email", "attribute"])
        mapping = guess_mapping(["Email", "email"], [])
        self.assertEqual([entry["field"] for entry in mapping], ["email", "attribute"])

    def test_without_an_email_header_the_column_of_email_addresses_is_the_email(self) -> None:
        samples = [["Ann", "ann@example.com"], ["Bob", "bob@example.com"]]
        mapping = guess_mapping(["Name", "Contact"], samples)
        self.assertEqual([entry["field"] for entry in mapping], ["attribute", "email"])

    def test_the_mapping_page_shows_each_column_with_values_and_its_guess(self) -> None:
        profile_import = self.uploaded(csv_bytes(people(5)))
        response = self.client.get(url("import_mapping", profile_import))
        self.assertContains(response, "5 rows to import, 4 columns, separated by commas")
        self.assertContains(response, '<th scope="row">First name</th>', html=True)
        self.assertContains(response, '<span class="sample">person1@example.com</span>', html=True)
        self.assertContains(response, '<option value="email" selected>Email</option>', html=True)
        self.assertContains(response, 'name="attribute_3" id="id_attribute_3" value="plan"')

    def test_a_file_without_an_email_column_is_refused_at_the_mapping_step(self) -> None:
        rows = [["Name", "Plan"], ["Ann", "pro"], ["Bob", "free"]]
        profile_import = self.uploaded(csv_bytes(rows))
        response = self.confirm(profile_import)
        self.assertContains(
            response, "Choose the column that holds the email address", status_code=422
        )
        profile_import.refresh_from_db()
        self.assertEqual(profile_import.status, ImportStatus.MAPPING)
        self.assertFalse(DBTaskResult.objects.exists())

    def test_a_field_mapped_from_two_columns_is_refused_on_the_second(self) -> None:
        profile_import = self.uploaded(csv_bytes(people(2)))
        response = self.confirm(profile_import, HTMX, field_2="first_name")
        self.assertContains(
            response, "Column “First name” is already imported as First name.", status_code=422
        )
        self.assertContains(response, 'id="mapping-form"', status_code=422)
        self.assertNotContains(response, "<html", status_code=422)
        self.assertFalse(DBTaskResult.objects.exists())

    def test_attribute_names_must_be_given_and_distinct(self) -> None:
        profile_import = self.uploaded(csv_bytes(people(2)))
        response = self.confirm(
            profile_import, field_1="attribute", attribute_1="plan", attribute_3=""
        )
        self.assertContains(
            response, "Name the attribute this column is imported into.", status_code=422
        )
        response = self.confirm(profile_import, field_1="attribute", attribute_1="plan")
        self.assertContains(
            response, "Column “First name” is already imported as “plan”.", status_code=422
        )

    def test_a_started_import_is_not_queued_twice_by_a_second_submit(self) -> None:
        profile_import = self.uploaded(csv_bytes(people(2)))
        self.confirm(profile_import)
        response = self.confirm(profile_import)
        self.assertRedirects(
            response, url("import_detail", profile_import), fetch_redirect_response=False
        )
        self.assertEqual(DBTaskResult.objects.count(), 1)

    def test_columns_can_be_renamed_or_left_out(self) -> None:
        profile_import = self.uploaded(csv_bytes(people(2)))
        self.confirm(profile_import, attribute_3="subscriptionPlan", field_2="ignore")
        drain_tasks()
        profile = self.acme_profiles().get(email="person1@example.com")
        self.assertEqual(profile.attributes, {"subscriptionPlan": "pro"})
        self.assertEqual((profile.first_name, profile.last_name), ("First1", ""))

    def test_cancelling_at_the_mapping_step_deletes_the_file(self) -> None:
        profile_import = self.uploaded(csv_bytes(people(2)))
        path = profile_import.file_path
        response = self.client.post(url("import_cancel", profile_import))
        self.assertRedirects(response, START_URL, fetch_redirect_response=False)
        profile_import.refresh_from_db()
        self.assertEqual(profile_import.status, ImportStatus.CANCELLED)
        self.assertFalse(default_storage.exists(path))
        self.assertFalse(self.acme_profiles().exists())


class RunTests(ImportTestCase):
    def test_1200_rows_are_imported_in_batches_of_500_by_the_background_task(self) -> None:
        profile_import = self.uploaded(csv_bytes(people(1200)))
        self.assertEqual(profile_import.total_rows, 1200)
        self.confirm(profile_import)
        profile_import.refresh_from_db()
        self.assertEqual(profile_import.status, ImportStatus.QUEUED)
        task = DBTaskResult.objects.get()
        self.assertEqual(task.task_path, run_profile_import.module_path)
        self.assertEqual(task.args_kwargs["args"], [profile_import.pk])

        with mock.patch.object(runner, "_advance", wraps=runner._advance) as advance:
            self.assertEqual(drain_tasks(), 1)
        # The cursor committed with each batch: the spreadsheet row of its last row.
        self.assertEqual([call.args[1] for call in advance.call_args_list], [501, 1001, 1201])

        profile_import.refresh_from_db()
        self.assertEqual(profile_import.status, ImportStatus.FINISHED)
        self.assertEqual(profile_import.rows_created, 1200)
        self.assertEqual(profile_import.rows_processed, profile_import.total_rows)
        self.assertEqual(profile_import.percent_done, 100)
        self.assertEqual(
            DBTaskResult.objects.get().return_value,
            {"created": 1200, "updated": 0, "skipped": 0, "rejected": 0},
        )
        self.assertEqual(self.acme_profiles().count(), 1200)
        profile = self.acme_profiles().get(email="person7@example.com")
        self.assertEqual((profile.first_name, profile.last_name), ("First7", "Last7"))
        self.assertEqual(profile.attributes, {"plan": "pro"})
        self.assertEqual(profile.subscription_status, SubscriptionStatus.SUBSCRIBED)
        self.assertEqual(profile.subscription_source, SubscriptionSource.IMPORT)
        change = SubscriptionChange.objects.get(profile=profile)
        self.assertEqual((change.source, change.changed_by), ("import", self.alice))
        self.assertEqual(
            SubscriptionChange.objects.filter(profile__organization=self.acme).count(), 1200
        )

    def test_the_progress_fragment_polls_while_the_import_runs_and_stops_when_over(self) -> None:
        profile_import = self.uploaded(csv_bytes(people(3)))
        self.confirm(profile_import)
        detail = url("import_detail", profile_import)
        response = self.client.get(detail, headers=HTMX)
        self.assertContains(response, POLLING)
        self.assertContains(response, "0 of 3 rows (0%)")
        self.assertNotContains(response, "<html")
        drain_tasks()
        response = self.client.get(detail, headers=HTMX)
        self.assertNotContains(response, POLLING)
        self.assertContains(response, "3 of 3 rows (100%)")
        self.assertContains(response, "No row was rejected.")
        # The full page, for a plain visit, shows the same report.
        self.assertContains(self.client.get(detail), "3 of 3 rows (100%)")

    def test_existing_emails_are_updated_when_asked_and_empty_cells_blank_nothing(self) -> None:
        make_profile(
            self.acme,
            email="ann@example.com",
            first_name="Old",
            last_name="Keep",
            attributes={"plan": "free", "team": "blue"},
        )
        rows = [HEADER, ["ANN@Example.com", "Ann", "", "pro"], ["new@example.com", "New", "", ""]]
        profile_import = self.imported(csv_bytes(rows), existing="update")
        self.assertEqual(
            (profile_import.rows_created, profile_import.rows_updated, profile_import.rows_skipped),
            (1, 1, 0),
        )
        ann = self.acme_profiles().get(email="ann@example.com")
        self.assertEqual((ann.first_name, ann.last_name), ("Ann", "Keep"))
        self.assertEqual(ann.attributes, {"plan": "pro", "team": "blue"})
        self.assertEqual(self.acme_profiles().count(), 2)

    def test_existing_emails_are_left_alone_when_skipping(self) -> None:
        make_profile(self.acme, email="ann@example.com", first_name="Old", attributes={"a": "1"})
        rows = [HEADER, ["ann@example.com", "Ann", "Lee", "pro"], ["new@example.com", "N", "", ""]]
        profile_import = self.imported(csv_bytes(rows), existing="skip")
        self.assertEqual(
            (profile_import.rows_created, profile_import.rows_updated, profile_import.rows_skipped),
            (1, 0, 1),
        )
        ann = self.acme_profiles().get(email="ann@example.com")
        self.assertEqual((ann.first_name, ann.last_name, ann.attributes), ("Old", "", {"a": "1"}))

    def test_an_email_of_another_organization_is_a_new_profile_here(self) -> None:
        make_profile(self.globex, email="ann@example.com", first_name="Globex Ann")
        profile_import = self.imported(csv_bytes([HEADER, ["ann@example.com", "Ann", "", ""]]))
        self.assertEqual(profile_import.rows_created, 1)
        self.assertEqual(Profile.objects.for_org(self.globex).get().first_name, "Globex Ann")

    def test_rows_are_rejected_with_their_row_number_and_reason(self) -> None:
        make_profile(self.acme, email="holder@example.com", external_id="cus_1")
        header = ["Email", "First name", "Locale", "Time zone", "Customer ID", "Notes"]
        rows = [
            header,
            ["ok@example.com", "Ok", "pt-BR", "Europe/Paris", "", "fine"],  # row 2
            ["not-an-email", "Bad", "", "", "", ""],
            ["", "Nobody", "", "", "", ""],
            ["OK@example.com ", "Again", "", "", "", ""],  # row 5: same email as row 2
            ["tz@example.com", "", "", "Mars/Olympus", "", ""],
            ["locale@example.com", "", "english!", "", "", ""],
            ["big@example.com", "", "", "", "", "x" * 70_000],
            ["taken@example.com", "", "", "", "cus_1", ""],
            ["wide@example.com", "", "", "", "", "", "surprise"],  # row 10
            ["first-id@example.com", "", "", "", "cus_2", ""],
            ["second-id@example.com", "", "", "", "cus_2", ""],
        ]
        profile_import = self.imported(csv_bytes(rows))
        reasons = dict(profile_import.rejections.values_list("row_number", "reason"))
        self.assertEqual(
            reasons,
            {
                3: "email: not a valid email address",
                4: "email: field required",
                5: "email: duplicate in the file (first in row 2)",
                6: "timezone: not an IANA time zone such as Europe/Paris",
                7: "locale: not a locale such as en or pt-BR",
                8: "attributes: must be at most 65536 bytes of JSON (got 70012)",
                9: "externalId: a Profile with this externalId exists",
                10: "the row has 7 cells but the header names 6",
                12: "externalId: duplicate in the file (first in row 11)",
            },
        )
        self.assertEqual((profile_import.rows_created, profile_import.rows_rejected), (2, 9))
        self.assertEqual(
            set(self.acme_profiles().values_list("email", flat=True)),
            {"holder@example.com", "ok@example.com", "first-id@example.com"},
        )
        ok = self.acme_profiles().get(email="ok@example.com")
        self.assertEqual(
            (ok.locale, ok.timezone, ok.attributes), ("pt-BR", "Europe/Paris", {"notes": "fine"})
        )

        response = self.client.get(url("import_detail", profile_import))
        self.assertContains(
            response,
            "<tr><td>5</td><td>OK@example.com</td>"
            "<td>email: duplicate in the file (first in row 2)</td></tr>",
            html=True,
        )
        self.assertContains(response, url("import_rejections_csv", profile_import))

    def test_cells_longer_than_their_column_are_rejected_and_the_other_rows_imported(self) -> None:
        long_email = "a" * 288 + "@example.com"  # 300 characters, otherwise a valid address
        long_locale = "en" + "-abcdefg" * 4 + "-abcde"  # 40 characters of a valid language tag
        rows = [
            ["Email", "First name", "Locale"],
            ["before@example.com", "Before", "en"],
            [long_email, "Long", "en"],
            ["locale@example.com", "Long", long_locale],
            ["after@example.com", "After", "pt-BR"],
        ]
        profile_import = self.imported(csv_bytes(rows))
        self.assertEqual(profile_import.status, ImportStatus.FINISHED, profile_import.error)
        self.assertEqual(
            dict(profile_import.rejections.values_list("row_number", "reason")),
            {3: "email: at most 254 characters", 4: "locale: at most 35 characters"},
        )
        self.assertEqual((profile_import.rows_created, profile_import.rows_rejected), (2, 2))
        self.assertEqual(
            set(self.acme_profiles().values_list("email", flat=True)),
            {"before@example.com", "after@example.com"},
        )

    def test_the_rejected_rows_download_has_the_reasons_and_the_cells_safe_for_excel(self) -> None:
        rows = [HEADER, ["=HYPERLINK(1)", "Eve", "", ""], ["ok@example.com", "Ok", "", ""]]
        rows += [["nope", "Zoë", "Ng", "pro"]]
        profile_import = self.imported(csv_bytes(rows))
        response = self.client.get(url("import_rejections_csv", profile_import))
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertIn("attachment;", response["Content-Disposition"])
        text = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
        self.assertTrue(text.startswith("\ufeff"))
        self.assertEqual(
            list(csv.reader(io.StringIO(text[1:]))),
            [
                ["row", "reason", *HEADER],
                ["2", "email: not a valid email address", "'=HYPERLINK(1)", "Eve", "", ""],
                ["4", "email: not a valid email address", "nope", "Zoë", "Ng", "pro"],
            ],
        )

    def test_header_cells_in_the_rejected_rows_download_are_escaped_too(self) -> None:
        header = ["Email", "=cmd|' /C calc'!A0", "@SUM(1)", "+plan"]
        profile_import = self.imported(csv_bytes([header, ["nope", "a", "b", "c"]]))
        response = self.client.get(url("import_rejections_csv", profile_import))
        text = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
        first_row = next(csv.reader(io.StringIO(text[1:])))
        self.assertEqual(
            first_row, ["row", "reason", "Email", "'=cmd|' /C calc'!A0", "'@SUM(1)", "'+plan"]
        )

    def test_imported_profiles_can_be_marked_unsubscribed(self) -> None:
        existing = make_profile(self.acme, email="ann@example.com")
        rows = [HEADER, ["ann@example.com", "", "", ""], ["new@example.com", "", "", ""]]
        self.imported(csv_bytes(rows), subscription_status="unsubscribed")
        for profile in self.acme_profiles():
            with self.subTest(email=profile.email):
                self.assertEqual(profile.subscription_status, SubscriptionStatus.UNSUBSCRIBED)
                self.assertEqual(profile.subscription_source, SubscriptionSource.IMPORT)
        latest = existing.subscription_changes.first()
        assert latest is not None
        self.assertEqual((latest.status, latest.source), ("unsubscribed", "import"))
        self.assertEqual(latest.changed_by, self.alice)

    def test_an_import_never_resubscribes_a_person_who_unsubscribed_by_a_link(self) -> None:
        make_profile(
            self.acme,
            email="gone@example.com",
            subscription_status="unsubscribed",
            source=SubscriptionSource.UNSUBSCRIBE_LINK,
        )
        make_profile(
            self.acme,
            email="paused@example.com",
            subscription_status="unsubscribed",
            source=SubscriptionSource.DASHBOARD,
        )
        rows = [HEADER, ["gone@example.com", "G", "", ""], ["paused@example.com", "P", "", ""]]
        profile_import = self.imported(csv_bytes(rows), subscription_status="subscribed")
        self.assertEqual(profile_import.rows_updated, 2)
        gone = self.acme_profiles().get(email="gone@example.com")
        self.assertEqual((gone.first_name, gone.subscription_status), ("G", "unsubscribed"))
        paused = self.acme_profiles().get(email="paused@example.com")
        self.assertEqual(paused.subscription_status, "subscribed")


class ResumeTests(ImportTestCase):
    def rows_with_a_duplicate_across_batches(self) -> list[list[str]]:
        rows = people(1200)
        rows[701][0] = "PERSON10@example.com"  # row 702 repeats row 12, in the second batch
        return rows

    def crashed_in_the_second_batch(self) -> ProfileImport:
        profile_import = self.uploaded(csv_bytes(self.rows_with_a_duplicate_across_batches()))
        self.confirm(profile_import)
        # The second batch has written its Profiles when the crash comes, before its commit.
        with fail_once("_advance", on_call=2):
            drain_tasks()
        profile_import.refresh_from_db()
        return profile_import

    def assert_completed_once(self, profile_import: ProfileImport) -> None:
        profile_import.refresh_from_db()
        self.assertEqual(profile_import.status, ImportStatus.FINISHED)
        self.assertEqual((profile_import.rows_created, profile_import.rows_rejected), (1199, 1))
        self.assertEqual(profile_import.rows_processed, 1200)
        self.assertEqual(
            list(profile_import.rejections.values_list("row_number", "reason")),
            [(702, "email: duplicate in the file (first in row 12)")],
        )
        self.assertEqual(self.acme_profiles().count(), 1199)
        self.assertEqual(
            SubscriptionChange.objects.filter(profile__organization=self.acme).count(), 1199
        )

    def test_a_crash_keeps_only_whole_batches_and_retry_completes_without_duplicates(
        self,
    ) -> None:
        profile_import = self.crashed_in_the_second_batch()
        self.assertEqual(DBTaskResult.objects.get().status, "FAILED")
        self.assertEqual(profile_import.status, ImportStatus.FAILED)
        self.assertIn("RuntimeError", profile_import.error)
        self.assertEqual((profile_import.cursor, profile_import.rows_created), (501, 500))
        self.assertEqual(self.acme_profiles().count(), 500)
        self.assertTrue(default_storage.exists(profile_import.file_path))

        response = self.client.get(url("import_detail", profile_import))
        self.assertContains(response, "500 of 1,200 rows (41%)")
        self.assertContains(response, "Retry</button>")
        response = self.client.post(url("import_retry", profile_import))
        self.assertRedirects(
            response, url("import_detail", profile_import), fetch_redirect_response=False
        )
        self.assertEqual(drain_tasks(), 1)
        self.assert_completed_once(profile_import)

    def test_running_the_task_again_after_a_crash_resumes_the_import(self) -> None:
        profile_import = self.crashed_in_the_second_batch()
        run_profile_import.enqueue(profile_import.pk)
        self.assertEqual(drain_tasks(), 1)
        self.assert_completed_once(profile_import)

    def test_running_a_finished_import_again_changes_nothing(self) -> None:
        profile_import = self.imported(csv_bytes(people(600)))
        self.assertEqual(profile_import.rows_created, 600)
        run_profile_import.enqueue(profile_import.pk)
        self.assertEqual(drain_tasks(), 1)
        profile_import.refresh_from_db()
        self.assertEqual((profile_import.status, profile_import.rows_created), ("finished", 600))
        self.assertEqual(profile_import.rows_updated, 0)
        self.assertEqual(self.acme_profiles().count(), 600)

    def test_a_batch_that_loses_a_race_on_a_unique_email_is_applied_again(self) -> None:
        profile_import = self.uploaded(csv_bytes(people(600)))
        self.confirm(profile_import)
        race = IntegrityError("duplicate key value violates unique constraint")
        with fail_once("import_profiles", on_call=2, error=race, owner=profile_actions):
            self.assertEqual(drain_tasks(), 1)
        self.assertEqual(DBTaskResult.objects.get().status, "SUCCESSFUL")
        profile_import.refresh_from_db()
        self.assertEqual((profile_import.status, profile_import.rows_created), ("finished", 600))
        self.assertEqual(self.acme_profiles().count(), 600)

    def test_a_batch_that_fails_twice_fails_the_import(self) -> None:
        profile_import = self.uploaded(csv_bytes(people(600)))
        self.confirm(profile_import)
        race = IntegrityError("duplicate key value violates unique constraint")
        with mock.patch.object(profile_actions, "import_profiles", side_effect=race):
            drain_tasks()
        profile_import.refresh_from_db()
        self.assertEqual(profile_import.status, ImportStatus.FAILED)
        self.assertIn("IntegrityError", profile_import.error)
        self.assertFalse(self.acme_profiles().exists())

    def test_a_run_that_finds_the_cursor_moved_by_another_run_stops_without_writing(
        self,
    ) -> None:
        profile_import = self.uploaded(csv_bytes(people(600)))
        self.confirm(profile_import)
        original_plan = runner.ColumnPlan.of

        def another_run_commits_a_batch(imported: ProfileImport) -> runner.ColumnPlan:
            ProfileImport.objects.filter(pk=imported.pk).update(cursor=501, rows_created=500)
            return original_plan(imported)

        with mock.patch.object(runner.ColumnPlan, "of", side_effect=another_run_commits_a_batch):
            self.assertEqual(drain_tasks(), 1)
        profile_import.refresh_from_db()
        self.assertEqual(profile_import.status, ImportStatus.RUNNING)
        self.assertEqual((profile_import.cursor, profile_import.rows_created), (501, 500))
        self.assertFalse(self.acme_profiles().exists())

    def test_a_running_import_cannot_be_retried_until_it_stalls(self) -> None:
        profile_import = self.uploaded(csv_bytes(people(2)))
        self.confirm(profile_import)
        response = self.client.post(url("import_retry", profile_import), follow=True)
        self.assertContains(response, "Only a failed or stalled import can be retried.")
        self.assertEqual(DBTaskResult.objects.count(), 1)

        ProfileImport.objects.filter(pk=profile_import.pk).update(
            status=ImportStatus.RUNNING, updated_at=timezone.now() - timedelta(minutes=11)
        )
        response = self.client.get(url("import_detail", profile_import))
        self.assertContains(response, "has made no progress for a while")
        self.client.post(url("import_retry", profile_import))
        self.assertEqual(DBTaskResult.objects.count(), 2)
        self.assertEqual(drain_tasks(), 2)
        profile_import.refresh_from_db()
        self.assertEqual((profile_import.status, profile_import.rows_created), ("finished", 2))
        self.assertEqual(self.acme_profiles().count(), 2)


class PermissionTests(ImportTestCase):
    def pages(self, profile_import: ProfileImport) -> list[tuple[str, str]]:
        return [
            ("get", START_URL),
            ("post", START_URL),
            ("get", url("import_mapping", profile_import)),
            ("post", url("import_mapping", profile_import)),
            ("get", url("import_detail", profile_import)),
            ("post", url("import_retry", profile_import)),
            ("post", url("import_cancel", profile_import)),
            ("get", url("import_rejections_csv", profile_import)),
        ]

    def test_viewers_get_403_on_every_import_page(self) -> None:
        profile_import = self.uploaded(csv_bytes(people(2)))
        self.client.force_login(self.viewer)
        for method, page in self.pages(profile_import):
            with self.subTest(method=method, page=page):
                self.assertEqual(getattr(self.client, method)(page).status_code, 403)
        profile_import.refresh_from_db()
        self.assertEqual(profile_import.status, ImportStatus.MAPPING)

    def test_charlie_gets_404_for_an_import_of_acme(self) -> None:
        profile_import = self.uploaded(csv_bytes(people(2)))
        self.client.force_login(self.charlie)
        for method, page in self.pages(profile_import)[2:]:
            with self.subTest(method=method, page=page):
                self.assertEqual(getattr(self.client, method)(page).status_code, 404)
        profile_import.refresh_from_db()
        self.assertEqual(profile_import.status, ImportStatus.MAPPING)
        self.assertNotContains(self.client.get(START_URL), "people.csv")

    def test_members_import_into_their_own_organization(self) -> None:
        self.client.force_login(self.bob)
        profile_import = self.imported(csv_bytes(people(2)))
        self.assertEqual(profile_import.created_by, self.bob)
        self.assertEqual(self.acme_profiles().count(), 2)
        self.assertFalse(Profile.objects.for_org(self.globex).exists())

    def test_anonymous_visitors_are_sent_to_log_in(self) -> None:
        self.client.logout()
        response = self.client.get(START_URL)
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("accounts:login"), response["Location"])
