"""Dashboard forms of the CSV import: the upload, and the column mapping with its options."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms

from . import imports
from .models import ExistingProfiles, ProfileImport, SubscriptionStatus

SAMPLES_SHOWN = 3


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        # An empty file gets the import's own message.
        allow_empty_file=True,
        help_text=(
            f"Up to {imports.MAX_FILE_BYTES // 1024 // 1024} MiB, separated by commas, "
            "semicolons or tabs, with a header row naming the columns."
        ),
    )


@dataclass
class MappedColumn:
    """One row of the mapping table: a column of the file, a few of its values, its two inputs."""

    name: str
    samples: list[str]
    field: forms.BoundField
    attribute: forms.BoundField


class MappingForm(forms.Form):
    existing = forms.ChoiceField(
        label="Profiles whose email already exists",
        choices=ExistingProfiles.choices,
        initial=ExistingProfiles.UPDATE,
        widget=forms.RadioSelect,
        help_text="Empty cells never blank a value a Profile already has.",
    )
    subscription_status = forms.ChoiceField(
        label="Marketing subscription",
        choices=[
            ("", "Leave as it is (new Profiles are subscribed)"),
            (SubscriptionStatus.SUBSCRIBED, "Mark imported Profiles as subscribed"),
            (SubscriptionStatus.UNSUBSCRIBED, "Mark imported Profiles as unsubscribed"),
        ],
        initial="",
        required=False,
        widget=forms.RadioSelect,
        help_text=(
            "Recorded with the source “import”. A person who unsubscribed through a link or a "
            "complaint is never resubscribed by an import."
        ),
    )

    def __init__(self, *args: Any, profile_import: ProfileImport, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.profile_import = profile_import
        for index, (name, guess) in enumerate(
            zip(profile_import.columns, profile_import.mapping, strict=True)
        ):
            self.fields[f"field_{index}"] = forms.ChoiceField(
                label=f"Import “{name}” as", choices=imports.FIELD_CHOICES, initial=guess["field"]
            )
            self.fields[f"attribute_{index}"] = forms.CharField(
                label=f"Attribute name for “{name}”",
                required=False,
                initial=guess["attribute"],
                max_length=imports.MAX_ATTRIBUTE_NAME,
            )

    def mapped_columns(self) -> list[MappedColumn]:
        samples = self.profile_import.sample_rows[:SAMPLES_SHOWN]
        return [
            MappedColumn(
                name=name,
                samples=[row[index] for row in samples if index < len(row) and row[index]],
                field=self[f"field_{index}"],
                attribute=self[f"attribute_{index}"],
            )
            for index, name in enumerate(self.profile_import.columns)
        ]

    def mapping(self) -> list[dict[str, str]]:
        return [
            {
                "field": self.cleaned_data.get(f"field_{index}", ""),
                "attribute": self.cleaned_data.get(f"attribute_{index}", ""),
            }
            for index in range(len(self.profile_import.columns))
        ]

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if not self.errors:
            for index, message in imports.mapping_problems(
                self.profile_import.columns, self.mapping()
            ):
                self.add_error(None if index is None else f"field_{index}", message)
        return cleaned
