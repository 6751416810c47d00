"""Request ids for every response, and the error envelope for everything under /api/.

ninja answers its own errors in the envelope (see api.py); ApiEnvelopeMiddleware covers what
happens outside ninja: Django's 404 for an unknown route, ninja's plain 405, oversized bodies,
bodies without a length and exceptions that escape a view. It sits inside SecurityMiddleware and
XFrameOptionsMiddleware, so the responses it writes get their headers like any other; the
request id is given outermost, so that every response carries it.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from .errors import STATUS_ERROR_CODES, STATUS_MESSAGES, envelope_response

logger = logging.getLogger("segmentflow.api")

API_PREFIX = "/api/"
# Asset uploads stream their own bytes and carry their own limit (the Assets issue).
UNLIMITED_BODY_PREFIXES = ("/api/v1/uploads/",)


# Headers that describe the body being replaced; every other header carries over.
_BODY_HEADERS = frozenset({"content-type", "content-length", "content-encoding", "etag"})


def new_request_id() -> str:
    return f"req_{secrets.token_hex(12)}"


def _is_json(response: HttpResponseBase) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


class RequestIdMiddleware:
    """Outermost: every response, whoever wrote it, carries `X-Request-Id`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request.request_id = new_request_id()  # type: ignore[attr-defined]
        response = self.get_response(request)
        response["X-Request-Id"] = request.request_id  # type: ignore[attr-defined]
        return response


def _length_missing(request: HttpRequest) -> bool:
    """A chunked body the server did not spool (see segmentflow.wsgi): Django would read it as
    empty, so refuse it rather than act on nothing."""
    return "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower() and not (
        request.META.get("CONTENT_LENGTH")
    )


class ApiEnvelopeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        is_api = request.path.startswith(API_PREFIX)
        if _length_missing(request):
            message = "Send the body with a Content-Length: this server cannot read it chunked."
            if not is_api:
                return HttpResponse(message, status=411, content_type="text/plain")
            return envelope_response(request, 411, "length_required", message)
        if is_api and self._body_too_large(request):
            response: HttpResponseBase = envelope_response(
                request,
                413,
                "payload_too_large",
                f"The request body is larger than {settings.API_MAX_BODY_BYTES} bytes.",
            )
        else:
            response = self.get_response(request)
        if is_api:
            response = self._enveloped(request, response)
            for name, value in getattr(request, "rate_limit_headers", {}).items():
                response.setdefault(name, value)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith(API_PREFIX):
            return None
        if isinstance(exception, RequestDataTooBig):
            return envelope_response(request, 413, "payload_too_large", STATUS_MESSAGES[413])
        logger.exception("Unhandled error on %s %s", request.method, request.path)
        return envelope_response(request, 500, "internal_error", STATUS_MESSAGES[500])

    def _body_too_large(self, request: HttpRequest) -> bool:
        if request.path.startswith(UNLIMITED_BODY_PREFIXES):
            return False
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return False
        return length > settings.API_MAX_BODY_BYTES

    def _enveloped(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        """Rewrite a plain error response (from Django or ninja) into the envelope."""
        status = response.status_code
        if status < 400 or self._has_envelope(response):
            return response
        code = STATUS_ERROR_CODES.get(
            status, "internal_error" if status >= 500 else "invalid_request"
        )
        message = STATUS_MESSAGES.get(status, "The request failed.")
        headers = {}
        if status == 405 and response.has_header("Allow"):
            headers["Allow"] = response["Allow"]
            message = f"This route allows {response['Allow']}."
        if status >= 500:
            code, message = "internal_error", STATUS_MESSAGES[500]
        enveloped = envelope_response(request, status, code, message, headers=headers)
        for name, value in response.items():
            if name.lower() not in _BODY_HEADERS:
                enveloped.setdefault(name, value)
        return enveloped

    @staticmethod
    def _has_envelope(response: HttpResponseBase) -> bool:
        if not _is_json(response) or not isinstance(response, HttpResponse):
            return False
        try:
            body = json.loads(response.content)
        except ValueError:
            return False
        return isinstance(body, dict) and isinstance(body.get("error"), dict)
