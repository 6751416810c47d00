"""The compile-once optimisation: a template rendered a second time has its CSS inlined and
its text part derived once, on the template itself (see ``_compile``)."""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

import css_inline
from selectolax.lexbor import LexborHTMLParser

from .sandbox import (
    TEMPLATE_CACHE_SIZE,
    RenderError,
    TemplateSyntaxProblem,
    _has_unsubscribe_url_cached,
    _parse,
    _parse_cached,
    render_field,
)
from .text import (
    _END_MARK,
    _HIDDEN,
    _INVISIBLE,
    _MARKERS,
    _OUTPUT_MARK,
    _TAG_MARK,
    _finish_text,
    _TextWriter,
    html_to_text,
)

logger = logging.getLogger(__name__)

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


def clear_template_cache() -> None:
    _parse_cached.cache_clear()
    _has_unsubscribe_url_cached.cache_clear()
    _compiled_cached.cache_clear()
    with _seen_lock:
        _seen.clear()


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
