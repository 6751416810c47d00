"""Writes on accounts that the dashboard, the API and the admin commands share."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from segmentflow.errors import invalid
from segmentflow.scopes import has_scope, parse_scopes

from . import permissions
from .models import ApiKey, Membership, Organization, User

KEY_PREFIX = "sf_live_"
LOOKUP_LENGTH = 12
SECRET_LENGTH = 32  # 32 base62 characters: about 190 bits of entropy
BASE62 = string.ascii_letters + string.digits
# Writing last_used_at on every request would turn each read into a write; once a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# The column sizes: checked here so PostgreSQL never sees a value too long (SQLite would keep it).
ORG_NAME_MAX_LENGTH = 200
KEY_NAME_MAX_LENGTH = 100


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "org"
    slug, n = base, 1
    while Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def create_organization(name: str, owner: User) -> Organization:
    name = name.strip()
    if not name:
        raise invalid("name", "must not be empty")
    if len(name) > ORG_NAME_MAX_LENGTH:
        raise invalid("name", f"at most {ORG_NAME_MAX_LENGTH} characters")
    org = Organization.objects.create(name=name, slug=_unique_slug(name))
    Membership.objects.create(user=owner, organization=org, role=permissions.OWNER)
    return org


def hash_key(raw_key: str) -> str:
    # Keys carry ~190 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(raw_key.encode()).hexdigest()


@transaction.atomic
def create_api_key(
    organization: Organization,
    *,
    name: str,
    scopes: Iterable[str],
    created_by: User | None = None,
    granted_by: Membership | None = None,
    rate_limit: int | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Mint a key and return it with its secret, which is never stored and shown once.

    `granted_by` is the Membership of the dashboard user minting it: a key can never carry
    a scope that the user's role lacks.
    """
    name = name.strip()
    if not name:
        raise invalid("name", "must not be empty")
    if len(name) > KEY_NAME_MAX_LENGTH:
        raise invalid("name", f"at most {KEY_NAME_MAX_LENGTH} characters")
    try:
        scope_list = parse_scopes(list(scopes))
    except ValueError as exc:
        raise invalid("scopes", str(exc)) from exc
    if granted_by is not None:
        missing = [s for s in scope_list if not has_scope(granted_by, s)]
        if missing:
            raise invalid("scopes", f"your role cannot grant {', '.join(missing)}")
    if rate_limit is not None and rate_limit < 0:
        raise invalid("rate_limit", "must be 0 (no limit) or more")
    if expires_at is not None and expires_at <= timezone.now():
        raise invalid("expires_at", "must be in the future")

    lookup = "".join(secrets.choice(BASE62) for _ in range(LOOKUP_LENGTH))
    secret = "".join(secrets.choice(BASE62) for _ in range(SECRET_LENGTH))
    raw_key = f"{KEY_PREFIX}{lookup}{secret}"
    api_key = ApiKey.objects.create(
        organization=organization,
        name=name,
        prefix=lookup,
        secret_hash=hash_key(raw_key),
        scopes=scope_list,
        created_by=created_by,
        rate_limit=rate_limit,
        expires_at=expires_at,
    )
    return api_key, raw_key


def revoke_api_key(api_key: ApiKey) -> ApiKey:
    """Revoke a key; revoking twice keeps the first revocation time."""
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at", "updated_at"])
    return api_key


def find_api_key(raw_key: str) -> ApiKey | None:
    """Return the active key matching `raw_key`, or None (unknown, malformed, revoked, expired)."""
    if not raw_key.startswith(KEY_PREFIX):
        return None
    body = raw_key[len(KEY_PREFIX) :]
    if len(body) != LOOKUP_LENGTH + SECRET_LENGTH or not body.isalnum() or not body.isascii():
        return None
    try:
        # .get() rather than .first(): no ORDER BY to compile on a lookup of a unique column.
        api_key = ApiKey.objects.select_related("organization").get(prefix=body[:LOOKUP_LENGTH])
    except ApiKey.DoesNotExist:
        return None
    if not hmac.compare_digest(api_key.secret_hash, hash_key(raw_key)):
        return None
    if not api_key.is_active:
        return None
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key
