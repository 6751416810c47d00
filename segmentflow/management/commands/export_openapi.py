from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from segmentflow.api import api
from segmentflow.openapi import render_document


class Command(BaseCommand):
    help = (
        "Print the OpenAPI document of /api/v1 as the code builds it (what /api/v1/openapi.json "
        "serves), or write it to --output; `make openapi` refreshes the committed openapi.json."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, help="write the document to this file")

    def handle(self, *args: Any, **options: Any) -> None:
        text = render_document(api.get_openapi_schema())
        output: Path | None = options["output"]
        if output is None:
            self.stdout.write(text, ending="")
            return
        output.write_text(text, encoding="utf-8")
        self.stderr.write(f"Wrote {output} ({len(text.encode())} bytes).")
