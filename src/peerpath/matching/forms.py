"""Forms for matching and group settings, closure and the exit survey."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpath.matching.criteria import CRITERIA
from peerpath.matching.groups import GROUP_CRITERIA
from peerpath.matching.models import GroupLeaderRule, Match, MatchMode
from peerpath.programs.models import Participant, ParticipantStatus, Program


class MatchSettingsForm(forms.Form):
    mode = forms.ChoiceField(choices=MatchMode.choices, label=_("How to match"))
    mentor_capacity = forms.IntegerField(
        min_value=1, max_value=12, label=_("Mentees per mentor (default)")
    )
    allow_mentee_requests = forms.BooleanField(
        required=False, label=_("Mentees may ask for a mentor from a list")
    )

    def __init__(self, *args: Any, criteria: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = {c["key"]: c for c in criteria}
        self.criterion_keys = list(CRITERIA)
        for key, spec in CRITERIA.items():
            entry = current.get(key, {"weight": 0, "hard": False})
            self.fields[f"{key}__weight"] = forms.DecimalField(
                min_value=0,
                max_value=10,
                decimal_places=1,
                initial=entry.get("weight", 0),
                label=_("Weight of %(name)s") % {"name": spec.label},
            )
            self.fields[f"{key}__hard"] = forms.BooleanField(
                required=False,
                initial=entry.get("hard", False),
                label=_("%(name)s is required") % {"name": spec.label},
            )
            if "min" in spec.options:
                self.fields[f"{key}__min"] = forms.IntegerField(
                    min_value=1,
                    max_value=10,
                    initial=entry.get("min", 1),
                    label=_("Minimum shared slots"),
                )
            if "prefer" in spec.options:
                self.fields[f"{key}__prefer"] = forms.ChoiceField(
                    choices=[("similar", _("Similar")), ("diverse", _("Deliberately diverse"))],
                    initial=entry.get("prefer", "similar"),
                    label=_("Background: similar or diverse"),
                )

    def rows(self) -> list[dict[str, Any]]:
        out = []
        for key, spec in CRITERIA.items():
            out.append(
                {
                    "spec": spec,
                    "weight": self[f"{key}__weight"],
                    "hard": self[f"{key}__hard"],
                    "min": self[f"{key}__min"] if f"{key}__min" in self.fields else None,
                    "prefer": self[f"{key}__prefer"] if f"{key}__prefer" in self.fields else None,
                }
            )
        return out

    def criteria(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        out = []
        for key in CRITERIA:
            entry: dict[str, Any] = {
                "key": key,
                "weight": float(data[f"{key}__weight"] or 0),
                "hard": data[f"{key}__hard"],
            }
            if f"{key}__min" in data:
                entry["min"] = data[f"{key}__min"]
            if f"{key}__prefer" in data:
                entry["prefer"] = data[f"{key}__prefer"]
            if entry["weight"] > 0 or entry["hard"]:
                out.append(entry)
        return out


class CloseForm(forms.Form):
    reason = forms.ChoiceField(choices=Match.CloseReason.choices, label=_("Why the match ends"))
    note = forms.CharField(
        label=_("Note (only coordinators see it)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    future_contact_allowed = forms.BooleanField(
        required=False, label=_("The two may stay in touch after the match")
    )
    mentor_would_mentor_again = forms.NullBooleanField(
        required=False,
        label=_("Would the mentor mentor again?"),
        widget=forms.Select(
            choices=[("unknown", _("Not known")), ("true", _("Yes")), ("false", _("No"))]
        ),
    )
    rematch = forms.BooleanField(
        required=False, label=_("Rematch both: each becomes ready for a new partner")
    )


class ExitSurveyForm(forms.Form):
    rating = forms.TypedChoiceField(
        coerce=int,
        choices=[(i, str(i)) for i in range(1, 6)],
        widget=forms.RadioSelect,
        label=_("How did the match go? (1 = poorly, 5 = very well)"),
    )
    helped = forms.CharField(
        label=_("What helped?"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    improve = forms.CharField(
        label=_("What could have been better?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    would_again = forms.NullBooleanField(
        required=False,
        label=_("Would you take part again?"),
        widget=forms.Select(
            choices=[("unknown", _("Not sure")), ("true", _("Yes")), ("false", _("No"))]
        ),
    )


class GroupSettingsForm(forms.Form):
    """How a group program forms its groups: sizes, leaders, shared time, criteria, isolation."""

    min_size = forms.IntegerField(min_value=2, max_value=20, label=_("Smallest group"))
    max_size = forms.IntegerField(min_value=2, max_value=20, label=_("Largest group"))
    leaders = forms.ChoiceField(choices=GroupLeaderRule.choices, label=_("Peer leaders"))
    min_shared_slots = forms.IntegerField(
        min_value=0, max_value=10, label=_("Free times every member shares (at least)")
    )
    no_isolated = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(k, s.label) for k, s in GROUP_CRITERIA.items() if s.isolable],
        label=_("Nobody is the only one in their group with a given"),
    )

    def __init__(self, *args: Any, criteria: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = {c["key"]: c for c in criteria}
        for key, spec in GROUP_CRITERIA.items():
            entry = current.get(key, {"weight": 0, "prefer": "similar"})
            self.fields[f"{key}__weight"] = forms.DecimalField(
                min_value=0,
                max_value=10,
                decimal_places=1,
                initial=entry.get("weight", 0),
                label=_("Weight of %(name)s") % {"name": spec.label},
            )
            self.fields[f"{key}__prefer"] = forms.ChoiceField(
                choices=[("similar", _("Similar")), ("diverse", _("Diverse"))],
                initial=entry.get("prefer", "similar"),
                label=_("%(name)s: similar or diverse") % {"name": spec.label},
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("min_size"), data.get("max_size")
        if low is not None and high is not None and low > high:
            self.add_error("max_size", _("The largest group cannot be smaller than the smallest."))
        return data

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"spec": spec, "weight": self[f"{key}__weight"], "prefer": self[f"{key}__prefer"]}
            for key, spec in GROUP_CRITERIA.items()
        ]

    def criteria(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {
                "key": key,
                "prefer": data[f"{key}__prefer"],
                "weight": float(data[f"{key}__weight"] or 0),
            }
            for key in GROUP_CRITERIA
            if (data[f"{key}__weight"] or 0) > 0
        ]


class _ParticipantChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.student.user.display_name)


class ArrivalForm(forms.Form):
    """A coordinator records when a buddy program's mentee arrived."""

    participant = _ParticipantChoice(queryset=Participant.objects.none(), label=_("New student"))
    arrived_on = forms.DateField(
        label=_("Arrived on"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["participant"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            Participant.objects.filter(
                program=program, role="mentee", status=ParticipantStatus.READY
            )
            .select_related("student__user")
            .order_by("student__user__given_name", "pk")
        )
