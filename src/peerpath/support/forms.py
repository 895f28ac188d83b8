"""Forms for check-ins, support contacts, concerns and settings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpath.core.models import School
from peerpath.matching.models import Match
from peerpath.support.instruments import INSTRUMENTS, SCALE, SURVEYS
from peerpath.support.models import Concern, SupportContact, SupportSettings


class CheckInForm(forms.Form):
    def __init__(self, *args: Any, kind: str, custom_questions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.groups = []
        for key in SURVEYS[kind]:
            instrument = INSTRUMENTS[key]
            names = []
            for item in instrument.items:
                self.fields[item.key] = forms.TypedChoiceField(
                    label=str(item.text), choices=SCALE, coerce=int, widget=forms.RadioSelect
                )
                names.append(item.key)
            self.groups.append((instrument.title, names))
        self.custom_keys = []
        for i, question in enumerate(custom_questions):
            key = f"custom_{i}"
            self.fields[key] = forms.CharField(label=question, required=False, max_length=1000)
            self.custom_keys.append(key)

    def grouped(self) -> list[tuple[Any, list[Any]]]:
        return [(title, [self[n] for n in names]) for title, names in self.groups]

    def custom(self) -> list[Any]:
        return [self[k] for k in self.custom_keys]


RATING_CHOICES = [
    (1, _("1 – poor")),
    (2, _("2 – not great")),
    (3, _("3 – okay")),
    (4, _("4 – good")),
    (5, _("5 – great")),
]


class SessionFeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How did the session go?"),
        choices=RATING_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything to add? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("rating") is None and not (data.get("comment") or "").strip():
            raise forms.ValidationError(_("Choose a rating or write a comment."))
        return data


class SupportContactForm(forms.ModelForm):
    class Meta:
        model = SupportContact
        fields = ["contacted_with", "method", "happened_at", "notes"]
        widgets = {
            "happened_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }


class ConcernForm(forms.Form):
    school = forms.ModelChoiceField(queryset=School.objects.none(), label=_("School"))
    category = forms.ChoiceField(choices=Concern.Category.choices, label=_("What it is about"))
    description = forms.CharField(
        label=_("What happened? Only the school's safeguarding leads will read this."),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
    )
    match = forms.ModelChoiceField(
        queryset=Match.objects.none(), required=False, label=_("Is it about your match? (optional)")
    )

    def __init__(self, *args: Any, schools: Any, matches: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        school = self.fields["school"]
        assert isinstance(school, forms.ModelChoiceField)
        school.queryset = schools
        if schools.count() == 1:
            school.initial = schools.first()
            school.widget = forms.HiddenInput()
        match = self.fields["match"]
        assert isinstance(match, forms.ModelChoiceField)
        match.queryset = matches
        match.label_from_instance = lambda m: str(m.program)  # type: ignore[method-assign,assignment]


class ConcernUpdateForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", _("Keep the status")), *Concern.Status.choices],
        required=False,
        label=_("Status"),
    )
    note = forms.CharField(
        label=_("Note (seen by safeguarding leads)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SupportSettingsForm(forms.ModelForm):
    class Meta:
        model = SupportSettings
        fields = [
            "checkin_every_days",
            "first_month_contacts",
            "contact_every_days",
            "watch_no_meeting_days",
            "risk_no_meeting_days",
            "watch_relationship_below",
            "risk_relationship_below",
            "risk_no_shows",
            "watch_rating_below",
        ]
