from __future__ import annotations

from django.apps import AppConfig


class BrandKitsConfig(AppConfig):
    name = "apps.brand_kits"
    label = "brand_kits"
    verbose_name = "Brand Kits"

    def ready(self) -> None:
        from apps.assets.references import register_reference_check

        from .models import kit_uses_asset

        register_reference_check(kit_uses_asset)
