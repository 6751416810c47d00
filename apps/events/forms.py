"""Dashboard forms of Events and Journeys: the Events log's filters, a new Journey, an import.
The builder's side panel has its own (panel_forms.py)."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.accounts.models import Organization
from apps.profiles.models import Profile
from segmentflow import values as json_values

from .models import UserEventQuerySet

MAX_IMPORT_BYTES = 1024 * 1024


# The Events log


class EventSearchForm(forms.Form):
    name = forms.CharField(required=False, max_length=200, label="Event name")
    # A Profile's id (from links) or email (typed).
    profile = forms.CharField(required=False, max_length=254, label="Profile")

    def __init__(self, data: Any, organization: Organization) -> None:
        super().__init__(data)
        self.organization = organization

    def clean_profile(self) -> Profile | None:
        value = self.cleaned_data["profile"].strip()
        if not value:
            return None
        profiles = Profile.objects.for_org(self.organization)
        found = (profiles.with_email(value) if "@" in value else profiles.filter(pk=value)).first()
        if found is None:
            raise forms.ValidationError("No such Profile in this Organization.")
        return found

    def filter(self, events: UserEventQuerySet) -> UserEventQuerySet:
        """`events` narrowed by name (exact: the (organization, name, created_at) index) and
        Profile; an unknown Profile matches nothing."""
        if not self.is_valid():
            return events.none() if "profile" in self.errors else events
        if name := self.cleaned_data["name"].strip():
            events = events.filter(name=name)
        if profile := self.cleaned_data["profile"]:
            events = events.filter(profile=profile)
        return events


# New Journey, import


class JourneyCreateForm(forms.Form):
    name = forms.CharField(max_length=200, label="Name")
    trigger_event = forms.CharField(
        max_length=200,
        label="Trigger event",
        help_text="The event name that starts a run, as your backend tracks it: order.completed",
    )


class JourneyImportForm(forms.Form):
    definition = forms.CharField(
        required=False, label="Definition (JSON)", widget=forms.Textarea(attrs={"rows": 16})
    )
    file = forms.FileField(required=False, label="…or a JSON file")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload, text = data.get("file"), data.get("definition", "")
        if upload is not None:
            if upload.size > MAX_IMPORT_BYTES:
                raise forms.ValidationError("The file is larger than 1 MiB.")
            raw: bytes | str = upload.read()
        elif text.strip():
            raw = text
        else:
            raise forms.ValidationError("Paste a definition or choose a file.")
        try:
            data["raw"] = json_values.loads(raw)
        except json_values.JsonProblem as problem:
            raise forms.ValidationError(f"Not JSON: {problem}") from None
        return data
