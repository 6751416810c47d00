"""A send as the API or the dashboard gives it (SendRequest), and what the sends of one request
look up once (SendContext, for email_actions.py): the recipients, Templates, Brand Kits and
verified domains of the Organization. A single send's lookups are hand-written SQL
(bench/profile_me.py --send): building their QuerySets cost more than the database's work."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from apps.accounts.models import Organization
from apps.brand_kits.context import brand_context
from apps.brand_kits.models import BrandKit
from apps.email_templates.lookups import template_and_kit
from apps.email_templates.models import Template
from apps.profiles.lookups import profiles_by_id
from apps.profiles.models import Profile, normalize_email
from segmentflow import config_version, rows
from segmentflow.errors import ActionError

from .delivery.transports import is_sandbox
from .models import CheckStatus, SendingDomain

_MISSING = object()


@dataclass(frozen=True, kw_only=True)
class SendRequest:
    """One send as the API or the dashboard gives it, with Python names."""

    template_id: str
    profile_id: str | None = None
    to: dict[str, Any] | None = None
    data: dict[str, Any] = field(default_factory=dict)
    from_address: str | None = None
    reply_to: str | None = None
    subject: str | None = None
    brand_kit_id: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    scheduled_at: datetime | None = None
    journey_id: str = ""
    # The triggering event of the Journey run that sends it, as templates see `event`.
    event: dict[str, Any] | None = None


class SendContext:
    """What the sends of one request share, looked up once: the Templates, Brand Kits and
    verified domains of the Organization, and whether the mailer delivers anywhere."""

    def __init__(self, organization: Organization) -> None:
        self.organization = organization
        self.sandbox = is_sandbox()
        self.now = timezone.now()
        self._templates: dict[str, Template | None] = {}
        self._kits: dict[str, BrandKit | None] = {}
        self._brands: dict[str | None, dict[str, Any]] = {}
        self._default_kit: BrandKit | None | bool = False
        self._verified: frozenset[str] | None = None
        self._by_id: dict[str, Profile] | None = None
        self._by_email: dict[str, Profile] | None = None
        self._version: int | None = None
        self._shared: dict[Any, Any] | None = None

    def config_version(self) -> int:
        """The Organization's config_version as this request first read it."""
        if self._version is None:
            self._version = config_version.current(self.organization.pk)
        return self._version

    def _cache(self) -> dict[Any, Any]:
        """What this process keeps for the Organization at that config_version."""
        if self._shared is None:
            self._shared = config_version.for_org(self.organization.pk, self.config_version())
        return self._shared

    def _cached(self, key: tuple[Any, ...]) -> Any:
        return self._cache().get(("sending", *key), _MISSING)

    def _remember(self, key: tuple[Any, ...], value: Any) -> None:
        if config_version.may_store():
            self._cache()[("sending", *key)] = value

    def prefetch_recipients(self, sends: list[SendRequest | ActionError]) -> None:
        """Look the Profiles of a batch up in two queries instead of one per item."""
        requests = [send for send in sends if isinstance(send, SendRequest)]
        ids = {send.profile_id for send in requests if send.profile_id}
        emails = {
            normalize_email(send.to["email"])
            for send in requests
            if send.to and isinstance(send.to.get("email"), str)
        }
        profiles = Profile.objects.for_org(self.organization)
        self._by_id = {p.pk: p for p in profiles.filter(pk__in=ids)} if ids else {}
        self._by_email = {p.email: p for p in profiles.filter(email__in=emails)} if emails else {}

    def prefetch_send(self, send: SendRequest) -> None:
        """A single send to a `profileId`: its Profile and the Organization's config_version in
        one query; its Template and Brand Kit in the same one when they are not cached."""
        if not send.profile_id or send.template_id in self._templates:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT o.config_version, {rows.columns(Profile, 'p')}"  # noqa: S608 - identifiers only
                f" FROM {rows.table(Organization)} o LEFT JOIN {rows.table(Profile)} p"
                " ON p.organization_id = o.id AND p.id = %s WHERE o.id = %s",
                [send.profile_id, self.organization.pk],
            )
            row = cursor.fetchone()
        self._version = row[0] if row else 0
        found = rows.from_row(Profile, row[1:]) if row and row[1] is not None else None
        self._by_id = {found.pk: found} if found else {}
        self.template(send.template_id)

    def know_profiles(self, profiles: list[Profile]) -> None:
        """Sends to these Profiles (a Journey engine's batch) need no lookup."""
        self._by_id = {**(self._by_id or {}), **{profile.pk: profile for profile in profiles}}

    def profile(self, profile_id: str) -> Profile | None:
        if self._by_id is not None:
            return self._by_id.get(profile_id)
        found = profiles_by_id(self.organization, [profile_id])
        return found[0] if found else None

    def profile_with_email(self, email: str) -> Profile | None:
        if self._by_email is not None:
            return self._by_email.get(email)
        return Profile.objects.for_org(self.organization).with_email(email).first()

    def template(self, template_id: str) -> Template | None:
        if template_id not in self._templates:
            cached = self._cached(("template", template_id))
            if cached is _MISSING:
                # With the kit it renders with: its own, else the default kit (one query).
                cached = template_and_kit(self.organization, template_id)
                self._remember(("template", template_id), cached)
            self._found_template(template_id, *cached)
        return self._templates[template_id]

    def _found_template(
        self, template_id: str, template: Template | None, kit: BrandKit | None
    ) -> None:
        self._templates[template_id] = template
        if template is not None and template.brand_kit_id is None:
            self._default_kit = kit

    def kit(self, kit_id: str) -> BrandKit | None:
        if kit_id not in self._kits:
            kit = self._cached(("kit", kit_id))
            if kit is _MISSING:
                kit = BrandKit.objects.for_org(self.organization).filter(pk=kit_id).first()
                self._remember(("kit", kit_id), kit)
            self._kits[kit_id] = kit
        return self._kits[kit_id]

    def default_kit(self) -> BrandKit | None:
        if self._default_kit is False:
            kit = self._cached(("default_kit",))
            if kit is _MISSING:
                kit = BrandKit.objects.for_org(self.organization).default().first()
                self._remember(("default_kit",), kit)
            self._default_kit = kit
        return self._default_kit  # type: ignore[return-value]

    def brand(self, kit: BrandKit | None) -> dict[str, Any]:
        key = kit.pk if kit else None
        if key not in self._brands:
            if kit is None:
                # Neutral defaults under the Organization's name (no query; not configuration).
                neutral = BrandKit(organization=self.organization, name=self.organization.name)
                brand = brand_context(neutral)
            else:
                brand = self._cached(("brand", key))
                if brand is _MISSING:
                    brand = brand_context(kit)
                    self._remember(("brand", key), brand)
            self._brands[key] = brand
        return self._brands[key]

    def domain_is_verified(self, domain: str) -> bool:
        if self._verified is None:
            verified = self._cached(("verified",))
            if verified is _MISSING:
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT domain FROM {rows.table(SendingDomain)}"  # noqa: S608 - identifiers only
                        " WHERE organization_id = %s AND status = %s",
                        [self.organization.pk, CheckStatus.VERIFIED],
                    )
                    verified = frozenset(domain for (domain,) in cursor.fetchall())
                self._remember(("verified",), verified)
            self._verified = verified
        return domain in self._verified
