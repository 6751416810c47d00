"""Provider feedback: django-anymail's tracking webhooks (delivered, bounced, complained) move
an EmailSend on and suppress its Profile on a hard bounce or a complaint.

The endpoints are anymail's own under /webhooks/anymail/ (e.g. `postmark/tracking/`,
`amazon_ses/tracking/`), authenticated as anymail documents: HTTP basic auth with
ANYMAIL_WEBHOOK_SECRET (and, for SES, the SNS signature anymail checks). Without a secret they
refuse every call rather than accept anyone's.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from anymail.signals import AnymailTrackingEvent, EventType
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from apps.profiles.actions import suppress_profile
from apps.profiles.models import SuppressionReason

from .models import EmailSend, EmailStatus

logger = logging.getLogger(__name__)

# Event → (the status it moves a send to, the statuses it may move it from, suppression).
_MOVES: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    EventType.DELIVERED: (EmailStatus.DELIVERED, (EmailStatus.SENT,), None),
    EventType.BOUNCED: (
        EmailStatus.BOUNCED,
        (EmailStatus.SENT, EmailStatus.DELIVERED),
        SuppressionReason.HARD_BOUNCE,
    ),
    EventType.REJECTED: (
        EmailStatus.BOUNCED,
        (EmailStatus.SENT, EmailStatus.DELIVERED),
        SuppressionReason.HARD_BOUNCE,
    ),
    EventType.COMPLAINED: (
        EmailStatus.COMPLAINED,
        (EmailStatus.SENT, EmailStatus.DELIVERED, EmailStatus.BOUNCED),
        SuppressionReason.COMPLAINT,
    ),
}


def _is_soft_bounce(event: AnymailTrackingEvent) -> bool:
    # anymail reports Postmark's SoftBounce as "bounced" too; it is a delay, not a bad address.
    esp_event = event.esp_event if isinstance(event.esp_event, dict) else {}
    return esp_event.get("Type") == "SoftBounce"


def record_tracking_event(event: AnymailTrackingEvent, esp_name: str) -> EmailSend | None:
    """Apply one provider event to the send it is about (found by the provider's message id);
    events that come late or twice change nothing but are kept in the history."""
    if not event.message_id:
        return None
    event_type = EventType.DEFERRED if _is_soft_bounce(event) else event.event_type
    with transaction.atomic():
        email_send = (
            EmailSend.objects.select_for_update(of=("self",))
            .select_related("profile")
            .filter(provider_message_id=str(event.message_id))
            .first()
        )
        if email_send is None:
            logger.info(
                "%s %s event for unknown message %s", esp_name, event_type, event.message_id
            )
            return None
        now = timezone.now()
        detail = " ".join(
            str(part)
            for part in (f"{esp_name}:", event_type, event.description or event.mta_response)
            if part
        )
        move = _MOVES.get(event_type)
        status = email_send.status
        if move and status in move[1]:
            status = move[0]
        elif move is None and event_type not in (EventType.DEFERRED, EventType.UNSUBSCRIBED):
            return email_send  # opens, clicks and the like: not tracked here
        email_send.status_history = email_send.history_with(
            status, event.timestamp or now, detail[:1000]
        )
        email_send.status = status
        email_send.updated_at = now
        email_send.save(update_fields=["status", "status_history", "updated_at"])
        reason = move[2] if move else None
        if reason and email_send.profile is not None and not email_send.is_test:
            suppress_profile(email_send.profile, reason)
    return email_send


def on_tracking(sender: Any, event: AnymailTrackingEvent, esp_name: str, **kwargs: Any) -> None:
    """anymail's `tracking` signal (connected in SendingConfig.ready)."""
    record_tracking_event(event, esp_name)


def require_webhook_secret(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse the webhook while ANYMAIL_WEBHOOK_SECRET is unset (anymail would only warn)."""

    @functools.wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not getattr(settings, "ANYMAIL", {}).get("WEBHOOK_SECRET"):
            return JsonResponse(
                {"error": "webhooks are off: set ANYMAIL_WEBHOOK_SECRET (user:password)"},
                status=403,
            )
        return view(request, *args, **kwargs)

    return guarded
