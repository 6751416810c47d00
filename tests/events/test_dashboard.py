"""Events and Journeys in the dashboard, for every persona: the Events log and a Profile's
sections, the home page's chart, the Journeys list with its counts, a new Journey, Import
and Export JSON, and a Journey's page with each step's counts and its runs."""

from __future__ import annotations

import html
import json
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.email_templates.actions import archive_template
from apps.events.models import Journey, JourneyRun, UserEvent
from apps.sending.models import EmailSend
from tests.factories import make_profile
from tests.sending.email_helpers import SENDER

from .helpers import JourneyTestCase

HTMX = {"HX-Request": "true"}


def text_of(response: Any) -> str:
    """The page as a browser reads its text (entities decoded)."""
    return html.unescape(response.content.decode())


def events_url(**params: str) -> str:
    query = "&".join(f"{name}={value}" for name, value in params.items())
    return reverse("events:list") + (f"?{query}" if query else "")


def journey_url(name: str, journey: Journey) -> str:
    return reverse(f"journeys:{name}", args=[journey.pk])


class DashboardTestCase(JourneyTestCase):
    def event(self, name: str = "order.completed", profile: Any = None, **fields: Any) -> UserEvent:
        now = timezone.now()
        fields = {"occurred_at": now, "received_at": now, "created_at": now} | fields
        return UserEvent.objects.create(
            organization=(profile or self.ada).organization,
            profile=profile or self.ada,
            name=name,
            **fields,
        )

    def send_email_steps(self) -> list[dict[str, Any]]:
        return [
            {"type": "send_email", "template": self.receipt.pk, "from": SENDER},
            {"type": "wait", "duration": "PT2H"},
        ]


class EventLogTests(DashboardTestCase):
    def test_every_role_of_the_organization_reads_the_log(self) -> None:
        # Keys in PostgreSQL's jsonb order (shorter first), which the log shows as stored.
        self.event(properties={"total": 42, "orderNumber": "A-7"})
        for user in (self.alice, self.bob, self.viewer):
            with self.subTest(user=user.email):
                self.client.force_login(user)
                response = self.client.get(events_url())
                self.assertContains(response, "<code>order.completed</code>")
                profile = reverse("profiles:detail", args=[self.ada.pk])
                self.assertContains(response, f'<a href="{profile}">ada@example.com</a>', html=True)
                self.assertIn('"total": 42,\n  "orderNumber": "A-7"', text_of(response))

    def test_another_organization_sees_none_of_it(self) -> None:
        self.event()
        self.client.force_login(self.charlie)
        for url in (
            events_url(),
            events_url(profile=self.ada.pk),
            events_url(name="order.completed"),
        ):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertNotContains(response, "ada@example.com")
        response = self.client.get(events_url(profile=self.ada.pk))
        self.assertContains(response, "No such Profile in this Organization.")

    def test_it_filters_by_name_and_by_profile_id_or_email(self) -> None:
        grace = make_profile(self.acme, email="grace@example.com")
        self.event("order.completed", properties={"n": 1})
        self.event("cart.abandoned", properties={"n": 2})
        self.event("order.completed", grace, properties={"n": 3})
        self.client.force_login(self.bob)

        def shown(url: str) -> list[int]:
            rows = text_of(self.client.get(url))
            return [n for n in (1, 2, 3) if f'"n": {n}' in rows]

        self.assertEqual(shown(events_url()), [1, 2, 3])
        self.assertEqual(shown(events_url(name="order.completed")), [1, 3])
        self.assertEqual(shown(events_url(profile=grace.pk)), [3])
        self.assertEqual(shown(events_url(profile="Grace@Example.com")), [3])
        self.assertEqual(shown(events_url(name="order.completed", profile=self.ada.pk)), [1])
        self.assertEqual(shown(events_url(name="order")), [])
        self.assertContains(self.client.get(events_url(name="nope")), "No event matches")

    def test_long_properties_are_collapsed_and_short_ones_shown(self) -> None:
        self.event(properties={"sku": "short"})
        self.event(properties={"items": [{"qty": i, "sku": f"SKU-{i}"} for i in range(10)]})
        self.client.force_login(self.viewer)
        response = self.client.get(events_url())
        body = text_of(response)
        self.assertEqual(body.count("<details>"), 1)
        self.assertIn('<summary><code>{"items": [{"qty": 0, "sku": "SKU-0"}', body)
        self.assertIn('<pre class="json">{\n  "sku": "short"\n}</pre>', body)

    def test_it_loads_more_events_in_pages_newest_first(self) -> None:
        start = timezone.now() - timedelta(hours=1)
        for n in range(53):
            self.event(properties={"n": n}, created_at=start + timedelta(seconds=n))
        self.client.force_login(self.bob)
        first = text_of(self.client.get(events_url()))
        self.assertIn('"n": 52', first)
        self.assertIn('"n": 3', first)
        self.assertNotIn('"n": 2\n', first)
        self.assertIn("Load more", first)
        next_url = first.split('class="load-more"')[1].split('href="')[1].split('"')[0]
        later = self.client.get(next_url, headers=HTMX)
        self.assertNotContains(later, "<table")
        for n in (0, 1, 2):
            self.assertIn(f'"n": {n}\n', text_of(later))
        self.assertNotContains(later, "Load more")

    def test_a_profile_page_section_lists_its_events_without_the_profile_column(self) -> None:
        grace = make_profile(self.acme, email="grace@example.com")
        self.event("order.completed", properties={"n": 1})
        self.client.force_login(self.viewer)
        section = self.client.get(events_url(profile=self.ada.pk), headers=HTMX)
        self.assertContains(section, '<div id="results" class="event-log">')
        self.assertNotContains(section, "<html")
        self.assertNotContains(section, '<th scope="col">Profile</th>')
        self.assertIn('"n": 1', text_of(section))
        empty = self.client.get(events_url(profile=grace.pk), headers=HTMX)
        self.assertContains(empty, "No event from this Profile yet.")


class ActivityChartTests(DashboardTestCase):
    def test_it_counts_events_and_sends_per_day_for_the_last_14_days(self) -> None:
        now = timezone.now()
        self.event(created_at=now)
        self.event(created_at=now)
        self.event(created_at=now - timedelta(days=2))
        self.event(created_at=now - timedelta(days=20))  # too old
        self.accepted()
        self.client.force_login(self.viewer)
        response = self.client.get(reverse("events:activity"), headers=HTMX)
        self.assertNotContains(response, "<html")
        self.assertContains(response, '<svg class="daily-chart"')
        self.assertContains(response, "3 events and 1 emails in the last 14 days")
        today = f'<tr><th scope="row">{now:%Y-%m-%d}</th><td>2</td><td>1</td></tr>'
        self.assertContains(response, today, html=True)
        two_days_ago = f"{now - timedelta(days=2):%Y-%m-%d}"
        self.assertContains(
            response, f'<tr><th scope="row">{two_days_ago}</th><td>1</td><td>0</td></tr>', html=True
        )
        self.assertEqual(response.content.decode().count('<rect class="bar bar-events"'), 14)
        self.assertEqual(response.content.decode().count('<rect class="bar bar-sends"'), 14)

    def test_the_home_page_loads_it_and_the_sidebar_leads_to_events_and_journeys(self) -> None:
        self.client.force_login(self.bob)
        home = self.client.get(reverse("dashboard:home"))
        self.assertContains(home, f'hx-get="{reverse("events:activity")}"')
        for name, label in (("events:list", "Events"), ("journeys:list", "Journeys")):
            self.assertContains(home, f'<a href="{reverse(name)}">{label}</a>', html=True)
        page = self.client.get(reverse("events:activity"))
        self.assertContains(page, "<h1>The last 14 days</h1>", html=True)

    def test_another_organization_counts_nothing_of_acme(self) -> None:
        self.event()
        self.client.force_login(self.charlie)
        response = self.client.get(reverse("events:activity"))
        self.assertContains(response, "0 events and 0 emails in the last 14 days")


class JourneyListTests(DashboardTestCase):
    def test_it_lists_each_journey_with_its_counts(self) -> None:
        journey = self.journey()
        other = self.journey(name="Quiet", trigger={"event": "trial.ending", "where": []})
        self.tracked(properties={"orderNumber": "A-1"})
        self.tracked(properties={"orderNumber": "A-2"})
        self.run_engine()  # two runs, each sends and completes
        self.tracked(profileId=make_profile(self.acme).pk)  # one run still active
        self.client.force_login(self.viewer)
        response = self.client.get(reverse("journeys:list"))
        row = response.content.decode().split(journey_url("detail", journey))[1].split("</tr>")[0]
        self.assertIn('<span class="badge badge-journey-active">Active</span>', row)
        self.assertIn("<code>order.completed</code>", row)
        numbers = [cell.split("<")[0] for cell in row.split('<td class="number">')[1:]]
        self.assertEqual(numbers, ["1", "2", "2"])
        quiet = response.content.decode().split(journey_url("detail", other))[1].split("</tr>")[0]
        self.assertEqual(
            [c.split("<")[0] for c in quiet.split('<td class="number">')[1:]], ["0", "0", "0"]
        )

    def test_its_counts_take_the_same_queries_for_one_journey_or_many(self) -> None:
        self.journey()
        self.client.force_login(self.bob)
        with CaptureQueriesContext(connection) as one:
            self.client.get(reverse("journeys:list"))
        for n in range(5):
            self.journey(name=f"Journey {n}")
        with CaptureQueriesContext(connection) as six:
            self.client.get(reverse("journeys:list"))
        self.assertEqual(len(one), len(six))

    def test_a_viewer_sees_no_write_buttons_and_may_not_create_or_import(self) -> None:
        self.client.force_login(self.viewer)
        response = self.client.get(reverse("journeys:list"))
        self.assertNotContains(response, reverse("journeys:create"))
        self.assertNotContains(response, reverse("journeys:import"))
        for url in (reverse("journeys:create"), reverse("journeys:import")):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 403)
                self.assertEqual(self.client.post(url, {"name": "x"}).status_code, 403)
        self.assertFalse(Journey.objects.exists())

    def test_another_organization_does_not_see_acmes_journeys(self) -> None:
        journey = self.journey()
        self.client.force_login(self.charlie)
        response = self.client.get(reverse("journeys:list"))
        self.assertNotContains(response, journey.name)
        self.assertContains(response, "No Journeys yet")


class NewJourneyTests(DashboardTestCase):
    def test_a_member_creates_a_draft_and_lands_in_the_builder(self) -> None:
        for user in (self.alice, self.bob):
            with self.subTest(user=user.email):
                self.client.force_login(user)
                response = self.client.post(
                    reverse("journeys:create"),
                    {"name": f"Welcome {user.pk}", "trigger_event": "signed.up"},
                )
                journey = Journey.objects.get(name=f"Welcome {user.pk}")
                self.assertRedirects(response, journey_url("edit", journey))
                self.assertEqual(
                    (journey.status, journey.version, journey.trigger_event),
                    ("draft", 1, "signed.up"),
                )
                self.assertEqual(journey.definition["steps"], [])
                self.assertEqual(journey.organization, self.acme)

    def test_an_empty_or_overlong_name_is_refused_with_422(self) -> None:
        self.client.force_login(self.bob)
        for name, message in (
            ("", "This field is required."),
            ("x" * 201, "at most 200 characters"),
        ):
            with self.subTest(name=name[:5]):
                response = self.client.post(
                    reverse("journeys:create"), {"name": name, "trigger_event": "a.b"}
                )
                self.assertEqual(response.status_code, 422)
                self.assertContains(response, message, status_code=422)
        response = self.client.post(
            reverse("journeys:create"), {"name": "Ok", "trigger_event": ""}, headers=HTMX
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, '<form id="journey-form"', status_code=422)
        self.assertNotContains(response, "<html", status_code=422)
        self.assertFalse(Journey.objects.exists())


class ImportTests(DashboardTestCase):
    def test_a_pasted_definition_is_imported(self) -> None:
        self.client.force_login(self.alice)
        definition = self.definition(name="Pasted", status="draft")
        response = self.client.post(
            reverse("journeys:import"), {"definition": json.dumps(definition)}
        )
        journey = Journey.objects.get(name="Pasted")
        self.assertRedirects(response, journey_url("detail", journey))
        self.assertEqual(journey.definition["steps"], definition["steps"])

    def test_a_file_is_imported_and_export_gives_it_back(self) -> None:
        self.client.force_login(self.bob)
        definition = self.definition(name="From a file", steps=self.send_email_steps())
        upload = SimpleUploadedFile(
            "journey.json", json.dumps(definition).encode(), "application/json"
        )
        self.client.post(reverse("journeys:import"), {"file": upload})
        journey = Journey.objects.get(name="From a file")
        exported = self.client.get(journey_url("export", journey))
        self.assertEqual(exported["Content-Type"], "application/json; charset=utf-8")
        self.assertEqual(
            exported["Content-Disposition"], f'attachment; filename="from-a-file-{journey.pk}.json"'
        )
        self.assertEqual(json.loads(exported.content)["steps"], definition["steps"])
        again = SimpleUploadedFile("again.json", exported.content, "application/json")
        self.client.post(reverse("journeys:import"), {"file": again})
        self.assertEqual(Journey.objects.filter(name="From a file").count(), 2)

    def test_a_refused_definition_names_every_problem_by_its_path(self) -> None:
        self.client.force_login(self.bob)
        definition = self.definition(
            trigger={"event": ""},
            steps=[
                {"type": "send_email", "template": "tmpl_nope"},
                {
                    "type": "branch",
                    "where": [{"path": "profile.plan", "op": "like", "value": 1}],
                    "yes": [],
                },
            ],
        )
        response = self.client.post(
            reverse("journeys:import"), {"definition": json.dumps(definition)}
        )
        self.assertEqual(response.status_code, 422)
        for path in (
            "trigger.event",
            "steps[0].template",
            "steps[1].where[0].path",
            "steps[1].where[0].op",
        ):
            self.assertContains(response, f"<code>{path}</code>", status_code=422)
        self.assertContains(response, "no such Template in this Organization", status_code=422)
        self.assertFalse(Journey.objects.exists())

    def test_text_that_is_not_json_or_nothing_at_all_is_refused(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.post(reverse("journeys:import"), {"definition": "{nope"})
        self.assertContains(response, "Not JSON: not valid JSON", status_code=422)
        response = self.client.post(reverse("journeys:import"), {"definition": "  "})
        self.assertContains(response, "Paste a definition or choose a file.", status_code=422)

    def test_replace_publishes_a_new_version_of_a_journey_of_this_organization_only(self) -> None:
        journey = self.journey()
        self.client.force_login(self.bob)
        definition = self.definition(name="Renamed", steps=self.send_email_steps())
        response = self.client.post(
            reverse("journeys:import"),
            {"definition": json.dumps(definition), "replace": journey.pk},
        )
        self.assertRedirects(response, journey_url("detail", journey))
        journey.refresh_from_db()
        self.assertEqual((journey.name, journey.version), ("Renamed", 2))
        self.client.force_login(self.charlie)
        response = self.client.post(
            reverse("journeys:import"),
            {"definition": json.dumps(definition), "replace": journey.pk},
        )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(
            self.client.get(f"{reverse('journeys:import')}?replace={journey.pk}").status_code, 404
        )


class JourneyPageTests(DashboardTestCase):
    def test_it_shows_each_step_with_its_counts_and_the_runs_with_their_history(self) -> None:
        journey = self.journey(steps=self.send_email_steps())
        self.tracked(properties={"orderNumber": "A-1"})
        self.run_engine()
        self.deliver()
        send = EmailSend.objects.get()
        run = JourneyRun.objects.get()
        self.client.force_login(self.viewer)
        response = self.client.get(journey_url("detail", journey))
        body = response.content.decode()
        self.assertContains(response, "Send &#x27;Receipt&#x27;")
        self.assertContains(response, "Wait 2 hours")
        send_card = body.split('data-path="steps[0]"')[1].split("</article>")[0]
        self.assertIn("<dt>Done</dt><dd>1</dd>", send_card)
        wait_card = body.split('data-path="steps[1]"')[1].split("</article>")[0]
        self.assertIn("<dt>Waiting</dt><dd>1</dd>", wait_card)
        self.assertIn("<dt>Done</dt><dd>0</dd>", wait_card)
        run_row = body.split(f'<tr id="{run.pk}">')[1].split("</tr>")[0]
        self.assertIn('<span class="badge badge-run-waiting">Waiting</span>', run_row)
        self.assertIn("steps[1] · Wait 2 hours", run_row)
        self.assertIn(f'<a href="{reverse("emails:detail", args=[send.pk])}">Email</a>', run_row)
        self.assertIn("<summary>2 steps</summary>", run_row)

    def test_runs_load_more_newest_first(self) -> None:
        journey = self.journey(steps=[{"type": "wait", "duration": "PT1H"}])
        profiles = [make_profile(self.acme) for _ in range(27)]
        for profile in profiles:
            self.tracked(profileId=profile.pk)
        self.client.force_login(self.bob)
        first = self.client.get(journey_url("detail", journey)).content.decode()
        self.assertIn(profiles[-1].email, first)
        self.assertNotIn(f">{profiles[0].email}<", first)
        next_url = (
            first.split('class="load-more"')[1]
            .split('href="')[1]
            .split('"')[0]
            .replace("&amp;", "&")
        )
        later = self.client.get(next_url, headers=HTMX)
        self.assertNotContains(later, "<table")
        self.assertContains(later, f">{profiles[0].email}<")
        self.assertContains(later, f">{profiles[1].email}<")

    def test_a_viewer_sees_no_edit_or_status_buttons(self) -> None:
        journey = self.journey()
        self.client.force_login(self.viewer)
        response = self.client.get(journey_url("detail", journey))
        self.assertContains(response, journey_url("export", journey))
        for name in ("edit", "status"):
            self.assertNotContains(response, journey_url(name, journey))
        self.client.force_login(self.bob)
        response = self.client.get(journey_url("detail", journey))
        for name in ("edit", "status", "export"):
            self.assertContains(response, journey_url(name, journey))

    def test_another_organization_gets_404_for_acmes_journey(self) -> None:
        journey = self.journey()
        self.client.force_login(self.charlie)
        for name in ("detail", "export"):
            with self.subTest(page=name):
                self.assertEqual(self.client.get(journey_url(name, journey)).status_code, 404)

    def test_a_profile_page_section_lists_its_runs(self) -> None:
        journey = self.journey(steps=[{"type": "wait", "duration": "PT1H"}])
        self.tracked()
        self.client.force_login(self.viewer)
        section = self.client.get(f"{reverse('journeys:runs')}?profile={self.ada.pk}", headers=HTMX)
        self.assertNotContains(section, "<html")
        self.assertContains(
            section, f'<a href="{journey_url("detail", journey)}">{journey.name}</a>', html=True
        )
        self.assertContains(section, "steps[0] · Wait 1 hour")
        other = make_profile(self.acme)
        self.assertContains(
            self.client.get(f"{reverse('journeys:runs')}?profile={other.pk}", headers=HTMX),
            "This Profile has not been in a Journey yet.",
        )
        self.client.force_login(self.charlie)
        response = self.client.get(f"{reverse('journeys:runs')}?profile={self.ada.pk}")
        self.assertEqual(response.status_code, 404)


class StatusFromTheJourneyPageTests(DashboardTestCase):
    def test_a_member_pauses_and_activates_and_a_refusal_names_the_problems(self) -> None:
        journey = self.journey()
        self.client.force_login(self.bob)
        status_url = journey_url("status", journey)
        response = self.client.post(status_url, {"status": "paused", "return_to": "detail"})
        self.assertRedirects(response, journey_url("detail", journey))
        journey.refresh_from_db()
        self.assertEqual(journey.status, "paused")
        archive_template(self.receipt)
        response = self.client.post(
            status_url, {"status": "active", "return_to": "detail"}, follow=True
        )
        self.assertContains(response, "Not activated: steps[0].template: the Template is archived.")
        journey.refresh_from_db()
        self.assertEqual(journey.status, "paused")
