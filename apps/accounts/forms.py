from __future__ import annotations

from typing import Any

from django import forms

from segmentflow.scopes import SCOPES, has_scope

from .models import Membership


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses this key, e.g. “Billing backend”.")
    scopes = forms.MultipleChoiceField(
        choices=[], widget=forms.CheckboxSelectMultiple, help_text="What the key may do."
    )
    rate_limit = forms.IntegerField(
        required=False,
        min_value=0,
        label="Rate limit (requests/s)",
        help_text="Empty for the server default; 0 for no limit.",
    )
    expires_at = forms.DateTimeField(
        required=False,
        label="Expires at (UTC)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Optional.",
    )

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the scopes the user's own role has can be granted.
        self.fields["scopes"].choices = [  # type: ignore[attr-defined]
            (scope, f"{scope} — {label}")
            for scope, label in SCOPES.items()
            if has_scope(membership, scope)
        ]
