"""Profiles in the dashboard: the list, the Profile page, forms, inline attributes, permissions."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.profiles import views
from apps.profiles.models import (
    MAX_ATTRIBUTES_BYTES,
    Profile,
    ProfileErasure,
    SubscriptionChange,
    SuppressionReason,
)
from tests.base import PersonaTestCase
from tests.factories import make_profile

HTMX = {"HX-Request": "true"}
LIST_URL = "/profiles/"
CREATE_URL = "/profiles/new/"
IMPORT_URL = reverse("profiles:import_start")
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def url(name: str, profile: Profile) -> str:
    return reverse(f"profiles:{name}", args=[profile.id])


def make_profiles(org: Any, count: int, **kw: Any) -> list[Profile]:
    """`count` Profiles created a minute apart (the last one is the newest), oldest first."""
    profiles = []
    for i in range(count):
        profile = make_profile(org, **kw)
        Profile.objects.filter(pk=profile.pk).update(created_at=T0 + timedelta(minutes=i))
        profiles.append(profile)
    return profiles


def listed_emails(response: HttpResponse) -> list[str]:
    """The emails of the list's rows, in order."""
    return re.findall(
        r'<th scope="row"><a href="/profiles/prof_\w+/">([^<]+)</a></th>', html(response)
    )


def html(response: HttpResponse) -> str:
    return response.content.decode()


def load_more_url(response: HttpResponse) -> str | None:
    match = re.search(
        r'<a class="button" href="([^"]+)" hx-get="[^"]+"[^>]*>Load more</a>', html(response)
    )
    return match.group(1).replace("&amp;", "&") if match else None


class ProfileListTests(PersonaTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.alice)

    def test_it_lists_the_organizations_profiles_newest_first(self) -> None:
        old, middle, new = make_profiles(self.acme, 3)
        make_profile(self.globex, email="globex-only@example.com")
        response = self.client.get(LIST_URL)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(listed_emails(response), [new.email, middle.email, old.email])
        self.assertContains(response, "3 Profiles")
        self.assertNotContains(response, "globex-only@example.com")
        self.assertIsNone(load_more_url(response))

    def test_each_row_shows_name_subscription_suppression_and_creation_time(self) -> None:
        profile = make_profile(
            self.acme, email="ada@example.com", first_name="Ada", last_name="Lovelace"
        )
        Profile.objects.filter(pk=profile.pk).update(
            created_at=datetime(2026, 3, 4, 5, 6, tzinfo=UTC),
            subscription_status="unsubscribed",
            suppressed_reason=SuppressionReason.HARD_BOUNCE,
        )
        response = self.client.get(LIST_URL)
        self.assertContains(
            response, f'<a href="/profiles/{profile.id}/">ada@example.com</a>', html=True
        )
        self.assertContains(response, "<td>Ada Lovelace</td>", html=True)
        self.assertContains(
            response, '<span class="badge badge-unsubscribed">Unsubscribed</span>', html=True
        )
        self.assertContains(
            response, '<span class="badge badge-suppressed">Hard Bounce</span>', html=True
        )
        self.assertContains(response, "2026-03-04 05:06")

    def test_it_shows_an_empty_state_without_profiles(self) -> None:
        response = self.client.get(LIST_URL)
        self.assertContains(response, "<h2>No Profiles yet</h2>", html=True)
        self.assertNotContains(response, "<table")

    def test_charlie_never_sees_acmes_profiles(self) -> None:
        acme_profile = make_profile(self.acme, email="acme-only@example.com")
        self.client.force_login(self.charlie)
        for query in ("", "?q=acme-only", "?q=acme-only@example.com"):
            with self.subTest(query=query):
                response = self.client.get(LIST_URL + query)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(listed_emails(response), [])
                self.assertNotContains(response, f"/profiles/{acme_profile.id}/")

    def test_the_sidebar_marks_profiles_as_the_current_section(self) -> None:
        profile = make_profile(self.acme)
        for page in (LIST_URL, url("detail", profile), url("edit", profile), CREATE_URL):
            with self.subTest(page=page):
                response = self.client.get(page)
                self.assertContains(
                    response, '<a href="/profiles/" aria-current="page">Profiles</a>', html=True
                )


class ProfileSearchTests(PersonaTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.alice)
        self.ada = make_profile(
            self.acme, email="ada@example.com", first_name="Ada", last_name="Lovelace"
        )
        self.grace = make_profile(
            self.acme, email="grace@navy.example", first_name="Grace", last_name="Hopper"
        )
        self.unsubscribed = make_profile(
            self.acme, email="gone@example.com", subscription_status="unsubscribed"
        )

    def search(self, **params: str) -> HttpResponse:
        return self.client.get(LIST_URL, params)

    def test_it_finds_a_profile_by_the_start_of_its_email_in_any_case(self) -> None:
        for query in ("ada", "ADA@", "Ada@Example.com", "  ada@example.com  "):
            with self.subTest(query=query):
                self.assertEqual(listed_emails(self.search(q=query)), ["ada@example.com"])

    def test_an_email_prefix_with_punctuation_finds_its_profiles(self) -> None:
        dotted = make_profile(self.acme, email="ada.lovelace@example.com")
        make_profile(self.acme, email="ada-b@example.com")
        self.assertEqual(listed_emails(self.search(q="Ada.")), [dotted.email])
        self.assertEqual(listed_emails(self.search(q="ada.lovelace@")), [dotted.email])

    def test_odd_characters_at_the_end_of_a_query_are_searched_safely(self) -> None:
        for query in ("x@" + chr(0x10FFFF), "x@" + chr(0xD7FF), "100%", "a_b", "ada@%"):
            with self.subTest(query=query):
                response = self.search(q=query)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(listed_emails(response), [])

    def test_it_does_not_match_the_middle_of_an_email(self) -> None:
        # A prefix match is what the (organization, email) index can serve.
        response = self.search(q="example.com")
        self.assertEqual(listed_emails(response), [])
        self.assertContains(response, "<h2>No Profile matches</h2>", html=True)

    def test_it_finds_a_profile_by_any_part_of_its_name(self) -> None:
        for query in ("Grace", "hopper", "race Hop", "GRACE HOPPER"):
            with self.subTest(query=query):
                self.assertEqual(listed_emails(self.search(q=query)), ["grace@navy.example"])

    def test_a_query_with_an_at_sign_only_matches_emails(self) -> None:
        make_profile(self.acme, email="someone@example.com", first_name="ada@")
        self.assertEqual(listed_emails(self.search(q="ada@")), ["ada@example.com"])

    def test_it_filters_by_subscription_status(self) -> None:
        self.assertEqual(listed_emails(self.search(status="unsubscribed")), ["gone@example.com"])
        subscribed = listed_emails(self.search(status="subscribed"))
        self.assertEqual(sorted(subscribed), ["ada@example.com", "grace@navy.example"])

    def test_search_and_status_filter_combine(self) -> None:
        self.assertEqual(listed_emails(self.search(q="g", status="subscribed")), [self.grace.email])
        self.assertEqual(
            listed_emails(self.search(q="g", status="unsubscribed")), [self.unsubscribed.email]
        )

    def test_it_counts_the_matches_and_offers_to_clear_the_search(self) -> None:
        response = self.search(q="lovelace")
        self.assertContains(response, "1 Profile matches")
        self.assertContains(response, '<a href="/profiles/">clear the search</a>', html=True)
        self.assertContains(self.search(status="subscribed"), "2 Profiles match")

    def test_the_search_form_keeps_what_was_typed(self) -> None:
        response = self.search(q="<b>ada", status="unsubscribed")
        self.assertContains(response, 'value="&lt;b&gt;ada"')
        self.assertContains(response, '<option value="unsubscribed" selected>', html=False)

    def test_an_unknown_status_filters_nothing(self) -> None:
        response = self.search(status="bogus")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(listed_emails(response)), 3)

    def test_an_htmx_search_returns_only_the_results_fragment(self) -> None:
        response = self.client.get(LIST_URL, {"q": "grace"}, headers=HTMX)
        self.assertEqual(response.status_code, 200)
        body = html(response).strip()
        self.assertTrue(body.startswith('<div id="results">'), body[:200])
        self.assertTrue(body.endswith("</div>"), body[-200:])
        self.assertNotIn("<html", body)
        self.assertNotIn('class="search-bar"', body)
        self.assertEqual(listed_emails(response), ["grace@navy.example"])
        self.assertIn("HX-Request", response["Vary"])

    def test_a_boosted_or_history_restore_request_gets_the_whole_page(self) -> None:
        for extra in ({"HX-Boosted": "true"}, {"HX-History-Restore-Request": "true"}):
            with self.subTest(header=extra):
                response = self.client.get(LIST_URL, {"q": "grace"}, headers={**HTMX, **extra})
                self.assertContains(response, "<h1>Profiles</h1>", html=True)


class LoadMoreTests(PersonaTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.alice)

    def test_load_more_fetches_the_next_rows_with_a_cursor_and_no_overlap(self) -> None:
        profiles = make_profiles(self.acme, views.PAGE_SIZE + 5)
        newest_first = [p.email for p in reversed(profiles)]
        first = self.client.get(LIST_URL)
        self.assertEqual(listed_emails(first), newest_first[: views.PAGE_SIZE])
        self.assertContains(first, f"{views.PAGE_SIZE + 5} Profiles")
        next_url = load_more_url(first)
        assert next_url is not None
        self.assertIn("after=", next_url)
        self.assertNotIn("offset", next_url)

        more = self.client.get(next_url, headers=HTMX)
        self.assertEqual(more.status_code, 200)
        body = html(more).strip()
        # Rows that replace the "Load more" row: no table, no page around them.
        self.assertTrue(body.startswith("<tr>"), body[:200])
        self.assertNotIn("<table", body)
        self.assertNotIn("<html", body)
        self.assertEqual(listed_emails(more), newest_first[views.PAGE_SIZE :])
        self.assertIsNone(load_more_url(more))

    def test_the_load_more_button_swaps_itself_for_the_next_rows(self) -> None:
        make_profiles(self.acme, views.PAGE_SIZE + 1)
        response = self.client.get(LIST_URL)
        self.assertContains(response, 'hx-target="closest tr" hx-swap="outerHTML">Load more</a>')

    def test_without_htmx_the_load_more_link_opens_a_page_of_older_profiles(self) -> None:
        profiles = make_profiles(self.acme, views.PAGE_SIZE + 2)
        next_url = load_more_url(self.client.get(LIST_URL))
        assert next_url is not None
        response = self.client.get(next_url)
        self.assertContains(response, "<h1>Profiles</h1>", html=True)
        self.assertEqual(listed_emails(response), [profiles[1].email, profiles[0].email])
        self.assertContains(response, '<a href="/profiles/">back to the newest</a>', html=True)

    def test_load_more_keeps_the_search_and_the_filter(self) -> None:
        make_profiles(self.acme, views.PAGE_SIZE + 3, first_name="Match")
        make_profiles(self.acme, 4, first_name="Other")
        next_url = load_more_url(self.client.get(LIST_URL, {"q": "match", "status": "subscribed"}))
        assert next_url is not None
        self.assertIn("q=match", next_url)
        self.assertIn("status=subscribed", next_url)
        more = self.client.get(next_url, headers=HTMX)
        self.assertEqual(len(listed_emails(more)), 3)

    def test_profiles_created_in_the_same_instant_are_neither_lost_nor_repeated(self) -> None:
        profiles = make_profiles(self.acme, views.PAGE_SIZE + 10)
        Profile.objects.filter(organization=self.acme).update(created_at=T0)
        seen = listed_emails(response := self.client.get(LIST_URL))
        while next_url := load_more_url(response):
            response = self.client.get(next_url, headers=HTMX)
            seen += listed_emails(response)
        self.assertEqual(sorted(seen), sorted(p.email for p in profiles))

    def test_a_malformed_cursor_is_a_bad_request(self) -> None:
        for cursor in ("nonsense", "e30"):
            with self.subTest(cursor=cursor):
                self.assertEqual(self.client.get(LIST_URL, {"after": cursor}).status_code, 400)

    def test_past_a_thousand_matches_the_count_says_more_than_1000(self) -> None:
        Profile.objects.bulk_create(
            Profile(
                organization=self.acme,
                email=f"bulk{i}@example.com",
                created_at=T0 + timedelta(seconds=i),
            )
            for i in range(views.COUNT_CAP + 1)
        )
        response = self.client.get(LIST_URL)
        self.assertContains(response, "More than 1,000 Profiles")
        self.assertEqual(len(listed_emails(response)), views.PAGE_SIZE)
        Profile.objects.filter(email="bulk0@example.com").delete()
        self.assertContains(self.client.get(LIST_URL), "1000 Profiles")

    def test_a_name_search_past_a_page_is_not_counted(self) -> None:
        # No index serves a name, so counting its matches could read the whole table.
        make_profiles(self.acme, views.PAGE_SIZE + 1, first_name="Match")
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(LIST_URL, {"q": "match"})
        self.assertContains(response, f"More than {views.PAGE_SIZE} Profiles match")
        self.assertFalse([q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()])

    def test_a_status_filter_past_a_page_is_counted(self) -> None:
        make_profiles(self.acme, views.PAGE_SIZE + 1)
        make_profile(self.acme, subscription_status="unsubscribed")
        response = self.client.get(LIST_URL, {"status": "subscribed"})
        self.assertContains(response, f"{views.PAGE_SIZE + 1} Profiles match")

    def test_the_count_reads_at_most_a_thousand_and_one_rows(self) -> None:
        make_profiles(self.acme, views.PAGE_SIZE + 1)
        with CaptureQueriesContext(connection) as queries:
            self.client.get(LIST_URL)
        count_sql = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
        self.assertEqual(len(count_sql), 1, count_sql)
        self.assertIn(f"LIMIT {views.COUNT_CAP + 1}", count_sql[0].upper())
        self.assertNotIn("OFFSET", " ".join(q["sql"].upper() for q in queries.captured_queries))


class ListButtonsTests(PersonaTestCase):
    def test_writers_see_add_profile_and_import_csv(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.get(LIST_URL)
        self.assertContains(
            response, f'<a class="button primary" href="{CREATE_URL}">Add Profile</a>'
        )
        self.assertContains(response, f'<a class="button" href="{IMPORT_URL}">Import CSV</a>')

    def test_a_viewer_sees_no_write_buttons(self) -> None:
        self.client.force_login(self.viewer)
        response = self.client.get(LIST_URL)
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, CREATE_URL)
        self.assertNotContains(response, IMPORT_URL)
        self.assertNotContains(response, "Import CSV")


class ProfilePageTests(PersonaTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.alice)
        self.profile = make_profile(
            self.acme,
            email="ada@example.com",
            first_name="Ada",
            last_name="Lovelace",
            external_id="crm-42",
            locale="en-GB",
            timezone="Europe/London",
            attributes={"plan": "pro", "seats": 5, "beta": True, "tags": ["a", "b"]},
        )

    def test_it_shows_the_profiles_fields(self) -> None:
        response = self.client.get(url("detail", self.profile))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "<h1>ada@example.com</h1>", html=True)
        self.assertContains(response, '<p class="subtitle">Ada Lovelace</p>', html=True)
        for label, value in (
            ("First name", "Ada"),
            ("Last name", "Lovelace"),
            ("Locale", "en-GB"),
            ("Time zone", "Europe/London"),
        ):
            self.assertContains(
                response, f'<tr><th scope="row">{label}</th><td>{value}</td></tr>', html=True
            )
        self.assertContains(response, "<code>crm-42</code>", html=True)
        self.assertContains(response, f"<code>{self.profile.id}</code>", html=True)

    def test_attributes_are_a_readable_key_value_table_sorted_by_key(self) -> None:
        response = self.client.get(url("detail", self.profile))
        body = html(response)
        keys = re.findall(r'<th scope="row"><code>(\w+)</code></th>', body)
        self.assertEqual(keys, ["beta", "plan", "seats", "tags"])
        self.assertContains(response, '<td class="attribute-value">pro</td>', html=True)
        self.assertContains(response, '<td class="attribute-value"><code>5</code></td>', html=True)
        self.assertContains(
            response, '<td class="attribute-value"><code>true</code></td>', html=True
        )
        self.assertContains(
            response, '<td class="attribute-value"><code>["a", "b"]</code></td>', html=True
        )
        for kind in ("text", "number", "true/false", "list"):
            self.assertContains(response, f'<td class="muted">{kind}</td>', html=True)

    def test_it_shows_the_subscription_and_its_history_with_who_changed_it(self) -> None:
        self.client.post(url("subscription", self.profile), {"status": "unsubscribed"})
        response = self.client.get(url("detail", self.profile))
        self.assertContains(
            response, '<span class="badge badge-unsubscribed">Unsubscribed</span>', html=True
        )
        changes = re.findall(
            r'<span class="history-change">(\w+) <span class="tag">(\w+)</span></span>\s*'
            r'<span class="history-meta"><time [^>]+>[^<]+</time>(?: · ([^<]+))?</span>',
            html(response),
        )
        self.assertEqual(
            changes,
            [("Unsubscribed", "dashboard", "alice@example.com"), ("Subscribed", "api", "")],
        )

    def test_a_suppressed_profile_says_why_and_since_when(self) -> None:
        Profile.objects.filter(pk=self.profile.pk).update(
            suppressed_reason=SuppressionReason.COMPLAINT,
            suppressed_at=datetime(2026, 2, 3, 4, 5, tzinfo=UTC),
        )
        response = self.client.get(url("detail", self.profile))
        self.assertContains(
            response, '<span class="badge badge-suppressed">Suppressed: Complaint</span>', html=True
        )
        self.assertContains(response, "2026-02-03 04:05 UTC")

    def test_an_unsuppressed_profile_says_so(self) -> None:
        response = self.client.get(url("detail", self.profile))
        self.assertContains(
            response, '<span class="badge badge-ok">Not suppressed</span>', html=True
        )

    def test_it_loads_its_events_and_journey_runs_from_the_events_app(self) -> None:
        response = self.client.get(url("detail", self.profile))
        self.assertContains(response, '<h2 id="events-heading">Events</h2>', html=True)
        self.assertContains(response, f'hx-get="/events/?profile={self.profile.pk}"')
        self.assertContains(response, '<h2 id="journeys-heading">Journeys</h2>', html=True)
        self.assertContains(response, f'hx-get="/journeys/runs/?profile={self.profile.pk}"')

    def test_writers_see_the_write_buttons(self) -> None:
        response = self.client.get(url("detail", self.profile))
        for target in ("edit", "delete", "subscription", "attribute_set", "attribute_delete"):
            self.assertContains(response, url(target, self.profile))
        self.assertContains(response, ">Unsubscribe</button>")

    def test_a_viewer_reads_the_page_without_any_write_button(self) -> None:
        self.client.force_login(self.viewer)
        response = self.client.get(url("detail", self.profile))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "<h1>ada@example.com</h1>", html=True)
        self.assertContains(response, '<td class="attribute-value">pro</td>', html=True)
        for target in ("edit", "delete", "subscription", "attribute_set", "attribute_delete"):
            self.assertNotContains(response, url(target, self.profile))
        self.assertNotContains(response, "?edit=")

    def test_it_escapes_the_profiles_data(self) -> None:
        profile = make_profile(
            self.acme,
            first_name="<script>alert(1)</script>",
            attributes={"<img src=x>": "<b>bold</b>"},
        )
        body = html(self.client.get(url("detail", profile)))
        self.assertNotIn("<script>alert(1)</script>", body)
        self.assertNotIn("<img src=x>", body)
        self.assertNotIn("<b>bold</b>", body)
        self.assertIn("&lt;b&gt;bold&lt;/b&gt;", body)

    def test_an_unknown_or_malformed_id_is_404(self) -> None:
        for path in ("/profiles/prof_nope/", "/profiles/42/", "/profiles/prof_x/edit/"):
            with self.subTest(path=path):
                self.assertEqual(self.client.get(path).status_code, 404)


class CreateProfileTests(PersonaTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.alice)

    def post(self, headers: dict[str, str] | None = None, **data: Any) -> HttpResponse:
        data.setdefault("email", "new@example.com")
        data.setdefault("subscription_status", "subscribed")
        return self.client.post(CREATE_URL, data, headers=headers or {})

    def assertFieldError(self, response: HttpResponse, field: str, message: str) -> None:  # noqa: N802
        self.assertEqual(response.status_code, 422)
        self.assertIn(message, " ".join(response.context["form"].errors[field]))
        self.assertContains(
            response, f'<p class="field-error" role="alert">{message}</p>', status_code=422
        )
        self.assertContains(response, "Please correct the error below.", status_code=422)

    def test_the_form_offers_every_field_and_subscribed_by_default(self) -> None:
        response = self.client.get(CREATE_URL)
        self.assertEqual(response.status_code, 200)
        for name in ("email", "first_name", "last_name", "external_id", "locale", "timezone"):
            self.assertContains(response, f'name="{name}"')
        self.assertRegex(
            html(response), r'<input type="radio" [^>]*value="subscribed"[^>]* checked>'
        )
        self.assertContains(response, '<option value="Europe/Paris">')

    def test_it_creates_a_profile_subscribed_via_the_dashboard_by_the_user(self) -> None:
        response = self.post(
            email="  New@Example.COM ", first_name="Nia", external_id="crm-1", locale="fr"
        )
        profile = Profile.objects.get(organization=self.acme, email="new@example.com")
        self.assertRedirects(response, url("detail", profile), fetch_redirect_response=False)
        self.assertEqual(profile.first_name, "Nia")
        self.assertEqual(profile.external_id, "crm-1")
        self.assertEqual(profile.subscription_source, "dashboard")
        change = SubscriptionChange.objects.get(profile=profile)
        self.assertEqual(
            (change.status, change.source, change.changed_by),
            ("subscribed", "dashboard", self.alice),
        )
        self.assertContains(
            self.client.get(url("detail", profile)), "Profile new@example.com created."
        )

    def test_it_creates_an_unsubscribed_profile(self) -> None:
        self.post(subscription_status="unsubscribed")
        profile = Profile.objects.get(email="new@example.com")
        self.assertEqual(profile.subscription_status, "unsubscribed")

    def test_an_htmx_create_sends_the_browser_to_the_new_profile(self) -> None:
        response = self.post(headers=HTMX)
        profile = Profile.objects.get(email="new@example.com")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["HX-Redirect"], url("detail", profile))

    def test_an_invalid_email_is_refused_inline_and_nothing_is_saved(self) -> None:
        response = self.post(email="not-an-email")
        self.assertFieldError(response, "email", "not a valid email address")
        self.assertFalse(Profile.objects.filter(organization=self.acme).exists())

    def test_an_empty_post_reports_every_required_field(self) -> None:
        response = self.client.post(CREATE_URL, {})
        self.assertEqual(response.status_code, 422)
        self.assertEqual(set(response.context["form"].errors), {"email", "subscription_status"})
        self.assertFalse(Profile.objects.exists())

    def test_a_duplicate_email_is_an_error_on_the_email_field(self) -> None:
        make_profile(self.acme, email="new@example.com")
        response = self.post(email="NEW@example.com", first_name="Dup")
        self.assertFieldError(response, "email", "a Profile with this email exists")
        self.assertFalse(Profile.objects.filter(first_name="Dup").exists())

    def test_the_same_email_in_another_organization_is_fine(self) -> None:
        make_profile(self.globex, email="new@example.com")
        self.assertEqual(self.post().status_code, 302)
        self.assertTrue(Profile.objects.filter(organization=self.acme).exists())

    def test_a_duplicate_external_id_is_an_error_on_the_external_id_field(self) -> None:
        make_profile(self.acme, external_id="crm-1")
        response = self.post(external_id="crm-1")
        self.assertFieldError(response, "external_id", "a Profile with this externalId exists")

    def test_a_bad_locale_or_time_zone_is_an_error_on_that_field(self) -> None:
        self.assertFieldError(
            self.post(locale="english!"), "locale", "not a locale such as en or pt-BR"
        )
        self.assertFieldError(
            self.post(timezone="Mars/Olympus"),
            "timezone",
            "not an IANA time zone such as Europe/Paris",
        )
        self.assertFalse(Profile.objects.exists())

    def test_it_keeps_what_was_typed(self) -> None:
        response = self.post(email="broken", first_name="Half done")
        self.assertContains(response, 'value="broken"', status_code=422)
        self.assertContains(response, 'value="Half done"', status_code=422)

    def test_the_cursor_goes_to_the_first_field_with_an_error(self) -> None:
        response = self.post(timezone="Mars/Olympus")
        self.assertRegex(html(response), r'<input type="text" name="timezone"[^>]* autofocus')
        self.assertNotRegex(html(response), r'<input type="email" name="email"[^>]* autofocus')
        self.assertRegex(
            html(self.client.get(CREATE_URL)), r'<input type="email" name="email"[^>]* autofocus'
        )

    def test_an_invalid_htmx_post_returns_the_form_fragment_only(self) -> None:
        response = self.post(email="broken", headers=HTMX)
        self.assertEqual(response.status_code, 422)
        body = html(response).strip()
        self.assertTrue(body.startswith('<form id="profile-form"'), body[:200])
        self.assertTrue(body.endswith("</form>"), body[-200:])
        self.assertNotIn("<h1>", body)
        self.assertIn('<p class="field-error" role="alert">not a valid email address</p>', body)

    def test_an_invalid_plain_post_returns_the_whole_page(self) -> None:
        response = self.post(email="broken")
        self.assertContains(response, "<h1>Add Profile</h1>", status_code=422, html=True)
        self.assertContains(response, 'class="sidebar"', status_code=422)


class EditProfileTests(PersonaTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.bob)
        self.profile = make_profile(
            self.acme, email="ada@example.com", first_name="Ada", attributes={"plan": "pro"}
        )

    def post(self, headers: dict[str, str] | None = None, **data: Any) -> HttpResponse:
        data.setdefault("email", "ada@example.com")
        return self.client.post(url("edit", self.profile), data, headers=headers or {})

    def test_the_form_is_filled_with_the_profile(self) -> None:
        response = self.client.get(url("edit", self.profile))
        self.assertContains(response, "<h1>Edit ada@example.com</h1>", html=True)
        self.assertContains(response, 'value="ada@example.com"')
        self.assertContains(response, 'value="Ada"')
        self.assertNotContains(response, 'name="subscription_status"')

    def test_it_saves_the_fields_and_keeps_attributes_and_subscription(self) -> None:
        response = self.post(email="Ada.L@Example.com", first_name="", last_name="Lovelace")
        self.assertRedirects(response, url("detail", self.profile))
        self.profile.refresh_from_db()
        self.assertEqual(self.profile.email, "ada.l@example.com")
        self.assertEqual(self.profile.first_name, "")
        self.assertEqual(self.profile.last_name, "Lovelace")
        self.assertEqual(self.profile.attributes, {"plan": "pro"})
        self.assertEqual(self.profile.subscription_status, "subscribed")

    def test_the_email_of_another_profile_is_an_error_on_the_email_field(self) -> None:
        make_profile(self.acme, email="taken@example.com")
        response = self.post(email="taken@example.com", first_name="Changed")
        self.assertEqual(response.status_code, 422)
        self.assertEqual(
            response.context["form"].errors["email"], ["a Profile with this email exists"]
        )
        self.profile.refresh_from_db()
        self.assertEqual((self.profile.email, self.profile.first_name), ("ada@example.com", "Ada"))

    def test_an_invalid_edit_saves_nothing(self) -> None:
        response = self.post(first_name="Changed", timezone="Nowhere/Land")
        self.assertEqual(response.status_code, 422)
        self.assertIn("timezone", response.context["form"].errors)
        self.profile.refresh_from_db()
        self.assertEqual(self.profile.first_name, "Ada")

    def test_an_invalid_htmx_edit_returns_the_form_fragment(self) -> None:
        response = self.post(email="", headers=HTMX)
        self.assertEqual(response.status_code, 422)
        self.assertTrue(html(response).strip().startswith('<form id="profile-form"'))
        self.assertIn("This field is required.", html(response))


class AttributeInlineEditTests(PersonaTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.bob)
        self.profile = make_profile(
            self.acme, attributes={"plan": "pro", "seats": 5, "code": "42", "meta": {"a": 1}}
        )

    def edit(self, key: str, **headers: str) -> HttpResponse:
        return self.client.get(url("attributes", self.profile), {"edit": key}, headers=headers)

    def save(self, headers: dict[str, str] | None = None, **data: Any) -> HttpResponse:
        return self.client.post(
            url("attribute_set", self.profile), data, headers=HTMX if headers is None else headers
        )

    def attributes(self) -> dict[str, Any]:
        self.profile.refresh_from_db()
        return self.profile.attributes

    def assertSection(self, response: HttpResponse, status: int = 200) -> str:  # noqa: N802
        """The response is the attributes section alone."""
        self.assertEqual(response.status_code, status)
        body = html(response).strip()
        self.assertTrue(body.startswith('<section id="attributes"'), body[:200])
        self.assertTrue(body.endswith("</section>"), body[-200:])
        return body

    def test_clicking_edit_turns_the_row_into_an_input_with_the_value(self) -> None:
        body = self.assertSection(self.edit("plan", **HTMX))
        self.assertIn('<tr class="editing">', body)
        self.assertIn('name="value" value="pro" autofocus', body)
        self.assertIn('<input type="hidden" name="key" value="plan">', body)
        # Only that row is being edited.
        self.assertEqual(body.count('<tr class="editing">'), 1)

    def test_the_input_shows_json_for_values_that_are_not_plain_text(self) -> None:
        for key, text in (
            ("seats", "5"),
            ("code", "&quot;42&quot;"),
            ("meta", "{&quot;a&quot;: 1}"),
        ):
            with self.subTest(key=key):
                self.assertIn(f'name="value" value="{text}"', html(self.edit(key, **HTMX)))

    def test_saving_stores_json_and_returns_the_section_with_the_new_value(self) -> None:
        body = self.assertSection(self.save(key="seats", value="12"))
        self.assertIn('<td class="attribute-value"><code>12</code></td>', body)
        self.assertNotIn('<tr class="editing">', body)
        self.assertEqual(self.attributes()["seats"], 12)

    def test_text_that_is_not_json_is_saved_as_a_string(self) -> None:
        self.save(key="plan", value="  enterprise plus ")
        self.assertEqual(self.attributes()["plan"], "enterprise plus")

    def test_every_json_type_is_saved_as_itself(self) -> None:
        for text, value in (
            ('"42"', "42"),
            ("4.5", 4.5),
            ("false", False),
            ('["x", 1]', ["x", 1]),
            ('{"nested": {"deep": true}}', {"nested": {"deep": True}}),
            ("NaN", "NaN"),
        ):
            with self.subTest(text=text):
                self.save(key="plan", value=text)
                self.assertEqual(self.attributes()["plan"], value)

    def test_an_edited_value_round_trips_unchanged(self) -> None:
        before = self.attributes()
        for key in before:
            text = re.search(r'name="value" value="([^"]*)"', html(self.edit(key, **HTMX)))
            assert text is not None
            unescaped = text.group(1).replace("&quot;", '"')
            self.save(key=key, value=unescaped)
        self.assertEqual(self.attributes(), before)

    def test_null_is_refused_in_favour_of_delete(self) -> None:
        body = self.assertSection(self.save(key="plan", value="null"), status=422)
        self.assertIn("use Delete to remove the key", body)
        self.assertIn('<tr class="editing">', body)
        self.assertEqual(self.attributes()["plan"], "pro")

    def test_attributes_over_64_kib_are_refused_inline(self) -> None:
        big = "x" * MAX_ATTRIBUTES_BYTES
        body = self.assertSection(self.save(key="plan", value=big), status=422)
        self.assertIn("must be at most 65536 bytes of JSON", body)
        self.assertEqual(self.attributes()["plan"], "pro")

    def test_adding_a_key_returns_the_section_with_the_new_row(self) -> None:
        body = self.assertSection(self.save(key="vip", value="true", adding="True"))
        self.assertIn('<th scope="row"><code>vip</code></th>', body)
        self.assertEqual(self.attributes()["vip"], True)
        # The add form is empty again for the next key.
        self.assertIn('id="new-attribute-key" name="key" value=""', body)

    def test_adding_a_key_that_exists_is_refused(self) -> None:
        body = self.assertSection(self.save(key="plan", value="free", adding="True"), status=422)
        self.assertIn("“plan” exists already: edit it in the table.", body)
        self.assertIn('id="new-attribute-key" name="key" value="plan"', body)
        self.assertEqual(self.attributes()["plan"], "pro")

    def test_adding_without_a_key_is_refused(self) -> None:
        body = self.assertSection(self.save(key=" ", value="x", adding="True"), status=422)
        self.assertIn("This field is required.", body)
        self.assertEqual(len(self.attributes()), 4)

    def test_deleting_a_key_returns_the_section_without_it(self) -> None:
        response = self.client.post(
            url("attribute_delete", self.profile), {"key": "plan"}, headers=HTMX
        )
        body = self.assertSection(response)
        self.assertNotIn("<code>plan</code>", body)
        self.assertNotIn("plan", self.attributes())
        self.assertEqual(self.attributes()["seats"], 5)

    def test_deleting_asks_for_confirmation_first(self) -> None:
        response = self.client.get(url("detail", self.profile))
        self.assertContains(response, 'hx-confirm="Delete the attribute “plan”?"')

    def test_cancel_shows_the_section_without_the_form(self) -> None:
        body = self.assertSection(self.client.get(url("attributes", self.profile), headers=HTMX))
        self.assertNotIn('<tr class="editing">', body)

    def test_editing_an_unknown_key_is_404(self) -> None:
        self.assertEqual(self.edit("nope", **HTMX).status_code, 404)

    def test_without_htmx_edit_opens_the_profile_page_with_the_row_as_a_form(self) -> None:
        response = self.edit("plan")
        self.assertContains(response, "<h1>", status_code=200)
        self.assertContains(response, '<tr class="editing">')
        self.assertContains(response, 'class="sidebar"')

    def test_without_htmx_saving_and_deleting_redirect_to_the_profile_page(self) -> None:
        back = url("detail", self.profile) + "#attributes"
        self.assertRedirects(self.save(key="plan", value="free", headers={}), back)
        response = self.client.post(url("attribute_delete", self.profile), {"key": "seats"})
        self.assertRedirects(response, back)
        self.assertEqual(self.attributes(), {"plan": "free", "code": "42", "meta": {"a": 1}})

    def test_without_htmx_an_invalid_value_shows_the_whole_page_with_the_error(self) -> None:
        response = self.save(key="plan", value="null", headers={})
        self.assertContains(response, 'class="sidebar"', status_code=422)
        self.assertContains(response, "use Delete to remove the key", status_code=422)

    def test_the_api_reads_what_the_dashboard_saved(self) -> None:
        self.save(key="score", value="1e3", adding="True")
        body = self.api("GET", f"/profiles/{self.profile.id}").json()
        self.assertEqual(body["attributes"]["score"], 1000.0)
        self.assertEqual(body["attributes"]["code"], "42")


class SubscriptionChangeTests(PersonaTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.bob)
        self.profile = make_profile(self.acme, email="ada@example.com")

    def change(self, status: str, headers: dict[str, str] | None = None) -> HttpResponse:
        return self.client.post(
            url("subscription", self.profile),
            {"status": status},
            headers=HTMX if headers is None else headers,
        )

    def test_unsubscribing_is_recorded_with_source_dashboard_and_the_user(self) -> None:
        response = self.change("unsubscribed")
        self.assertEqual(response.status_code, 200)
        body = html(response).strip()
        self.assertTrue(body.startswith('<section id="subscription"'), body[:200])
        self.assertIn('<span class="badge badge-unsubscribed">Unsubscribed</span>', body)
        self.assertIn(">Subscribe</button>", body)
        self.assertIn("ada@example.com is unsubscribed from marketing email.", body)
        self.profile.refresh_from_db()
        self.assertEqual(self.profile.subscription_status, "unsubscribed")
        self.assertEqual(self.profile.subscription_source, "dashboard")
        latest = SubscriptionChange.objects.filter(profile=self.profile).first()
        assert latest is not None
        self.assertEqual(
            (latest.status, latest.source, latest.changed_by),
            ("unsubscribed", "dashboard", self.bob),
        )

    def test_resubscribing_asks_for_confirmation_and_is_recorded(self) -> None:
        self.change("unsubscribed")
        page = self.client.get(url("detail", self.profile))
        self.assertContains(page, 'hx-confirm="Resubscribe ada@example.com?')
        response = self.change("subscribed", headers={})
        self.assertRedirects(response, url("detail", self.profile) + "#subscription")
        statuses = list(
            SubscriptionChange.objects.filter(profile=self.profile).values_list("status", "source")
        )
        self.assertEqual(
            statuses,
            [("subscribed", "dashboard"), ("unsubscribed", "dashboard"), ("subscribed", "api")],
        )

    def test_the_same_status_again_records_nothing(self) -> None:
        self.change("subscribed")
        self.assertEqual(SubscriptionChange.objects.filter(profile=self.profile).count(), 1)

    def test_an_unknown_status_is_a_bad_request(self) -> None:
        self.assertEqual(self.change("maybe").status_code, 400)
        self.profile.refresh_from_db()
        self.assertEqual(self.profile.subscription_status, "subscribed")


class DeleteProfileTests(PersonaTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.alice)
        self.profile = make_profile(self.acme, email="ada@example.com")

    def test_get_asks_for_confirmation_and_deletes_nothing(self) -> None:
        response = self.client.get(url("delete", self.profile))
        self.assertContains(response, "<h1>Delete ada@example.com?</h1>", html=True)
        self.assertContains(response, "This cannot be undone.")
        self.assertContains(
            response, f'<form method="post" action="{url("delete", self.profile)}">'
        )
        self.assertTrue(Profile.objects.filter(pk=self.profile.pk).exists())

    def test_posting_erases_the_profile_and_returns_to_the_list(self) -> None:
        response = self.client.post(url("delete", self.profile))
        self.assertRedirects(response, LIST_URL, fetch_redirect_response=False)
        self.assertFalse(Profile.objects.filter(pk=self.profile.pk).exists())
        self.assertEqual(ProfileErasure.objects.filter(organization=self.acme).count(), 1)
        listing = self.client.get(LIST_URL)
        self.assertContains(listing, "The Profile was deleted and its personal data erased.")
        self.assertNotContains(listing, "ada@example.com")
        self.assertEqual(self.client.get(url("detail", self.profile)).status_code, 404)

    def test_an_htmx_delete_sends_the_browser_to_the_list(self) -> None:
        response = self.client.post(url("delete", self.profile), headers=HTMX)
        self.assertEqual(response["HX-Redirect"], LIST_URL)
        self.assertFalse(Profile.objects.filter(pk=self.profile.pk).exists())


class ProfilePermissionTests(PersonaTestCase):
    def setUp(self) -> None:
        self.profile = make_profile(
            self.acme, email="ada@example.com", first_name="Ada", attributes={"plan": "pro"}
        )

    def writes(self) -> list[tuple[str, str, dict[str, Any]]]:
        return [
            ("get", CREATE_URL, {}),
            (
                "post",
                CREATE_URL,
                {"email": "sneaky@example.com", "subscription_status": "subscribed"},
            ),
            ("get", url("edit", self.profile), {}),
            ("post", url("edit", self.profile), {"email": "sneaky@example.com"}),
            ("get", url("delete", self.profile), {}),
            ("post", url("delete", self.profile), {}),
            ("post", url("subscription", self.profile), {"status": "unsubscribed"}),
            ("get", url("attributes", self.profile) + "?edit=plan", {}),
            ("post", url("attribute_set", self.profile), {"key": "plan", "value": "free"}),
            ("post", url("attribute_delete", self.profile), {"key": "plan"}),
        ]

    def reads(self) -> list[str]:
        return [url("detail", self.profile), url("attributes", self.profile)]

    def assertUnchanged(self) -> None:  # noqa: N802
        self.profile.refresh_from_db()
        self.assertEqual(self.profile.email, "ada@example.com")
        self.assertEqual(self.profile.attributes, {"plan": "pro"})
        self.assertEqual(self.profile.subscription_status, "subscribed")
        self.assertFalse(Profile.objects.filter(email="sneaky@example.com").exists())

    def test_a_viewer_can_read_but_gets_403_on_every_write(self) -> None:
        self.client.force_login(self.viewer)
        for page in [LIST_URL, *self.reads()]:
            with self.subTest(read=page):
                self.assertEqual(self.client.get(page).status_code, 200)
        for method, page, data in self.writes():
            with self.subTest(method=method, page=page):
                response = getattr(self.client, method)(page, data, headers=HTMX)
                self.assertEqual(response.status_code, 403)
        self.assertUnchanged()

    def test_a_refused_write_explains_which_permission_is_missing(self) -> None:
        self.client.force_login(self.viewer)
        response = self.client.get(CREATE_URL)
        self.assertContains(response, "does not allow profiles:write", status_code=403)

    def test_charlie_gets_404_on_every_page_of_acmes_profile(self) -> None:
        self.client.force_login(self.charlie)
        for page in self.reads():
            with self.subTest(read=page):
                self.assertEqual(self.client.get(page).status_code, 404)
        for method, page, data in self.writes():
            if "/profiles/new/" in page:
                continue
            with self.subTest(method=method, page=page):
                response = getattr(self.client, method)(page, data, headers=HTMX)
                self.assertEqual(response.status_code, 404)
        self.assertUnchanged()

    def test_charlie_creates_profiles_in_his_own_organization_only(self) -> None:
        self.client.force_login(self.charlie)
        self.client.post(
            CREATE_URL, {"email": "ada@example.com", "subscription_status": "subscribed"}
        )
        self.assertEqual(Profile.objects.get(organization=self.globex).email, "ada@example.com")
        self.assertUnchanged()

    def test_a_member_may_write(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.post(
            url("attribute_set", self.profile), {"key": "plan", "value": "free"}
        )
        self.assertEqual(response.status_code, 302)
        self.profile.refresh_from_db()
        self.assertEqual(self.profile.attributes, {"plan": "free"})

    def test_anonymous_visitors_are_sent_to_the_login_page(self) -> None:
        for method, page, _ in self.writes():
            with self.subTest(method=method, page=page):
                response = getattr(self.client, method)(page)
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith("/login/?next="))
        self.assertUnchanged()
