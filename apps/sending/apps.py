from __future__ import annotations

from django.apps import AppConfig


class SendingConfig(AppConfig):
    name = "apps.sending"
    label = "sending"
    verbose_name = "Sending"
