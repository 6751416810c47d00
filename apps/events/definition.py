"""The Journey definition: the one JSON format of the builder, import_journey and
export_journey (README → Journeys). `check_definition` refuses a definition with every
problem named by its path (`steps[2].where[0].op`) and returns it normalised."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from apps.accounts.models import Organization
from apps.email_templates.models import Template, TemplateStatus
from apps.email_templates.rendering.sandbox import TemplateSyntaxProblem, check_template
from segmentflow.errors import ActionError

from .conditions import OPS, path_problem, value_problem
from .models import JourneyStatus, Reentry

MAX_NAME = 200
MAX_STEPS = 200
MAX_DEPTH = 8
MAX_WAIT = timedelta(days=365)
STEP_TYPES = ("send_email", "wait", "branch", "wait_for_event", "update_profile")
# The lists of steps inside a step, by step type.
BRANCHES = {"branch": ("yes", "no"), "wait_for_event": ("received", "timedOut")}
_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_ATTRIBUTE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$")


class DefinitionError(ActionError):
    """A refused definition: `problems` lists every `{path, message}`."""

    def __init__(self, problems: list[dict[str, str]]) -> None:
        summary = "; ".join(f"{p['path']}: {p['message']}" for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__("validation_failed", None, summary + more, fields=problems)
        self.problems = problems


def parse_duration(value: str) -> timedelta | None:
    """An ISO 8601 duration (P3D, PT2H, P1DT30M, P2W), or None if it is not one."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match or value in ("P", "PT") or value.endswith("T"):
        return None
    parts = {name: int(amount) for name, amount in match.groupdict().items() if amount}
    return timedelta(**parts)


@dataclass
class _Checker:
    organization: Organization | None
    problems: list[dict[str, str]]
    step_count: int = 0

    def problem(self, path: str, message: str) -> None:
        self.problems.append({"path": path, "message": message})

    def unknown_keys(self, value: dict[str, Any], allowed: set[str], path: str) -> None:
        for key in value:
            if key not in allowed:
                self.problem(f"{path}.{key}" if path else key, "unknown field")

    def text(self, value: Any, path: str, max_length: int = MAX_NAME) -> str:
        if not isinstance(value, str) or not value.strip():
            self.problem(path, "field required")
            return ""
        if len(value) > max_length:
            self.problem(path, f"at most {max_length} characters")
        return value.strip()

    def conditions(self, value: Any, path: str, *, required: bool) -> list[dict[str, Any]]:
        if value is None and not required:
            return []
        if not isinstance(value, list) or (required and not value):
            self.problem(path, "a list of conditions" + (" (at least one)" if required else ""))
            return []
        cleaned = []
        for index, condition in enumerate(value):
            at = f"{path}[{index}]"
            if not isinstance(condition, dict):
                self.problem(at, "a condition {path, op, value}")
                continue
            self.unknown_keys(condition, {"path", "op", "value"}, at)
            why = path_problem(condition.get("path"))
            if why:
                self.problem(f"{at}.path", why)
            op = condition.get("op")
            if op not in OPS:
                self.problem(f"{at}.op", f"one of {', '.join(OPS)}")
                continue
            why = value_problem(op, condition.get("value"), "value" in condition)
            if why:
                self.problem(f"{at}.value", why)
            cleaned.append(dict(condition))
        return cleaned

    def liquid(self, value: str, path: str) -> None:
        try:
            check_template("text", value)
        except TemplateSyntaxProblem as problem:
            self.problem(path, f"not valid Liquid: {problem.message}")

    def template(self, value: Any, path: str) -> str:
        if not isinstance(value, str) or not value:
            self.problem(path, "field required: a template id (tmpl_…)")
            return ""
        if self.organization is None:
            return value
        template = Template.objects.for_org(self.organization).filter(pk=value).first()
        if template is None:
            self.problem(path, "no such Template in this Organization")
        elif template.status == TemplateStatus.ARCHIVED:
            self.problem(path, "the Template is archived")
        return value

    def duration(self, value: Any, path: str) -> str:
        parsed = parse_duration(value)
        if parsed is None:
            self.problem(path, "an ISO 8601 duration such as PT2H, P3D or P1DT12H")
        elif not parsed or parsed > MAX_WAIT:
            self.problem(path, "more than zero and at most a year")
        return value if isinstance(value, str) else ""

    def steps(self, value: Any, path: str, depth: int) -> list[dict[str, Any]]:
        if not isinstance(value, list):
            self.problem(path, "a list of steps")
            return []
        if depth > MAX_DEPTH:
            self.problem(path, f"steps nest at most {MAX_DEPTH} deep")
            return []
        return [self.step(step, f"{path}[{i}]", depth) for i, step in enumerate(value)]

    def step(self, step: Any, path: str, depth: int) -> dict[str, Any]:
        self.step_count += 1
        if self.step_count == MAX_STEPS + 1:
            self.problem(path, f"a Journey has at most {MAX_STEPS} steps")
        if not isinstance(step, dict):
            self.problem(path, "a step object with a type")
            return {}
        kind = step.get("type")
        if kind not in STEP_TYPES:
            self.problem(f"{path}.type", f"one of {', '.join(STEP_TYPES)}")
            return dict(step)
        return getattr(self, f"step_{kind}")(step, path, depth)

    def step_send_email(self, step: dict[str, Any], path: str, depth: int) -> dict[str, Any]:
        from apps.sending.email_actions import parse_address

        self.unknown_keys(step, {"type", "label", "template", "from", "subject", "data"}, path)
        cleaned: dict[str, Any] = {"type": "send_email"}
        cleaned["template"] = self.template(step.get("template"), f"{path}.template")
        if step.get("from") is not None:
            try:
                parse_address(step["from"], "from")
            except ActionError as error:
                self.problem(f"{path}.from", error.message)
            cleaned["from"] = step["from"]
        if step.get("subject") is not None:
            cleaned["subject"] = self.text(step["subject"], f"{path}.subject", 2000)
        if step.get("data") is not None:
            if not isinstance(step["data"], dict):
                self.problem(
                    f"{path}.data", "an object of merge data (string values may be Liquid)"
                )
            else:
                for key, item in step["data"].items():
                    if isinstance(item, str):
                        self.liquid(item, f"{path}.data.{key}")
                cleaned["data"] = step["data"]
        return self._labelled(step, cleaned, path)

    def step_wait(self, step: dict[str, Any], path: str, depth: int) -> dict[str, Any]:
        self.unknown_keys(step, {"type", "label", "duration", "until"}, path)
        until = step.get("until")
        duration = step.get("duration")
        if isinstance(duration, dict):  # {"duration": {"until": "09:00"}} says the same
            self.unknown_keys(duration, {"until"}, f"{path}.duration")
            until, duration = duration.get("until"), None
        if (duration is None) == (until is None):
            self.problem(f"{path}.duration", 'give a duration (PT2H) or "until": "09:00"')
            return {"type": "wait"}
        if until is not None:
            if not isinstance(until, str) or not _CLOCK.match(until):
                self.problem(f"{path}.until", "a time of day HH:MM, e.g. 09:00")
            return self._labelled(step, {"type": "wait", "until": until}, path)
        cleaned = {"type": "wait", "duration": self.duration(duration, f"{path}.duration")}
        return self._labelled(step, cleaned, path)

    def step_branch(self, step: dict[str, Any], path: str, depth: int) -> dict[str, Any]:
        self.unknown_keys(step, {"type", "label", "where", "yes", "no"}, path)
        cleaned = {
            "type": "branch",
            "where": self.conditions(step.get("where"), f"{path}.where", required=True),
            "yes": self.steps(step.get("yes", []), f"{path}.yes", depth + 1),
            "no": self.steps(step.get("no", []), f"{path}.no", depth + 1),
        }
        return self._labelled(step, cleaned, path)

    def step_wait_for_event(self, step: dict[str, Any], path: str, depth: int) -> dict[str, Any]:
        allowed = {"type", "label", "event", "timeout", "received", "timedOut"}
        self.unknown_keys(step, allowed, path)
        cleaned = {
            "type": "wait_for_event",
            "event": self.text(step.get("event"), f"{path}.event"),
            "timeout": self.duration(step.get("timeout"), f"{path}.timeout"),
            "received": self.steps(step.get("received", []), f"{path}.received", depth + 1),
            "timedOut": self.steps(step.get("timedOut", []), f"{path}.timedOut", depth + 1),
        }
        return self._labelled(step, cleaned, path)

    def step_update_profile(self, step: dict[str, Any], path: str, depth: int) -> dict[str, Any]:
        self.unknown_keys(step, {"type", "label", "set"}, path)
        values = step.get("set")
        if not isinstance(values, dict) or not values:
            self.problem(f"{path}.set", "an object of attributes to set (values may be Liquid)")
            return {"type": "update_profile", "set": {}}
        for key, item in values.items():
            if not _ATTRIBUTE.match(key):
                self.problem(f"{path}.set.{key}", "an attribute name: letters, digits, _ . -")
            elif isinstance(item, str):
                self.liquid(item, f"{path}.set.{key}")
        return self._labelled(step, {"type": "update_profile", "set": values}, path)

    def _labelled(self, step: dict[str, Any], cleaned: dict[str, Any], path: str) -> dict[str, Any]:
        if step.get("label") is not None:
            cleaned["label"] = self.text(step["label"], f"{path}.label")
        return cleaned


def check_definition(raw: Any, organization: Organization | None) -> dict[str, Any]:
    """The definition normalised, or DefinitionError naming every problem. Templates are
    checked against `organization` (None checks the shape only)."""
    checker = _Checker(organization, [])
    if not isinstance(raw, dict):
        raise DefinitionError([{"path": "", "message": "a Journey definition is a JSON object"}])
    checker.unknown_keys(raw, {"name", "status", "reentry", "trigger", "steps"}, "")
    name = checker.text(raw.get("name"), "name")
    status = raw.get("status", JourneyStatus.DRAFT)
    if status not in JourneyStatus.values:
        checker.problem("status", f"one of {', '.join(JourneyStatus.values)}")
    reentry = raw.get("reentry", Reentry.EVERY_TIME)
    if reentry not in Reentry.values:
        checker.problem("reentry", f"one of {', '.join(Reentry.values)}")
    trigger = raw.get("trigger")
    event, where = "", []
    if not isinstance(trigger, dict):
        checker.problem("trigger", 'field required: {"event": "order.completed", "where": [...]}')
    else:
        checker.unknown_keys(trigger, {"event", "where"}, "trigger")
        event = checker.text(trigger.get("event"), "trigger.event")
        where = checker.conditions(trigger.get("where"), "trigger.where", required=False)
    steps = checker.steps(raw.get("steps", []), "steps", 1)
    if checker.problems:
        raise DefinitionError(checker.problems)
    return {
        "name": name,
        "status": status,
        "reentry": reentry,
        "trigger": {"event": event, "where": where},
        "steps": steps,
    }


# ---------------------------------------------------------------------------------------------
# Positions: where a run is, as a list of indexes and branch names ([3, "yes", 0]).


def step_at(steps: list[dict[str, Any]], position: list[Any]) -> dict[str, Any] | None:
    """The step at `position`, or None past the end of its list."""
    current: list[dict[str, Any]] = steps
    step: dict[str, Any] | None = None
    for index, part in enumerate(position):
        if index % 2 == 0:
            if not isinstance(part, int) or part >= len(current):
                return None
            step = current[part]
        else:
            current = (step or {}).get(part) or []
    return step


def step_path(position: list[Any]) -> str:
    """[3, "yes", 0] → "steps[3].yes[0]"."""
    text = "steps"
    for index, part in enumerate(position):
        text += f"[{part}]" if index % 2 == 0 else f".{part}"
    return text


def next_position(steps: list[dict[str, Any]], position: list[Any]) -> list[Any] | None:
    """The position after the step at `position` (leaving finished branches), or None at the
    end of the Journey."""
    position = list(position)
    while position:
        position[-1] += 1
        if step_at(steps, position) is not None:
            return position
        position = position[:-2]  # out of this branch, to the step holding it
    return None


def enter_branch(steps: list[dict[str, Any]], position: list[Any], branch: str) -> list[Any] | None:
    """The first step of `branch` of the step at `position`; an empty branch goes on after it."""
    inner = [*position, branch, 0]
    if step_at(steps, inner) is not None:
        return inner
    return next_position(steps, position)


def template_ids(steps: list[dict[str, Any]]) -> set[str]:
    found: set[str] = set()
    for step in steps:
        if step.get("type") == "send_email" and step.get("template"):
            found.add(step["template"])
        for branch in BRANCHES.get(step.get("type", ""), ()):
            found |= template_ids(step.get(branch) or [])
    return found


def awaited_events(steps: list[dict[str, Any]]) -> set[str]:
    """The event names the wait_for_event steps wait for."""
    found: set[str] = set()
    for step in steps:
        if step.get("type") == "wait_for_event" and step.get("event"):
            found.add(step["event"])
        for branch in BRANCHES.get(step.get("type", ""), ()):
            found |= awaited_events(step.get(branch) or [])
    return found
