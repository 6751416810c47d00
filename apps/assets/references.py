"""What may still use an Asset: the check that guards its deletion."""

from __future__ import annotations

from .models import Asset


def asset_in_use(asset: Asset) -> bool:
    """Whether a Brand Kit or a Template still references `asset` (delete is then 409).

    A Template references an asset by its URL, which holds the content-addressed key of the
    stored image: a search of the Organization's template sources for that key.
    """
    # Imported here: these apps' models import Asset from this app.
    from apps.brand_kits.models import BrandKitLogo
    from apps.email_templates.models import Template

    if BrandKitLogo.objects.filter(asset=asset).exists():
        return True
    if not asset.original_key:
        return False
    templates = Template.objects.for_org(asset.organization)
    return templates.filter(html__contains=asset.original_key).exists()
