"""What may still use an Asset: the check that guards its deletion."""

from __future__ import annotations

from .models import Asset


def asset_in_use(asset: Asset) -> bool:
    """Whether a Brand Kit or a Template still references `asset` (delete is then 409).

    Nothing can reference an Asset yet, so this returns False; the Brand Kits and Templates
    issues extend it with their own lookups.
    """
    return False
