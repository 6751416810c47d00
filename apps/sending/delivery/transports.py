"""The mailers the delivery loop hands messages to, each answering one Outcome per message.

Django's SMTP backend cannot report per-message outcomes (it drops the server's reply, ignores
a refused recipient when another was accepted, and one exception ends the batch), so SMTP is
spoken here with smtplib, one command at a time, over one connection per batch. The options
come from `MAILERS["default"]` (EMAIL_URL), as every other mailer's do: the outbox stores, and
any other backend (django-anymail's ESPs, the test runner's memory backend) is used through
Django's mail API with its own connection reuse.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from typing import Any, Protocol, Self

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers

from segmentflow.email_url import OUTBOX_BACKEND, SMTP_BACKEND, describe_mailer

_ENHANCED = re.compile(r"^([245])\.(\d{1,3})\.(\d{1,3})\b")


@dataclass(frozen=True)
class Outgoing:
    """One message ready to go: the signed MIME bytes for SMTP and the outbox, its parts for
    mailers that build their own (ESPs sign with their own DKIM keys)."""

    envelope_from: str
    recipient: str
    mime: bytes
    from_header: str
    to_header: str
    reply_to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """What the mailer answered: `ok`, or a failure that is `permanent` (5xx) or not (refused
    connections, timeouts, 4xx); `code` and `text` are the server's reply."""

    ok: bool
    code: int | None
    text: str
    permanent: bool = False
    provider_message_id: str = ""

    @property
    def hard_bounce(self) -> bool:
        """A 5.1.x rejection: the address does not exist (RFC 3463), so it never will."""
        match = _ENHANCED.match(self.text)
        return bool(match and match.group(1) == "5" and match.group(2) == "1")

    @property
    def detail(self) -> str:
        return f"{self.code} {self.text}".strip() if self.code else self.text


def _reply(code: int | None, message: bytes | str) -> Outcome:
    text = message.decode(errors="replace") if isinstance(message, bytes) else message
    text = " ".join(text.split())
    if code is not None and 200 <= code < 300:
        return Outcome(True, code, text)
    return Outcome(False, code, text, permanent=code is not None and code >= 500)


class Transport(Protocol):
    #: Whether messages are DKIM-signed here (SMTP, outbox) or by the provider (ESPs).
    signs: bool

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...

    def send(self, message: Outgoing) -> Outcome: ...


class SmtpTransport:
    """smtplib over one connection, opened on the first message and again after a failure."""

    signs = True

    def __init__(
        self,
        *,
        host: str = "localhost",
        port: int = 25,
        username: str = "",
        password: str = "",
        use_tls: bool = False,
        use_ssl: bool = False,
        timeout: float | None = 30.0,
        **_ignored: Any,
    ) -> None:
        self.host, self.port = host, int(port)
        self.username, self.password = username or "", password or ""
        self.use_tls, self.use_ssl = bool(use_tls), bool(use_ssl)
        self.timeout = timeout or 30.0
        self._connection: smtplib.SMTP | None = None
        self._unreachable: Outcome | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.quit()
            except (smtplib.SMTPException, OSError):
                self._connection.close()
            self._connection = None

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        connection: smtplib.SMTP
        if self.use_ssl:
            connection = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=context
            )
        else:
            connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            connection.ehlo()
            if self.use_tls:
                connection.starttls(context=context)
                connection.ehlo()
            if self.username:
                connection.login(self.username, self.password)
        except BaseException:
            connection.close()
            raise
        return connection

    def send(self, message: Outgoing) -> Outcome:
        if self._unreachable is not None:
            # The server could not be reached for this batch: the rest wait for the retry
            # rather than each waiting out its own timeout.
            return self._unreachable
        try:
            if self._connection is None:
                try:
                    self._connection = self._connect()
                except (smtplib.SMTPException, OSError) as exc:
                    if isinstance(exc, smtplib.SMTPResponseException):
                        raise
                    self._unreachable = Outcome(
                        False, None, _network_problem(exc, self.host, self.port)
                    )
                    return self._unreachable
            return self._transaction(self._connection, message)
        except smtplib.SMTPResponseException as exc:
            # A reply outside a command we read ourselves: login, STARTTLS, a greeting.
            self._drop()
            return _reply(exc.smtp_code, exc.smtp_error)
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            return Outcome(False, None, _network_problem(exc, self.host, self.port))

    def _transaction(self, connection: smtplib.SMTP, message: Outgoing) -> Outcome:
        code, reply = connection.mail(message.envelope_from)
        if code != 250:
            connection.rset()
            return _reply(code, reply)
        code, reply = connection.rcpt(message.recipient)
        if code not in (250, 251):
            connection.rset()
            return _reply(code, reply)
        code, reply = connection.data(message.mime)
        outcome = _reply(code, reply)
        if outcome.ok:
            return Outcome(True, code, outcome.text, provider_message_id=_queue_id(outcome.text))
        return outcome

    def _drop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _queue_id(reply: str) -> str:
    match = re.search(r"queued as ([\w.@<>-]+)", reply, re.IGNORECASE)
    return match.group(1).strip("<>") if match else ""


def _network_problem(exc: BaseException, host: str, port: int) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return f"connection refused by {host}:{port}"
    if isinstance(exc, socket.timeout | TimeoutError):
        return f"no answer from {host}:{port} in time"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"{host}:{port} closed the connection"
    return f"{host}:{port}: {exc.__class__.__name__}: {exc}"


class OutboxTransport:
    """Stores the message (the delivery loop keeps it as the send's SentMessage) and sends
    nothing."""

    signs = True

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def send(self, message: Outgoing) -> Outcome:
        return Outcome(True, None, "stored in the outbox: not delivered (EMAIL_URL is unset)")


class DjangoMailerTransport:
    """Any other MAILERS backend (django-anymail's ESPs, the test runner's memory backend),
    through Django's mail API over one opened connection."""

    signs = False

    def __init__(self, alias: str = "default") -> None:
        self.alias = alias
        self._connection: Any = None

    def __enter__(self) -> Self:
        self._connection = mailers[self.alias]
        self._connection.open()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def send(self, message: Outgoing) -> Outcome:
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.text,
            from_email=message.from_header,
            to=[message.to_header],
            reply_to=[message.reply_to] if message.reply_to else None,
            headers=message.headers,
            connection=self._connection,
        )
        email.attach_alternative(message.html, "text/html")
        try:
            email.send()
        except Exception as exc:  # noqa: BLE001 - a provider's failure of any kind is an outcome
            return _provider_problem(exc)
        status = getattr(email, "anymail_status", None)
        if status is None:
            return Outcome(True, None, f"handed to {describe_mailer(settings.MAILERS[self.alias])}")
        if status.status and status.status <= {"rejected", "invalid"}:
            return Outcome(
                False, None, f"the provider refused it ({', '.join(status.status)})", permanent=True
            )
        return Outcome(
            True,
            None,
            f"accepted by the provider ({', '.join(sorted(status.status or {'sent'}))})",
            provider_message_id="" if status.message_id is None else str(status.message_id),
        )


def _provider_problem(exc: Exception) -> Outcome:
    """An ESP's error: a request it refused (4xx but 429) will never pass; anything else (its
    5xx, 429, the network) may."""
    status = getattr(exc, "status_code", None)
    text = " ".join(str(exc).split())[:500] or exc.__class__.__name__
    if exc.__class__.__name__ == "AnymailRecipientsRefused":
        return Outcome(False, None, text, permanent=True)
    if isinstance(status, int) and 400 <= status < 500 and status != 429:
        return Outcome(False, status, text, permanent=True)
    return Outcome(False, status if isinstance(status, int) else None, text)


def mailer_config(alias: str = "default") -> dict[str, Any]:
    config: dict[str, Any] = settings.MAILERS[alias]
    return config


def is_sandbox() -> bool:
    """Whether mail goes nowhere (the outbox): sends are flagged `sandbox`, and unverified
    domains are allowed."""
    return mailer_config().get("BACKEND") == OUTBOX_BACKEND


def open_transport() -> Transport:
    config = mailer_config()
    backend = config.get("BACKEND", SMTP_BACKEND)
    if backend == OUTBOX_BACKEND:
        return OutboxTransport()
    if backend == SMTP_BACKEND:
        return SmtpTransport(**config.get("OPTIONS", {}))
    return DjangoMailerTransport()
