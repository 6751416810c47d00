from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.accounts.actions import create_api_key
from apps.accounts.models import Organization
from segmentflow.errors import ActionError
from segmentflow.scopes import API_SCOPES


class Command(BaseCommand):
    help = "Mint an API key for an Organization; prints the key (shown once) as the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="Organization slug")
        parser.add_argument("--name", required=True, help="What the key is for")
        parser.add_argument(
            "--scopes",
            required=True,
            help=f"Comma-separated scopes, or 'all'. Scopes: {', '.join(API_SCOPES)}",
        )
        parser.add_argument(
            "--rate-limit",
            type=int,
            default=None,
            help="Requests per second for this key (0: no limit; default: the server's)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        org = Organization.objects.filter(slug=options["org"]).first()
        if org is None:
            raise CommandError(f"--org: no Organization with slug {options['org']!r}")
        try:
            api_key, raw_key = create_api_key(
                org,
                name=options["name"],
                scopes=options["scopes"].split(","),
                rate_limit=options["rate_limit"],
            )
        except ActionError as exc:
            raise CommandError(f"--{(exc.field or '').replace('_', '-')}: {exc.message}") from exc
        self.stderr.write(
            f"Created API key {api_key.id} ({', '.join(api_key.scopes)}) for {org.slug}; "
            "store it now, it is not shown again."
        )
        self.stdout.write(raw_key)
