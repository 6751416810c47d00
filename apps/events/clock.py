"""The Journeys' clock: real time plus an offset tests move, so that a two-hour wait is
tested by moving the clock two hours rather than by sleeping (issue #14).

Only Journey timing reads it (received times of events, waits, timeouts, the engine's due
runs); an email a Journey sends is queued at real time, so the delivery loop sends it now.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.utils import timezone

_offset = timedelta(0)


def now() -> datetime:
    return timezone.now() + _offset


def advance(by: timedelta) -> None:
    """Move the clock forward (tests)."""
    global _offset
    _offset += by


def reset() -> None:
    global _offset
    _offset = timedelta(0)


@contextmanager
def moved(by: timedelta) -> Iterator[None]:
    """The clock `by` ahead inside the block (tests)."""
    advance(by)
    try:
        yield
    finally:
        advance(-by)
