from __future__ import annotations

from django.apps import AppConfig


class EmailTemplatesConfig(AppConfig):
    name = "apps.email_templates"
    label = "email_templates"
    verbose_name = "Templates"

    def ready(self) -> None:
        from apps.assets.references import register_reference_check

        from .models import template_uses_asset

        register_reference_check(template_uses_asset)
