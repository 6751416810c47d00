"""The builder's edits of a Journey's steps as pure functions: insert, move, remove and replace
the step at a position (`[3, "yes", 0]`, written `steps[3].yes[0]` as definition.py names
it). Each returns new lists and leaves its input as it was; a position that names no step
raises BuilderError."""

from __future__ import annotations

import copy
import re
from typing import Any

from .definition import BRANCHES, STEP_TYPES

_PATH = re.compile(r"^steps\[(\d{1,4})\]((?:\.(?:yes|no|received|timedOut)\[\d{1,4}\])*)$")
_INNER = re.compile(r"\.(yes|no|received|timedOut)\[(\d{1,4})\]")

Steps = list[dict[str, Any]]


class BuilderError(ValueError):
    """A position that names no step, or no place for a new one."""


def parse_path(text: str) -> list[Any]:
    """ "steps[3].yes[0]" → [3, "yes", 0]; BuilderError if `text` is not a step path."""
    match = _PATH.match(text or "")
    if not match:
        raise BuilderError(f"{text!r} is not a step path such as steps[2] or steps[3].yes[0]")
    position: list[Any] = [int(match.group(1))]
    for branch, index in _INNER.findall(match.group(2)):
        position += [branch, int(index)]
    return position


def new_step(kind: str) -> dict[str, Any]:
    """A step of type `kind` as the builder adds it: publishing asks for what is missing."""
    if kind not in STEP_TYPES:
        raise BuilderError(f"no step type {kind!r}")
    defaults: dict[str, dict[str, Any]] = {
        "send_email": {"template": ""},
        "wait": {"duration": "PT1H"},
        "branch": {"where": [], "yes": [], "no": []},
        "wait_for_event": {"event": "", "timeout": "P1D", "received": [], "timedOut": []},
        "update_profile": {"set": {}},
    }
    return {"type": kind, **defaults[kind]}


def _list_holding(steps: Steps, position: list[Any]) -> Steps:
    """The list (inside `steps`, not a copy) that holds the step at `position`."""
    if not position or len(position) % 2 == 0:
        raise BuilderError(f"{position!r} is not a step position")
    current = steps
    for depth in range(0, len(position) - 1, 2):
        index, branch = position[depth], position[depth + 1]
        if not isinstance(index, int) or not 0 <= index < len(current):
            raise BuilderError(f"no step at {_path(position[: depth + 1])}")
        holder = current[index]
        if branch not in BRANCHES.get(holder.get("type", ""), ()):
            raise BuilderError(f"a {holder.get('type')} step has no list {branch!r}")
        current = holder.setdefault(branch, [])
    if not isinstance(position[-1], int) or position[-1] < 0:
        raise BuilderError(f"{position!r} is not a step position")
    return current


def _path(position: list[Any]) -> str:
    text = "steps"
    for depth, part in enumerate(position):
        text += f"[{part}]" if depth % 2 == 0 else f".{part}"
    return text


def _existing(holder: Steps, position: list[Any]) -> int:
    index: int = position[-1]
    if index >= len(holder):
        raise BuilderError(f"no step at {_path(position)}")
    return index


def insert_step(steps: Steps, position: list[Any], step: dict[str, Any]) -> Steps:
    """`steps` with `step` at `position`: before the step there, or at the end of its list."""
    steps = copy.deepcopy(steps)
    holder = _list_holding(steps, position)
    if position[-1] > len(holder):
        raise BuilderError(f"no place {_path(position)}: that list has {len(holder)} steps")
    holder.insert(position[-1], copy.deepcopy(step))
    return steps


def remove_step(steps: Steps, position: list[Any]) -> Steps:
    """`steps` without the step at `position` (and the steps inside it)."""
    steps = copy.deepcopy(steps)
    holder = _list_holding(steps, position)
    del holder[_existing(holder, position)]
    return steps


def move_step(steps: Steps, position: list[Any], offset: int) -> tuple[Steps, list[Any]]:
    """`steps` with the step at `position` moved `offset` places within its own list (-1: up,
    1: down), and its new position."""
    steps = copy.deepcopy(steps)
    holder = _list_holding(steps, position)
    index = _existing(holder, position)
    target = index + offset
    if not 0 <= target < len(holder):
        raise BuilderError(f"the step at {_path(position)} cannot move further that way")
    holder.insert(target, holder.pop(index))
    return steps, [*position[:-1], target]


def replace_step(steps: Steps, position: list[Any], step: dict[str, Any]) -> Steps:
    """`steps` with the settings of the step at `position` replaced by `step`'s; the steps
    inside it (a branch's yes and no) stay where they are."""
    steps = copy.deepcopy(steps)
    holder = _list_holding(steps, position)
    index = _existing(holder, position)
    old = holder[index]
    if old.get("type") != step.get("type"):
        raise BuilderError(f"the step at {_path(position)} is a {old.get('type')} step")
    replaced = {
        key: value for key, value in step.items() if key not in BRANCHES.get(step["type"], ())
    }
    for branch in BRANCHES.get(step["type"], ()):
        replaced[branch] = old.get(branch) or []
    holder[index] = copy.deepcopy(replaced)
    return steps
