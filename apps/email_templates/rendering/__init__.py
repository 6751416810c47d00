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

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Literal

from liquid.exceptions import OutputStreamLimitError

from .compiled import _INLINER as _INLINER
from .compiled import _compile as _compile
from .compiled import _compiled_cached as _compiled_cached
from .compiled import _render_html_and_text, clear_template_cache
from .sandbox import _HTML_ENV as _HTML_ENV
from .sandbox import (
    _LIMIT_MESSAGES,
    MAX_LOCALS_BYTES,
    MAX_LOOP_ITERATIONS,
    MAX_OUTPUT_BYTES,
    MAX_RENDER_SECONDS,
    MAX_SOURCE_BYTES,
    TEMPLATE_CACHE_SIZE,
    RenderError,
    TemplateSyntaxProblem,
    check_template,
    render_field,
    validate_marketing,
)
from .sandbox import _parse_cached as _parse_cached
from .sandbox import _parse_uncached as _parse_uncached
from .text import _finish_text as _finish_text
from .text import html_to_text

# The private names imported "as" themselves are re-exported for the tests and
# bench/bench_render.py. The limits are read here but used in sandbox.py: patch them there.
__all__ = [
    "MAX_LOCALS_BYTES",
    "MAX_LOOP_ITERATIONS",
    "MAX_OUTPUT_BYTES",
    "MAX_RENDER_SECONDS",
    "MAX_SOURCE_BYTES",
    "TEMPLATE_CACHE_SIZE",
    "EmailSource",
    "Purpose",
    "RenderError",
    "RenderedEmail",
    "TemplateSyntaxProblem",
    "check_template",
    "clear_template_cache",
    "hide_preheader",
    "html_to_text",
    "render_email",
    "render_field",
    "validate_marketing",
]

Purpose = Literal["transactional", "marketing"]


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

    ``context`` holds ``profile``, ``data``, ``brand``, ``unsubscribeUrl``, ``preferencesUrl``,
    and for a saved recipient ``listUnsubscribeUrl`` (the one-click endpoint).
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
        one_click = context.get("listUnsubscribeUrl") or context["unsubscribeUrl"]
        mailto = context.get("unsubscribeMailto")
        headers = list_unsubscribe_headers(str(one_click), str(mailto) if mailto else None)
    return RenderedEmail(subject=subject, html=html, text=text, headers=headers)


def list_unsubscribe_headers(one_click_url: str, mailto: str | None = None) -> dict[str, str]:
    """The RFC 2369 and RFC 8058 headers that let mail clients offer one-click unsubscribe
    (marketing mail only); RFC 2369 lists the preferred method first."""
    targets = [f"<{one_click_url}>"] + ([f"<{mailto}>"] if mailto else [])
    return {
        "List-Unsubscribe": ", ".join(targets),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
