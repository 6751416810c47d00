from __future__ import annotations

import secrets
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from apps.accounts.actions import create_api_key, create_organization
from apps.accounts.models import Organization, User
from apps.brand_kits.actions import create_brand_kit
from apps.email_templates.actions import create_template
from apps.email_templates.starters import SAMPLE_COLORS, STARTERS
from apps.events.journeys import save_journey

DEMO_EMAIL = "demo@segmentflow.local"


class Command(BaseCommand):
    help = (
        "Create a demo Organization with an owner login, a full-scope API key, a Brand Kit and "
        "the starter templates when no Organization exists yet, and print the login and the key "
        "(once). Used by `make run`."
    )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        if Organization.objects.exists():
            self.stdout.write("Organizations exist already; no demo created.")
            return
        password = secrets.token_urlsafe(12)
        owner = User.objects.filter(email=DEMO_EMAIL).first()
        if owner is None:
            owner = User.objects.create_user(DEMO_EMAIL, password)
        else:
            owner.set_password(password)
            owner.save(update_fields=["password"])
        org = create_organization("Demo", owner)
        _, raw_key = create_api_key(org, name="Demo key", scopes=["all"], created_by=owner)
        _add_demo_content(org)
        banner = "=" * 72
        self.stdout.write(
            f"{banner}\n"
            f"Demo Organization created (slug: {org.slug}). Shown once, keep them:\n"
            f"  dashboard login: {DEMO_EMAIL} / {password}\n"
            f"  API key:         {raw_key}\n"
            f"{banner}"
        )


def _add_demo_content(org: Organization) -> None:
    """A default Brand Kit, the starter templates and a draft Journey, so the dashboard has
    something to show."""
    create_brand_kit(
        org,
        name="Demo",
        colors=SAMPLE_COLORS,
        fonts={"heading": "Inter", "body": "Inter"},
        sender={"from_name": "Demo", "from_email": "hello@example.com"},
        footer={"company_name": "Demo Inc.", "address": "1 Example Street, Springfield"},
    )
    templates = {
        starter.key: create_template(org, starter.template_data(), saved_by="make run (demo)")
        for starter in STARTERS
    }
    # A Journey to open in the builder: a draft, so nothing is sent until it is activated.
    save_journey(
        org,
        {
            "name": "Welcome series",
            "status": "draft",
            "reentry": "once",
            "trigger": {"event": "user.signed_up"},
            "steps": [
                {"type": "send_email", "template": templates["welcome"].pk},
                {"type": "wait", "duration": "P2D"},
                {
                    "type": "branch",
                    "where": [
                        {
                            "path": "profile.subscription.status",
                            "op": "equals",
                            "value": "subscribed",
                        }
                    ],
                    "yes": [{"type": "send_email", "template": templates["newsletter"].pk}],
                    "no": [],
                },
            ],
        },
    )
