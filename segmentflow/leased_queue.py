"""The round loop of a queue whose rows carry a lease (the delivery loop of sends, the
Journey engine of runs): sweep expired leases now and then, claim a batch, work it, and stop
when nothing was due for a while or the time is up."""

from __future__ import annotations

import time
from collections.abc import Callable

SWEEP_EVERY = 10.0
POLL_EVERY = 0.2


def drain[T](
    *,
    claim: Callable[[], list[T]],
    work: Callable[[list[T]], None],
    sweep: Callable[[], object],
    max_seconds: float,
    idle_seconds: float,
) -> bool:
    """Claim and work batches until nothing was due for `idle_seconds` (0: stop at the first
    empty claim) or `max_seconds` passed; True when it stopped with work possibly left."""
    started = time.monotonic()
    last_sweep = float("-inf")
    idle_since: float | None = None
    while time.monotonic() - started < max_seconds:
        if time.monotonic() - last_sweep >= SWEEP_EVERY:
            sweep()
            last_sweep = time.monotonic()
        batch = claim()
        if not batch:
            idle_since = idle_since if idle_since is not None else time.monotonic()
            if time.monotonic() - idle_since >= idle_seconds:
                return False
            time.sleep(POLL_EVERY)
            continue
        idle_since = None
        work(batch)
    return True
