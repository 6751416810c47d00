"""SegmentFlow and AsyncSegmentFlow: one httpx client each, retries, idempotency, errors."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any, TypeVar, overload

import httpx
from pydantic import BaseModel

from . import _async_resources as ar
from . import _models as models
from . import _resources as r
from ._core import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    RequestPlan,
    client_headers,
    next_wait,
    page_parts,
    page_plan,
    read_answer,
    resolve_settings,
)
from ._errors import SegmentFlowError
from ._pagination import AsyncPage, AsyncPager, Page

M = TypeVar("M", bound=BaseModel)


class SegmentFlow:
    """`SegmentFlow(api_key=…, base_url=…)`; both default to SEGMENTFLOW_API_KEY and
    SEGMENTFLOW_BASE_URL. Writes carry an automatic Idempotency-Key (pass
    `idempotency_key=` to choose it), so the retries of network errors, 409
    `idempotency_key_in_use`, 429 and 5xx (`max_retries`, default 2) never act twice."""

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.Client | None = None,
    ) -> None:
        key, self.base_url = resolve_settings(api_key, base_url)
        self.max_retries = max_retries
        self._http = http_client or httpx.Client(timeout=timeout)
        self._headers = client_headers(key)
        self.me = r.Me(self)
        self.profiles = r.Profiles(self)
        self.templates = r.Templates(self)
        self.assets = r.Assets(self)
        self.brand_kits = r.BrandKits(self)
        self.domains = r.Domains(self)
        self.emails = r.Emails(self)
        self.events = r.Events(self)

    @overload
    def call(
        self,
        model: type[M],
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> M: ...

    @overload
    def call(
        self,
        model: None,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> None: ...

    def call(
        self,
        model: type[M] | None,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> M | None:
        plan = RequestPlan.build(
            method, path, body=body, params=params, idempotency_key=idempotency_key
        )
        return read_answer(model, self._send(plan))

    def page(self, item: type[M], path: str, params: Mapping[str, Any]) -> Page[M]:
        def fetch(after: str | None) -> Page[M]:
            return Page(*page_parts(item, self._send(page_plan(path, params, after))), fetch)

        return fetch(None)

    def _send(self, plan: RequestPlan) -> httpx.Response:
        attempt = 0
        while True:
            try:
                response = self._http.request(
                    plan.method,
                    self.base_url + plan.path,
                    json=plan.json,
                    params=plan.params or None,
                    headers={**self._headers, **plan.headers},
                )
            except httpx.TransportError as exc:
                time.sleep(next_wait(attempt, self.max_retries, exc))
            else:
                if response.is_success:
                    return response
                time.sleep(next_wait(attempt, self.max_retries, response))
            attempt += 1

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SegmentFlow:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AsyncSegmentFlow:
    """The async client: `async with AsyncSegmentFlow(api_key=…) as client: await
    client.emails.send(…)`; `async for p in client.profiles.list()` walks every page."""

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        key, self.base_url = resolve_settings(api_key, base_url)
        self.max_retries = max_retries
        self._http = http_client or httpx.AsyncClient(timeout=timeout)
        self._headers = client_headers(key)
        self.me = ar.AsyncMe(self)
        self.profiles = ar.AsyncProfiles(self)
        self.templates = ar.AsyncTemplates(self)
        self.assets = ar.AsyncAssets(self)
        self.brand_kits = ar.AsyncBrandKits(self)
        self.domains = ar.AsyncDomains(self)
        self.emails = ar.AsyncEmails(self)
        self.events = ar.AsyncEvents(self)

    @overload
    async def call(
        self,
        model: type[M],
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> M: ...

    @overload
    async def call(
        self,
        model: None,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> None: ...

    async def call(
        self,
        model: type[M] | None,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> M | None:
        plan = RequestPlan.build(
            method, path, body=body, params=params, idempotency_key=idempotency_key
        )
        return read_answer(model, await self._send(plan))

    def pager(self, item: type[M], path: str, params: Mapping[str, Any]) -> AsyncPager[M]:
        async def fetch(after: str | None) -> AsyncPage[M]:
            response = await self._send(page_plan(path, params, after))
            return AsyncPage(*page_parts(item, response), fetch)

        return AsyncPager(lambda: fetch(None))

    async def _send(self, plan: RequestPlan) -> httpx.Response:
        attempt = 0
        while True:
            try:
                response = await self._http.request(
                    plan.method,
                    self.base_url + plan.path,
                    json=plan.json,
                    params=plan.params or None,
                    headers={**self._headers, **plan.headers},
                )
            except httpx.TransportError as exc:
                await asyncio.sleep(next_wait(attempt, self.max_retries, exc))
            else:
                if response.is_success:
                    return response
                await asyncio.sleep(next_wait(attempt, self.max_retries, response))
            attempt += 1

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncSegmentFlow:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


__all__ = ["AsyncSegmentFlow", "SegmentFlow", "SegmentFlowError", "models"]
