"""The sandboxed Liquid environment: its limits, parsing with a cache, checking a source, and
rendering one field with errors mapped to TemplateSyntaxProblem and RenderError."""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from io import StringIO
from typing import Any

from liquid import BoundTemplate, Environment, RenderContext, StrictDefaultUndefined
from liquid.builtin.expressions.path import Path
from liquid.builtin.output import OutputNode
from liquid.exceptions import (
    LiquidError,
    LocalNamespaceLimitError,
    LoopIterationLimitError,
    OutputStreamLimitError,
    ResourceLimitError,
    UndefinedError,
)
from liquid.output import LimitedStringIO

MAX_SOURCE_BYTES = 512 * 1024
MAX_OUTPUT_BYTES = 2 * 1024 * 1024
MAX_LOOP_ITERATIONS = 10_000
MAX_LOCALS_BYTES = 1024 * 1024
MAX_RENDER_SECONDS = 2.0
TEMPLATE_CACHE_SIZE = 256


class TemplateSyntaxProblem(ValueError):
    """A template source that cannot be used: a Liquid syntax error, an unknown filter or tag,
    or a source over the size limit. ``line`` and ``column`` count from 1 when known."""

    def __init__(
        self, field: str, message: str, line: int | None = None, column: int | None = None
    ):
        self.field = field
        self.message = message
        self.line = line
        self.column = column
        where = f", line {line}, column {column}" if line is not None else ""
        super().__init__(f"{field}{where}: {message}")


class RenderError(Exception):
    """A template that failed while rendering: a missing variable (``path`` names it),
    a limit reached, or a filter given a value it cannot handle."""

    def __init__(self, field: str, message: str, path: str | None = None):
        self.field = field
        self.message = message
        self.path = path
        super().__init__(f"{field}: {message}")


# ---------------------------------------------------------------------------------------------
# The sandboxed Liquid environment


class _RenderTimeout(ResourceLimitError):
    pass


class _LimitedContext(RenderContext):
    """Counts loop iterations across the whole render and checks the deadline as it goes."""

    __slots__ = ("deadline", "iterations", "_sizes")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = time.monotonic() + MAX_RENDER_SECONDS
        self.iterations = 0
        self._sizes: dict[int, tuple[object, int]] = {}

    def _check_deadline(self) -> None:
        if time.monotonic() > self.deadline:
            raise _RenderTimeout("render deadline passed", token=None)

    @contextmanager
    def loop(self, namespace: Mapping[str, object], forloop: Any) -> Iterator[RenderContext]:
        self.iterations += forloop.length
        if self.iterations > MAX_LOOP_ITERATIONS:
            raise LoopIterationLimitError("loop iteration limit reached", token=None)
        forloop.it = self._metered(forloop.it)
        with super().loop(namespace, forloop) as context:
            yield context

    def _metered(self, items: Iterator[object]) -> Iterator[object]:
        for item in items:
            self._check_deadline()
            yield item

    def filter(self, name: str, token: Any) -> Callable[..., object]:  # noqa: A003
        self._check_deadline()
        return super().filter(name, token)

    def get_size_of_locals(self) -> int:
        # The default, sys.getsizeof, sees a list of a thousand references to one large
        # string as a few kilobytes; measure what a render could write out instead.
        return sum(self._deep_size(value, 0) for value in self.locals.values())

    def _deep_size(self, value: object, depth: int) -> int:
        if isinstance(value, str):
            return len(value)
        if depth > 8 or not isinstance(value, (list, tuple, dict)):
            return 16
        cached = self._sizes.get(id(value))
        if cached is not None and cached[0] is value:
            return cached[1]
        items = value.values() if isinstance(value, dict) else value
        size = 16 + sum(self._deep_size(item, depth + 1) for item in items)
        self._sizes[id(value)] = (value, size)
        return size


class _CountingBuffer(LimitedStringIO):
    """Counts characters as they are written (python-liquid encodes every write to count
    bytes); render_field measures the bytes of the result once."""

    def write(self, text: str) -> int:
        self.size += len(text)
        if self.size > self.limit:
            raise OutputStreamLimitError("output stream limit reached", token=None)
        return StringIO.write(self, text)


class _LimitedTemplate(BoundTemplate):
    context_class = _LimitedContext

    def _get_buffer(self) -> StringIO:
        return _CountingBuffer(limit=MAX_OUTPUT_BYTES)


def _is(value: object, kind: type | tuple[type, ...]) -> bool:
    # Not isinstance(): a strict Undefined raises when asked for its __class__.
    return issubclass(type(value), kind)


def _refuse_long_range(value: Any) -> None:
    if _is(value, range) and len(value) > MAX_LOOP_ITERATIONS:
        raise LoopIterationLimitError("range too long", token=None)


def _guard(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a filter so it can neither take a huge range nor build a string past the limit."""

    @functools.wraps(func)  # copies the with_context/with_environment flags
    def guarded(left: Any, *args: Any, **kwargs: Any) -> Any:
        _refuse_long_range(left)
        for arg in args:
            _refuse_long_range(arg)
        # The two filters whose result can be far larger than their inputs are measured
        # before they run; any other result is measured after.
        if name == "join" and _is(left, (list, tuple)):
            separator = str(args[0]) if args else " "
            estimate = sum(len(item) for item in left if _is(item, str))
            if estimate + len(separator) * len(left) > MAX_OUTPUT_BYTES:
                raise OutputStreamLimitError("join result too large", token=None)
        elif name == "replace" and _is(left, str) and len(args) >= 2:
            old, new = str(args[0]), str(args[1])
            if len(left) + left.count(old) * (len(new) - len(old)) > MAX_OUTPUT_BYTES:
                raise OutputStreamLimitError("replace result too large", token=None)
        result = func(left, *args, **kwargs)
        if _is(result, str) and len(result) > MAX_OUTPUT_BYTES:
            raise OutputStreamLimitError("filter result too large", token=None)
        return result

    return guarded


class _SandboxEnvironment(Environment):
    loop_iteration_limit = MAX_LOOP_ITERATIONS
    output_stream_limit = MAX_OUTPUT_BYTES
    local_namespace_limit = MAX_LOCALS_BYTES
    context_depth_limit = 10
    template_class = _LimitedTemplate

    def setup_tags_and_filters(self, *, extra: bool = False) -> None:
        super().setup_tags_and_filters(extra=extra)
        # No loader: partials would read other templates, so the tags are not even parsed.
        for tag in ("include", "render"):
            self.tags.pop(tag, None)
        self.filters = {name: _guard(name, func) for name, func in self.filters.items()}


# Merge values are HTML-escaped in the HTML part (a first name is not markup; `| safe` opts
# out); subject, preheader and text are plain text and are not.
_HTML_ENV = _SandboxEnvironment(undefined=StrictDefaultUndefined, autoescape=True)
_TEXT_ENV = _SandboxEnvironment(undefined=StrictDefaultUndefined, autoescape=False)


def _env_for(field: str) -> _SandboxEnvironment:
    return _HTML_ENV if field == "html" else _TEXT_ENV


def _line_column(source: str, index: int) -> tuple[int, int]:
    line = source.count("\n", 0, index) + 1
    return line, index - (source.rfind("\n", 0, index) + 1) + 1


_UNCLOSED = re.compile(r"^expected tag (?P<end>end\w+), found end of (expression|file)$")


def _syntax_problem(field: str, source: str, err: LiquidError) -> TemplateSyntaxProblem:
    message = str(err.message)
    if unclosed := _UNCLOSED.match(message):
        message = f"{{% {unclosed['end']} %}} is missing before the end of the template"
    token = err.token
    # An unclosed block fails at the end of the source, where the tag is missing.
    index = token.start_index if token is not None and token.start_index >= 0 else len(source)
    line, column = _line_column(source, index)
    return TemplateSyntaxProblem(field, message, line, column)


def _parse_uncached(env: _SandboxEnvironment, source: str) -> BoundTemplate:
    if len(source) > MAX_SOURCE_BYTES or len(source.encode()) > MAX_SOURCE_BYTES:
        raise ValueError(f"larger than {MAX_SOURCE_BYTES // 1024} KiB")
    return env.from_string(source)


_parse_cached = functools.lru_cache(maxsize=TEMPLATE_CACHE_SIZE)(_parse_uncached)


def _parse(field: str, source: str, *, use_cache: bool = True) -> BoundTemplate:
    parse = _parse_cached if use_cache else _parse_uncached
    try:
        return parse(_env_for(field), source)
    except LiquidError as err:
        raise _syntax_problem(field, source, err) from err
    except ValueError as err:
        raise TemplateSyntaxProblem(field, f"the {field} is {err}") from err


# ---------------------------------------------------------------------------------------------
# Checking and rendering


def check_template(field: str, source: str) -> list[str]:
    """Parse one source and return the merge fields it uses ("profile.firstName", …).

    Raises TemplateSyntaxProblem for a syntax error, an unknown tag or filter, or a source
    over the size limit.
    """
    template = _parse(field, source)
    analysis = template.analyze(include_partials=False)
    env = _env_for(field)
    for name, spans in analysis.filters.items():
        if name not in env.filters:
            line, column = _line_column(source, spans[0].index)
            raise TemplateSyntaxProblem(field, f"unknown filter '{name}'", line, column)
    return sorted(set(template.global_variable_paths(include_partials=False)))


def _outputs_unsubscribe_url(template: BoundTemplate) -> bool:
    static_context = RenderContext(template)
    pending = list(template.nodes)
    while pending:
        node = pending.pop()
        if isinstance(node, OutputNode):
            left = getattr(node.expression, "left", node.expression)
            if isinstance(left, Path) and left.path == ["unsubscribeUrl"]:
                return True
        pending.extend(node.children(static_context, include_partials=False))
    return False


def _has_unsubscribe_url_uncached(field: str, source: str) -> bool:
    return _outputs_unsubscribe_url(_parse(field, source, use_cache=False))


@functools.lru_cache(maxsize=TEMPLATE_CACHE_SIZE)
def _has_unsubscribe_url_cached(field: str, source: str) -> bool:
    return _outputs_unsubscribe_url(_parse(field, source))


def validate_marketing(html: str, text: str = "", *, use_cache: bool = True) -> None:
    """Refuse marketing mail without an unsubscribe link: the HTML, and the text part when one
    is written, must output ``{{ unsubscribeUrl }}`` (filters allowed)."""
    has_link = _has_unsubscribe_url_cached if use_cache else _has_unsubscribe_url_uncached
    if not has_link("html", html):
        raise TemplateSyntaxProblem("html", "marketing email must contain {{ unsubscribeUrl }}")
    if text.strip() and not has_link("text", text):
        raise TemplateSyntaxProblem("text", "marketing email must contain {{ unsubscribeUrl }}")


_UNDEFINED_MESSAGE = re.compile(r"^'?(?P<path>.+?)'? is undefined$")

_LIMIT_MESSAGES: dict[type[LiquidError], str] = {
    LoopIterationLimitError: f"the template loops more than {MAX_LOOP_ITERATIONS:,} times",
    OutputStreamLimitError: f"the output is larger than {MAX_OUTPUT_BYTES // 1024 // 1024} MiB",
    LocalNamespaceLimitError: (
        f"the template's variables hold more than {MAX_LOCALS_BYTES // 1024 // 1024} MiB"
    ),
    _RenderTimeout: f"the template takes longer than {MAX_RENDER_SECONDS:g} s to render",
}


def _render_error(field: str, err: LiquidError) -> RenderError:
    for kind, message in _LIMIT_MESSAGES.items():
        if isinstance(err, kind):
            return RenderError(field, message)
    where = ""
    if err.token is not None and err.token.start_index >= 0:
        line, column = _line_column(err.token.source, err.token.start_index)
        where = f" (line {line}, column {column})"
    if isinstance(err, UndefinedError):
        match = _UNDEFINED_MESSAGE.match(str(err.message))
        if match:
            path = match["path"]
            return RenderError(field, f"{path} is missing from the merge data{where}", path)
    return RenderError(field, f"{err.message}{where}")


def render_field(
    field: str,
    source: str,
    context: Mapping[str, object],
    *,
    use_cache: bool = True,
    text: bool = False,
) -> str:
    """Render one Liquid source; raises TemplateSyntaxProblem or RenderError.

    ``field`` names the source in errors and picks the environment ("html" escapes merge
    values); ``text=True`` renders without escaping whatever the field.
    """
    if not source:
        return ""
    template = _parse("text" if text else field, source, use_cache=use_cache)
    try:
        output = template.render(context)
    except LiquidError as err:
        raise _render_error(field, err) from err
    if len(output) > MAX_OUTPUT_BYTES // 4 and len(output.encode()) > MAX_OUTPUT_BYTES:
        raise RenderError(field, _LIMIT_MESSAGES[OutputStreamLimitError])
    return output
