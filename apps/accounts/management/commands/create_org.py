from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from apps.accounts.actions import create_organization
from apps.accounts.models import User
from segmentflow.errors import ActionError


class Command(BaseCommand):
    help = "Create an Organization and its owner login; prints the Organization's slug last."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="Organization name")
        parser.add_argument("--owner-email", required=True, help="Owner's login email")
        parser.add_argument(
            "--password", required=True, help="Owner's password (ignored if the user exists)"
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        email = User.objects.normalize_email(options["owner_email"]).lower()
        if "@" not in email:
            raise CommandError("--owner-email: not an email address")
        owner = User.objects.filter(email=email).first()
        if owner is None:
            if not options["password"]:
                raise CommandError("--password: must not be empty")
            owner = User.objects.create_user(email, options["password"])
            self.stderr.write(f"Created user {email}")
        try:
            org = create_organization(options["name"], owner)
        except ActionError as exc:
            raise CommandError(f"--{(exc.field or '').replace('_', '-')}: {exc.message}") from exc
        self.stderr.write(f"Created Organization {org.name!r} owned by {email}")
        self.stdout.write(org.slug)
