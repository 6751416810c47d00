"""What may still use an Asset: the check that guards its deletion.

Apps that use Assets (Brand Kits, Templates) register a check here when they start, so this app
never imports theirs (their models import Asset).
"""

from __future__ import annotations

from collections.abc import Callable

from .models import Asset

ReferenceCheck = Callable[[Asset], bool]
_checks: list[ReferenceCheck] = []


def register_reference_check(check: ReferenceCheck) -> ReferenceCheck:
    """Register `check(asset) -> bool`: whether the caller's app still uses `asset`."""
    if check not in _checks:
        _checks.append(check)
    return check


def asset_in_use(asset: Asset) -> bool:
    """Whether any app still references `asset` (delete is then 409 `asset_in_use`)."""
    return any(check(asset) for check in _checks)
