"""django-anymail's tracking webhooks under /webhooks/anymail/, refused without a secret."""

from __future__ import annotations

from anymail.urls import urlpatterns as anymail_patterns
from django.urls import URLPattern

from .feedback import require_webhook_secret

app_name = "anymail"
urlpatterns = [
    URLPattern(p.pattern, require_webhook_secret(p.callback), p.default_args, p.name)
    for p in anymail_patterns
    if isinstance(p, URLPattern)
]
