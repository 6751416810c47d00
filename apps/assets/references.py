"""What may still use an Asset: the check that guards its deletion."""

from __future__ import annotations

from .models import Asset


def asset_in_use(asset: Asset) -> bool:
    """Whether a Brand Kit or a Template still references `asset` (delete is then 409).

    The Templates issue adds its own lookup here.
    """
    # Imported here: brand_kits.models imports Asset from this app.
    from apps.brand_kits.models import BrandKitLogo

    return BrandKitLogo.objects.filter(asset=asset).exists()
