"""Erasing a Profile (profiles.delete) erases what its email sends hold of the person: the
address, the name, the merge data and the stored messages. The sends' statuses remain, as
anonymised counts do."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from apps.profiles.models import Profile

from .models import WAITING_STATUSES, EmailSend, EmailStatus, SentMessage

ERASED_ADDRESS = "erased"


def erase_profile_sends(sender: type[Profile], instance: Profile, **kwargs: Any) -> None:
    """pre_delete of a Profile, inside the deleting transaction."""
    sends = EmailSend.objects.filter(profile_id=instance.pk)
    now = timezone.now()
    # Mail still waiting for the person is not sent to an erased address.
    for waiting in sends.filter(status__in=WAITING_STATUSES).select_for_update():
        waiting.status = EmailStatus.CANCELLED
        waiting.due_at = None
        waiting.status_history = waiting.history_with(
            EmailStatus.CANCELLED, now, "cancelled: the Profile was erased"
        )
        waiting.save(update_fields=["status", "due_at", "status_history"])
    SentMessage.objects.filter(email_send__in=sends).delete()
    sends.update(
        to_email=ERASED_ADDRESS,
        to_name="",
        data={},
        test_profile=None,
        event_context=None,
        content_dropped_at=now,
        updated_at=now,
    )
