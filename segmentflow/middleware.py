"""Request ids for every response, and the error envelope for everything under /api/.

ninja answers its own errors in the envelope (see api.py); this middleware covers what happens
outside ninja: Django's 404 for an unknown route, ninja's plain 405, oversized bodies and
exceptions that escape a view.
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


def new_request_id() -> str:
    return f"req_{secrets.token_hex(12)}"


def _is_json(response: HttpResponseBase) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


class ApiEnvelopeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request.request_id = new_request_id()  # type: ignore[attr-defined]
        is_api = request.path.startswith(API_PREFIX)
        response: HttpResponseBase | None = None
        if is_api and self._body_too_large(request):
            response = envelope_response(
                request,
                413,
                "payload_too_large",
                f"The request body is larger than {settings.API_MAX_BODY_BYTES} bytes.",
            )
        if response is None:
            response = self.get_response(request)
        if is_api:
            response = self._enveloped(request, response)
            for name, value in getattr(request, "rate_limit_headers", {}).items():
                response.setdefault(name, value)
        response["X-Request-Id"] = request.request_id  # type: ignore[attr-defined]
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
        return envelope_response(request, status, code, message, headers=headers)

    @staticmethod
    def _has_envelope(response: HttpResponseBase) -> bool:
        if not _is_json(response) or not isinstance(response, HttpResponse):
            return False
        try:
            body = json.loads(response.content)
        except ValueError:
            return False
        return isinstance(body, dict) and isinstance(body.get("error"), dict)
