"""Validation of what people type or upload on the insights pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpath.insights.impact import ROLES
from peerpath.insights.outcomes import MAX_BYTES
from peerpath.programs.models import Participant
from peerpath.rosters.models import Term

ROLE_CHOICES = [
    ("mentee", _("Mentees")),
    ("mentor", _("Mentors")),
    ("all", _("Everyone matched")),
]
assert {value for value, _label in ROLE_CHOICES} == set(ROLES)


class OutcomeUploadForm(forms.Form):
    term = forms.ModelChoiceField(queryset=Term.objects.none(), label=_("Term"))
    file = forms.FileField(
        label=_("Outcome file (CSV)"),
        help_text=_("UTF-8 CSV with a header row; see the column list below."),
    )

    def __init__(self, *args: Any, terms: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["term"].queryset = terms  # type: ignore[attr-defined]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)}
            )
        return upload


class TermsForm(forms.Form):
    """Which terms to compare and whose outcomes (GET, on the impact and fairness pages)."""

    baseline = forms.ModelChoiceField(
        queryset=Term.objects.none(), label=_("Before the program"), required=False
    )
    outcome = forms.ModelChoiceField(
        queryset=Term.objects.none(), label=_("After the program"), required=False
    )
    role = forms.ChoiceField(choices=ROLE_CHOICES, label=_("Participants"), required=False)

    def __init__(self, *args: Any, terms: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["baseline"].queryset = terms  # type: ignore[attr-defined]
        self.fields["outcome"].queryset = terms  # type: ignore[attr-defined]


class ThankYouForm(forms.Form):
    mentor = forms.ModelChoiceField(queryset=Participant.objects.none(), label=_("Mentor"))
    message = forms.CharField(
        label=_("Your thank-you"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, mentors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["mentor"]
        field.queryset = mentors  # type: ignore[attr-defined]
        field.label_from_instance = lambda p: p.student.user.display_name  # type: ignore[attr-defined]
