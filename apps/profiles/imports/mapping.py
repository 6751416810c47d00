"""The column mapping of an import: what each column of the file becomes in a Profile."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from segmentflow.errors import ActionError

from .. import actions
from ..models import ProfileImport
from .csvfile import looks_like_email

MAX_ATTRIBUTE_NAME = 100

# What a column can be imported as, in the order the mapping page offers them.
FIELD_CHOICES = [
    ("email", "Email"),
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("external_id", "External ID"),
    ("locale", "Locale"),
    ("timezone", "Time zone"),
    ("attribute", "Attribute"),
    ("ignore", "Don't import"),
]
PROFILE_COLUMNS = ("email", "first_name", "last_name", "external_id", "locale", "timezone")
# Headers recognised for each Profile field, compared lower-cased without accents or punctuation.
HEADER_GUESSES: dict[str, frozenset[str]] = {
    "email": frozenset(
        {"email", "emailaddress", "mail", "emailadresse", "courriel", "correoelectronico"}
    ),
    "first_name": frozenset(
        {"firstname", "first", "givenname", "forename", "fname", "vorname", "prenom", "nombre"}
    ),
    "last_name": frozenset(
        {"lastname", "last", "surname", "familyname", "lname", "nachname", "nom", "apellido"}
    ),
    "external_id": frozenset(
        {"externalid", "id", "userid", "customerid", "contactid", "uid", "memberid"}
    ),
    "locale": frozenset({"locale", "language", "lang", "languagecode"}),
    "timezone": frozenset({"timezone", "tz", "timezonename"}),
}


def _header_key(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", ascii_name.lower())


def attribute_name_for(header: str) -> str:
    """A default attribute name from a column header, in camelCase like the API's fields:
    "Plan type" → "planType", "NPS" → "nps"."""
    words = re.findall(r"[^\W_]+", header)
    if not words:
        return ""

    def lower_first(word: str) -> str:
        return word.lower() if word.isupper() else word[0].lower() + word[1:]

    def upper_first(word: str) -> str:
        return word.capitalize() if word.isupper() else word[0].upper() + word[1:]

    return (lower_first(words[0]) + "".join(upper_first(word) for word in words[1:]))[
        :MAX_ATTRIBUTE_NAME
    ]


def guess_mapping(columns: list[str], sample_rows: list[list[str]]) -> list[dict[str, str]]:
    """A first mapping from the headers; without an email header, the column whose samples are
    all email addresses is the email column. Unnamed columns are not imported."""
    taken: set[str] = set()
    mapping: list[dict[str, str]] = []
    for index, name in enumerate(columns, start=1):
        key = _header_key(name)
        guess = next(
            (field for field, keys in HEADER_GUESSES.items() if key in keys and field not in taken),
            None,
        )
        if guess:
            taken.add(guess)
        elif name == f"Column {index}" or not attribute_name_for(name):
            guess = "ignore"
        else:
            guess = "attribute"
        mapping.append({"field": guess, "attribute": attribute_name_for(name)})
    if "email" not in taken:
        for index, entry in enumerate(mapping):
            values = [row[index] for row in sample_rows if index < len(row) and row[index]]
            if (
                entry["field"] in ("attribute", "ignore")
                and values
                and all(map(looks_like_email, values))
            ):
                entry["field"] = "email"
                break
    return mapping


def mapping_problems(
    columns: list[str], mapping: list[dict[str, str]]
) -> list[tuple[int | None, str]]:
    """What is wrong with a mapping, as (column index or None, message); empty when it is fine."""
    if len(mapping) != len(columns):
        return [(None, "The mapping does not match the columns of the file.")]
    problems: list[tuple[int | None, str]] = []
    valid_fields = {value for value, _ in FIELD_CHOICES}
    mapped_to: dict[str, int] = {}
    attribute_names: dict[str, int] = {}
    labels = dict(FIELD_CHOICES)
    for index, entry in enumerate(mapping):
        field = entry.get("field", "")
        if field not in valid_fields:
            problems.append((index, "Choose what to import this column as."))
        elif field == "attribute":
            name = entry.get("attribute", "").strip()
            if not name:
                problems.append((index, "Name the attribute this column is imported into."))
            elif len(name) > MAX_ATTRIBUTE_NAME:
                problems.append((index, f"At most {MAX_ATTRIBUTE_NAME} characters."))
            elif name in attribute_names:
                first = columns[attribute_names[name]]
                problems.append((index, f"Column “{first}” is already imported as “{name}”."))
            else:
                attribute_names[name] = index
        elif field in PROFILE_COLUMNS:
            if field in mapped_to:
                first = columns[mapped_to[field]]
                problems.append(
                    (index, f"Column “{first}” is already imported as {labels[field]}.")
                )
            else:
                mapped_to[field] = index
    if "email" not in mapped_to:
        problems.append(
            (
                None,
                "Choose the column that holds the email address: every Profile needs one. "
                "If the file has no such column, add one and upload it again.",
            )
        )
    return problems


@dataclass(frozen=True)
class ColumnPlan:
    """Where each Profile field and attribute is in a row, from an import's mapping."""

    width: int
    fields: dict[str, int]
    attributes: list[tuple[int, str]]

    @classmethod
    def of(cls, profile_import: ProfileImport) -> ColumnPlan:
        fields: dict[str, int] = {}
        attributes: list[tuple[int, str]] = []
        for index, entry in enumerate(profile_import.mapping):
            if entry["field"] == "attribute":
                attributes.append((index, entry["attribute"]))
            elif entry["field"] in PROFILE_COLUMNS:
                fields[entry["field"]] = index
        return cls(len(profile_import.columns), fields, attributes)

    @staticmethod
    def cell(cells: list[str], index: int | None) -> str:
        return cells[index].strip() if index is not None and index < len(cells) else ""

    def identity(self, cells: list[str]) -> tuple[str, str]:
        """The row's email (normalised, "" when invalid) and externalId, for duplicate checks."""
        try:
            email = actions.clean_email(self.cell(cells, self.fields["email"]))
        except ActionError:
            email = ""
        return email, self.cell(cells, self.fields.get("external_id"))
