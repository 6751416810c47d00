"""The API error envelope (api-contract.md → Errors): one shape for every non-2xx response."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from django.http import HttpRequest, HttpResponse
from ninja import Schema

STATUS_ERROR_CODES: dict[int, str] = {
    400: "invalid_request",
    401: "invalid_api_key",
    403: "insufficient_scope",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    411: "length_required",
    413: "payload_too_large",
    422: "validation_failed",
    429: "rate_limited",
}
STATUS_MESSAGES: dict[int, str] = {
    400: "The request is malformed.",
    404: "No such route or object.",
    405: "This method is not allowed on this route.",
    413: "The request body is larger than the limit.",
    500: "Internal error: the failure was logged; retrying may help.",
}


class ApiError(Exception):
    """Raise anywhere under /api/ to answer with the envelope."""

    def __init__(
        self,
        status: int,
        error_code: str,
        message: str,
        *,
        fields: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.fields = fields
        self.headers = headers or {}


class ActionError(Exception):
    """A domain error raised by an app's actions: the API maps `code` to a status, the
    dashboard shows `message` under `field`."""

    STATUS_BY_CODE: ClassVar[dict[str, int]] = {
        "validation_failed": 422,
        "conflict": 409,
        "invalid_state": 409,
        "not_found": 404,
        "asset_in_use": 409,
        "payload_too_large": 413,
    }

    def __init__(
        self,
        code: str,
        field: str | None,
        message: str,
        *,
        fields: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.code = code
        self.field = field
        self.message = message
        # Every problem when there are several, or extra keys (line, column) for one.
        self.fields = fields

    def to_api_error(self) -> ApiError:
        fields = self.fields or (
            [{"path": self.field, "message": self.message}] if self.field else None
        )
        return ApiError(
            self.STATUS_BY_CODE.get(self.code, 422), self.code, str(self), fields=fields
        )


def not_found(what: str = "object") -> ApiError:
    return ApiError(404, "not_found", f"No such {what} in this Organization.")


def validation_failed(path: str, message: str) -> ApiError:
    return ApiError(
        422,
        "validation_failed",
        f"{path}: {message}",
        fields=[{"path": path, "message": message}],
    )


def request_id_of(request: HttpRequest) -> str:
    return getattr(request, "request_id", "")


def envelope_response(
    request: HttpRequest,
    status: int,
    error_code: str,
    message: str,
    *,
    fields: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    error: dict[str, Any] = {
        "errorCode": error_code,
        "message": message,
        "requestId": request_id_of(request),
    }
    if fields is not None:
        error["fields"] = fields
    response = HttpResponse(
        json.dumps({"error": error}), status=status, content_type="application/json; charset=utf-8"
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def api_error_response(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return envelope_response(
        request, exc.status, exc.error_code, exc.message, fields=exc.fields, headers=exc.headers
    )


class ErrorField(Schema):
    path: str
    message: str
    line: int | None = None  # where in a template source, for Liquid syntax errors
    column: int | None = None


class ErrorDetail(Schema):
    errorCode: str  # noqa: N815 - the contract's field name
    message: str
    requestId: str  # noqa: N815
    fields: list[ErrorField] | None = None


class ErrorEnvelope(Schema):
    error: ErrorDetail
