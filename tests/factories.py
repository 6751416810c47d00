"""Plain factories: small functions with defaults, no fixtures."""

from __future__ import annotations

import itertools
from typing import Any

from apps.accounts import permissions
from apps.accounts.actions import create_api_key
from apps.accounts.models import ApiKey, Membership, Organization, User

_counter = itertools.count(1)


def make_user(email: str | None = None, password: str = "password", **kw: Any) -> User:
    email = email or f"user{next(_counter)}@example.com"
    return User.objects.create_user(email, password, **kw)


def make_org(name: str | None = None, **kw: Any) -> Organization:
    n = next(_counter)
    kw.setdefault("slug", f"org-{n}")
    return Organization.objects.create(name=name or f"Org {n}", **kw)


def make_membership(user: User, org: Organization, role: str = permissions.MEMBER) -> Membership:
    return Membership.objects.create(user=user, organization=org, role=role)


def make_api_key(
    org: Organization, scopes: list[str] | str = "all", **kw: Any
) -> tuple[ApiKey, str]:
    """Return (key, raw secret); `scopes` is a list or "all"."""
    kw.setdefault("name", f"key {next(_counter)}")
    scope_list = [scopes] if isinstance(scopes, str) else scopes
    return create_api_key(org, scopes=scope_list, **kw)


def make_profile(org: Organization, **kw: Any) -> Any:
    """A Profile through the real action (so its subscription history exists)."""
    from apps.profiles.actions import create_profile

    kw.setdefault("email", f"person{next(_counter)}@example.com")
    return create_profile(org, **kw)


def make_asset(org: Organization, **kw: Any) -> Any:
    """An Asset waiting for its upload (status pending_upload), through the real action."""
    from apps.assets.actions import create_asset

    kw.setdefault("filename", f"image{next(_counter)}.png")
    kw.setdefault("content_type", "image/png")
    kw.setdefault("size", 1000)
    return create_asset(org, **kw)


def make_ready_asset(org: Organization, **kw: Any) -> Any:
    """An Asset as finalize leaves it, without storing bytes (only its URLs are used)."""
    from apps.assets.models import AssetStatus

    asset = make_asset(org, **kw)
    asset.status = AssetStatus.READY
    asset.original_key = f"assets/{asset.pk}/original.png"
    asset.thumbnail_key = f"assets/{asset.pk}/thumb.png"
    asset.width, asset.height = 320, 80
    asset.save()
    return asset


def make_template(org: Organization, **data: Any) -> Any:
    """An active Template through the real action; transactional unless `purpose` says."""
    from apps.email_templates.actions import create_template

    data.setdefault("name", f"Template {next(_counter)}")
    data.setdefault("subject", "Hello {{ profile.firstName | default: 'there' }}")
    data.setdefault("html", "<p>Hi {{ profile.firstName | default: 'there' }}</p>")
    data.setdefault("purpose", "transactional")
    if data["purpose"] == "marketing" and "unsubscribeUrl" not in data["html"]:
        data["html"] += '<p><a href="{{ unsubscribeUrl }}">Unsubscribe</a></p>'
    return create_template(org, data, saved_by="test")
