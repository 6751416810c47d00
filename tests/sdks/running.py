"""Async scenarios of the SDK tests, each in a thread of its own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

import anyio


def run_apart[T](main: Callable[[], Awaitable[T]]) -> T:
    """Run `main` with anyio in a new thread: an earlier test (Playwright's sync API) may
    leave an event loop running in this one, where asyncio.run and anyio.run refuse to start."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(anyio.run, main).result()
