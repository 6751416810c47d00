"""Dashboard forms of the Emails log: its filters, and the template editor's "Send test"."""

from __future__ import annotations

from django import forms

from .models import EmailSendQuerySet, EmailStatus

# An action's field → the test form's field that shows its message.
TEST_SEND_FIELDS = {"to": "to", "from": "from_address"}


class EmailSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=254, label="Recipient")
    status = forms.ChoiceField(
        required=False, label="Status", choices=[("", "Any status"), *EmailStatus.choices]
    )
    # Set by links (a Profile's page, a Template): ids, not typed.
    profile = forms.CharField(required=False, max_length=40)
    template = forms.CharField(required=False, max_length=40)

    def filter(self, sends: EmailSendQuerySet) -> EmailSendQuerySet:
        """`sends` narrowed by the filters; an invalid value filters nothing. Each filter has
        its (organization, …, created_at) index, and the recipient is a prefix: emails are
        stored lower-cased."""
        if not self.is_valid():
            return sends
        data = self.cleaned_data
        if query := data["q"].strip().lower():
            sends = sends.filter(to_email__startswith=query)
        if data["status"]:
            sends = sends.filter(status=data["status"])
        if data["profile"]:
            sends = sends.filter(profile_id=data["profile"])
        if data["template"]:
            sends = sends.filter(template_id=data["template"])
        return sends

    @property
    def is_filtered(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.values())


class TestSendForm(forms.Form):
    to = forms.CharField(label="Send a test to", max_length=254)
    from_address = forms.CharField(label="From", max_length=500, required=False)
