from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.accounts.models import Organization
from apps.events.journeys import export_definition
from apps.events.models import Journey


class Command(BaseCommand):
    help = "Print a Journey's definition as JSON (import_journey takes it back)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="Organization slug")
        parser.add_argument("journey_id", help="jrn_…")

    def handle(self, *args: Any, **options: Any) -> None:
        org = Organization.objects.filter(slug=options["org"]).first()
        if org is None:
            raise CommandError(f"--org: no Organization with slug {options['org']!r}")
        journey = Journey.objects.for_org(org).filter(pk=options["journey_id"]).first()
        if journey is None:
            raise CommandError(f"no Journey {options['journey_id']} in {org.slug}")
        self.stdout.write(json.dumps(export_definition(journey), indent=2, ensure_ascii=False))
