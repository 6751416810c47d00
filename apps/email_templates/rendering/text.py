"""The plain-text part: html_to_text, and the tree walk that compiled.py also runs over an
HTML template to derive a text template."""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

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
# The placeholders compiled.py puts in an HTML template; the writer recognises Liquid tags.
_OUTPUT_MARK, _TAG_MARK, _END_MARK = "\ue000", "\ue002", "\ue001"


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
