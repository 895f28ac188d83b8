from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class EraseConfirmForm(forms.Form):
    """The admin types the person's e-mail address to confirm an erasure."""

    email = forms.EmailField(
        label=_("Type the person's e-mail address to confirm"),
        help_text=_("Erasure cannot be undone."),
    )

    def __init__(self, *args: Any, expected: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expected = expected

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if email.strip().lower() != self.expected.lower():
            raise forms.ValidationError(_("That is not this person's e-mail address."))
        return str(email)
