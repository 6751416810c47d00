"""The MIME message of one EmailSend: the text and HTML alternatives, the headers a reader and
a receiving server need, and the DKIM signature of the From domain's current key.

The message is written here directly rather than through `email.message.EmailMessage`, whose
header registry parses every header it is given (measured ~5 ms a message, more than render and
signature together): both parts quoted-printable (7-bit, lines under 78 characters), headers
RFC 2047-encoded when not ASCII, CRLF line ends, as SMTP and DKIM want them.
"""

from __future__ import annotations

import binascii
import email.utils
from datetime import datetime
from email.header import Header

from apps.email_templates.rendering import RenderedEmail

from ..models import DkimKey, EmailSend
from ..signing import sign_message
from .transports import Outgoing

SEND_ID_HEADER = "X-SegmentFlow-Send-Id"
TEST_HEADER = "X-SegmentFlow-Test"


def from_domain(email_send: EmailSend) -> str:
    """The domain of the send's From address (stored cleaned: `Name <addr@domain>`)."""
    return email_send.from_address.rpartition("@")[2].rstrip(">").strip().lower()


def message_id_for(email_send: EmailSend) -> str:
    """`es_…@<from domain>`: derived from the send, so a message delivered twice (a worker
    killed after the server accepted it) carries the same Message-ID both times."""
    return f"{email_send.pk}@{from_domain(email_send) or 'segmentflow'}"


def envelope_address(header_value: str) -> str:
    return email.utils.parseaddr(header_value)[1]


def _encoded(value: str) -> str:
    """A header value as 7-bit text on one logical line: RFC 2047 encoded words when it is not
    ASCII, folded when it is long (a line may not pass 998 characters)."""
    value = " ".join(value.split())  # no CR or LF can reach the header block
    if value.isascii() and len(value) < 900:
        return value
    charset = "us-ascii" if value.isascii() else "utf-8"
    return Header(value, charset, maxlinelen=76).encode(linesep="\r\n")


def _address(header_value: str) -> str:
    """An address header with a non-ASCII display name encoded (the address stays as it is)."""
    header_value = " ".join(header_value.split())
    if header_value.isascii():
        return header_value
    name, address = email.utils.parseaddr(header_value)
    return email.utils.formataddr((name, address), charset="utf-8")


def _quoted_printable(text: str) -> bytes:
    normalized = text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    return binascii.b2a_qp(normalized, istext=True).replace(b"\n", b"\r\n")


def _part(content_type: str, text: str) -> bytes:
    return (
        f'Content-Type: {content_type}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    ).encode() + _quoted_printable(text)


def mime_message(headers: list[tuple[str, str]], text: str, html: str, boundary: str) -> bytes:
    """multipart/alternative of the text and HTML parts under `headers` (values 7-bit)."""
    head = "".join(f"{name}: {value}\r\n" for name, value in headers)
    head += (
        f'MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'
    )
    delimiter = f"\r\n--{boundary}\r\n".encode()
    return b"".join(
        [
            head.encode("ascii"),
            delimiter[2:],
            _part("text/plain", text),
            delimiter,
            _part("text/html", html),
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )


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

    header_lines = [
        ("From", _address(email_send.from_address)),
        ("To", _address(to_header)),
        *([("Reply-To", _address(email_send.reply_to))] if email_send.reply_to else []),
        ("Subject", _encoded(subject)),
        ("Date", email.utils.format_datetime(at)),
        *((name, _encoded(value)) for name, value in headers.items()),
    ]
    # "=_" never occurs in quoted-printable text (an "=" is written =3D): a safe boundary.
    mime = mime_message(header_lines, rendered.text, rendered.html, f"=_sf_{email_send.pk}")
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
