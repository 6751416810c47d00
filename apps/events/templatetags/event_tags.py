"""`{% with shown=event.properties|readable_json %}`: JSON as the Events log shows it, pretty
printed, with a one-line preview for the collapsed form of a long value."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django import template

register = template.Library()

# Longer than this, or more lines than this, and the log collapses it in a <details>.
LONG_CHARACTERS = 160
LONG_LINES = 6
PREVIEW_CHARACTERS = 80


@dataclass(frozen=True)
class ReadableJson:
    text: str  # indented
    preview: str  # one line, cut
    is_long: bool
    is_empty: bool


@register.filter
def readable_json(value: Any) -> ReadableJson:
    text = json.dumps(value, indent=2, ensure_ascii=False)
    line = json.dumps(value, ensure_ascii=False)
    preview = line if len(line) <= PREVIEW_CHARACTERS else line[: PREVIEW_CHARACTERS - 1] + "…"
    is_long = len(text) > LONG_CHARACTERS or text.count("\n") >= LONG_LINES
    return ReadableJson(
        text=text, preview=preview, is_long=is_long, is_empty=value in ({}, [], None)
    )
