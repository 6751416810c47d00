"""A Journey's steps laid out for the dashboard as a top-down flow of cards (the builder and a
Journey's page draw the same one): each step's one-line summary, the lists inside a branch or
a wait_for_event side by side, the problems a refused definition names beside the step they
name, and each step's counts. Pure: the views bring the template names, problems and counts."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from .definition import BRANCHES, parse_duration, step_path

# type → what the card calls it (templates/events/_step_icon.html draws its icon)
STEP_KINDS = {
    "send_email": "Send email",
    "wait": "Wait",
    "branch": "Branch",
    "wait_for_event": "Wait for event",
    "update_profile": "Update Profile",
}
LANE_TITLES = {"yes": "Yes", "no": "No", "received": "Received", "timedOut": "Timed out"}
OP_WORDS = {
    "equals": "is",
    "not_equals": "is not",
    "exists": "exists",
    "not_exists": "does not exist",
    "gt": ">",
    "gte": "≥",
    "lt": "<",
    "lte": "≤",
    "contains": "contains",
    "in": "is one of",
}
_STEP_OF_PATH = re.compile(r"^steps\[\d+\](?:\.(?:yes|no|received|timedOut)\[\d+\])*")


@dataclass
class Problem:
    path: str
    message: str
    field: str = ""  # the part of `path` after the step's, e.g. "where[0].op"


@dataclass
class Lane:
    """One list of steps inside a step (a branch's yes or no)."""

    name: str
    title: str
    add_at: str  # where a step added at the top of the list goes: steps[3].yes[0]
    cards: list[Card]


@dataclass
class Card:
    path: str
    position: list[Any]
    kind: str
    kind_label: str
    summary: str
    label: str
    is_first: bool
    is_last: bool
    add_after: str  # where a step added below this one goes
    lanes: list[Lane] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    counts: Mapping[str, int] = field(default_factory=dict)


@dataclass
class Flow:
    cards: list[Card]
    # Problems that name no step (name, trigger.event, …): shown on the trigger card.
    other_problems: list[Problem]
    add_first: str = "steps[0]"


def describe_duration(text: Any) -> str:
    """ "PT2H" → "2 hours", "P1DT12H" → "1 day 12 hours"; the text itself if not a duration."""
    parsed = parse_duration(text) if isinstance(text, str) else None
    if not parsed:
        return str(text or "no duration")
    return _timedelta_words(parsed)


def _timedelta_words(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    words = []
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        amount, seconds = divmod(seconds, size)
        if amount:
            words.append(f"{amount} {unit}{'' if amount == 1 else 's'}")
    return " ".join(words)


def show_value(value: Any) -> str:
    """A condition's or attribute's value as the dashboard writes it: text as it is, anything
    else (or text that would read as something else) as JSON."""
    if isinstance(value, str):
        try:
            json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, ensure_ascii=False)


def describe_condition(condition: Mapping[str, Any]) -> str:
    words = f"{condition.get('path') or '…'} {OP_WORDS.get(condition.get('op', ''), '…')}"
    if "value" in condition:
        words += f" {show_value(condition['value'])}"
    return words


def describe_trigger(trigger: Mapping[str, Any]) -> str:
    """ "When order.completed is tracked, if event.properties.total ≥ 50"."""
    words = f"When {trigger.get('event') or '…'} is tracked"
    where = trigger.get("where") or []
    if where:
        words += ", if " + " and ".join(describe_condition(condition) for condition in where)
    return words


def summarize(step: Mapping[str, Any], template_names: Mapping[str, str]) -> str:
    """The card's one line: "Send 'Receipt'", "Wait 2 hours", "If plan is pro"."""
    kind = step.get("type")
    if kind == "send_email":
        template = step.get("template") or ""
        if not template:
            return "Send an email (no template picked yet)"
        name = template_names.get(template)
        return f"Send '{name}'" if name else f"Send {template} (no such Template)"
    if kind == "wait":
        if step.get("until"):
            return f"Wait until {step['until']} in the Profile's time zone"
        return f"Wait {describe_duration(step.get('duration'))}"
    if kind == "branch":
        where = step.get("where") or []
        if not where:
            return "If … (no condition yet)"
        if len(where) == 1:
            return f"If {describe_condition(where[0])}"
        return f"If all {len(where)} conditions hold"
    if kind == "wait_for_event":
        event = step.get("event") or "… (no event yet)"
        return f"Wait up to {describe_duration(step.get('timeout'))} for {event}"
    if kind == "update_profile":
        keys = list(step.get("set") or {})
        return f"Set {', '.join(keys)}" if keys else "Set attributes (none yet)"
    return f"Unknown step type {kind!r}"


def step_of_problem(path: str) -> str | None:
    """The step a problem's path names ("steps[3].yes[0]" of "steps[3].yes[0].template")."""
    match = _STEP_OF_PATH.match(path or "")
    return match.group(0) if match else None


def layout(
    steps: list[dict[str, Any]],
    *,
    template_names: Mapping[str, str],
    problems: Iterable[Mapping[str, str]] = (),
    counts: Mapping[str, Mapping[str, int]] | None = None,
) -> Flow:
    """The cards of `steps`, top-down, with the problems and the counts of each step."""
    by_step: dict[str, list[Problem]] = {}
    other: list[Problem] = []
    for raw in problems:
        path, message = raw.get("path") or "", raw.get("message") or ""
        step = step_of_problem(path)
        if step is None:
            other.append(Problem(path, message, path))
        else:
            by_step.setdefault(step, []).append(
                Problem(path, message, path[len(step) :].lstrip("."))
            )

    def cards_of(items: list[dict[str, Any]], prefix: list[Any]) -> list[Card]:
        cards = []
        for index, step in enumerate(items):
            position = [*prefix, index]
            path = step_path(position)
            kind = str(step.get("type", ""))
            kind_label = STEP_KINDS.get(kind, kind or "Step")
            lanes = [
                Lane(
                    name=branch,
                    title=LANE_TITLES[branch],
                    add_at=step_path([*position, branch, 0]),
                    cards=cards_of(step.get(branch) or [], [*position, branch]),
                )
                for branch in BRANCHES.get(kind, ())
            ]
            cards.append(
                Card(
                    path=path,
                    position=position,
                    kind=kind,
                    kind_label=kind_label,
                    summary=summarize(step, template_names),
                    label=str(step.get("label") or ""),
                    is_first=index == 0,
                    is_last=index == len(items) - 1,
                    add_after=step_path([*prefix, index + 1]),
                    lanes=lanes,
                    problems=by_step.pop(path, []),
                    counts=(counts or {}).get(path, {}),
                )
            )
        return cards

    cards = cards_of(steps, [])
    # A problem naming a step that is not there any more (it cannot be shown beside it).
    other += [
        Problem(problem.path, problem.message, problem.path)
        for leftover in by_step.values()
        for problem in leftover
    ]
    return Flow(cards=cards, other_problems=other)
