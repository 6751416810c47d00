"""One rule for the JSON and text SegmentFlow takes in, whichever face it comes through.

JSON is RFC 8259 JSON and nothing more: no `NaN`/`Infinity`, no number out of a double's range,
no duplicate keys, no lone surrogates; nested at most `MAX_DEPTH` levels. Text and JSON that
will be stored must also hold no NUL (PostgreSQL can keep neither in `text` nor in `jsonb`).
Values are walked with an explicit stack, so no input can exhaust Python's recursion limit.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Protocol

from .errors import ActionError

MAX_DEPTH = 32
MAX_JSON_OBJECT_BYTES = 64 * 1024

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


class JsonProblem(ValueError):
    """Why a JSON document or value is refused; `path` names the value when one is at fault
    (`attributes.plan`, `items[2]`), and is empty when the document as a whole is; `syntax`
    says the text is not JSON at all."""

    def __init__(self, message: str, path: str = "", *, syntax: bool = False) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.message = message
        self.path = path
        self.syntax = syntax


class _DuplicateKeys(dict[str, Any]):
    """An object that named one key twice; `duplicate` is that key."""

    duplicate: str = ""


def _object_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    seen: set[str] = set()
    flagged = _DuplicateKeys(obj)
    for key, _ in pairs:
        if key in seen:
            flagged.duplicate = key
            break
        seen.add(key)
    return flagged


def _parse_int(text: str) -> int | float:
    # Python refuses to parse over 4,300 digits; anything past ~10**100 is out of range anyway,
    # and infinity makes the walk report it with its path.
    return int(text) if len(text) <= 101 else math.inf


def _child_path(path: str, key: str | int) -> str:
    """`attributes.plan`, `items[2]`, `data["odd key"]`: how errors name a nested value."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _PLAIN_KEY.match(key):
        return f"{path}.{key}" if path else key
    quoted = json.dumps(key)  # escapes NUL and surrogates, so the path itself is clean
    return f"{path}[{quoted}]"


def _text_problem(text: str) -> str | None:
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "must not contain NUL characters"
    return "must not contain lone UTF-16 surrogates (not Unicode text)"


# A path is built only for an error: while walking, each value carries (parent trail, key).
_Trail = tuple[Any, str | int] | None


def _path_of(trail: _Trail, root: str) -> str:
    keys: list[str | int] = []
    while trail is not None:
        trail, key = trail
        keys.append(key)
    path = root
    for key in reversed(keys):
        path = _child_path(path, key)
    return path


def _scalar_problem(value: Any) -> str | None:
    kind = type(value)
    if kind is str:
        return _text_problem(value)
    if kind is float:
        return (
            None if math.isfinite(value) else "NaN, Infinity and numbers out of range are not JSON"
        )
    if kind is int:
        return None if value.bit_length() <= _MAX_INT_BITS else "number out of range"
    if value is None or kind is bool:
        return None
    return f"{kind.__name__} is not a JSON value"


_CONTAINERS = (dict, list, tuple, _DuplicateKeys)
# About 10**100: far beyond what any JSON client can represent exactly.
_MAX_INT_BITS = 333


def check_json_value(value: Any, path: str = "") -> None:
    """Raise JsonProblem unless `value` is plain, storable JSON: dicts with text keys, lists,
    text, finite numbers, booleans and null, at most MAX_DEPTH levels deep."""
    stack: list[tuple[Any, _Trail, int]] = [(value, None, 0)]
    while stack:
        node, trail, depth = stack.pop()
        kind = type(node)
        if kind is dict or kind is _DuplicateKeys:
            if kind is _DuplicateKeys:
                raise JsonProblem(
                    f"the key {json.dumps(node.duplicate)} appears twice",
                    _path_of(trail, path) or "body",
                )
            items: Any = node.items()
        elif kind is list or kind is tuple:
            items = enumerate(node)
        else:
            problem = _scalar_problem(node)
            if problem:
                raise JsonProblem(problem, _path_of(trail, path))
            continue
        if depth >= MAX_DEPTH:
            raise JsonProblem(f"nested deeper than {MAX_DEPTH} levels", _path_of(trail, path))
        for key, item in items:
            if kind is not list and kind is not tuple:
                if type(key) is not str:
                    raise JsonProblem("object keys must be text", _path_of(trail, path))
                if _UNSTORABLE.search(key):
                    raise JsonProblem(f"keys {_text_problem(key)}", _path_of((trail, key), path))
            item_kind = type(item)
            if item_kind is str:
                if _UNSTORABLE.search(item):
                    raise JsonProblem(_text_problem(item) or "", _path_of((trail, key), path))
            elif item_kind in _CONTAINERS:
                stack.append((item, (trail, key), depth + 1))
            else:
                problem = _scalar_problem(item)
                if problem:
                    raise JsonProblem(problem, _path_of((trail, key), path))


def loads(raw: bytes | str) -> Any:
    """Parse standard JSON, then check every value (see check_json_value).

    JsonProblem with an empty `path` means the document is not acceptable JSON at all (a
    syntax error, bad UTF-8, too deep); with a `path`, one value is at fault.
    """
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes | bytearray) else raw
    except UnicodeDecodeError as exc:
        raise JsonProblem("the body is not UTF-8 text", syntax=True) from exc
    try:
        value = json.loads(
            text,
            object_pairs_hook=_object_pairs,
            parse_int=_parse_int,
        )
    except json.JSONDecodeError as exc:
        raise JsonProblem(
            f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", syntax=True
        ) from None
    except RecursionError as exc:
        # The C parser counts its own depth and stops at the recursion limit (~1,000 levels):
        # cheap to reach and to unwind, unlike recursing over the parsed value.
        raise JsonProblem(f"JSON nested deeper than {MAX_DEPTH} levels") from exc
    check_json_value(value)
    return value


class _HasBody(Protocol):
    @property
    def body(self) -> bytes: ...


def request_json(request: _HasBody) -> Any:
    """The request's body by `loads`, parsed once per request (the Idempotency-Key fingerprint
    and the API's parser both need it; a 1 MiB body takes ~0.1 s)."""
    cached = getattr(request, "_segmentflow_json", _UNPARSED)
    if cached is _UNPARSED:
        try:
            cached = loads(request.body)
        except JsonProblem as problem:
            cached = problem
        request._segmentflow_json = cached  # type: ignore[attr-defined]
    if isinstance(cached, JsonProblem):
        raise cached
    return cached


_UNPARSED = object()


def clean_json_object(
    value: Any, field: str, *, max_bytes: int = MAX_JSON_OBJECT_BYTES
) -> dict[str, Any]:
    """A JSON object to store (attributes, properties, merge data): plain JSON, no NUL, at most
    `max_bytes` once serialized compactly. Raises ActionError naming the value at fault."""
    if not isinstance(value, dict):
        raise ActionError("validation_failed", field, "must be a JSON object")
    try:
        check_json_value(value, field)
    except JsonProblem as problem:
        raise ActionError("validation_failed", problem.path or field, problem.message) from None
    size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
    if size > max_bytes:
        raise ActionError(
            "validation_failed", field, f"must be at most {max_bytes} bytes of JSON (got {size})"
        )
    return value


def refuse_unstorable_text(value: str, field: str) -> str:
    """Raise ActionError when `value` holds a NUL or a lone surrogate; else return it."""
    problem = _text_problem(value)
    if problem:
        raise ActionError("validation_failed", field, problem)
    return value


def clean_text(
    value: Any,
    field: str,
    *,
    max_length: int,
    required: bool = False,
    multiline: bool = False,
) -> str:
    """Text to store: stripped, storable, at most `max_length` characters, one line unless
    `multiline`; `None` is the empty string."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ActionError("validation_failed", field, "must be text")
    value = value.strip()
    if required and not value:
        raise ActionError("validation_failed", field, "field required")
    refuse_unstorable_text(value, field)
    if len(value) > max_length:
        raise ActionError("validation_failed", field, f"at most {max_length} characters")
    if not multiline and ("\n" in value or "\r" in value):
        raise ActionError("validation_failed", field, "must be a single line")
    return value
