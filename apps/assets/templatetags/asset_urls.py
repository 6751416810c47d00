"""`{{ asset.thumbnail_key|public_url }}`: the URL an email client (or the library) loads."""

from __future__ import annotations

from django import template

from apps.assets import storage

register = template.Library()


@register.filter
def public_url(key: str) -> str:
    return storage.public_url(key) if key else ""
