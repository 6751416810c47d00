"""The outbox: the mailer when EMAIL_URL is unset. Nothing leaves the machine.

EmailSends delivered to it keep their full MIME message (SentMessage), flagged `sandbox`, and
the dashboard shows them. Django's own mail (none is sent today) is logged instead.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

logger = logging.getLogger(__name__)


class OutboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            logger.info("Outbox (not delivered): %r to %s", message.subject, ", ".join(message.to))
        return len(email_messages)
