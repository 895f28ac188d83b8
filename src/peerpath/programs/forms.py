"""Forms for programs and participant filters (validation only; writes go to services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpath.core.models import School
from peerpath.programs.models import ParticipantRole, ParticipantStatus, Program
from peerpath.programs.services import PROGRAM_FIELDS


class ProgramForm(forms.ModelForm):
    class Meta:
        model = Program
        fields = PROGRAM_FIELDS
        widgets = {
            "term_start": forms.DateInput(attrs={"type": "date"}),
            "term_end": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "objectives": forms.Textarea(attrs={"rows": 3}),
            "guidelines": forms.Textarea(attrs={"rows": 3}),
            "eligibility_notes": forms.Textarea(attrs={"rows": 2}),
            "terms": forms.Textarea(attrs={"rows": 4}),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("term_start"), data.get("term_end")
        if start and end and end < start:
            self.add_error("term_end", _("The term must end on or after the day it starts."))
        for role in ("mentee", "mentor"):
            low, high = data.get(f"{role}_grade_min"), data.get(f"{role}_grade_max")
            if low is not None and high is not None and low > high:
                self.add_error(
                    f"{role}_grade_max", _("The highest grade must not be below the lowest.")
                )
        return data


class ProgramCreateForm(ProgramForm):
    school = forms.ModelChoiceField(queryset=School.objects.none(), label=_("School"))

    class Meta(ProgramForm.Meta):
        fields = ["school", *PROGRAM_FIELDS]

    def __init__(self, *args: Any, schools: list[School], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        school_field = self.fields["school"]
        assert isinstance(school_field, forms.ModelChoiceField)
        school_field.queryset = School.objects.filter(pk__in=[s.pk for s in schools])
        if len(schools) == 1:
            school_field.initial = schools[0].pk


class ParticipantFilterForm(forms.Form):
    q = forms.CharField(label=_("Search by name or e-mail"), required=False, max_length=100)
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("Any role")), *ParticipantRole.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *ParticipantStatus.choices],
    )
