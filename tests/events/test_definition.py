"""The Journey definition: every problem named by its path; import_journey and
export_journey round-trip it."""

from __future__ import annotations

import io
import json
import sys
import tempfile
from typing import Any

from django.core.management import CommandError, call_command

from apps.email_templates.actions import archive_template
from apps.events.definition import DefinitionError, check_definition, next_position, step_at
from apps.events.journeys import save_journey, set_journey_status
from apps.events.models import Journey, JourneyStatus
from tests.factories import make_template

from .helpers import JourneyTestCase

FULL = {
    "name": "Order follow-up",
    "status": "active",
    "reentry": "every_time",
    "trigger": {
        "event": "order.completed",
        "where": [{"path": "event.properties.total", "op": "gte", "value": 50}],
    },
    "steps": [
        {"type": "send_email", "template": "TEMPLATE", "from": "Shop <hi@acme.test>"},
        {"type": "wait", "duration": "PT2H"},
        {
            "type": "branch",
            "where": [{"path": "profile.attributes.vip", "op": "equals", "value": True}],
            "yes": [{"type": "update_profile", "set": {"tier": "gold"}}],
            "no": [],
        },
        {
            "type": "wait_for_event",
            "event": "order.reviewed",
            "timeout": "P3D",
            "received": [],
            "timedOut": [{"type": "send_email", "template": "TEMPLATE"}],
        },
        {"type": "update_profile", "set": {"lastOrderId": "{{ event.properties.orderId }}"}},
    ],
}


class DefinitionTest(JourneyTestCase):
    def full(self) -> dict[str, Any]:
        return json.loads(json.dumps(FULL).replace("TEMPLATE", self.receipt.pk))

    def problems(self, raw: Any) -> dict[str, str]:
        with self.assertRaises(DefinitionError) as caught:
            check_definition(raw, self.acme)
        return {p["path"]: p["message"] for p in caught.exception.problems}

    def test_the_issue_example_is_accepted_as_it_is(self) -> None:
        self.assertEqual(check_definition(self.full(), self.acme), self.full())

    def test_it_names_every_problem_by_its_path(self) -> None:
        raw = self.full()
        raw["name"] = ""
        raw["reentry"] = "sometimes"
        raw["trigger"]["where"][0]["op"] = "bigger"
        raw["steps"][1]["duration"] = "2 hours"
        raw["steps"][2]["where"][0]["path"] = "profile.password"
        raw["steps"][2]["yes"][0]["set"] = {"bad key": "x"}
        raw["steps"][3]["timedOut"][0]["template"] = "tmpl_nope"
        raw["steps"][4]["set"]["x"] = "{% if %}"
        raw["steps"].append({"type": "teleport"})
        problems = self.problems(raw)
        self.assertEqual(
            set(problems),
            {
                "name",
                "reentry",
                "trigger.where[0].op",
                "steps[1].duration",
                "steps[2].where[0].path",
                "steps[2].yes[0].set.bad key",
                "steps[3].timedOut[0].template",
                "steps[4].set.x",
                "steps[5].type",
            },
        )
        self.assertIn("no such Template", problems["steps[3].timedOut[0].template"])

    def test_values_must_go_with_their_op(self) -> None:
        raw = self.full()
        raw["trigger"]["where"] = [
            {"path": "event.properties.total", "op": "gt", "value": [1]},
            {"path": "event.name", "op": "exists", "value": 1},
            {"path": "profile.locale", "op": "in", "value": "en"},
            {"path": "profile.email", "op": "equals"},
        ]
        self.assertEqual(
            set(self.problems(raw)),
            {f"trigger.where[{i}].value" for i in range(4)},
        )

    def test_unknown_fields_and_other_shapes_are_refused(self) -> None:
        self.assertEqual(set(self.problems([])), {""})
        raw = self.full()
        raw["colour"] = "blue"
        raw["steps"][0]["tempalte"] = "x"
        raw["steps"][1] = {"type": "wait"}
        raw["steps"][3]["timeout"] = "PT0S"
        problems = self.problems(raw)
        self.assertEqual(
            set(problems), {"colour", "steps[0].tempalte", "steps[1].duration", "steps[3].timeout"}
        )

    def test_an_archived_template_is_refused(self) -> None:
        archive_template(self.receipt)
        self.assertIn("archived", self.problems(self.full())["steps[0].template"])

    def test_a_template_of_another_org_is_refused(self) -> None:
        theirs = make_template(self.globex, name="Theirs")
        raw = self.full()
        raw["steps"][0]["template"] = theirs.pk
        self.assertIn("no such Template", self.problems(raw)["steps[0].template"])

    def test_wait_until_a_time_of_day(self) -> None:
        raw = self.full()
        raw["steps"][1] = {"type": "wait", "until": "09:00"}
        self.assertEqual(check_definition(raw, self.acme)["steps"][1]["until"], "09:00")
        raw["steps"][1] = {"type": "wait", "duration": {"until": "9am"}}
        self.assertIn("HH:MM", self.problems(raw)["steps[1].until"])

    def test_positions_walk_into_and_out_of_branches(self) -> None:
        steps = check_definition(self.full(), self.acme)["steps"]
        self.assertEqual(step_at(steps, [2, "yes", 0])["type"], "update_profile")
        self.assertEqual(next_position(steps, [2, "yes", 0]), [3])
        self.assertEqual(next_position(steps, [3, "timedOut", 0]), [4])
        self.assertIsNone(next_position(steps, [4]))


class ImportExportTest(JourneyTestCase):
    def import_journey(self, raw: Any, *args: str) -> str:
        with tempfile.NamedTemporaryFile("w", suffix=".json") as file:
            json.dump(raw, file)
            file.flush()
            out = io.StringIO()
            call_command(
                "import_journey",
                "--org",
                "acme",
                file.name,
                *args,
                stdout=out,
                stderr=io.StringIO(),
            )
        return out.getvalue().strip().splitlines()[-1]

    def definition_json(self) -> dict[str, Any]:
        return json.loads(json.dumps(FULL).replace("TEMPLATE", self.receipt.pk))

    def test_import_prints_the_journey_id_last_and_export_gives_it_back(self) -> None:
        journey_id = self.import_journey(self.definition_json())
        self.assertTrue(journey_id.startswith("jrn_"))
        journey = Journey.objects.get(pk=journey_id)
        self.assertEqual(journey.organization, self.acme)
        self.assertEqual(journey.status, JourneyStatus.ACTIVE)
        out = io.StringIO()
        call_command("export_journey", "--org", "acme", journey_id, stdout=out)
        self.assertEqual(json.loads(out.getvalue()), self.definition_json())

    def test_import_reads_stdin(self) -> None:
        out = io.StringIO()
        stdin = io.StringIO(json.dumps(self.definition_json()))
        previous, sys.stdin = sys.stdin, stdin
        try:
            call_command("import_journey", "--org", "acme", "-", stdout=out, stderr=io.StringIO())
        finally:
            sys.stdin = previous
        self.assertTrue(out.getvalue().strip().splitlines()[-1].startswith("jrn_"))

    def test_replace_publishes_a_new_version(self) -> None:
        journey_id = self.import_journey(self.definition_json())
        changed = self.definition_json()
        changed["name"] = "Order follow-up v2"
        self.assertEqual(self.import_journey(changed, "--replace", journey_id), journey_id)
        journey = Journey.objects.get(pk=journey_id)
        self.assertEqual((journey.version, journey.name), (2, "Order follow-up v2"))
        self.assertEqual(journey.versions.count(), 2)

    def test_a_refused_definition_names_every_problem_and_saves_nothing(self) -> None:
        raw = self.definition_json()
        raw["steps"][2]["where"][0]["op"] = "nearly"
        raw["steps"][0]["template"] = "tmpl_gone"
        with self.assertRaises(CommandError) as caught:
            self.import_journey(raw)
        self.assertIn("steps[2].where[0].op", str(caught.exception))
        self.assertIn("steps[0].template", str(caught.exception))
        self.assertFalse(Journey.objects.exists())

    def test_unknown_org_journey_and_bad_json_are_refused(self) -> None:
        with self.assertRaises(CommandError):
            call_command("import_journey", "--org", "nope", "/dev/null")
        with self.assertRaises(CommandError):
            call_command("export_journey", "--org", "acme", "jrn_nope")
        theirs = save_journey(self.globex, {**self.definition_json(), "steps": []})
        with self.assertRaises(CommandError):
            call_command("export_journey", "--org", "acme", theirs.pk)
        with tempfile.NamedTemporaryFile("w", suffix=".json") as file:
            file.write("{not json")
            file.flush()
            with self.assertRaises(CommandError):
                call_command("import_journey", "--org", "acme", file.name)

    def test_activating_checks_the_templates_again(self) -> None:
        journey = save_journey(self.acme, {**self.definition_json(), "status": "draft"})
        archive_template(self.receipt)
        with self.assertRaises(DefinitionError):
            set_journey_status(journey, JourneyStatus.ACTIVE)
        journey.refresh_from_db()
        self.assertEqual(journey.status, JourneyStatus.DRAFT)
