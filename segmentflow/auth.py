"""`x-api-key` authentication and scope checks for /api/v1."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.module_loading import import_string
from ninja.security import APIKeyHeader

from .errors import ApiError, api_error_response
from .ratelimit import take_token
from .scopes import has_scope

if TYPE_CHECKING:
    from apps.accounts.models import ApiKey, Organization

API_KEY_HEADER = "x-api-key"


@functools.cache
def _find_api_key() -> Callable[[str], ApiKey | None]:
    """The function that turns a raw key into an active ApiKey or None: named by the
    SEGMENTFLOW_API_KEY_LOOKUP setting (apps.accounts owns keys; this plumbing imports no app)."""
    return import_string(settings.SEGMENTFLOW_API_KEY_LOOKUP)  # type: ignore[no-any-return]


def authenticate_request(request: HttpRequest) -> ApiKey:
    """Resolve the request's API key once (cached on the request) and spend a rate-limit token.

    Raises ApiError with missing_api_key, invalid_api_key or rate_limited.
    """
    cached = getattr(request, "api_key", None)
    if cached is not None:
        return cached
    failure = getattr(request, "api_key_failure", None)
    if failure is not None:
        raise failure
    try:
        api_key = _authenticate(request)
    except ApiError as exc:
        request.api_key_failure = exc  # type: ignore[attr-defined]
        raise
    request.api_key = api_key  # type: ignore[attr-defined]
    return api_key


def _authenticate(request: HttpRequest) -> ApiKey:
    raw = request.headers.get(API_KEY_HEADER)
    if raw is None or raw == "":
        raise ApiError(401, "missing_api_key", f"Send your API key in the {API_KEY_HEADER} header.")
    api_key = _find_api_key()(raw.strip())
    if api_key is None:
        raise ApiError(401, "invalid_api_key", "The API key is unknown, revoked or expired.")
    decision = take_token(api_key)
    if decision is not None:
        request.rate_limit_headers = decision.headers()  # type: ignore[attr-defined]
        if not decision.allowed:
            raise ApiError(
                429,
                "rate_limited",
                f"Rate limit of {decision.limit} requests/s exceeded for this key.",
                headers={"Retry-After": str(decision.retry_after)},
            )
    return api_key


def request_organization(request: HttpRequest) -> Organization:
    """The Organization of the authenticated request's API key (every route's scope of data)."""
    return request.auth.organization  # type: ignore[attr-defined,no-any-return]


class ApiKeyAuth(APIKeyHeader):
    """ninja security scheme: documents the header in OpenAPI and authenticates every operation."""

    param_name = API_KEY_HEADER

    def __call__(self, request: HttpRequest) -> ApiKey:
        return authenticate_request(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> ApiKey:
        return authenticate_request(request)


def require_scope(
    scope: str | None,
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., Any]]:
    """Wrap an operation's run: authenticate, then refuse with 403 unless the key has `scope`
    (None: any valid key).

    Runs before body validation so a key without the scope learns nothing about the body.
    """

    def decorator(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @functools.wraps(run)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            try:
                api_key = authenticate_request(request)
            except ApiError:
                return run(request, *args, **kwargs)  # the operation's auth answers
            if scope is not None and not has_scope(api_key, scope):
                return api_error_response(
                    request,
                    ApiError(403, "insufficient_scope", f"This API key lacks the scope {scope}."),
                )
            return run(request, *args, **kwargs)

        return wrapper

    return decorator
