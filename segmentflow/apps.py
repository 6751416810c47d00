from __future__ import annotations

from django.apps import AppConfig


class SegmentflowConfig(AppConfig):
    name = "segmentflow"
    verbose_name = "API plumbing"
