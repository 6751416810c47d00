"""URL converters for public ids (`prof_…`, `tmpl_…`): a word such as `new/` or `import/` never
reaches a view that expects an id."""

from __future__ import annotations

from django.urls import register_converter


class PublicIdConverter:
    regex = ""

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


def register_id_converter(name: str, prefix: str) -> None:
    """Make `<name:…>` match the ids `new_public_id(prefix)` makes, e.g. `prof_01h…`."""
    converter = type(
        f"{prefix.title()}IdConverter", (PublicIdConverter,), {"regex": f"{prefix}_[0-9a-z]+"}
    )
    register_converter(converter, name)
