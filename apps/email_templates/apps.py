from __future__ import annotations

from django.apps import AppConfig


class EmailTemplatesConfig(AppConfig):
    name = "apps.email_templates"
    label = "email_templates"
    verbose_name = "Templates"
