"""Journey conditions: `{"path", "op", "value"}` checked against the event and the Profile
(a trigger's `where`, a branch's `where`); all conditions of a list must hold."""

from __future__ import annotations

import operator
import re
from typing import Any

from apps.profiles.models import Profile

OPS = ("equals", "not_equals", "exists", "not_exists", "gt", "gte", "lt", "lte", "contains", "in")
VALUELESS_OPS = ("exists", "not_exists")
ORDER_OPS = ("gt", "gte", "lt", "lte")
PROFILE_FIELDS = {
    "email": "email",
    "firstName": "first_name",
    "lastName": "last_name",
    "locale": "locale",
    "timezone": "timezone",
    "externalId": "external_id",
}
_KEY = r"[^.\s]+"
PATH_RE = re.compile(
    rf"^(event\.name|event\.properties(\.{_KEY})+|profile\.({'|'.join(PROFILE_FIELDS)})"
    rf"|profile\.attributes(\.{_KEY})+|profile\.subscription\.status)$"
)
_MISSING = object()
_COMPARE = {"gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}


def path_problem(path: Any) -> str | None:
    """Why `path` is not a condition path, or None."""
    if not isinstance(path, str) or not PATH_RE.match(path):
        return (
            "one of event.name, event.properties.…, profile.email|firstName|lastName|locale|"
            "timezone|externalId, profile.attributes.…, profile.subscription.status"
        )
    return None


def value_problem(op: str, value: Any, present: bool) -> str | None:
    """Why `value` does not go with `op`, or None."""
    if op in VALUELESS_OPS:
        return f"{op} takes no value" if present else None
    if not present:
        return f"{op} needs a value"
    if op in ORDER_OPS and (isinstance(value, bool) or not isinstance(value, int | float | str)):
        return f"{op} compares with a number or a string (e.g. an ISO 8601 date)"
    if op == "in" and not isinstance(value, list):
        return "in needs a list of values"
    return None


def profile_context(profile: Profile) -> dict[str, Any]:
    return {
        **{name: getattr(profile, field) or None for name, field in PROFILE_FIELDS.items()},
        "attributes": profile.attributes,
        "subscription": {"status": profile.subscription_status},
    }


def _resolve(path: str, context: dict[str, Any]) -> Any:
    value: Any = context
    for key in path.split("."):
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return _MISSING
    return _MISSING if value is None else value


def _same(a: Any, b: Any) -> bool:
    # JSON's true is not 1: compare booleans only with booleans.
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return bool(a == b)


def _ordered(actual: Any, op: str, expected: Any) -> bool:
    numbers = (int, float)
    if isinstance(actual, bool) or isinstance(expected, bool):
        return False
    if not (
        (isinstance(actual, numbers) and isinstance(expected, numbers))
        or (isinstance(actual, str) and isinstance(expected, str))
    ):
        return False
    # Both numbers or both strings (ISO 8601 dates compare as text).
    return bool(_COMPARE[op](actual, expected))


def holds(condition: dict[str, Any], context: dict[str, Any]) -> bool:
    """Whether one (validated) condition holds for `context` ({"event", "profile"})."""
    op = condition["op"]
    actual = _resolve(condition["path"], context)
    expected = condition.get("value")
    if op == "exists":
        return actual is not _MISSING
    if op == "not_exists":
        return actual is _MISSING
    if op == "not_equals":
        return actual is _MISSING or not _same(actual, expected)
    if actual is _MISSING:
        return False
    if op == "equals":
        return _same(actual, expected)
    if op in ORDER_OPS:
        return _ordered(actual, op, expected)
    if op == "contains":
        if isinstance(actual, str):
            return isinstance(expected, str) and expected in actual
        if isinstance(actual, list):
            return any(_same(item, expected) for item in actual)
        return False
    # "in"
    return any(_same(actual, item) for item in expected or [])


def all_hold(conditions: list[dict[str, Any]], context: dict[str, Any]) -> bool:
    return all(holds(condition, context) for condition in conditions)
