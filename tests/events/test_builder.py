"""The Journey builder: its tree edits as pure functions (each both ways), the flow it lays
out, and its pages for every persona — add, move, remove a step through htmx or a plain
post, the side panel's forms, publish, discard, activate, pause and archive."""

from __future__ import annotations

import html
from typing import Any

from django.test import SimpleTestCase
from django.urls import reverse

from apps.email_templates.actions import archive_template
from apps.events import builder, drafts
from apps.events.builder import BuilderError
from apps.events.flow import describe_duration, layout, show_value, summarize
from apps.events.models import Journey, JourneyRun, RunStatus
from apps.events.panel_forms import split_duration
from tests.factories import make_template
from tests.sending.email_helpers import SENDER

from .helpers import JourneyTestCase

HTMX = {"HX-Request": "true"}
WAIT = {"type": "wait", "duration": "PT1H"}
SEND = {"type": "send_email", "template": "tmpl_a"}
UPDATE = {"type": "update_profile", "set": {"tier": "gold"}}


def branch(yes: list[Any] | None = None, no: list[Any] | None = None) -> dict[str, Any]:
    where = [{"path": "profile.attributes.vip", "op": "equals", "value": True}]
    return {"type": "branch", "where": where, "yes": yes or [], "no": no or []}


class TreeEditTests(SimpleTestCase):
    def test_a_path_reads_as_a_position_and_back(self) -> None:
        for path, position in (
            ("steps[0]", [0]),
            ("steps[3].yes[0]", [3, "yes", 0]),
            ("steps[1].timedOut[2].no[4]", [1, "timedOut", 2, "no", 4]),
        ):
            with self.subTest(path=path):
                self.assertEqual(builder.parse_path(path), position)
        for bad in ("", "steps", "steps[x]", "steps[0].maybe[1]", "steps[0].yes", "step[0]"):
            with self.subTest(bad=bad), self.assertRaises(BuilderError):
                builder.parse_path(bad)

    def test_insert_then_remove_gives_the_steps_back(self) -> None:
        steps = [SEND, branch(yes=[WAIT]), UPDATE]
        for position in ([0], [1], [3], [1, "yes", 0], [1, "yes", 1], [1, "no", 0]):
            with self.subTest(position=position):
                inserted = builder.insert_step(steps, position, {"type": "wait", "until": "09:00"})
                self.assertEqual(builder.remove_step(inserted, position), steps)
                holder = inserted if len(position) == 1 else inserted[1][position[1]]
                self.assertEqual(holder[position[-1]], {"type": "wait", "until": "09:00"})

    def test_edits_leave_their_input_as_it_was(self) -> None:
        steps = [SEND, branch(yes=[WAIT])]
        before = repr(steps)
        builder.insert_step(steps, [1, "no", 0], UPDATE)
        builder.remove_step(steps, [1, "yes", 0])
        builder.move_step(steps, [0], 1)
        builder.replace_step(steps, [0], {"type": "send_email", "template": "tmpl_b"})
        self.assertEqual(repr(steps), before)

    def test_move_down_then_up_gives_the_steps_back(self) -> None:
        steps = [SEND, WAIT, branch(yes=[UPDATE, SEND])]
        moved, to = builder.move_step(steps, [0], 1)
        self.assertEqual((moved[:2], to), ([WAIT, SEND], [1]))
        back, to = builder.move_step(moved, to, -1)
        self.assertEqual((back, to), (steps, [0]))
        inner, to = builder.move_step(steps, [2, "yes", 1], -1)
        self.assertEqual((inner[2]["yes"], to), ([SEND, UPDATE], [2, "yes", 0]))
        self.assertEqual(builder.move_step(inner, to, 1)[0], steps)

    def test_a_step_cannot_move_out_of_its_list(self) -> None:
        steps = [SEND, branch(yes=[WAIT])]
        for position, offset in (([0], -1), ([1], 1), ([1, "yes", 0], -1), ([1, "yes", 0], 1)):
            with self.subTest(position=position, offset=offset), self.assertRaises(BuilderError):
                builder.move_step(steps, position, offset)

    def test_replace_changes_the_settings_and_keeps_the_steps_inside(self) -> None:
        steps = [branch(yes=[WAIT], no=[SEND])]
        where = [{"path": "event.properties.total", "op": "gte", "value": 50}]
        replaced = builder.replace_step(
            steps, [0], {"type": "branch", "where": where, "yes": [], "label": "Big orders"}
        )
        self.assertEqual(replaced, [{**steps[0], "where": where, "label": "Big orders"}])
        self.assertEqual(builder.replace_step(replaced, [0], steps[0]), steps)
        with self.assertRaises(BuilderError):
            builder.replace_step(steps, [0], WAIT)

    def test_positions_that_name_no_step_are_refused(self) -> None:
        steps = [SEND, branch()]
        for edit in (
            lambda: builder.insert_step(steps, [3], WAIT),
            lambda: builder.insert_step(steps, [0, "yes", 0], WAIT),  # a send has no lists
            lambda: builder.insert_step(steps, [1, "received", 0], WAIT),
            lambda: builder.remove_step(steps, [2]),
            lambda: builder.remove_step(steps, [1, "yes", 0]),
            lambda: builder.replace_step(steps, [5], WAIT),
            lambda: builder.new_step("send_sms"),
        ):
            with self.assertRaises(BuilderError):
                edit()

    def test_new_steps_nest_their_empty_lists(self) -> None:
        self.assertEqual(
            builder.new_step("branch"), {"type": "branch", "where": [], "yes": [], "no": []}
        )
        waiting = builder.new_step("wait_for_event")
        self.assertEqual((waiting["received"], waiting["timedOut"]), ([], []))
        added = builder.insert_step([], [0], waiting)
        self.assertEqual(
            builder.insert_step(added, [0, "timedOut", 0], WAIT)[0]["timedOut"], [WAIT]
        )


class FlowTests(SimpleTestCase):
    def test_each_step_type_reads_as_one_line(self) -> None:
        names = {"tmpl_a": "Receipt"}
        for step, line in (
            (SEND, "Send 'Receipt'"),
            ({"type": "send_email", "template": ""}, "Send an email (no template picked yet)"),
            ({"type": "send_email", "template": "tmpl_x"}, "Send tmpl_x (no such Template)"),
            ({"type": "wait", "duration": "PT2H"}, "Wait 2 hours"),
            ({"type": "wait", "duration": "P1DT12H"}, "Wait 1 day 12 hours"),
            ({"type": "wait", "until": "09:00"}, "Wait until 09:00 in the Profile's time zone"),
            (branch(), "If profile.attributes.vip is true"),
            ({"type": "branch", "where": []}, "If … (no condition yet)"),
            (
                {"type": "wait_for_event", "event": "order.reviewed", "timeout": "P3D"},
                "Wait up to 3 days for order.reviewed",
            ),
            ({"type": "update_profile", "set": {"tier": 1, "last": "x"}}, "Set tier, last"),
        ):
            with self.subTest(line=line):
                self.assertEqual(summarize(step, names), line)

    def test_durations_and_values_read_as_people_write_them(self) -> None:
        self.assertEqual(describe_duration("PT1M"), "1 minute")
        self.assertEqual(describe_duration("P2W"), "14 days")
        self.assertEqual(describe_duration("soon"), "soon")
        self.assertEqual(
            [show_value(v) for v in ("pro", "42", 42, True, ["a"])],
            ["pro", '"42"', "42", "true", '["a"]'],
        )
        self.assertEqual(split_duration("PT2H"), (2, "hours"))
        self.assertEqual(split_duration("P14D"), (2, "weeks"))
        self.assertEqual(split_duration("PT90S"), (90, "seconds"))

    def test_the_layout_nests_lanes_and_puts_each_problem_beside_its_step(self) -> None:
        steps = [SEND, branch(yes=[WAIT]), UPDATE]
        problems = [
            {"path": "steps[1].yes[0].duration", "message": "bad"},
            {"path": "steps[0].template", "message": "missing"},
            {"path": "trigger.event", "message": "required"},
            {"path": "steps[9].type", "message": "gone"},
        ]
        flow = layout(steps, template_names={}, problems=problems, counts={"steps[0]": {"done": 3}})
        send, fork, update = flow.cards
        self.assertEqual([card.path for card in flow.cards], ["steps[0]", "steps[1]", "steps[2]"])
        self.assertEqual((send.is_first, update.is_last, send.add_after), (True, True, "steps[1]"))
        self.assertEqual([(p.field, p.message) for p in send.problems], [("template", "missing")])
        self.assertEqual(send.counts, {"done": 3})
        yes, no = fork.lanes
        self.assertEqual(
            (yes.title, yes.add_at, no.title, no.cards), ("Yes", "steps[1].yes[0]", "No", [])
        )
        self.assertEqual([p.field for p in yes.cards[0].problems], ["duration"])
        self.assertEqual(yes.cards[0].add_after, "steps[1].yes[1]")
        self.assertEqual([p.path for p in flow.other_problems], ["trigger.event", "steps[9].type"])


def edit_url(journey: Journey, step: str = "") -> str:
    url = reverse("journeys:edit", args=[journey.pk])
    return f"{url}?step={step}" if step else url


def write_urls(journey: Journey) -> list[str]:
    names = (
        "step_add",
        "step_move",
        "step_remove",
        "step_save",
        "settings",
        "publish",
        "discard",
        "status",
    )
    return [reverse(f"journeys:{name}", args=[journey.pk]) for name in names]


class BuilderTestCase(JourneyTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.bob)

    def draft(self, journey: Journey) -> dict[str, Any]:
        journey.refresh_from_db()
        return drafts.draft_of(journey)

    def rev(self, journey: Journey) -> str:
        return drafts.revision(self.draft(journey))

    def post(self, journey: Journey, name: str, data: dict[str, Any], htmx: bool = True) -> Any:
        data = {"rev": self.rev(journey), **data}
        url = reverse(f"journeys:{name}", args=[journey.pk])
        return self.client.post(url, data, headers=HTMX if htmx else {})

    def rows(self, prefix: str, rows: list[dict[str, str]], extra: int = 1) -> dict[str, str]:
        """A formset's fields: `rows` then `extra` blank rows."""
        data = {f"{prefix}-TOTAL_FORMS": str(len(rows) + extra), f"{prefix}-INITIAL_FORMS": "0"}
        for index, row in enumerate([*rows, *([{}] * extra)]):
            if prefix == "where":  # a blank row's operator is posted like a browser does
                row = {"op": "equals", **row}
            for key, value in row.items():
                data[f"{prefix}-{index}-{key}"] = value
        return data


class BuilderPermissionTests(BuilderTestCase):
    def test_a_viewer_gets_403_on_the_builder_and_every_write(self) -> None:
        journey = self.journey()
        self.client.force_login(self.viewer)
        self.assertEqual(self.client.get(edit_url(journey)).status_code, 403)
        for url in write_urls(journey):
            with self.subTest(url=url):
                response = self.client.post(
                    url, {"at": "steps[0]", "type": "wait", "status": "paused"}
                )
                self.assertEqual(response.status_code, 403)
        journey.refresh_from_db()
        self.assertEqual((journey.draft, journey.status, journey.version), (None, "active", 1))

    def test_another_organizations_owner_gets_404(self) -> None:
        journey = self.journey()
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get(edit_url(journey)).status_code, 404)
        for url in write_urls(journey):
            with self.subTest(url=url):
                response = self.client.post(
                    url, {"at": "steps[0]", "type": "wait", "status": "paused"}
                )
                self.assertEqual(response.status_code, 404)
        journey.refresh_from_db()
        self.assertEqual((journey.draft, journey.status), (None, "active"))

    def test_owner_and_member_open_the_builder_on_the_trigger_and_settings(self) -> None:
        journey = self.journey()
        for user in (self.alice, self.bob):
            with self.subTest(user=user.email):
                self.client.force_login(user)
                response = self.client.get(edit_url(journey))
                self.assertContains(
                    response, '<h2 id="panel-heading">Trigger and settings</h2>', html=True
                )
                self.assertContains(response, "When order.completed is tracked")
                self.assertContains(response, "Send &#x27;Receipt&#x27;")
                self.assertContains(response, 'value="order.completed"')


class StepEditTests(BuilderTestCase):
    def test_adding_a_step_through_htmx_renders_the_builder_with_it_selected(self) -> None:
        journey = self.journey()
        response = self.post(journey, "step_add", {"at": "steps[1]", "type": "wait"})
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "<html")
        self.assertContains(response, '<div id="builder" class="builder">')
        self.assertContains(response, "Wait 1 hour")
        self.assertContains(
            response, '<h2 id="panel-heading">Wait <code>steps[1]</code></h2>', html=True
        )
        self.assertEqual(response["HX-Replace-Url"], edit_url(journey, "steps%5B1%5D"))
        self.assertEqual(self.draft(journey)["steps"][1], {"type": "wait", "duration": "PT1H"})
        journey.refresh_from_db()
        self.assertEqual(journey.definition["steps"], self.definition()["steps"])  # not published

    def test_a_plain_post_redirects_back_to_the_builder(self) -> None:
        journey = self.journey()
        response = self.post(journey, "step_add", {"at": "steps[0]", "type": "branch"}, htmx=False)
        self.assertRedirects(response, edit_url(journey, "steps%5B0%5D"))
        response = self.post(
            journey, "step_add", {"at": "steps[0].no[0]", "type": "update_profile"}, htmx=False
        )
        self.assertRedirects(response, edit_url(journey, "steps%5B0%5D.no%5B0%5D"))
        steps = self.draft(journey)["steps"]
        self.assertEqual([s["type"] for s in steps], ["branch", "send_email"])
        self.assertEqual(steps[0]["no"], [{"type": "update_profile", "set": {}}])
        page = self.client.get(edit_url(journey, "steps[0].no[0]"))
        self.assertContains(
            page,
            '<h2 id="panel-heading">Update Profile <code>steps[0].no[0]</code></h2>',
            html=True,
        )
        self.assertContains(page, "unpublished changes")

    def test_move_and_remove(self) -> None:
        steps = [{"type": "wait", "duration": "PT1H"}, {"type": "wait", "until": "09:00"}]
        journey = self.journey(steps=steps)
        self.post(journey, "step_move", {"at": "steps[0]", "direction": "down"})
        self.assertEqual(self.draft(journey)["steps"], steps[::-1])
        self.post(journey, "step_move", {"at": "steps[1]", "direction": "up"})
        self.assertEqual(self.draft(journey)["steps"], steps)
        journey.refresh_from_db()
        self.assertIsNone(journey.draft)  # back to the published steps: no draft at all
        response = self.post(journey, "step_remove", {"at": "steps[0]"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.draft(journey)["steps"], [{"type": "wait", "until": "09:00"}])

    def test_an_edit_made_on_a_stale_page_is_refused(self) -> None:
        journey = self.journey()
        stale = self.rev(journey)
        self.post(journey, "step_add", {"at": "steps[0]", "type": "wait"})
        url = reverse("journeys:step_remove", args=[journey.pk])
        response = self.client.post(url, {"rev": stale, "at": "steps[0]"}, follow=True)
        self.assertContains(response, "Nothing was changed: The Journey was changed meanwhile")
        self.assertEqual(self.draft(journey)["steps"][0]["type"], "wait")

    def test_a_position_past_the_steps_or_a_bad_request_is_refused(self) -> None:
        journey = self.journey()
        response = self.post(journey, "step_remove", {"at": "steps[4]"}, htmx=False)
        self.assertRedirects(response, edit_url(journey))
        self.assertEqual(
            self.post(journey, "step_add", {"at": "steps[0]", "type": "sms"}).status_code, 400
        )
        self.assertEqual(
            self.post(journey, "step_move", {"at": "nowhere", "direction": "up"}).status_code, 400
        )
        self.assertEqual(
            self.post(journey, "step_move", {"at": "steps[0]", "direction": "left"}).status_code,
            400,
        )
        journey.refresh_from_db()
        self.assertIsNone(journey.draft)


class PanelTests(BuilderTestCase):
    def test_the_template_picker_offers_this_organizations_active_templates(self) -> None:
        old = make_template(self.acme, name="Old one")
        archive_template(old)
        make_template(self.globex, name="Globex only")
        journey = self.journey()
        response = self.client.get(edit_url(journey, "steps[0]"))
        self.assertContains(
            response, f'<option value="{self.receipt.pk}" selected>Receipt</option>', html=True
        )
        self.assertContains(
            response, f'<option value="{self.newsletter.pk}">News</option>', html=True
        )
        self.assertNotContains(response, "Old one")
        self.assertNotContains(response, "Globex only")

    def test_send_email_settings_are_saved_into_the_draft(self) -> None:
        journey = self.journey()
        data = {
            "at": "steps[0]",
            "template": self.newsletter.pk,
            "from_address": SENDER,
            "subject": "Hi",
            "label": "News",
        }
        response = self.post(journey, "step_save", data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "<strong>News</strong> · Send &#x27;News&#x27;", html=True)
        step = self.draft(journey)["steps"][0]
        self.assertEqual(
            step,
            {
                "type": "send_email",
                "template": self.newsletter.pk,
                "from": SENDER,
                "subject": "Hi",
                "label": "News",
            },
        )

    def test_send_email_settings_that_publishing_would_refuse_are_refused_with_422(self) -> None:
        other = make_template(self.globex, name="Theirs")
        journey = self.journey()
        response = self.post(journey, "step_save", {"at": "steps[0]", "template": other.pk})
        self.assertContains(response, "Select a valid choice", status_code=422)
        response = self.post(
            journey,
            "step_save",
            {"at": "steps[0]", "template": self.receipt.pk, "from_address": "not an address"},
        )
        self.assertEqual(response.status_code, 422)
        body = html.unescape(response.content.decode())
        error = body.split('id="id_from_address"')[1].split('class="field-error"')[1]
        self.assertIn("an address such as", error.split("</p>")[0])
        self.assertNotContains(response, "<html", status_code=422)
        self.assertIsNone(Journey.objects.get().draft)

    def test_wait_for_a_while_or_until_a_time_of_day(self) -> None:
        journey = self.journey(steps=[{"type": "wait", "duration": "PT1H"}])
        self.post(
            journey,
            "step_save",
            {"at": "steps[0]", "mode": "duration", "duration_amount": "2", "duration_unit": "days"},
        )
        self.assertEqual(self.draft(journey)["steps"], [{"type": "wait", "duration": "P2D"}])
        self.post(
            journey,
            "step_save",
            {"at": "steps[0]", "mode": "until", "until": "09:30", "duration_unit": "hours"},
        )
        self.assertEqual(self.draft(journey)["steps"], [{"type": "wait", "until": "09:30"}])
        response = self.post(
            journey, "step_save", {"at": "steps[0]", "mode": "duration", "duration_unit": "hours"}
        )
        self.assertContains(response, "How long to wait, e.g. 2 hours.", status_code=422)
        response = self.post(
            journey,
            "step_save",
            {
                "at": "steps[0]",
                "mode": "duration",
                "duration_amount": "400",
                "duration_unit": "days",
            },
        )
        self.assertContains(response, "more than zero and at most a year", status_code=422)

    def test_branch_conditions_are_rows_and_each_refusal_names_its_row(self) -> None:
        journey = self.journey(steps=[branch(yes=[WAIT])])
        rows = [
            {"path": "event.properties.total", "op": "gte", "value": "50"},
            {"path": "profile.attributes.plan", "op": "in", "value": '["pro", "team"]'},
            {"path": "", "op": "equals", "value": ""},  # a blank row is dropped
        ]
        response = self.post(journey, "step_save", {"at": "steps[0]", **self.rows("where", rows)})
        self.assertEqual(response.status_code, 200)
        step = self.draft(journey)["steps"][0]
        self.assertEqual(
            step["where"],
            [
                {"path": "event.properties.total", "op": "gte", "value": 50},
                {"path": "profile.attributes.plan", "op": "in", "value": ["pro", "team"]},
            ],
        )
        self.assertEqual(step["yes"], [WAIT])  # the steps inside stay
        bad = [
            {"path": "profile.plan", "op": "equals", "value": "x"},
            {"path": "event.name", "op": "in", "value": "x"},
        ]
        response = self.post(journey, "step_save", {"at": "steps[0]", **self.rows("where", bad)})
        self.assertContains(response, "Path: one of event.name, event.properties", status_code=422)
        self.assertContains(response, "Value: in needs a list of values", status_code=422)
        response = self.post(journey, "step_save", {"at": "steps[0]", **self.rows("where", [])})
        self.assertContains(response, "Give at least one condition", status_code=422)

    def test_update_profile_sets_typed_values_and_liquid(self) -> None:
        journey = self.journey(steps=[UPDATE])
        rows = [
            {"key": "tier", "value": "gold"},
            {"key": "score", "value": "3"},
            {"key": "last", "value": "{{ event.properties.orderId }}"},
        ]
        self.post(journey, "step_save", {"at": "steps[0]", **self.rows("set", rows)})
        self.assertEqual(
            self.draft(journey)["steps"][0]["set"],
            {"tier": "gold", "score": 3, "last": "{{ event.properties.orderId }}"},
        )
        response = self.post(
            journey,
            "step_save",
            {"at": "steps[0]", **self.rows("set", [{"key": "bad key!", "value": "1"}])},
        )
        self.assertContains(response, "an attribute name", status_code=422)

    def test_wait_for_event_settings(self) -> None:
        journey = self.journey(
            steps=[
                {
                    "type": "wait_for_event",
                    "event": "x",
                    "timeout": "P1D",
                    "received": [WAIT],
                    "timedOut": [],
                }
            ]
        )
        self.post(
            journey,
            "step_save",
            {
                "at": "steps[0]",
                "event": "order.reviewed",
                "timeout_amount": "3",
                "timeout_unit": "days",
            },
        )
        step = self.draft(journey)["steps"][0]
        self.assertEqual(
            (step["event"], step["timeout"], step["received"]), ("order.reviewed", "P3D", [WAIT])
        )
        response = self.post(
            journey,
            "step_save",
            {"at": "steps[0]", "event": "", "timeout_amount": "3", "timeout_unit": "days"},
        )
        self.assertContains(response, "This field is required.", status_code=422)

    def test_the_trigger_and_settings(self) -> None:
        journey = self.journey()
        data = {"name": "Big orders", "reentry": "once", "trigger_event": "order.paid"}
        rows = self.rows("where", [{"path": "event.properties.total", "op": "gt", "value": "100"}])
        response = self.post(journey, "settings", {**data, **rows})
        self.assertContains(
            response, "When order.paid is tracked, if event.properties.total &gt; 100"
        )
        draft = self.draft(journey)
        self.assertEqual((draft["name"], draft["reentry"]), ("Big orders", "once"))
        self.assertEqual(
            draft["trigger"],
            {
                "event": "order.paid",
                "where": [{"path": "event.properties.total", "op": "gt", "value": 100}],
            },
        )
        response = self.post(journey, "settings", {**data, "name": "", **rows})
        self.assertContains(response, "This field is required.", status_code=422)
        response = self.post(journey, "settings", {**data, "name": "x" * 201, **rows})
        self.assertContains(response, "at most 200 characters", status_code=422)


class PublishTests(BuilderTestCase):
    def test_publishing_refuses_a_draft_with_every_problem_beside_its_step(self) -> None:
        journey = self.journey()
        self.post(journey, "step_add", {"at": "steps[1]", "type": "branch"})
        self.post(journey, "step_add", {"at": "steps[1].yes[0]", "type": "send_email"})
        response = self.post(journey, "publish", {})
        self.assertEqual(response.status_code, 422)
        body = html.unescape(response.content.decode())
        self.assertIn("Not published: the draft has these problems.", body)
        fork = body.split('data-path="steps[1]"')[1].split("</article>")[0]
        self.assertIn("<code>steps[1].where</code>: a list of conditions (at least one)", fork)
        inner = body.split('data-path="steps[1].yes[0]"')[1].split("</article>")[0]
        self.assertIn("<code>steps[1].yes[0].template</code>: field required", inner)
        journey.refresh_from_db()
        self.assertEqual(journey.version, 1)

    def test_publishing_saves_a_new_version_and_runs_in_flight_keep_theirs(self) -> None:
        journey = self.journey(steps=[{"type": "wait", "duration": "PT1H"}])
        self.tracked()
        self.run_engine()  # the run waits in version 1's only step
        self.post(journey, "step_add", {"at": "steps[1]", "type": "update_profile"})
        self.post(
            journey,
            "step_save",
            {"at": "steps[1]", **self.rows("set", [{"key": "done", "value": "true"}])},
        )
        response = self.post(journey, "publish", {}, htmx=False)
        self.assertRedirects(response, edit_url(journey), fetch_redirect_response=False)
        journey.refresh_from_db()
        self.assertEqual((journey.version, journey.draft, journey.status), (2, None, "active"))
        self.assertEqual(
            journey.definition["steps"][1], {"type": "update_profile", "set": {"done": True}}
        )
        run = JourneyRun.objects.get()
        self.assertEqual(run.journey_version.version, 1)
        self.move_clock(hours=1, seconds=1)
        self.run_engine()
        run.refresh_from_db()
        self.assertEqual(run.status, RunStatus.COMPLETED)
        self.ada.refresh_from_db()
        self.assertNotIn("done", self.ada.attributes)  # version 1 had no update step
        page = self.client.get(edit_url(journey), follow=True)
        self.assertContains(page, "Published version 2.")
        response = self.post(journey, "publish", {}, htmx=False)
        self.assertContains(self.client.get(response.url), "Nothing to publish")

    def test_publishing_or_discarding_what_the_page_did_not_show_is_refused(self) -> None:
        journey = self.journey()
        stale = self.rev(journey)
        self.post(journey, "step_add", {"at": "steps[1]", "type": "wait"})
        for name in ("publish", "discard"):
            with self.subTest(name=name):
                url = reverse(f"journeys:{name}", args=[journey.pk])
                response = self.client.post(url, {"rev": stale}, follow=True)
                self.assertContains(response, "The Journey was changed meanwhile")
        journey.refresh_from_db()
        self.assertEqual((journey.version, len(journey.draft["steps"])), (1, 2))

    def test_discarding_the_draft_shows_the_published_version_again(self) -> None:
        journey = self.journey()
        self.post(journey, "step_remove", {"at": "steps[0]"})
        response = self.post(journey, "discard", {}, htmx=False)
        self.assertRedirects(response, edit_url(journey), fetch_redirect_response=False)
        journey.refresh_from_db()
        self.assertIsNone(journey.draft)
        self.assertContains(self.client.get(edit_url(journey)), "Send &#x27;Receipt&#x27;")


class StatusTests(BuilderTestCase):
    def test_a_new_journey_is_activated_paused_and_archived(self) -> None:
        journey = drafts.create_journey(self.acme, "Welcome", "signed.up")
        status_url = reverse("journeys:status", args=[journey.pk])
        for status, shown in (
            ("active", "is active"),
            ("paused", "is paused"),
            ("archived", "is archived"),
        ):
            with self.subTest(status=status):
                response = self.client.post(status_url, {"status": status}, headers=HTMX)
                self.assertEqual(response["HX-Redirect"], edit_url(journey))
                journey.refresh_from_db()
                self.assertEqual(journey.status, status)
                self.assertContains(self.client.get(edit_url(journey)), f"Welcome {shown}")
        self.assertEqual(self.client.post(status_url, {"status": "draft"}).status_code, 400)

    def test_activating_checks_the_published_version_first(self) -> None:
        journey = self.journey(status="paused")
        archive_template(self.receipt)
        response = self.client.post(
            reverse("journeys:status", args=[journey.pk]), {"status": "active"}, headers=HTMX
        )
        self.assertEqual(response.status_code, 422)
        body = html.unescape(response.content.decode())
        self.assertIn("Not activated: version 1, the published one, has these problems.", body)
        card = body.split('data-path="steps[0]"')[1].split("</article>")[0]
        self.assertIn("<code>steps[0].template</code>: the Template is archived", card)
        journey.refresh_from_db()
        self.assertEqual(journey.status, "paused")

    def test_the_builder_offers_the_status_changes_of_the_current_status(self) -> None:
        journey = self.journey()
        page = self.client.get(edit_url(journey)).content.decode()
        self.assertIn('value="paused"', page)
        self.assertIn('value="archived"', page)
        self.assertNotIn('name="status" value="active"', page)
        self.assertIn(reverse("journeys:export", args=[journey.pk]), page)
