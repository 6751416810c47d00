"""`EMAIL_URL` → the `MAILERS["default"]` entry (Django 6.1) that the delivery engine sends with.

    (unset)                                  the outbox: messages are stored, nothing leaves
    smtp://host:port                         plain SMTP to a local MTA (no TLS, no login)
    smtp+starttls://user:pass@host:587       SMTP with STARTTLS and login
    smtps://user:pass@host:465               SMTP over TLS and login
    amazon-ses://?region=eu-west-1           Amazon SES through django-anymail (AWS credentials
                                             from the usual AWS_* variables or the instance role)
    postmark://SERVER_TOKEN@                 Postmark through django-anymail

User names and passwords are percent-decoded (`%40` for `@`). README → Email delivery.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

OUTBOX_BACKEND = "apps.sending.outbox.OutboxBackend"
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
SES_BACKEND = "anymail.backends.amazon_ses.EmailBackend"
POSTMARK_BACKEND = "anymail.backends.postmark.EmailBackend"

_SMTP_SCHEMES = {
    # scheme: (default port, STARTTLS, implicit TLS)
    "smtp": (25, False, False),
    "smtp+starttls": (587, True, False),
    "smtps": (465, False, True),
}


class EmailUrlError(ValueError):
    """EMAIL_URL cannot be used; the message says why (settings raise ImproperlyConfigured)."""


def mailer_from_url(url: str, *, timeout: float = 30.0) -> dict[str, Any]:
    """The MAILERS entry `url` describes."""
    url = url.strip()
    if not url:
        return {"BACKEND": OUTBOX_BACKEND}
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in _SMTP_SCHEMES:
        default_port, starttls, implicit_tls = _SMTP_SCHEMES[scheme]
        if not parts.hostname:
            raise EmailUrlError(f"EMAIL_URL {scheme}:// needs a host, e.g. {scheme}://mail:25")
        try:
            port = parts.port or default_port
        except ValueError:
            raise EmailUrlError("EMAIL_URL has a port that is not a number") from None
        return {
            "BACKEND": SMTP_BACKEND,
            "OPTIONS": {
                "host": parts.hostname,
                "port": port,
                "username": unquote(parts.username or ""),
                "password": unquote(parts.password or ""),
                "use_tls": starttls,
                "use_ssl": implicit_tls,
                "timeout": timeout,
            },
        }
    if scheme == "amazon-ses":
        region = parse_qs(parts.query).get("region", [""])[0]
        options: dict[str, Any] = {}
        if region:
            options["client_params"] = {"region_name": region}
        return {"BACKEND": SES_BACKEND, "OPTIONS": options}
    if scheme == "postmark":
        token = unquote(parts.username or "")
        if not token:
            raise EmailUrlError("EMAIL_URL postmark:// needs the server token: postmark://TOKEN@")
        return {"BACKEND": POSTMARK_BACKEND, "OPTIONS": {"server_token": token}}
    raise EmailUrlError(
        f"EMAIL_URL scheme {scheme!r} is not one of smtp, smtp+starttls, smtps, amazon-ses, "
        "postmark (or unset for the outbox)"
    )


def describe_mailer(config: dict[str, Any]) -> str:
    """The mailer in words, without secrets: for the dashboard and logs."""
    backend = config.get("BACKEND", SMTP_BACKEND)
    options = config.get("OPTIONS", {})
    if backend == OUTBOX_BACKEND:
        return "the outbox (nothing is delivered)"
    if backend == SMTP_BACKEND:
        tls = (
            "TLS" if options.get("use_ssl") else "STARTTLS" if options.get("use_tls") else "no TLS"
        )
        return f"SMTP {options.get('host', 'localhost')}:{options.get('port', 25)} ({tls})"
    if backend == SES_BACKEND:
        return "Amazon SES (django-anymail)"
    if backend == POSTMARK_BACKEND:
        return "Postmark (django-anymail)"
    return str(backend)
