"""The resources of AsyncSegmentFlow, generated from openapi.json (scripts/generate_resources.py).

Do not edit: regenerate.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from . import _models as models
from ._core import merge
from ._pagination import AsyncPager

if TYPE_CHECKING:
    from ._client import AsyncSegmentFlow

__all__ = ["AsyncMe", "AsyncProfiles", "AsyncTemplates", "AsyncAssets", "AsyncBrandKits", "AsyncDomains", "AsyncEmails", "AsyncEvents"]


class AsyncMe:
    """`client.me`: get."""

    def __init__(self, client: AsyncSegmentFlow) -> None:
        self._client = client

    async def get(self) -> models.MeOut:
        """Get the calling API key."""
        return await self._client.call(models.MeOut, "GET", "/me")


class AsyncProfiles:
    """`client.profiles`: list, create, get, update, delete, get_subscription, update_subscription."""

    def __init__(self, client: AsyncSegmentFlow) -> None:
        self._client = client

    def list(self, *, limit: int | None = None, after: str | None = None, email: str | None = None, external_id: str | None = None, subscription_status: Literal["subscribed", "unsubscribed"] | None = None, updated_since: datetime | str | None = None) -> AsyncPager[models.ProfileOut]:
        """List Profiles. Scope `profiles:read`."""
        return self._client.pager(models.ProfileOut, "/profiles", {"limit": limit, "after": after, "email": email, "external_id": external_id, "subscription_status": subscription_status, "updated_since": updated_since})

    async def create(self, body: models.ProfileCreateIn | Mapping[str, Any] | None = None, /, *, idempotency_key: str | None = None, **fields: Any) -> models.ProfileOut:
        """Create a Profile. Scope `profiles:write`."""
        return await self._client.call(models.ProfileOut, "POST", "/profiles", body=merge(body, fields), idempotency_key=idempotency_key)

    async def get(self, profile_id: str) -> models.ProfileOut:
        """Get a Profile. Scope `profiles:read`."""
        return await self._client.call(models.ProfileOut, "GET", f"/profiles/{profile_id}")

    async def update(self, profile_id: str, body: models.ProfilePatchIn | Mapping[str, Any] | None = None, /, *, idempotency_key: str | None = None, **fields: Any) -> models.ProfileOut:
        """Update a Profile. Scope `profiles:write`."""
        return await self._client.call(models.ProfileOut, "PATCH", f"/profiles/{profile_id}", body=merge(body, fields), idempotency_key=idempotency_key)

    async def delete(self, profile_id: str, *, idempotency_key: str | None = None) -> None:
        """Erase a Profile. Scope `profiles:write`."""
        return await self._client.call(None, "DELETE", f"/profiles/{profile_id}", idempotency_key=idempotency_key)

    async def get_subscription(self, profile_id: str) -> models.SubscriptionDetailOut:
        """Get a Profile's subscription. Scope `profiles:read`."""
        return await self._client.call(models.SubscriptionDetailOut, "GET", f"/profiles/{profile_id}/subscription")

    async def update_subscription(self, profile_id: str, body: models.SubscriptionIn | Mapping[str, Any] | None = None, /, *, idempotency_key: str | None = None, **fields: Any) -> models.SubscriptionDetailOut:
        """Subscribe or unsubscribe a Profile. Scope `profiles:write`."""
        return await self._client.call(models.SubscriptionDetailOut, "PUT", f"/profiles/{profile_id}/subscription", body=merge(body, fields), idempotency_key=idempotency_key)


class AsyncTemplates:
    """`client.templates`: list, create, get, update, render, duplicate, archive, unarchive."""

    def __init__(self, client: AsyncSegmentFlow) -> None:
        self._client = client

    def list(self, *, limit: int | None = None, after: str | None = None, status: Literal["active", "archived"] | None = None, purpose: Literal["transactional", "marketing"] | None = None) -> AsyncPager[models.TemplateOut]:
        """List Templates. Scope `templates:read`."""
        return self._client.pager(models.TemplateOut, "/templates", {"limit": limit, "after": after, "status": status, "purpose": purpose})

    async def create(self, body: models.TemplateCreateIn | Mapping[str, Any] | None = None, /, *, idempotency_key: str | None = None, **fields: Any) -> models.TemplateOut:
        """Create a Template. Scope `templates:write`."""
        return await self._client.call(models.TemplateOut, "POST", "/templates", body=merge(body, fields), idempotency_key=idempotency_key)

    async def get(self, template_id: str) -> models.TemplateOut:
        """Get a Template. Scope `templates:read`."""
        return await self._client.call(models.TemplateOut, "GET", f"/templates/{template_id}")

    async def update(self, template_id: str, body: models.TemplatePatchIn | Mapping[str, Any] | None = None, /, *, idempotency_key: str | None = None, **fields: Any) -> models.TemplateOut:
        """Update a Template. Scope `templates:write`."""
        return await self._client.call(models.TemplateOut, "PATCH", f"/templates/{template_id}", body=merge(body, fields), idempotency_key=idempotency_key)

    async def render(self, template_id: str, body: models.RenderIn | Mapping[str, Any] | None = None, /, *, idempotency_key: str | None = None, **fields: Any) -> models.RenderOut:
        """Render a Template. Scope `templates:read`."""
        return await self._client.call(models.RenderOut, "POST", f"/templates/{template_id}/render", body=merge(body, fields), idempotency_key=idempotency_key)

    async def duplicate(self, template_id: str, *, idempotency_key: str | None = None) -> models.TemplateOut:
        """Duplicate a Template. Scope `templates:write`."""
        return await self._client.call(models.TemplateOut, "POST", f"/templates/{template_id}/duplicate", idempotency_key=idempotency_key)

    async def archive(self, template_id: str, *, idempotency_key: str | None = None) -> models.TemplateOut:
        """Archive a Template. Scope `templates:write`."""
        return await self._client.call(models.TemplateOut, "POST", f"/templates/{template_id}/archive", idempotency_key=idempotency_key)

    async def unarchive(self, template_id: str, *, idempotency_key: str | None = None) -> models.TemplateOut:
        """Unarchive a Template. Scope `templates:write`."""
        return await self._client.call(models.TemplateOut, "POST", f"/templates/{template_id}/unarchive", idempotency_key=idempotency_key)


class AsyncAssets:
    """`client.assets`: list, create, get, update, delete, create_upload_session, finalize."""

    def __init__(self, client: AsyncSegmentFlow) -> None:
        self._client = client

    def list(self, *, limit: int | None = None, after: str | None = None, status: Literal["pending_upload", "ready", "failed"] | None = None, filename: str | None = None) -> AsyncPager[models.AssetOut]:
        """List Assets. Scope `assets:read`."""
        return self._client.pager(models.AssetOut, "/assets", {"limit": limit, "after": after, "status": status, "filename": filename})

    async def create(self, body: models.AssetCreateIn | Mapping[str, Any] | None = None, /, *, idempotency_key: str | None = None, **fields: Any) -> models.AssetOut:
        """Create an Asset. Scope `assets:write`."""
        return await self._client.call(models.AssetOut, "POST", "/assets", body=merge(body, fields), idempotency_key=idempotency_key)

    async def get(self, asset_id: str) -> models.AssetOut:
        """Get an Asset. Scope `assets:read`."""
        return await self._client.call(models.AssetOut, "GET", f"/assets/{asset_id}")

    async def update(self, asset_id: str, body: models.AssetPatchIn | Mapping[str, Any] | None = None, /, *, idempotency_key: str | None = None, **fields: Any) -> models.AssetOut:
        """Update an Asset. Scope `assets:write`."""
        return await self._client.call(models.AssetOut, "PATCH", f"/assets/{asset_id}", body=merge(body, fields), idempotency_key=idempotency_key)

    async def delete(self, asset_id: str, *, idempotency_key: str | None = None) -> None:
        """Delete an Asset. Scope `assets:write`."""
        return await self._client.call(None, "DELETE", f"/assets/{asset_id}", idempotency_key=idempotency_key)

    async def create_upload_session(self, asset_id: str, *, idempotency_key: str | None = None) -> models.UploadSessionOut:
        """Start an upload of an Asset's bytes. Scope `assets:write`."""
        return await self._client.call(models.UploadSessionOut, "POST", f"/assets/{asset_id}/upload-session", idempotency_key=idempotency_key)

    async def finalize(self, asset_id: str, *, idempotency_key: str | None = None) -> models.AssetOut:
        """Finalize an Asset's upload. Scope `assets:write`."""
        return await self._client.call(models.AssetOut, "POST", f"/assets/{asset_id}/finalize", idempotency_key=idempotency_key)


class AsyncBrandKits:
    """`client.brand_kits`: list, create, get, update, delete, start_extraction, get_extraction."""

    def __init__(self, client: AsyncSegmentFlow) -> None:
        self._client = client

    def list(self, *, limit: int | None = None, after: str | None = None) -> AsyncPager[models.BrandKitOut]:
        """List Brand Kits. Scope `brand_kit:read`."""
        return self._client.pager(models.BrandKitOut, "/brand-kit", {"limit": limit, "after": after})

    async def create(self, body: models.BrandKitCreateIn | Mapping[str, Any] | None = None, /, *, idempotency_key: str | None = None, **fields: Any) -> models.BrandKitOut:
        """Create a Brand Kit. Scope `brand_kit:write`."""
        return await self._client.call(models.BrandKitOut, "POST", "/brand-kit", body=merge(body, fields), idempotency_key=idempotency_key)

    async def get(self, brand_kit_id: str) -> models.BrandKitOut:
        """Get a Brand Kit. Scope `brand_kit:read`."""
        return await self._client.call(models.BrandKitOut, "GET", f"/brand-kit/{brand_kit_id}")

    async def update(self, brand_kit_id: str, body: models.BrandKitPatchIn | Mapping[str, Any] | None = None, /, *, idempotency_key: str | None = None, **fields: Any) -> models.BrandKitOut:
        """Update a Brand Kit. Scope `brand_kit:write`."""
        return await self._client.call(models.BrandKitOut, "PATCH", f"/brand-kit/{brand_kit_id}", body=merge(body, fields), idempotency_key=idempotency_key)

    async def delete(self, brand_kit_id: str, *, idempotency_key: str | None = None) -> None:
        """Delete a Brand Kit. Scope `brand_kit:write`."""
        return await self._client.call(None, "DELETE", f"/brand-kit/{brand_kit_id}", idempotency_key=idempotency_key)

    async def start_extraction(self, brand_kit_id: str, body: models.ExtractionStartIn | Mapping[str, Any] | None = None, /, *, idempotency_key: str | None = None, **fields: Any) -> models.BrandExtractionOut:
        """Extract a brand from a website. Scope `brand_kit:write`."""
        return await self._client.call(models.BrandExtractionOut, "POST", f"/brand-kit/{brand_kit_id}/extractions", body=merge(body, fields), idempotency_key=idempotency_key)

    async def get_extraction(self, extraction_id: str) -> models.BrandExtractionOut:
        """Get a brand extraction. Scope `brand_kit:read`."""
        return await self._client.call(models.BrandExtractionOut, "GET", f"/brand-kit/extractions/{extraction_id}")


class AsyncDomains:
    """`client.domains`: list, create, get, delete, verify, rotate_dkim."""

    def __init__(self, client: AsyncSegmentFlow) -> None:
        self._client = client

    def list(self, *, limit: int | None = None, after: str | None = None) -> AsyncPager[models.DomainOut]:
        """List sending domains. Scope `domains:read`."""
        return self._client.pager(models.DomainOut, "/domains", {"limit": limit, "after": after})

    async def create(self, body: models.DomainCreateIn | Mapping[str, Any] | None = None, /, *, idempotency_key: str | None = None, **fields: Any) -> models.DomainOut:
        """Add a sending domain. Scope `domains:write`."""
        return await self._client.call(models.DomainOut, "POST", "/domains", body=merge(body, fields), idempotency_key=idempotency_key)

    async def get(self, domain_id: str) -> models.DomainOut:
        """Get a sending domain. Scope `domains:read`."""
        return await self._client.call(models.DomainOut, "GET", f"/domains/{domain_id}")

    async def delete(self, domain_id: str, *, idempotency_key: str | None = None) -> None:
        """Delete a sending domain. Scope `domains:write`."""
        return await self._client.call(None, "DELETE", f"/domains/{domain_id}", idempotency_key=idempotency_key)

    async def verify(self, domain_id: str, *, idempotency_key: str | None = None) -> models.DomainOut:
        """Check a sending domain's DNS records. Scope `domains:write`."""
        return await self._client.call(models.DomainOut, "POST", f"/domains/{domain_id}/verify", idempotency_key=idempotency_key)

    async def rotate_dkim(self, domain_id: str, *, idempotency_key: str | None = None) -> models.DomainOut:
        """Rotate a domain's DKIM key. Scope `domains:write`."""
        return await self._client.call(models.DomainOut, "POST", f"/domains/{domain_id}/dkim-rotation", idempotency_key=idempotency_key)


class AsyncEmails:
    """`client.emails`: send, list, batch_send, get, cancel."""

    def __init__(self, client: AsyncSegmentFlow) -> None:
        self._client = client

    async def send(self, body: models.EmailSendIn | Mapping[str, Any] | None = None, /, *, idempotency_key: str | None = None, **fields: Any) -> models.EmailSendOut:
        """Send an email. Scope `emails:send`."""
        return await self._client.call(models.EmailSendOut, "POST", "/emails", body=merge(body, fields), idempotency_key=idempotency_key)

    def list(self, *, limit: int | None = None, after: str | None = None, status: Literal["scheduled", "queued", "sending", "sent", "delivered", "bounced", "complained", "failed", "suppressed", "cancelled"] | None = None, profile_id: str | None = None, template_id: str | None = None, journey_id: str | None = None) -> AsyncPager[models.EmailSendOut]:
        """List EmailSends. Scope `emails:read`."""
        return self._client.pager(models.EmailSendOut, "/emails", {"limit": limit, "after": after, "status": status, "profile_id": profile_id, "template_id": template_id, "journey_id": journey_id})

    async def batch_send(self, body: models.BatchSendIn | Mapping[str, Any] | None = None, /, *, idempotency_key: str | None = None, **fields: Any) -> models.BatchSendOut:
        """Send up to 100 emails. Scope `emails:send`."""
        return await self._client.call(models.BatchSendOut, "POST", "/emails/batch", body=merge(body, fields), idempotency_key=idempotency_key)

    async def get(self, email_send_id: str) -> models.EmailSendOut:
        """Get an EmailSend. Scope `emails:read`."""
        return await self._client.call(models.EmailSendOut, "GET", f"/emails/{email_send_id}")

    async def cancel(self, email_send_id: str, *, idempotency_key: str | None = None) -> models.EmailSendOut:
        """Cancel a scheduled or queued email. Scope `emails:send`."""
        return await self._client.call(models.EmailSendOut, "POST", f"/emails/{email_send_id}/cancel", idempotency_key=idempotency_key)


class AsyncEvents:
    """`client.events`: track, batch_track."""

    def __init__(self, client: AsyncSegmentFlow) -> None:
        self._client = client

    async def track(self, body: models.EventTrackIn | Mapping[str, Any] | None = None, /, *, idempotency_key: str | None = None, **fields: Any) -> models.EventTrackOut:
        """Track an event. Scope `events:write`."""
        return await self._client.call(models.EventTrackOut, "POST", "/events", body=merge(body, fields), idempotency_key=idempotency_key)

    async def batch_track(self, body: models.EventBatchIn | Mapping[str, Any] | None = None, /, *, idempotency_key: str | None = None, **fields: Any) -> models.EventBatchOut:
        """Track up to 500 events. Scope `events:write`."""
        return await self._client.call(models.EventBatchOut, "POST", "/events/batch", body=merge(body, fields), idempotency_key=idempotency_key)
