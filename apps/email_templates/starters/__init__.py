"""Starter templates a new Template can be created from, with sample merge data for previews."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apps.brand_kits.context import BrandLogo, build_brand
from apps.brand_kits.models import BrandKit
from apps.email_templates.rendering import Purpose

_HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Starter:
    key: str
    name: str
    description: str
    purpose: Purpose
    category: str
    subject: str
    preheader: str
    html: str
    sample_data: dict[str, Any] = field(default_factory=dict)

    def template_data(self) -> dict[str, Any]:
        """What `actions.create_template` takes to create a Template from this starter."""
        return {
            "name": self.name,
            "subject": self.subject,
            "preheader": self.preheader,
            "html": self.html,
            "purpose": self.purpose,
            "category": self.category,
        }


def _read(filename: str) -> str:
    return (_HERE / filename).read_text(encoding="utf-8")


# The palette of previews before an Organization has its own kit (and of the demo's kit).
SAMPLE_COLORS = {
    "primary": "#4f46e5",
    "secondary": "#0ea5e9",
    "accent": "#f59e0b",
    "background": "#f4f4f7",
    "text": "#1f2937",
}


def sample_brand() -> dict[str, Any]:
    """A Brand Kit as the renderer sees it, for previews before an Organization has its own:
    built by the one brand builder, so every key a template may use is there."""
    kit = BrandKit(
        name="Acme",
        colors=dict(SAMPLE_COLORS),
        fonts={"heading": "Inter", "body": "Inter"},
        footer={"companyName": "Acme Inc.", "address": "548 Market St, San Francisco, CA 94104"},
    )
    logo: BrandLogo = {
        "url": "https://static.example.com/acme/logo.png",
        "alt": "Acme",
        "width": None,
        "height": None,
    }
    return build_brand(kit, {"primary": logo})


SAMPLE_PROFILE: dict[str, Any] = {
    "email": "ada@example.com",
    "firstName": "Ada",
    "lastName": "Lovelace",
}

STARTERS: list[Starter] = [
    Starter(
        key="welcome",
        name="Welcome",
        description="Greets a new signup and points to the first steps.",
        purpose="transactional",
        category="onboarding",
        subject='Welcome to {{ brand.name }}, {{ profile.firstName | default: "there" }}!',
        preheader="Your account is ready. Here is how to get the most out of it.",
        html=_read("welcome.html"),
        sample_data={"ctaUrl": "https://app.example.com/start"},
    ),
    Starter(
        key="receipt",
        name="Receipt",
        description="An order receipt with the items bought, the total and a link to the order.",
        purpose="transactional",
        category="billing",
        subject="Your {{ brand.name }} receipt for order #{{ data.orderNumber }}",
        preheader="Thanks for your order. Total: {{ data.total }}.",
        html=_read("receipt.html"),
        sample_data={
            "orderNumber": "10482",
            "orderDate": "27 November 2026",
            "items": [
                {"name": "Ceramic mug, ocean blue", "quantity": 2, "price": "$24.00"},
                {"name": "Pour-over coffee kit", "quantity": 1, "price": "$39.00"},
                {"name": "Single-origin beans, 250 g", "quantity": 3, "price": "$42.00"},
            ],
            "total": "$105.00",
            "orderUrl": "https://shop.example.com/orders/10482",
        },
    ),
    Starter(
        key="password_reset",
        name="Password reset",
        description="A one-time link to choose a new password, with the time it expires.",
        purpose="transactional",
        category="account",
        subject="Reset your {{ brand.name }} password",
        preheader="This link expires in {{ data.expiresInMinutes | default: 60 }} minutes.",
        html=_read("password_reset.html"),
        sample_data={
            "resetUrl": "https://app.example.com/reset/7Yt2kQ9xw",
            "expiresInMinutes": 30,
        },
    ),
    Starter(
        key="newsletter",
        name="Newsletter",
        description="An issue with an introduction and a list of articles; marketing mail.",
        purpose="marketing",
        category="newsletter",
        subject="{{ data.issueTitle }}",
        preheader="{{ data.intro | truncate: 90 }}",
        html=_read("newsletter.html"),
        sample_data={
            "issueTitle": "The November roundup",
            "issueDate": "November 2026",
            "intro": "Three stories from this month: faster sends, a new editor, and how "
            "a small bakery doubled its repeat orders.",
            "articles": [
                {
                    "title": "Sends are twice as fast",
                    "summary": "We rebuilt the delivery queue. Here is what changed.",
                    "url": "https://blog.example.com/faster-sends",
                },
                {
                    "title": "Meet the new template editor",
                    "summary": "Live preview, brand colors, and merge fields that autocomplete.",
                    "url": "https://blog.example.com/new-editor",
                },
                {
                    "title": "How Crumb & Co doubled repeat orders",
                    "summary": "A welcome series, a receipt with a nudge, and patience.",
                    "url": "https://blog.example.com/crumb-and-co",
                },
            ],
            "ctaUrl": "https://blog.example.com",
            "ctaLabel": "Read the blog",
        },
    ),
]

STARTERS_BY_KEY: dict[str, Starter] = {starter.key: starter for starter in STARTERS}


def sample_context(starter: Starter, brand: dict[str, Any] | None = None) -> dict[str, Any]:
    """The render context of a preview: sample profile and data, and the given brand."""
    return {
        "profile": SAMPLE_PROFILE,
        "data": starter.sample_data,
        "brand": brand or sample_brand(),
        "unsubscribeUrl": "https://app.example.com/u/preview",
        "preferencesUrl": "https://app.example.com/preferences/preview",
    }


# "Start blank": the smallest template that uses the brand, with the unsubscribe link marketing
# mail must carry.
BLANK_HTML = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
</head>
<body style="margin: 0; background-color: {{ brand.colors.background }};">
  <p style="color: {{ brand.colors.text }};">Hello {{ profile.firstName | default: "there" }},</p>
</body>
</html>
"""
BLANK_MARKETING_FOOTER = '  <p><a href="{{ unsubscribeUrl }}">Unsubscribe</a></p>\n</body>'


def blank_template_data(name: str, purpose: str) -> dict[str, Any]:
    """What `actions.create_template` takes for a blank template named `name`."""
    html = BLANK_HTML
    if purpose == "marketing":
        html = html.replace("</body>", BLANK_MARKETING_FOOTER)
    return {"name": name, "subject": name, "html": html, "purpose": purpose}
