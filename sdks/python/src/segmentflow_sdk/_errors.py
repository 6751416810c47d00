"""The one exception the SDK raises for anything the API, or the way to it, refused."""

from __future__ import annotations

from typing import Any


class SegmentFlowError(Exception):
    """An error answer of the API (`error_code` is its `errorCode`: switch on it), or
    `connection_error` / `timeout` when no answer came after the retries.

    `status` is the HTTP status (None without an answer), `request_id` the `req_…` to quote
    when reporting it, `fields` the `[{path, message}]` of a validation failure.
    """

    def __init__(
        self,
        error_code: str,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        fields: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(f"{error_code}: {message}" if message else error_code)
        self.error_code = error_code
        self.message = message
        self.status = status
        self.request_id = request_id
        self.fields = fields or []

    def __repr__(self) -> str:
        return (
            f"SegmentFlowError(error_code={self.error_code!r}, status={self.status!r}, "
            f"request_id={self.request_id!r}, message={self.message!r})"
        )
