"""What the sync and async clients share: the request they build, how they read an answer,
and when and how long they wait before a retry."""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from ._errors import SegmentFlowError

M = TypeVar("M", bound=BaseModel)

__version__ = "0.1.0"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 2
# Exponential backoff with full jitter: 0.5 s, 1 s, 2 s…, at most 8 s between attempts.
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Sent as is: keys of free-form objects belong to the caller, not to the API's camelCase.
FREE_FORM_FIELDS = frozenset({"data", "properties", "attributes", "tags", "profile", "set"})


def resolve_settings(api_key: str | None, base_url: str | None) -> tuple[str, str]:
    key = api_key or os.environ.get("SEGMENTFLOW_API_KEY")
    if not key:
        raise SegmentFlowError(
            "missing_api_key",
            "Give api_key=… or set SEGMENTFLOW_API_KEY.",
        )
    url = base_url or os.environ.get("SEGMENTFLOW_BASE_URL") or DEFAULT_BASE_URL
    return key, url.rstrip("/") + "/api/v1"


def camel(name: str) -> str:
    head, *rest = name.rstrip("_").split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def wire_body(value: Any) -> Any:
    """A body for the wire: a generated model by its aliases; a mapping with snake_case keys
    turned camelCase (`first_name` → `firstName`, `from_` → `from`), except inside free-form
    objects (`data`, `properties`, `attributes`, `tags`), whose keys are the caller's."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, Mapping):
        return {
            camel(str(key)): item if camel(str(key)) in FREE_FORM_FIELDS else wire_body(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [wire_body(item) for item in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def merge(body: Any, fields: Mapping[str, Any]) -> Any:
    """A method's body: the model or mapping given, with any keyword fields on top."""
    if not fields:
        return body if body is not None else {}
    if body is None:
        return dict(fields)
    base = wire_body(body)
    return {**base, **wire_body(dict(fields))}


def wire_params(params: Mapping[str, Any]) -> dict[str, Any]:
    return {
        camel(key): wire_body(value) if not isinstance(value, bool) else str(value).lower()
        for key, value in params.items()
        if value is not None
    }


@dataclass
class RequestPlan:
    """One operation's request, the same across its retries (the Idempotency-Key above all)."""

    method: str
    path: str
    json: Any = None
    params: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> RequestPlan:
        headers: dict[str, str] = {}
        if method in WRITE_METHODS:
            # One key for every attempt: a retried write is replayed, never done twice.
            headers["Idempotency-Key"] = idempotency_key or f"sdk-{uuid.uuid4()}"
        json_body = wire_body(body) if body is not None else None
        return cls(method, path, json_body, wire_params(params or {}), headers)


def error_from(response: httpx.Response) -> SegmentFlowError:
    try:
        payload = response.json()
    except ValueError:
        payload = None
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict):
        return SegmentFlowError(
            "unexpected_response",
            f"HTTP {response.status_code} without the API's error envelope",
            status=response.status_code,
            request_id=response.headers.get("x-request-id"),
        )
    return SegmentFlowError(
        str(error.get("errorCode", "unknown_error")),
        str(error.get("message", "")),
        status=response.status_code,
        request_id=error.get("requestId") or response.headers.get("x-request-id"),
        fields=list(error.get("fields") or []),
    )


def retryable(response: httpx.Response) -> bool:
    if response.status_code == 429 or response.status_code >= 500:
        return True
    if response.status_code == 409:
        # The same Idempotency-Key still running elsewhere: it will have an answer soon.
        try:
            code = response.json().get("error", {}).get("errorCode")
        except (ValueError, AttributeError):
            return False
        return bool(code == "idempotency_key_in_use")
    return False


def retry_delay(attempt: int, response: httpx.Response | None) -> float:
    """Seconds before attempt `attempt + 1`: the server's Retry-After when it gives one,
    else exponential backoff with full jitter."""
    if response is not None:
        retry_after = response.headers.get("retry-after")
        if retry_after is not None:
            try:
                return min(max(float(retry_after), 0.0), 60.0)
            except ValueError:
                pass
    return random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt))  # noqa: S311


def connection_error(exc: httpx.HTTPError) -> SegmentFlowError:
    if isinstance(exc, httpx.TimeoutException):
        return SegmentFlowError("timeout", f"The request timed out: {exc}")
    return SegmentFlowError("connection_error", f"Could not reach the API: {exc}")


def next_wait(
    attempt: int, max_retries: int, outcome: httpx.Response | httpx.TransportError
) -> float:
    """After attempt `attempt` (0-based) ended with `outcome` (a non-2xx answer or no answer):
    the seconds to wait before the next attempt, or the SegmentFlowError to give up with."""
    if isinstance(outcome, httpx.TransportError):
        if attempt >= max_retries:
            raise connection_error(outcome) from outcome
        return retry_delay(attempt, None)
    if attempt < max_retries and retryable(outcome):
        return retry_delay(attempt, outcome)
    raise error_from(outcome)


def read_answer(model: type[M] | None, response: httpx.Response) -> M | None:
    if model is None or response.status_code == 204:
        return None
    return model.model_validate(response.json())


def page_plan(path: str, params: Mapping[str, Any], after: str | None) -> RequestPlan:
    query = {**params, "after": after} if after else dict(params)
    return RequestPlan("GET", path, params=wire_params(query))


def page_parts(item: type[M], response: httpx.Response) -> tuple[list[M], bool, str | None]:
    """A list answer's items as models, `hasMore` and `nextCursor`."""
    body = response.json()
    return [item.model_validate(row) for row in body["data"]], body["hasMore"], body["nextCursor"]


def client_headers(api_key: str) -> dict[str, str]:
    return {
        "x-api-key": api_key,
        "user-agent": f"segmentflow-sdk-python/{__version__}",
        "accept": "application/json",
    }
