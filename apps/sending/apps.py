from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import pre_delete


class SendingConfig(AppConfig):
    name = "apps.sending"
    label = "sending"
    verbose_name = "Sending"

    def ready(self) -> None:
        from anymail.signals import tracking

        from apps.profiles.models import Profile

        from .erasure import erase_profile_sends
        from .feedback import on_tracking

        pre_delete.connect(erase_profile_sends, sender=Profile, dispatch_uid="sending.erasure")
        tracking.connect(on_tracking, dispatch_uid="sending.feedback")
