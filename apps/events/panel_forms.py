"""The builder's side panel: the trigger and settings, and one form per step type. A panel
form checks the step it builds with the definition's own checker, so the panel refuses what
publishing would refuse about that step, under the field at fault."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.db.models import Q

from apps.accounts.models import Organization
from apps.email_templates.models import Template, TemplateStatus
from segmentflow import values as json_values

from .conditions import OPS, VALUELESS_OPS, path_problem, value_problem
from .definition import BRANCHES, DefinitionError, check_definition, parse_duration
from .flow import OP_WORDS, show_value
from .models import Reentry

DURATION_UNITS = {"minutes": 60, "hours": 3600, "days": 86400, "weeks": 604800, "seconds": 1}
_ISO_UNITS = {
    "seconds": "PT{}S",
    "minutes": "PT{}M",
    "hours": "PT{}H",
    "days": "P{}D",
    "weeks": "P{}W",
}
REENTRY_CHOICES = [
    (Reentry.EVERY_TIME, "Every time the event comes"),
    (Reentry.ONCE_AT_A_TIME, "Again once the previous run has finished"),
    (Reentry.ONCE, "Once per Profile, ever"),
]


def parse_value(text: str) -> Any:
    """A typed value: JSON when it parses (42, true, ["a", "b"], "42"), text otherwise."""
    try:
        return json_values.loads(text)
    except json_values.JsonProblem:
        return text


class ConditionForm(forms.Form):
    path = forms.CharField(required=False, max_length=300, label="Path")
    op = forms.ChoiceField(
        required=False, choices=[(op, OP_WORDS[op]) for op in OPS], label="Operator"
    )
    value = forms.CharField(required=False, max_length=2000, label="Value")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        path = (data.get("path") or "").strip()
        if not path:
            data["condition"] = None  # a blank row
            return data
        if why := path_problem(path):
            self.add_error("path", why)
        op = data.get("op")
        if not op:
            self.add_error("op", "Pick an operator.")
            return data
        condition: dict[str, Any] = {"path": path, "op": op}
        text = data.get("value") or ""
        if op not in VALUELESS_OPS:
            condition["value"] = parse_value(text)
        if op in VALUELESS_OPS and text.strip():
            self.add_error("value", f"{OP_WORDS[op]} takes no value: leave it empty")
        elif why := value_problem(op, condition.get("value"), "value" in condition):
            self.add_error("value", why)
        data["condition"] = condition
        return data


class AttributeForm(forms.Form):
    key = forms.CharField(required=False, max_length=100, label="Attribute")
    value = forms.CharField(required=False, max_length=2000, label="Value")


ConditionFormSet = forms.formset_factory(ConditionForm, extra=2)
AttributeFormSet = forms.formset_factory(AttributeForm, extra=2)


def condition_initial(conditions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "path": c.get("path", ""),
            "op": c.get("op", "equals"),
            "value": show_value(c["value"]) if "value" in c else "",
        }
        for c in conditions
    ]


def split_duration(text: Any) -> tuple[int | None, str]:
    """ "PT2H" → (2, "hours"): the largest unit that measures it exactly."""
    parsed = parse_duration(text) if isinstance(text, str) else None
    seconds = int(parsed.total_seconds()) if parsed else 0
    if not seconds:
        return None, "hours"
    for unit in ("weeks", "days", "hours", "minutes"):
        if seconds % DURATION_UNITS[unit] == 0:
            return seconds // DURATION_UNITS[unit], unit
    return seconds, "seconds"


def iso_duration(amount: int, unit: str) -> str:
    return _ISO_UNITS[unit].format(amount)


def _unit_field() -> forms.ChoiceField:
    return forms.ChoiceField(choices=[(unit, unit) for unit in DURATION_UNITS], label="Unit")


def _problem_of(problem: dict[str, str], prefix: str) -> tuple[str, str]:
    """A checker problem's path relative to `prefix` ("steps[0]"), and its message."""
    return problem["path"][len(prefix) :].lstrip("."), problem["message"]


def _place_row_problem(formset: Any, field: str, rest: str, message: str) -> bool:
    """Put a problem about `where[2].op` on row 2's `op` field of `formset`."""
    if not rest.startswith(f"{field}["):
        return False
    index_text, _, inner = rest[len(field) + 1 :].partition("]")
    rows = [form for form in formset.forms if form.cleaned_data.get("condition")]
    if not index_text.isdigit() or int(index_text) >= len(rows):
        return False
    name = inner.lstrip(".").split(".")[0] or "path"
    rows[int(index_text)].add_error(name if name in ("path", "op", "value") else None, message)
    return True


class PanelForm(forms.Form):
    """A form of the side panel; `result` is what it saves into the draft once valid."""

    # A checker problem's field → the form field that shows it.
    problem_fields: ClassVar[dict[str, str]] = {}

    def __init__(
        self, data: Any = None, *, organization: Organization, initial: Any = None
    ) -> None:
        super().__init__(data, initial=initial)
        self.organization = organization
        self.result: dict[str, Any] = {}

    def place_problems(self, problems: list[tuple[str, str]]) -> None:
        for field, message in problems:
            name = self.problem_fields.get(field.split(".")[0].split("[")[0])
            self.add_error(name if name in self.fields else None, message)


class SettingsForm(PanelForm):
    """The Journey's name, re-entry rule and trigger (event and conditions)."""

    name = forms.CharField(max_length=200, label="Name")
    reentry = forms.ChoiceField(choices=REENTRY_CHOICES, label="Re-entry")
    trigger_event = forms.CharField(max_length=200, label="Trigger event")
    problem_fields: ClassVar[dict[str, str]] = {
        "name": "name",
        "reentry": "reentry",
        "trigger": "trigger_event",
    }

    def __init__(
        self, data: Any = None, *, organization: Organization, draft: dict[str, Any]
    ) -> None:
        trigger = draft.get("trigger") or {}
        initial = {
            "name": draft.get("name", ""),
            "reentry": draft.get("reentry", Reentry.EVERY_TIME),
            "trigger_event": trigger.get("event", ""),
        }
        super().__init__(data, organization=organization, initial=initial)
        # Bound, the rows are what was posted: an initial would make an unchanged row "empty".
        rows = None if data is not None else condition_initial(trigger.get("where") or [])
        self.where = ConditionFormSet(data, prefix="where", initial=rows)

    def is_valid(self) -> bool:
        valid = super().is_valid()
        return valid and self.where.is_valid()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors or not self.where.is_valid():
            return data
        where = [
            f.cleaned_data["condition"] for f in self.where.forms if f.cleaned_data.get("condition")
        ]
        shell = {
            "name": data["name"],
            "reentry": data["reentry"],
            "trigger": {"event": data["trigger_event"], "where": where},
            "steps": [],
        }
        try:
            checked = check_definition(shell, self.organization)
        except DefinitionError as refused:
            for problem in refused.problems:
                field, message = _problem_of(problem, "")
                if not _place_row_problem(self.where, "trigger.where", field, message):
                    self.place_problems([(field, message)])
            return data
        self.result = {key: checked[key] for key in ("name", "reentry", "trigger")}
        return data


class StepForm(PanelForm):
    """The settings of one step; its subclasses are the step types."""

    kind: ClassVar[str] = ""
    label = forms.CharField(
        required=False, max_length=200, label="Label", help_text="Optional: names the step."
    )
    problem_fields: ClassVar[dict[str, str]] = {"label": "label"}

    def __init__(
        self, data: Any = None, *, organization: Organization, step: dict[str, Any]
    ) -> None:
        super().__init__(data, organization=organization, initial=self.initial_of(step))
        self.step = step

    def initial_of(self, step: dict[str, Any]) -> dict[str, Any]:
        return {"label": step.get("label", "")}

    def settings(self, data: dict[str, Any]) -> dict[str, Any]:
        """The step's settings from the cleaned fields (without its type and label)."""
        return {}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        step: dict[str, Any] = {"type": self.kind, **self.settings(data)}
        if self.errors:
            return data
        if (data.get("label") or "").strip():
            step["label"] = data["label"].strip()
        # Checked alone: the steps inside it have their own cards and are checked there.
        alone = {**step, **{branch: [] for branch in BRANCHES.get(self.kind, ())}}
        shell = {"name": "check", "trigger": {"event": "check"}, "steps": [alone]}
        try:
            checked = check_definition(shell, self.organization)["steps"][0]
        except DefinitionError as refused:
            self.place_problems([_problem_of(problem, "steps[0]") for problem in refused.problems])
            return data
        self.result = checked
        return data


class SendEmailForm(StepForm):
    kind = "send_email"
    template = forms.ChoiceField(label="Template")
    from_address = forms.CharField(
        required=False,
        max_length=500,
        label="From",
        help_text="Name <address> on a verified sending domain; empty: the Brand Kit's sender.",
    )
    subject = forms.CharField(
        required=False,
        max_length=2000,
        label="Subject",
        help_text="Empty: the Template's subject.",
    )
    problem_fields: ClassVar[dict[str, str]] = {
        "label": "label",
        "template": "template",
        "from": "from_address",
        "subject": "subject",
    }

    def __init__(
        self, data: Any = None, *, organization: Organization, step: dict[str, Any]
    ) -> None:
        super().__init__(data, organization=organization, step=step)
        # The active Templates, and the step's own one even if it was archived since.
        templates = Template.objects.for_org(organization).filter(
            Q(status=TemplateStatus.ACTIVE) | Q(pk=step.get("template") or "")
        )
        choices = [("", "Pick a Template")]
        for template in templates.order_by("name", "pk").only("pk", "name", "status"):
            archived = " (archived)" if template.status == TemplateStatus.ARCHIVED else ""
            choices.append((template.pk, f"{template.name}{archived}"))
        self.fields["template"].choices = choices  # type: ignore[attr-defined]

    def initial_of(self, step: dict[str, Any]) -> dict[str, Any]:
        return {
            **super().initial_of(step),
            "template": step.get("template", ""),
            "from_address": step.get("from", ""),
            "subject": step.get("subject", ""),
        }

    def settings(self, data: dict[str, Any]) -> dict[str, Any]:
        settings: dict[str, Any] = {"template": data["template"]}
        if data["from_address"].strip():
            settings["from"] = data["from_address"].strip()
        if data["subject"].strip():
            settings["subject"] = data["subject"].strip()
        if self.step.get("data") is not None:  # merge data of an imported definition stays
            settings["data"] = self.step["data"]
        return settings


class WaitForm(StepForm):
    kind = "wait"
    mode = forms.ChoiceField(
        choices=[("duration", "For a while"), ("until", "Until a time of day")],
        widget=forms.RadioSelect,
        label="Wait",
    )
    duration_amount = forms.IntegerField(required=False, min_value=1, label="For")
    duration_unit = _unit_field()
    until = forms.TimeField(
        required=False,
        label="Until",
        input_formats=["%H:%M"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="In the Profile's time zone (UTC when it has none).",
    )
    problem_fields: ClassVar[dict[str, str]] = {
        "label": "label",
        "duration": "duration_amount",
        "until": "until",
    }

    def initial_of(self, step: dict[str, Any]) -> dict[str, Any]:
        amount, unit = split_duration(step.get("duration"))
        return {
            **super().initial_of(step),
            "mode": "until" if step.get("until") else "duration",
            "duration_amount": amount,
            "duration_unit": unit,
            "until": step.get("until", ""),
        }

    def settings(self, data: dict[str, Any]) -> dict[str, Any]:
        if data["mode"] == "until":
            if data["until"] is None:
                self.add_error("until", "Give a time of day, e.g. 09:00.")
                return {}
            return {"until": data["until"].strftime("%H:%M")}
        if data["duration_amount"] is None:
            self.add_error("duration_amount", "How long to wait, e.g. 2 hours.")
            return {}
        return {"duration": iso_duration(data["duration_amount"], data["duration_unit"])}


class WaitForEventForm(StepForm):
    kind = "wait_for_event"
    event = forms.CharField(max_length=200, label="Event", help_text="e.g. order.reviewed")
    timeout_amount = forms.IntegerField(min_value=1, label="Up to")
    timeout_unit = _unit_field()
    problem_fields: ClassVar[dict[str, str]] = {
        "label": "label",
        "event": "event",
        "timeout": "timeout_amount",
    }

    def initial_of(self, step: dict[str, Any]) -> dict[str, Any]:
        amount, unit = split_duration(step.get("timeout"))
        return {
            **super().initial_of(step),
            "event": step.get("event", ""),
            "timeout_amount": amount,
            "timeout_unit": unit,
        }

    def settings(self, data: dict[str, Any]) -> dict[str, Any]:
        timeout = iso_duration(data["timeout_amount"], data["timeout_unit"])
        return {"event": data["event"].strip(), "timeout": timeout}


class BranchForm(StepForm):
    kind = "branch"

    def __init__(
        self, data: Any = None, *, organization: Organization, step: dict[str, Any]
    ) -> None:
        super().__init__(data, organization=organization, step=step)
        rows = None if data is not None else condition_initial(step.get("where") or [])
        self.where = ConditionFormSet(data, prefix="where", initial=rows)

    def is_valid(self) -> bool:
        valid = super().is_valid()
        return valid and self.where.is_valid()

    def settings(self, data: dict[str, Any]) -> dict[str, Any]:
        if not self.where.is_valid():
            self.add_error(None, "Correct the conditions below.")
            return {}
        where = [
            f.cleaned_data["condition"] for f in self.where.forms if f.cleaned_data.get("condition")
        ]
        if not where:
            self.add_error(None, "Give at least one condition: the Profile goes Yes when all hold.")
        return {"where": where}

    def place_problems(self, problems: list[tuple[str, str]]) -> None:
        for field, message in problems:
            if not _place_row_problem(self.where, "where", field, message):
                super().place_problems([(field, message)])


class UpdateProfileForm(StepForm):
    kind = "update_profile"

    def __init__(
        self, data: Any = None, *, organization: Organization, step: dict[str, Any]
    ) -> None:
        super().__init__(data, organization=organization, step=step)
        rows = [
            {"key": key, "value": show_value(value)}
            for key, value in (step.get("set") or {}).items()
        ]
        self.rows = AttributeFormSet(data, prefix="set", initial=None if data is not None else rows)

    def is_valid(self) -> bool:
        valid = super().is_valid()
        return valid and self.rows.is_valid()

    def settings(self, data: dict[str, Any]) -> dict[str, Any]:
        self.rows.is_valid()
        values: dict[str, Any] = {}
        for form in self.rows.forms:
            key = (form.cleaned_data.get("key") or "").strip()
            if not key:
                continue
            if key in values:
                form.add_error("key", "This attribute is set twice.")
            values[key] = parse_value(form.cleaned_data.get("value") or "")
        if not values:
            self.add_error(None, "Set at least one attribute.")
        if any(form.errors for form in self.rows.forms):
            self.add_error(None, "Correct the attributes below.")
        return {"set": values}

    def place_problems(self, problems: list[tuple[str, str]]) -> None:
        for field, message in problems:
            key = field.removeprefix("set.")
            row = next(
                (f for f in self.rows.forms if (f.cleaned_data.get("key") or "").strip() == key),
                None,
            )
            if field.startswith("set.") and row is not None:
                row.add_error("key", message)
            else:
                super().place_problems([(field, message)])


STEP_FORMS: dict[str, type[StepForm]] = {
    form.kind: form
    for form in (SendEmailForm, WaitForm, BranchForm, WaitForEventForm, UpdateProfileForm)
}
