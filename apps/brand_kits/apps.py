from __future__ import annotations

from django.apps import AppConfig


class BrandKitsConfig(AppConfig):
    name = "apps.brand_kits"
    label = "brand_kits"
    verbose_name = "Brand Kits"
