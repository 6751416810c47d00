from __future__ import annotations

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo Organization of `make run`: it uses every other app, and none uses it."""

    name = "apps.demo"
    label = "demo"
    verbose_name = "Demo"
