"""Dashboard forms of sending domains."""

from __future__ import annotations

from django import forms


class DomainForm(forms.Form):
    domain = forms.CharField(
        label="Domain",
        max_length=300,
        help_text="The domain in your From address, e.g. example.com or mail.example.com.",
    )
