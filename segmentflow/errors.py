"""The API error envelope (api-contract.md → Errors): one shape for every non-2xx response."""

from __future__ import annotations

import json
import re
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Schema
from pydantic.alias_generators import to_camel

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
    """The one domain error of the actions (apps/*/actions.py), which both faces call.

    `code` is a stable errorCode (`validation_failed`, `conflict`, `invalid_state`, …), `field`
    the Python name of the value at fault (`alt_text`, `social_links[0].url`; None for the
    object as a whole) and `message` says what is wrong. No HTTP status: the API maps the code
    to one and the field to its camelCase path (to_api_error); the dashboard puts the message
    on the form field (segmentflow.dashboard.add_action_error). `fields` lists every problem
    when there are several, or carries extra keys (line, column) for one.
    """

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
        self.fields = fields


def invalid(field: str | None, message: str) -> ActionError:
    """The most common domain error: `field` fails validation (`validation_failed`)."""
    return ActionError("validation_failed", field, message)


# The status of each domain errorCode in the API (api-contract.md → Errors); others are 422.
ACTION_STATUS: dict[str, int] = {
    "validation_failed": 422,
    "conflict": 409,
    "invalid_state": 409,
    "not_found": 404,
    "asset_in_use": 409,
    "payload_too_large": 413,
}
# Fields whose value is the caller's own JSON: names below them are data, never camelCased.
FREE_FORM_FIELDS = frozenset({"attributes", "data", "properties", "profile", "event", "brand"})
_PATH_PART = re.compile(r"(\[[^\]]*\])|\.?([^.\[]+)")


def api_path(path: str) -> str:
    """The API's name of a Python field path: `social_links[0].url` → `socialLinks[0].url`,
    `attributes.plan_name` → `attributes.plan_name` (keys of free-form JSON are the caller's)."""
    out: list[str] = []
    free = False
    for index, bracket, name in (
        (i, m.group(1), m.group(2)) for i, m in enumerate(_PATH_PART.finditer(path))
    ):
        if bracket:
            out.append(bracket)
            continue
        out.append(("." if index else "") + (name if free else to_camel(name)))
        free = free or name in FREE_FORM_FIELDS
    return "".join(out)


def to_api_error(exc: ActionError) -> ApiError:
    """The API's answer to a domain error: its status, and every path in camelCase."""
    fields = exc.fields or ([{"path": exc.field, "message": exc.message}] if exc.field else None)
    if fields is not None:
        fields = [{**item, "path": api_path(str(item["path"]))} for item in fields]
    message = f"{api_path(exc.field)}: {exc.message}" if exc.field else exc.message
    return ApiError(ACTION_STATUS.get(exc.code, 422), exc.code, message, fields=fields)


def item_error_json(exc: ActionError) -> dict[str, Any]:
    """A batch item's `error` (ItemErrorOut): the envelope without its `requestId`."""
    error = to_api_error(exc)
    fields = error.fields and [{"path": f["path"], "message": f["message"]} for f in error.fields]
    return {"errorCode": error.error_code, "message": error.message, "fields": fields}


class NotFound(Http404):
    """No such object in this Organization: a 404 page in the dashboard, `not_found` in the
    API. Raised by OrgQuerySet.get_for_org_or_404."""

    def __init__(self, what: str = "object") -> None:
        super().__init__(f"No such {what} in this Organization.")


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
