"""Render an email from its Liquid sources: the one path used by previews, test sends and delivery.

Subject, preheader, HTML and text are Liquid templates rendered in a sandboxed environment
(no file loader, strict undefined variables, resource limits), then the HTML has its CSS
inlined, the preheader hidden after ``<body>``, and a plain-text part derived when none is given.
Parsed templates are cached (an LRU keyed by the source); a template rendered a second time is
also compiled: its CSS inlined and its text part derived once, on the template itself, when
that provably gives what doing it on every rendered email would (see ``_compile``).

Limits and what enforces them (render time is bounded by all of them together):

- each source is at most ``MAX_SOURCE_BYTES``, checked before parsing;
- the output of each part is at most ``MAX_OUTPUT_BYTES``: the Liquid output stream stops
  writing past it, a filter result past it is refused, ``join`` and ``replace`` are refused
  before they build a string past it, and the final HTML is measured again after inlining;
- loops run at most ``MAX_LOOP_ITERATIONS`` iterations per part *in total* (every loop,
  nested or not, adds its length when it starts, so a hostile nest is refused before it runs),
  and a range literal longer than that cannot be handed to a filter (``(1..1e8) | join``);
- variables bound with ``assign``/``capture`` hold at most ``MAX_LOCALS_BYTES`` (measured
  through lists and dicts, so a list of references to one large string counts in full);
- a wall-clock deadline of ``MAX_RENDER_SECONDS`` per part, checked at every loop iteration
  and every filter call: what runs between two checks is straight-line template code, bounded
  by the source size.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import escape
from io import StringIO
from typing import Any, Literal

import css_inline
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
from selectolax.lexbor import LexborHTMLParser, LexborNode

logger = logging.getLogger(__name__)

MAX_SOURCE_BYTES = 512 * 1024
MAX_OUTPUT_BYTES = 2 * 1024 * 1024
MAX_LOOP_ITERATIONS = 10_000
MAX_LOCALS_BYTES = 1024 * 1024
MAX_RENDER_SECONDS = 2.0
TEMPLATE_CACHE_SIZE = 256

Purpose = Literal["transactional", "marketing"]


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


@dataclass(frozen=True, kw_only=True)
class EmailSource:
    subject: str
    preheader: str = ""
    html: str
    text: str = ""  # empty: derived from the HTML
    purpose: Purpose = "transactional"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str
    headers: dict[str, str] = field(default_factory=dict)


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


def clear_template_cache() -> None:
    _parse_cached.cache_clear()
    _has_unsubscribe_url_cached.cache_clear()
    _compiled_cached.cache_clear()
    with _seen_lock:
        _seen.clear()


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


# One inliner for the process: building it parses options, inlining is thread-safe. At-rules
# (the mobile media queries) stay in a <style> block; everything else is inlined.
_INLINER = css_inline.CSSInliner(load_remote_stylesheets=False, keep_at_rules=True)


def _inline_css(html: str) -> str:
    try:
        return _INLINER.inline(html)
    except css_inline.InlineError as err:
        # A style attribute the inliner cannot read ("color" without a value) under a rule
        # that matches it: the email goes out with its <style> block rather than not at all.
        logger.warning("CSS left in <style>, not inlined: %s", err)
        return html


_BODY_TAG = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_PREHEADER_STYLE = (
    "display:none;font-size:1px;line-height:1px;max-height:0;max-width:0;"
    "opacity:0;overflow:hidden;mso-hide:all;"
)
# Fills the inbox preview after the preheader so clients don't pull in body text.
_PREHEADER_PADDING = "&#847;&zwnj;&nbsp;" * 80


def hide_preheader(html: str, preheader: str) -> str:
    """Insert the preheader as hidden text right after ``<body>``."""
    if not preheader:
        return html
    block = (
        f'<div style="{_PREHEADER_STYLE}" class="preheader">{escape(preheader, quote=False)}'
        f"{_PREHEADER_PADDING}</div>"
    )
    match = _BODY_TAG.search(html)
    at = match.end() if match else 0
    return html[:at] + block + html[at:]


def render_email(
    source: EmailSource, context: Mapping[str, object], *, use_cache: bool = True
) -> RenderedEmail:
    """Render subject, HTML and text of one email for one recipient.

    ``context`` holds ``profile``, ``data``, ``brand``, ``unsubscribeUrl``, ``preferencesUrl``.
    Raises TemplateSyntaxProblem (unusable source, marketing without unsubscribe link) or
    RenderError (missing merge data, a limit reached).
    """
    if source.purpose == "marketing":
        validate_marketing(source.html, source.text, use_cache=use_cache)

    subject = " ".join(
        render_field("subject", source.subject, context, use_cache=use_cache).split()
    )
    preheader = " ".join(
        render_field("preheader", source.preheader, context, use_cache=use_cache).split()
    )
    written_text = source.text.strip()
    html, text = _render_html_and_text(
        source.html, context, text=not written_text, use_cache=use_cache
    )
    if written_text:
        text = render_field("text", source.text, context, use_cache=use_cache).strip() + "\n"
    html = hide_preheader(html, preheader)
    if len(html) > MAX_OUTPUT_BYTES // 4 and len(html.encode()) > MAX_OUTPUT_BYTES:
        raise RenderError("html", _LIMIT_MESSAGES[OutputStreamLimitError])

    headers: dict[str, str] = {}
    if source.purpose == "marketing":
        # RFC 8058 one-click unsubscribe; RFC 2369 lists the preferred method first.
        targets = [f"<{context['unsubscribeUrl']}>"]
        if context.get("unsubscribeMailto"):
            targets.append(f"<{context['unsubscribeMailto']}>")
        headers = {
            "List-Unsubscribe": ", ".join(targets),
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    return RenderedEmail(subject=subject, html=html, text=text, headers=headers)


# ---------------------------------------------------------------------------------------------
# The plain-text part


_SKIPPED = frozenset(
    {"head", "style", "script", "title", "meta", "link", "noscript", "template", "svg", "iframe"}
)
_BLOCKS = frozenset(
    {
        "p", "div", "section", "article", "header", "footer", "main", "aside", "nav",
        "center", "blockquote", "address", "figure", "figcaption", "dl", "dt", "dd",
        "h1", "h2", "h3", "h4", "h5", "h6", "table", "tbody", "thead", "tfoot", "pre",
    }
)  # fmt: skip
_HIDDEN = '[hidden], [style*="display:none" i], [style*="display: none" i]'

# The walk writes text and these markers, and never tidies a subtree: one pass at the end
# collapses whitespace and turns each run of markers into line breaks.
_PARAGRAPH = "\x02"  # a blank line
_LINE = "\x03"  # a line break that merges with its neighbours
_BREAK = "\x04"  # <br>: two in a row make a blank line
_INDENT = "\x05"  # two spaces before a nested list item
_MARKERS = (_PARAGRAPH, _LINE, _BREAK)
_MARKER_RUN = re.compile("[\x02\x03\x04][\x02\x03\x04 ]*")
_INVISIBLE = re.compile("[\u034f\u200b\u200c\u200d\ufeff]")


def _line_breaks(run: re.Match[str]) -> str:
    markers = run.group()
    return "\n\n" if _PARAGRAPH in markers or markers.count(_BREAK) > 1 else "\n"


class _TextWriter:
    """Walks a parsed HTML tree and writes its text with the markers above.

    With ``liquid`` (the tags and outputs taken out of an HTML *template*), a comment standing
    for a Liquid tag is written back as that tag, and ``unsafe`` is set wherever the result
    would not read like the text of a rendered email.
    """

    def __init__(self, hidden: set[int], liquid: list[str] | None = None):
        self.hidden = hidden
        self.liquid = liquid
        self.tags_seen = 0
        self.unsafe = False

    def is_hidden(self, node: LexborNode) -> bool:
        return bool(self.hidden) and node.mem_id in self.hidden

    def liquid_tag(self, node: LexborNode) -> str | None:
        content = node.comment_content if self.liquid is not None else None
        if not content or content[0] != _TAG_MARK:
            return None
        self.tags_seen += 1
        return f"{content}\ue001"  # put back, with the outputs, once the text is tidied

    def walk(self, node: LexborNode, parts: list[str], depth: int) -> None:  # noqa: C901
        for child in node.iter(include_text=True):
            tag = child.tag
            if tag == "-text":
                parts.append(child.text_content or "")
            elif tag == "-comment":
                parts.append(self.liquid_tag(child) or "")
            elif tag is None or tag in _SKIPPED or tag.startswith("-") or self.is_hidden(child):
                continue
            elif tag in _BLOCKS:
                parts.append(_PARAGRAPH)
                self.walk(child, parts, depth)
                parts.append(_PARAGRAPH)
            elif tag == "tr":
                self.row(child, parts, depth)
            elif tag == "a":
                parts.append(self.link(child, depth))
            elif tag == "br":
                parts.append(_BREAK)
            elif tag in ("ul", "ol"):
                self.items(child, parts, depth, ordered=tag == "ol")
            elif tag == "img":
                parts.append(child.attributes.get("alt") or "")
            elif tag == "hr":
                parts.append(f"{_PARAGRAPH}----{_PARAGRAPH}")
            else:
                self.walk(child, parts, depth)

    def text(self, node: LexborNode, depth: int) -> str:
        parts: list[str] = []
        self.walk(node, parts, depth)
        return "".join(parts)

    def link(self, node: LexborNode, depth: int) -> str:
        text = " ".join(self.text(node, depth).split())
        if self.liquid is not None and _TAG_MARK in text:
            self.unsafe = True  # the text may come out empty, or equal to the URL
        href = (node.attributes.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:")):
            return text
        if not text:
            return href
        if text in (href, href.removeprefix("mailto:")):
            return text
        return f"{text} ({href})"

    def items(self, node: LexborNode, parts: list[str], depth: int, *, ordered: bool) -> None:
        parts.append(_LINE if depth else _PARAGRAPH)
        count = 0
        for item in node.iter(include_text=True):
            if item.tag == "-comment" and (tag := self.liquid_tag(item)):
                self.unsafe = self.unsafe or ordered  # numbers would not follow a loop
                parts.append(tag)
            if item.tag != "li" or self.is_hidden(item):
                continue
            count += 1
            parts.append(f"{_LINE}{_INDENT * depth}{f'{count}. ' if ordered else '- '}")
            self.walk(item, parts, depth + 1)
        parts.append(_LINE if depth else _PARAGRAPH)

    def row(self, node: LexborNode, parts: list[str], depth: int) -> None:
        if self.liquid is not None and any(
            self.liquid_tag(child) for child in node.iter(include_text=True)
        ):
            self.unsafe = True  # a tag between cells: the row's shape depends on the data
        cells = [
            text.strip()
            for cell in node.iter()
            if cell.tag in ("td", "th") and not self.is_hidden(cell)
            for text in [self.text(cell, depth)]
            if text.strip(" \t\r\n\xa0\x02\x03\x04")
        ]
        if self.liquid is not None and len(cells) > 1 and any(_TAG_MARK in c for c in cells):
            self.unsafe = True  # whether it reads as one line depends on the branch taken
        if len(cells) > 1 and not any(m in cell for cell in cells for m in _MARKERS):
            parts.append(_LINE + " | ".join(cells) + _LINE)  # a data row, one line
        else:  # a layout row (one cell, or cells holding blocks) reads as paragraphs
            parts.append(_PARAGRAPH + _PARAGRAPH.join(cells) + _PARAGRAPH)

    def convert(self, tree: LexborHTMLParser) -> str:
        root = tree.body or tree.root
        return "" if root is None else self.text(root, 0)


def _finish_text(text: str) -> str:
    # str.split() collapses whitespace several times faster than a regex here.
    text = " ".join(_INVISIBLE.sub("", text).split())
    for marker in _MARKERS:
        text = text.replace(" " + marker, marker)
    text = _MARKER_RUN.sub(_line_breaks, text).replace(_INDENT, "  ")
    return text.strip() + "\n"


def html_to_text(html: str) -> str:
    """Derive the plain-text part: headings and paragraphs as blocks, links as "text (url)",
    list items with "- ", table rows one a line; style, script, head and hidden elements are
    left out."""
    tree = LexborHTMLParser(html)
    hidden = {node.mem_id for node in tree.css(_HIDDEN)}
    return _finish_text(_TextWriter(hidden).convert(tree))


# Work done once per HTML template rather than at every render.
#
# Inlining CSS and deriving the text part each parse the whole email, and together cost more
# than Liquid does. Both are done on the *template* instead: Liquid tags become HTML comments
# (which parsing keeps in place, inside tables too) and outputs become placeholders that are
# valid in text, attributes and CSS values alike. The inlined document, with the Liquid put
# back, is the HTML template that renders; the text walk over it, with the Liquid put back, is
# the text template. Either is refused (None) when the template's shape could make the result
# differ from inlining or converting each rendered email, which is then what happens.
_LIQUID_MARKUP = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_OUTPUT_MARK, _TAG_MARK, _END_MARK = "\ue000", "\ue002", "\ue001"
_PLACEHOLDER = re.compile("[\ue000\ue002](\\d+)\ue001")
_TAG_COMMENT = re.compile("<!--\ue002(\\d+)-->")
_TAG_NAME = re.compile(r"\{%-?\s*(\w+)")
_OPENING_TAGS = frozenset({"for", "if", "unless", "case", "capture", "comment", "raw"})
_MIDDLE_TAGS = frozenset({"else", "elsif", "when"})
# Filters whose result is markup, and the tag that writes <tr> and <td> itself.
_MARKUP_FILTERS = frozenset({"safe", "newline_to_br", "escape", "escape_once"})
# A merge value that could hide an element, or a class a style rule could hide.
_HIDING_OUTPUT = re.compile('class="[^"]*\ue000|display\\s*:\\s*\ue000|hidden="\ue000', re.I)
# Where a merge value would change which rules match, or what a style attribute declares.
_MATCHING_OUTPUT = re.compile(
    '(?:class|id)="[^"]*\ue000|style="(?:[^"]*;)?\\s*\ue000', re.IGNORECASE
)
_STYLE_BLOCK = re.compile(r"<style\b[^>]*>(.*?)</style>", re.IGNORECASE | re.DOTALL)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_CSS_BLOCK = re.compile(r"\{[^{}]*\}")
# Selectors whose matches depend on siblings or attributes, which loops and values change.
_POSITIONAL_SELECTOR = re.compile(
    r":(?:nth|first|last|only|empty|has|not|is|where)|[+~\[]|" + _OUTPUT_MARK
)


@dataclass(frozen=True)
class _CompiledTemplate:
    html: str | None  # the template with its CSS inlined
    text: str | None  # the template of the text part


def _compile(html_source: str, *, use_cache: bool = True) -> _CompiledTemplate:
    template = _parse("html", html_source, use_cache=use_cache)
    tag_names = set(template.tag_names(include_partials=False))
    filters = set(template.filter_names(include_partials=False))
    if filters & _MARKUP_FILTERS or "tablerow" in tag_names:
        return _CompiledTemplate(None, None)
    liquid: list[str] = []
    outputs: dict[str, int] = {}

    def protect(match: re.Match[str]) -> str:
        markup = match.group()
        if markup.startswith("{%"):
            liquid.append(markup)
            return f"<!--{_TAG_MARK}{len(liquid) - 1}-->"
        if markup not in outputs:  # one placeholder per expression: links compare them
            outputs[markup] = len(liquid)
            liquid.append(markup)
        return f"{_OUTPUT_MARK}{outputs[markup]}{_END_MARK}"

    protected = _LIQUID_MARKUP.sub(protect, html_source)
    try:
        inlined = _INLINER.inline(protected)
    except css_inline.InlineError:
        return _CompiledTemplate(None, None)
    tree = LexborHTMLParser(inlined)
    tags = [index for index, markup in enumerate(liquid) if markup.startswith("{%")]
    if "{{" in inlined or "{%" in inlined:  # "&#123;&#123;" written to show braces, decoded
        return _CompiledTemplate(None, None)
    html = None
    if "capture" not in tag_names and _inlining_holds(protected, inlined, tree, liquid, tags):
        html = _restore(
            _TAG_COMMENT.sub(lambda m: f"{_TAG_MARK}{m[1]}{_END_MARK}", inlined), liquid
        )
    return _CompiledTemplate(
        html=_parses(html, use_cache=use_cache),
        text=_parses(_text_template(inlined, tree, liquid, len(tags)), use_cache=use_cache),
    )


def _restore(text: str, liquid: list[str]) -> str:
    return _PLACEHOLDER.sub(lambda match: liquid[int(match[1])], text)


def _parses(source: str | None, *, use_cache: bool) -> str | None:
    if source is None:
        return None
    try:
        _parse("text", source, use_cache=use_cache)
    except TemplateSyntaxProblem:  # e.g. "}}" inside a string literal fooled the split
        return None
    return source


def _inlining_holds(
    protected: str, inlined: str, tree: LexborHTMLParser, liquid: list[str], tags: list[int]
) -> bool:
    """Whether inlining the template gives what inlining every rendered email would."""
    if _MATCHING_OUTPUT.search(protected):
        return False
    for css in _STYLE_BLOCK.findall(protected):
        selectors = _CSS_COMMENT.sub("", css)
        while (reduced := _CSS_BLOCK.sub(";", selectors)) != selectors:
            selectors = reduced
        if _POSITIONAL_SELECTOR.search(selectors):
            return False
    if any(
        f"{_OUTPUT_MARK}{i}{_END_MARK}" not in inlined for i in set(range(len(liquid))) - set(tags)
    ):
        return False  # a value dropped with an invalid declaration
    # Every tag must still be a comment, in order, and each block's tags must share one
    # parent: the body of a loop or a branch is then whole elements, as it was written.
    root = tree.root
    comments = [
        node
        for node in (root.traverse(include_text=True) if root else [])
        if node.tag == "-comment"
    ]
    found = [
        int(content[1:])
        for node in comments
        if (content := node.comment_content) and content[0] == _TAG_MARK
    ]
    if found != tags:
        return False
    parents: list[int | None] = []
    for node in comments:
        content = node.comment_content
        if not content or content[0] != _TAG_MARK:
            continue
        name_match = _TAG_NAME.match(liquid[int(content[1:])])
        name = name_match[1] if name_match else ""
        parent = node.parent.mem_id if node.parent else None
        if name in _OPENING_TAGS:
            parents.append(parent)
        elif name in _MIDDLE_TAGS or name.startswith("end"):
            if not parents or parents[-1] != parent:
                return False
            if name.startswith("end"):
                parents.pop()
    return not parents


def _text_template(
    inlined: str, tree: LexborHTMLParser, liquid: list[str], tags: int
) -> str | None:
    if _HIDING_OUTPUT.search(inlined):
        return None
    writer = _TextWriter({node.mem_id for node in tree.css(_HIDDEN)}, liquid)
    text = writer.convert(tree)
    if writer.unsafe or writer.tags_seen != tags:  # a tag inside an attribute, for one
        return None
    # Whitespace collapses now rather than at every render; Liquid markup keeps its own.
    text = " ".join(_INVISIBLE.sub("", text).split())
    for marker in _MARKERS:
        text = text.replace(" " + marker, marker)
    return _restore(text, liquid)


@functools.lru_cache(maxsize=TEMPLATE_CACHE_SIZE)
def _compiled_cached(html_source: str) -> _CompiledTemplate:
    return _compile(html_source)


_NOT_COMPILED = _CompiledTemplate(None, None)
_seen: OrderedDict[str, None] = OrderedDict()
_seen_lock = threading.Lock()


def _seen_before(html_source: str) -> bool:
    """Compiling costs several renders, so a template is compiled when it renders a second
    time: a preview of a template being edited never is, a campaign's is at once."""
    with _seen_lock:
        if html_source in _seen:
            _seen.move_to_end(html_source)
            return True
        _seen[html_source] = None
        if len(_seen) > TEMPLATE_CACHE_SIZE:
            _seen.popitem(last=False)
        return False


def _render_html_and_text(
    html_source: str, context: Mapping[str, object], *, text: bool, use_cache: bool
) -> tuple[str, str]:
    """The inlined HTML and, when ``text``, the derived text part of one email."""
    if use_cache and _seen_before(html_source):
        compiled = _compiled_cached(html_source)
    else:
        compiled = _NOT_COMPILED
    if compiled.html is None:
        html = _inline_css(render_field("html", html_source, context, use_cache=use_cache))
    else:
        try:
            html = render_field("html", compiled.html, context, use_cache=use_cache)
        except RenderError:
            # Report the error against the template as written, with its lines and columns.
            render_field("html", html_source, context, use_cache=use_cache)
            raise
    if not text:
        return html, ""
    if compiled.text is None:
        return html, html_to_text(html)
    raw = render_field("html", compiled.text, context, use_cache=use_cache, text=True)
    return html, _finish_text(raw)
