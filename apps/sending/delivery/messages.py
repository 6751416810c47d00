"""The MIME message of one EmailSend: the text and HTML alternatives, the headers a reader and
a receiving server need, and the DKIM signature of the From domain's current key."""

from __future__ import annotations

import email.policy
import email.utils
from datetime import datetime
from email.message import EmailMessage

from apps.email_templates.rendering import RenderedEmail

from ..models import DkimKey, EmailSend
from ..signing import sign_message
from .transports import Outgoing

# Lines of CRLF, at most 78 characters in headers, 8-bit free: what SMTP and DKIM expect.
_POLICY = email.policy.SMTP
SEND_ID_HEADER = "X-SegmentFlow-Send-Id"
TEST_HEADER = "X-SegmentFlow-Test"


def message_id_for(email_send: EmailSend) -> str:
    """`es_…@<from domain>`: derived from the send, so a message delivered twice (a worker
    killed after the server accepted it) carries the same Message-ID both times."""
    domain = email_send.from_address.rpartition("@")[2].rstrip(">").strip() or "segmentflow"
    return f"{email_send.pk}@{domain}"


def envelope_address(header_value: str) -> str:
    return email.utils.parseaddr(header_value)[1]


def build_message(
    email_send: EmailSend,
    rendered: RenderedEmail,
    *,
    at: datetime,
    dkim_key: DkimKey | None,
) -> Outgoing:
    """The message to hand over; signed when `dkim_key` is given (the mailer signs nothing
    itself, SMTP or the outbox)."""
    subject = email_send.subject_override or rendered.subject
    if email_send.is_test:
        subject = f"[Test] {subject}"
    to_header = email.utils.formataddr((email_send.to_name, email_send.to_email))
    headers = {
        "Message-ID": f"<{message_id_for(email_send)}>",
        SEND_ID_HEADER: email_send.pk,
        # Only marketing mail carries List-Unsubscribe (render_email adds them for it).
        **rendered.headers,
    }
    if email_send.is_test:
        headers[TEST_HEADER] = "yes"

    message = EmailMessage(policy=_POLICY)
    message["From"] = email_send.from_address
    message["To"] = to_header
    if email_send.reply_to:
        message["Reply-To"] = email_send.reply_to
    message["Subject"] = subject
    message["Date"] = email.utils.format_datetime(at)
    for name, value in headers.items():
        message[name] = value
    message.set_content(rendered.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="quoted-printable")
    mime = message.as_bytes(policy=_POLICY)
    if dkim_key is not None:
        signature = sign_message(
            mime,
            domain=dkim_key.domain.domain,
            selector=dkim_key.selector,
            private_key=dkim_key.private_key,
        )
        mime = signature + mime
    return Outgoing(
        envelope_from=envelope_address(email_send.from_address),
        recipient=email_send.to_email,
        mime=mime,
        from_header=email_send.from_address,
        to_header=to_header,
        reply_to=email_send.reply_to,
        subject=subject,
        text=rendered.text,
        html=rendered.html,
        headers=headers,
    )
