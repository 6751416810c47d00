"""The one NinjaAPI behind /api/v1: each app mounts its Router here."""

from __future__ import annotations

import functools
import inspect
import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Router
from ninja.decorators import decorate_view
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from . import values
from .auth import ApiKeyAuth, require_scope
from .errors import (
    STATUS_ERROR_CODES,
    ActionError,
    ApiError,
    ErrorEnvelope,
    NotFound,
    api_error_response,
    envelope_response,
    to_api_error,
    validation_failed,
)
from .idempotency import HEADER as IDEMPOTENCY_HEADER
from .idempotency import idempotent
from .openapi import finish_document
from .pagination import InvalidCursor

logger = logging.getLogger("segmentflow.api")

# Errors any authenticated operation can answer with; writes add 409/413.
COMMON_ERRORS = (400, 401, 403, 404, 405, 422, 429, 500)
WRITE_ERRORS = (409, 413)
ERROR_DESCRIPTIONS = {
    400: "Malformed request (`invalid_request`, `invalid_idempotency_key`).",
    401: "`missing_api_key` or `invalid_api_key`.",
    403: "`insufficient_scope`: the key lacks the scope this operation needs.",
    404: "`not_found`: no such object in this Organization.",
    405: "`method_not_allowed`.",
    409: "`conflict`, `idempotency_key_in_use`, `invalid_state` or `asset_in_use`.",
    413: "`payload_too_large`: the body is over 1 MiB.",
    422: "`validation_failed` (see `fields`) or another 422 code of the contract.",
    429: "`rate_limited`: see `Retry-After` and the `RateLimit-*` headers.",
    500: "`internal_error`.",
}


def rendered_json(body: Any, status: int = 200) -> HttpResponse:
    """An answer rendered by hand (the hot writes: events.track, emails.send and their
    batches), each held to its response schema by a test: validating model objects through
    ninja's getter costs more than the rest of the answer (bench/profile_me.py)."""
    return HttpResponse(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status=status,
        content_type="application/json; charset=utf-8",
    )


class JsonParser(Parser):
    """Request bodies are standard JSON sent as application/json (segmentflow/values.py).

    A document that is not acceptable JSON is 400 `invalid_request`; one value that breaks
    the rules (NaN, a lone surrogate, a NUL, a repeated key) is 422 naming that value.
    """

    def parse_body(self, request: HttpRequest) -> Any:
        content_type = request.content_type or ""
        if content_type != "application/json" and not content_type.endswith("+json"):
            raise ApiError(
                400, "invalid_request", "The body must be sent with Content-Type: application/json."
            )
        try:
            return values.request_json(request)
        except values.JsonProblem as problem:
            if problem.path:
                raise validation_failed(problem.path, problem.message) from None
            raise ApiError(400, "invalid_request", f"The body is refused: {problem}.") from None


class ApiRouter(Router):
    """A Router whose operations render camelCase, declare their scope and document the envelope.

    `scope="profiles:read"` on an operation makes it refuse keys without that scope (403) before
    the body is even parsed, and lists the scope in the OpenAPI description. Every operation
    handles `Idempotency-Key` after that check.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("by_alias", True)
        super().__init__(**kwargs)

    def add_api_operation(  # type: ignore[override]
        self,
        path: str,
        methods: list[str],
        view_func: Callable[..., Any],
        *,
        scope: str | None = None,
        response: Any = None,
        description: str | None = None,
        atomic: bool = True,
        **kwargs: Any,
    ) -> None:
        responses = dict(response) if isinstance(response, dict) else {200: response}
        codes = COMMON_ERRORS + (WRITE_ERRORS if set(methods) - {"GET"} else ())
        for code in codes:
            responses.setdefault(code, ErrorEnvelope)
        # The last decorator runs first: authentication and the scope check come before any
        # Idempotency-Key lookup, so a stored response is only ever replayed to a key that
        # could have made the request itself, and a refusal is never stored.
        # `atomic=False`: the operation waits on the network and makes its own transactions.
        idempotency = idempotent if atomic else functools.partial(idempotent, atomic=False)
        decorate_view(idempotency, require_scope(scope))(view_func)
        description = description or inspect.getdoc(view_func)
        if scope is not None:
            # finish_document turns it into the security requirement's role (OpenAPI 3.1).
            kwargs["openapi_extra"] = {**kwargs.get("openapi_extra", {}), "x-scope": scope}
        if scope is not None:
            description = f"{description or ''}\n\nRequires scope `{scope}`.".strip()
        if set(methods) - {"GET"}:
            description = (
                f"{description or ''}\n\nAccepts an `{IDEMPOTENCY_HEADER}` header "
                "(replayed for 24 hours)."
            ).strip()
        super().add_api_operation(
            path, methods, view_func, response=responses, description=description, **kwargs
        )

    def get(self, path: str, *, scope: str | None = None, **kwargs: Any) -> Callable[..., Any]:
        return self.api_operation(["GET"], path, scope=scope, **kwargs)

    def post(self, path: str, *, scope: str | None = None, **kwargs: Any) -> Callable[..., Any]:
        return self.api_operation(["POST"], path, scope=scope, **kwargs)

    def put(self, path: str, *, scope: str | None = None, **kwargs: Any) -> Callable[..., Any]:
        return self.api_operation(["PUT"], path, scope=scope, **kwargs)

    def patch(self, path: str, *, scope: str | None = None, **kwargs: Any) -> Callable[..., Any]:
        return self.api_operation(["PATCH"], path, scope=scope, **kwargs)

    def delete(self, path: str, *, scope: str | None = None, **kwargs: Any) -> Callable[..., Any]:
        return self.api_operation(["DELETE"], path, scope=scope, **kwargs)

    def api_operation(  # type: ignore[override]
        self, methods: list[str], path: str, *, scope: str | None = None, **kwargs: Any
    ) -> Callable[..., Any]:
        def decorator(view_func: Callable[..., Any]) -> Callable[..., Any]:
            self.add_api_operation(path, methods, view_func, scope=scope, **kwargs)
            return view_func

        return decorator


class SegmentFlowApi(NinjaAPI):
    def get_openapi_operation_id(self, operation: Any) -> str:
        # `resource_method`, e.g. emails_batchSend: routes set operation_id explicitly;
        # this fallback keeps undeclared ones readable.
        return str(operation.view_func.__name__)

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        finish_document(document)
        for item in document["paths"].values():
            for operation in item.values():
                for status, answer in operation.get("responses", {}).items():
                    if int(status) in ERROR_DESCRIPTIONS:
                        answer["description"] = ERROR_DESCRIPTIONS[int(status)]
        return document


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = list(loc)
    source = parts.pop(0) if parts else ""
    if source == "body" and parts:
        parts.pop(0)  # the operation's body parameter name
    return _join_path(parts) or str(source)


def _join_path(parts: Sequence[Any]) -> str:
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def error_fields(errors: Sequence[Any]) -> list[dict[str, str]]:
    """`fields` of the envelope for the errors of a schema validated by hand (an item of a
    batch): paths start at the schema's own fields."""
    return [{"path": _join_path(e["loc"]) or "body", "message": _field_message(e)} for e in errors]


def validate_item[S: BaseModel](schema: type[S], item: Any) -> S | ActionError:
    """One item of a batch checked against `schema` on its own: the parsed item, or the
    `validation_failed` it gets in the batch's answer (paths relative to the item)."""
    try:
        return schema.model_validate(item)
    except PydanticValidationError as exc:
        fields = error_fields(exc.errors())
        message = "; ".join(f"{f['path']}: {f['message']}" for f in fields)
        return ActionError("validation_failed", None, message, fields=fields)


def _field_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        return "field required"
    if kind == "extra_forbidden":
        return "unknown field"
    message = str(error.get("msg", "invalid value"))
    return message[:1].lower() + message[1:]


def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = [
        {"path": _field_path(tuple(e["loc"])), "message": _field_message(e)} for e in exc.errors
    ]
    message = "; ".join(f"{f['path']}: {f['message']}" for f in fields) or "invalid request"
    return envelope_response(request, 422, "validation_failed", message, fields=fields)


def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return api_error_response(request, exc)


def _action_error(request: HttpRequest, exc: ActionError) -> HttpResponse:
    return api_error_response(request, to_api_error(exc))


def _invalid_cursor(request: HttpRequest, exc: InvalidCursor) -> HttpResponse:
    return api_error_response(request, validation_failed("after", str(exc)))


def _authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return envelope_response(request, 401, "invalid_api_key", "The API key is not valid.")


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, ApiError):
        # ninja wraps whatever the parser raises in a 400 "Cannot parse request body".
        return api_error_response(request, exc.__cause__)
    status = exc.status_code
    code = STATUS_ERROR_CODES.get(status, "internal_error" if status >= 500 else "invalid_request")
    message = str(exc)
    if status == 400 and message.startswith("Cannot parse request body"):
        message = "The body must be a JSON document sent with Content-Type: application/json."
    return envelope_response(request, status, code, message)


def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    message = str(exc) if isinstance(exc, NotFound) else "No such object in this Organization."
    return envelope_response(request, 404, "not_found", message)


def _internal_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("Unhandled error on %s %s", request.method, request.path)
    return envelope_response(
        request, 500, "internal_error", "Internal error: the failure was logged; retrying may help."
    )


# Most specific first is not needed: ninja looks handlers up along the exception's MRO.
EXCEPTION_HANDLERS: list[tuple[type[Exception], Callable[[HttpRequest, Any], HttpResponse]]] = [
    (ValidationError, _validation_error),
    (ApiError, _api_error),
    (ActionError, _action_error),
    (InvalidCursor, _invalid_cursor),
    (AuthenticationError, _authentication_error),
    (HttpError, _http_error),
    (Http404, _not_found),
    (Exception, _internal_error),
]


def build_api(routers: Sequence[tuple[str, Router]], *, urls_namespace: str = "api") -> NinjaAPI:
    """A NinjaAPI with SegmentFlow's plumbing (auth, envelope, idempotency) and these routers."""
    new_api = SegmentFlowApi(
        title="SegmentFlow API",
        version="1.0.0",
        description=(
            "The public API of SegmentFlow. Authenticate with an `x-api-key` header. "
            "Every error has the envelope `{error: {errorCode, message, requestId, fields?}}`; "
            "writes accept an `Idempotency-Key` header."
        ),
        urls_namespace=urls_namespace,
        auth=ApiKeyAuth(),
        parser=JsonParser(),
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    for exc_class, handler in EXCEPTION_HANDLERS:
        new_api.add_exception_handler(exc_class, handler)
    for prefix, router in routers:
        if not isinstance(router, ApiRouter):
            # Only ApiRouter wraps operations in the scope check and idempotency.
            raise TypeError(f"the router mounted at {prefix!r} must be an ApiRouter")
        new_api.add_router(prefix, router)
    return new_api


def _product_routers() -> list[tuple[str, Router]]:
    from apps.accounts.api import router as accounts_router
    from apps.assets.api import router as assets_router
    from apps.brand_kits.api import router as brand_kits_router
    from apps.email_templates.api import router as templates_router
    from apps.events.api import router as events_router
    from apps.profiles.api import router as profiles_router
    from apps.sending.api import router as sending_router

    return [
        ("/", accounts_router),
        ("/", profiles_router),
        ("/", templates_router),
        ("/", assets_router),
        ("/", brand_kits_router),
        ("/", sending_router),
        ("/", events_router),
    ]


api = build_api(_product_routers())
