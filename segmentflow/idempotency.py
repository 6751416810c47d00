"""`Idempotency-Key` handling (api-contract.md → Idempotency).

The first request with a key inserts an in-flight record in its own committed transaction:
the unique (organization, key) index makes every concurrent twin fail that insert, so exactly
one request runs. The operation then runs in one transaction with the record's completion,
so a crash leaves neither the effect nor a "done" record behind.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone

from . import values
from .auth import authenticate_request
from .errors import ApiError, api_error_response
from .models import IdempotencyRecord

if TYPE_CHECKING:
    from apps.accounts.models import Organization

HEADER = "Idempotency-Key"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Answers about the caller rather than the request: never stored, so that a key without the
# scope, or a throttled one, cannot claim an Idempotency-Key the real client will use.
NEVER_STORED = frozenset({401, 403, 429})


def validate_key(raw: str) -> str:
    if not raw or len(raw) > 255 or not all(0x20 <= ord(ch) <= 0x7E for ch in raw):
        raise ApiError(
            400,
            "invalid_idempotency_key",
            f"{HEADER} must be 1 to 255 printable ASCII characters.",
        )
    return raw


def request_fingerprint(request: HttpRequest) -> str:
    """Hash of method, path with query and canonical JSON body."""
    body = request.body
    try:
        canonical = json.dumps(
            values.request_json(request), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    except values.JsonProblem:
        # Not acceptable JSON: hash the raw bytes; the parser answers 400 or 422.
        canonical = body
    digest = hashlib.sha256()
    digest.update(request.method.encode() if request.method else b"")
    digest.update(b"\n" + request.get_full_path().encode() + b"\n")
    digest.update(canonical)
    return digest.hexdigest()


def _claim(
    organization: Organization, key: str, fingerprint: str
) -> tuple[IdempotencyRecord, bool]:
    """Insert the in-flight record, or return the existing one (created=False)."""
    ttl = timedelta(seconds=settings.SEGMENTFLOW_IDEMPOTENCY_TTL_SECONDS)
    lease = timedelta(seconds=settings.SEGMENTFLOW_IDEMPOTENCY_LEASE_SECONDS)
    for _ in range(5):
        now = timezone.now()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    organization=organization,
                    key=key,
                    fingerprint=fingerprint,
                    created_at=now,
                    locked_until=now + lease,
                )
            return record, True
        except IntegrityError:
            pass
        existing = IdempotencyRecord.objects.filter(organization=organization, key=key).first()
        if existing is None:
            continue  # released between our insert and our read: try again
        if existing.created_at < now - ttl:
            # Forgotten after 24 h: the key may be used afresh.
            IdempotencyRecord.objects.filter(
                pk=existing.pk, created_at=existing.created_at
            ).delete()
            continue
        if (
            existing.state == IdempotencyRecord.State.IN_FLIGHT
            and existing.locked_until < now
            and existing.fingerprint == fingerprint
        ):
            # The first attempt died without finishing (its transaction rolled back): take over.
            taken = IdempotencyRecord.objects.filter(
                pk=existing.pk, state=existing.state, locked_until=existing.locked_until
            ).update(locked_until=now + lease)
            if taken:
                existing.locked_until = now + lease
                return existing, True
            continue
        return existing, False
    raise ApiError(
        409, "idempotency_key_in_use", "This Idempotency-Key is busy.", headers={"Retry-After": "1"}
    )


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        bytes(record.response_body or b""),
        status=record.response_status or 200,
        content_type=record.response_content_type or "application/json",
    )
    response["Idempotent-Replayed"] = "true"
    return response


def run_idempotently(
    request: HttpRequest,
    organization: Organization,
    key: str,
    call: Callable[[], HttpResponseBase],
    *,
    atomic: bool = True,
) -> HttpResponseBase:
    fingerprint = request_fingerprint(request)
    record, created = _claim(organization, key, fingerprint)
    if not created:
        if record.fingerprint != fingerprint:
            raise ApiError(
                422,
                "idempotency_key_reused",
                f"This {HEADER} was used with a different method, path or body.",
            )
        if record.state == IdempotencyRecord.State.DONE:
            return _replay(record)
        raise ApiError(
            409,
            "idempotency_key_in_use",
            f"A request with this {HEADER} is still running.",
            headers={"Retry-After": "1"},
        )

    try:
        # An operation that waits on the network (a DNS check) runs outside the transaction,
        # which would hold SQLite's write lock meanwhile; it makes its own short ones.
        with transaction.atomic() if atomic else contextlib.nullcontext():
            response = call()
            if response.status_code >= 500:
                if atomic:
                    transaction.set_rollback(True)
            elif response.status_code not in NEVER_STORED:
                IdempotencyRecord.objects.filter(pk=record.pk).update(
                    state=IdempotencyRecord.State.DONE,
                    response_status=response.status_code,
                    response_body=getattr(response, "content", b""),
                    response_content_type=response.get("Content-Type", ""),
                )
    except BaseException:
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
        raise
    if response.status_code >= 500 or response.status_code in NEVER_STORED:
        # Not remembered: the client may retry with the same key.
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
    return response


def idempotent(
    run: Callable[..., HttpResponseBase], *, atomic: bool = True
) -> Callable[..., HttpResponseBase]:
    """ninja "view" decorator on every operation, inside the authentication and scope check
    (see ApiRouter.add_api_operation); `atomic=False` for operations that must not run in one
    transaction with their record."""

    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        raw = request.headers.get(HEADER)
        if request.method not in WRITE_METHODS or raw is None:
            return run(request, *args, **kwargs)
        try:
            api_key = authenticate_request(request)
        except ApiError:
            return run(request, *args, **kwargs)  # the operation's auth answers
        try:
            key = validate_key(raw)
            return run_idempotently(
                request,
                api_key.organization,
                key,
                lambda: run(request, *args, **kwargs),
                atomic=atomic,
            )
        except ApiError as exc:
            return api_error_response(request, exc)

    return wrapper
