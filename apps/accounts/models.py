"""Users, Organizations, Memberships and API keys."""

from __future__ import annotations

import functools
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone

from segmentflow.ids import new_public_id
from segmentflow.querysets import OrgQuerySet

from . import permissions


class EmailUserManager(UserManager["User"]):
    """Users sign in with their email address; there is no username."""

    def get_by_natural_key(self, username: str | None) -> User:
        # Emails are stored lowercased, so "Alice@Example.com" at the login form finds alice.
        return self.get(email=self.normalize_email(username).lower())

    async def aget_by_natural_key(self, username: str | None) -> User:
        return await self.aget(email=self.normalize_email(username).lower())

    def _create_user_object(
        self, username: str | None, email: str | None, password: str | None, **extra: Any
    ) -> User:
        email = self.normalize_email(email or username or "").lower()
        user = self.model(email=email, **extra)
        user.password = ""
        user.set_password(password)
        return user

    def create_user(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: Any
    ) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        user = self._create_user_object(None, email, password, **extra)
        user.save(using=self._db)
        return user

    def create_superuser(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: Any
    ) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = EmailUserManager()  # type: ignore[assignment,misc]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        # The admin's user forms save through here, not through the manager: lowercase as it does.
        super().clean()
        self.email = self.email.lower()


class Organization(models.Model):
    id = models.CharField(
        primary_key=True,
        max_length=40,
        default=functools.partial(new_public_id, "org"),
        editable=False,
    )
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped by database triggers on every change of the rows each process caches for sends
    # (segmentflow/config_version.py); never written by the application.
    config_version = models.BigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet["Membership"]):
    def for_user(self, user: User) -> MembershipQuerySet:
        return self.filter(user=user).select_related("organization").order_by("organization__name")


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=permissions.ROLE_CHOICES)
    created_at = models.DateTimeField(default=timezone.now)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_org"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} ({self.role})"

    @property
    def scopes_granted(self) -> frozenset[str]:
        return permissions.ROLE_SCOPES[self.role]


class ApiKeyQuerySet(OrgQuerySet["ApiKey"]):
    object_name = "API key"


class ApiKey(models.Model):
    """An API key: only the SHA-256 of the secret is stored, next to a short lookup prefix."""

    id = models.CharField(
        primary_key=True,
        max_length=40,
        default=functools.partial(new_public_id, "key"),
        editable=False,
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    rate_limit = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Requests per second; empty for the server default, 0 for no limit.",
    )
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.display_prefix}…)"

    @property
    def scopes_granted(self) -> frozenset[str]:
        return frozenset(self.scopes)

    @property
    def display_prefix(self) -> str:
        return f"sf_live_{self.prefix}"

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()
