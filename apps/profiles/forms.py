"""Dashboard forms of Profiles: they parse what a marketer typed and call the actions."""

from __future__ import annotations

import functools
import json
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django import forms

from apps.accounts.models import Organization, User
from segmentflow import values as json_values
from segmentflow.dashboard import add_action_error
from segmentflow.errors import ActionError

from . import actions
from .imports.actions import MAX_FILE_BYTES
from .imports.mapping import FIELD_CHOICES, MAX_ATTRIBUTE_NAME, mapping_problems
from .models import (
    ExistingProfiles,
    Profile,
    ProfileImport,
    ProfileQuerySet,
    SubscriptionSource,
    SubscriptionStatus,
    is_email_search,
)

# An action's field → the form field that shows its message, where they differ.
FORM_FIELDS = {"subscription.status": "subscription_status", "attributes": "value"}


@functools.cache
def time_zones() -> list[str]:
    """IANA names offered as suggestions in the time zone field."""
    return sorted(zoneinfo.available_timezones())


class ProfileSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=254, label="Search")
    status = forms.ChoiceField(
        required=False,
        label="Subscription",
        choices=[("", "Any subscription"), *SubscriptionStatus.choices],
    )

    def filter(self, profiles: ProfileQuerySet) -> ProfileQuerySet:
        """`profiles` narrowed by the search and the status; an invalid value filters nothing."""
        if not self.is_valid():
            return profiles
        if query := self.cleaned_data["q"]:
            profiles = profiles.search(query)
        if status := self.cleaned_data["status"]:
            profiles = profiles.filter(subscription_status=status)
        return profiles

    @property
    def is_filtered(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.values())

    @property
    def is_name_search(self) -> bool:
        """A search by name, which no index serves (an email search is one)."""
        return (
            self.is_filtered
            and bool(query := self.cleaned_data["q"])
            and not is_email_search(query)
        )


class ProfileForm(forms.Form):
    email = forms.CharField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "off", "autofocus": True})
    )
    first_name = forms.CharField(max_length=200, required=False)
    last_name = forms.CharField(max_length=200, required=False)
    external_id = forms.CharField(
        max_length=255,
        required=False,
        label="External ID",
        help_text="Your own system's id for this person; unique in the Organization.",
    )
    locale = forms.CharField(
        max_length=35, required=False, help_text="A language tag such as en or pt-BR."
    )
    timezone = forms.CharField(
        max_length=64,
        required=False,
        label="Time zone",
        help_text="An IANA time zone such as Europe/Paris.",
        widget=forms.TextInput(attrs={"list": "time-zones"}),
    )

    @classmethod
    def for_profile(cls, profile: Profile, data: Any = None) -> ProfileForm:
        initial = {name: getattr(profile, name) for name in actions.PROFILE_FIELDS}
        return cls(data, initial=initial)

    def update(self, profile: Profile) -> Profile | None:
        """Save the fields into `profile`; None when the action refused them."""
        try:
            return actions.update_profile(profile, **self.cleaned_data)
        except ActionError as error:
            add_action_error(self, error, FORM_FIELDS)
            return None


class ProfileCreateForm(ProfileForm):
    subscription_status = forms.ChoiceField(
        choices=SubscriptionStatus.choices,
        initial=SubscriptionStatus.SUBSCRIBED,
        label="Marketing email",
        widget=forms.RadioSelect,
    )

    def create(self, organization: Organization, changed_by: User) -> Profile | None:
        """Create the Profile; None when the action refused it (e.g. the email is taken)."""
        try:
            return actions.create_profile(
                organization,
                source=SubscriptionSource.DASHBOARD,
                changed_by=changed_by,
                **self.cleaned_data,
            )
        except ActionError as error:
            add_action_error(self, error, FORM_FIELDS)
            return None


def parse_attribute_value(text: str) -> Any:
    """What was typed, as JSON when it parses (42, true, [1], {"a": 1}, "42"), else as text.

    JSON that parses but breaks a value rule (too deep, a repeated key) is refused with that
    reason rather than stored as text nobody meant.
    """
    text = text.strip()
    try:
        return json_values.loads(text)
    except json_values.JsonProblem as problem:
        if text[:1] in "[{" and not problem.syntax:
            raise forms.ValidationError(f"Not stored: {problem}.") from None
        return text


def attribute_input_text(value: Any) -> str:
    """The text that parses back to `value`: a plain string as is, anything else as JSON."""
    if isinstance(value, str):
        try:
            if parse_attribute_value(value) == value:
                return value
        except forms.ValidationError:
            pass  # text that looks like bad JSON: shown quoted, so it stays text
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class AttributeRow:
    key: str
    value: Any

    @property
    def kind(self) -> str:
        """A word for the value's JSON type, shown next to it."""
        if isinstance(self.value, bool):
            return "true/false"
        if isinstance(self.value, int | float):
            return "number"
        if isinstance(self.value, list):
            return "list"
        if isinstance(self.value, dict):
            return "object"
        return "text"

    @property
    def text(self) -> str:
        return self.value if isinstance(self.value, str) else json.dumps(self.value)


def attribute_rows(attributes: dict[str, Any]) -> list[AttributeRow]:
    return [AttributeRow(key, attributes[key]) for key in sorted(attributes)]


class AttributeForm(forms.Form):
    """Set one attribute: a new key (`adding`) or a new value for an existing one."""

    key = forms.CharField()
    value = forms.CharField(required=False, strip=False, widget=forms.TextInput)
    adding = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, profile: Profile, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.profile = profile

    def clean_value(self) -> Any:
        value = parse_attribute_value(self.cleaned_data["value"])
        if value is None:
            raise forms.ValidationError("null is not a value here: use Delete to remove the key.")
        return value

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean() or {}
        key = cleaned.get("key")
        if cleaned.get("adding") and key in self.profile.attributes:
            self.add_error("key", f"“{key}” exists already: edit it in the table.")
        return cleaned

    def save(self) -> Profile | None:
        """Store the attribute; None when the action refused it (e.g. over 64 KiB)."""
        try:
            return actions.update_profile(
                self.profile, attributes={self.cleaned_data["key"]: self.cleaned_data["value"]}
            )
        except ActionError as error:
            add_action_error(self, error, FORM_FIELDS)
            return None


class SubscriptionForm(forms.Form):
    status = forms.ChoiceField(choices=SubscriptionStatus.choices)


SAMPLES_SHOWN = 3


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        # An empty file gets the import's own message.
        allow_empty_file=True,
        help_text=(
            f"Up to {MAX_FILE_BYTES // 1024 // 1024} MiB, separated by commas, "
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
                label=f"Import “{name}” as", choices=FIELD_CHOICES, initial=guess["field"]
            )
            self.fields[f"attribute_{index}"] = forms.CharField(
                label=f"Attribute name for “{name}”",
                required=False,
                initial=guess["attribute"],
                max_length=MAX_ATTRIBUTE_NAME,
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
            for index, message in mapping_problems(self.profile_import.columns, self.mapping()):
                self.add_error(None if index is None else f"field_{index}", message)
        return cleaned
