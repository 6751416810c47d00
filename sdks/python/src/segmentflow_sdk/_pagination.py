"""Lists as the OpenAI and Anthropic SDKs have them: a page you can read (`.data`,
`.has_more`, `.next_cursor`) that iterates every item across pages when looped over."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T", bound=BaseModel)


class Page(Generic[T]):
    """One page; iterating it walks this page, then fetches the next ones as needed."""

    def __init__(
        self,
        data: list[T],
        has_more: bool,
        next_cursor: str | None,
        fetch: Callable[[str], Page[T]],
    ) -> None:
        self.data = data
        self.has_more = has_more
        self.next_cursor = next_cursor
        self._fetch = fetch

    def next_page(self) -> Page[T] | None:
        if not self.has_more or self.next_cursor is None:
            return None
        return self._fetch(self.next_cursor)

    def __iter__(self) -> Iterator[T]:
        page: Page[T] | None = self
        while page is not None:
            yield from page.data
            page = page.next_page()

    def __repr__(self) -> str:
        return f"Page(data=[{len(self.data)} items], has_more={self.has_more})"


class AsyncPage(Generic[T]):
    def __init__(
        self,
        data: list[T],
        has_more: bool,
        next_cursor: str | None,
        fetch: Callable[[str], Awaitable[AsyncPage[T]]],
    ) -> None:
        self.data = data
        self.has_more = has_more
        self.next_cursor = next_cursor
        self._fetch = fetch

    async def next_page(self) -> AsyncPage[T] | None:
        if not self.has_more or self.next_cursor is None:
            return None
        return await self._fetch(self.next_cursor)

    async def __aiter__(self) -> AsyncIterator[T]:
        page: AsyncPage[T] | None = self
        while page is not None:
            for item in page.data:
                yield item
            page = await page.next_page()


class AsyncPager(Generic[T]):
    """`await client.profiles.list()` is the first page; `async for p in
    client.profiles.list()` is every Profile, page after page."""

    def __init__(self, first: Callable[[], Awaitable[AsyncPage[T]]]) -> None:
        self._first = first

    def __await__(self) -> Generator[Any, None, AsyncPage[T]]:
        return self._first().__await__()

    async def __aiter__(self) -> AsyncIterator[T]:
        page = await self._first()
        async for item in page:
            yield item
