"""Signed unsubscribe links: the token in `/u/<token>/`, the page and the one-click endpoint.

A token is the Profile id signed with SECRET_KEY under its own salt, so it cannot be guessed or
altered. It never expires, because links live on in old emails; rotating SECRET_KEY keeps old
links working as long as the old key stays in SECRET_KEY_FALLBACKS.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import Profile

# A dedicated salt: a value signed elsewhere with the same SECRET_KEY is not a valid token here.
UNSUBSCRIBE_SALT = "segmentflow.profiles.unsubscribe"


def _signer() -> signing.Signer:
    # A plain Signer, not the TimestampSigner of signing.dumps(): no timestamp, nothing to expire.
    return signing.Signer(salt=UNSUBSCRIBE_SALT)


def make_token(profile: Profile) -> str:
    """The unguessable token of this Profile's unsubscribe links."""
    return _signer().sign_object(profile.pk)


def profile_for_token(token: str) -> Profile | None:
    """The Profile a token was made for, or None when the token is tampered or the Profile gone."""
    try:
        profile_id = _signer().unsign_object(token)
    except signing.BadSignature:
        return None
    if not isinstance(profile_id, str):
        return None
    return Profile.objects.select_related("organization").filter(pk=profile_id).first()


def unsubscribe_url(profile: Profile) -> str:
    """The absolute URL of the confirmation page, for the link in an email's footer."""
    path = reverse("unsubscribe:page", kwargs={"token": make_token(profile)})
    return f"{settings.SITE_URL}{path}"


def one_click_url(profile: Profile) -> str:
    """The absolute URL of the RFC 8058 one-click endpoint."""
    path = reverse("unsubscribe:one_click", kwargs={"token": make_token(profile)})
    return f"{settings.SITE_URL}{path}"


def mask_email(email: str) -> str:
    """Show just enough of an address to recognise it: `ada@example.com` → `a***@example.com`."""
    local, at, domain = email.rpartition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"
