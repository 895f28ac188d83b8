"""Validation of what people type into the meetings pages (writes are in services)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast
from zoneinfo import ZoneInfo

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from peerpath.meetings.models import Goal, MeetingSettings, Session
from peerpath.meetings.scheduling import Suggestion

OTHER = "other"


def _local_choice_label(suggestion: Suggestion, time_zone: str) -> str:
    start = suggestion.starts_at.astimezone(ZoneInfo(time_zone))
    end = suggestion.ends_at.astimezone(ZoneInfo(time_zone))
    return f"{formats.date_format(start, 'l j F')}, {start:%H:%M}–{end:%H:%M}"


class _WhenMixin(forms.Form):
    """A date and a local time in the school's zone, made into an aware datetime."""

    time_zone = "UTC"

    def aware(self, day: dt.date | None, clock: dt.time | None) -> dt.datetime | None:
        if day is None or clock is None:
            return None
        return dt.datetime.combine(day, clock, tzinfo=ZoneInfo(self.time_zone))


class ScheduleForm(_WhenMixin):
    when = forms.ChoiceField(label=_("When"), widget=forms.RadioSelect)
    date = forms.DateField(
        label=_("Another date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    time = forms.TimeField(
        label=_("Start time (school time)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    duration_minutes = forms.IntegerField(label=_("Minutes"), min_value=10, max_value=240)
    location = forms.CharField(
        label=_("Place"),
        max_length=200,
        required=False,
        help_text=_("For example: Library, room 2"),
    )
    online_url = forms.URLField(
        label=_("Online link"), max_length=500, required=False, assume_scheme="https"
    )
    weeks = forms.IntegerField(
        label=_("Repeat weekly, number of sessions"),
        min_value=1,
        max_value=16,
        initial=1,
        help_text=_("1 for a single session; more for the same time every week."),
    )

    def __init__(
        self, *args: Any, suggestions: list[Suggestion], time_zone: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.time_zone = time_zone
        choices = [
            (s.starts_at.astimezone(dt.UTC).isoformat(), _local_choice_label(s, time_zone))
            for s in suggestions
        ]
        choices.append((OTHER, str(_("Another time"))))
        cast(forms.ChoiceField, self.fields["when"]).choices = choices
        if suggestions and not self.is_bound:
            self.fields["when"].initial = choices[0][0]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        when = data.get("when")
        if when == OTHER:
            starts = self.aware(data.get("date"), data.get("time"))
            if starts is None:
                raise forms.ValidationError(
                    _("Give a date and a start time, or pick a suggestion.")
                )
        elif when:
            starts = dt.datetime.fromisoformat(when)
        else:
            return data
        data["starts_at"] = starts
        return data


class RescheduleForm(_WhenMixin):
    date = forms.DateField(label=_("New date"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(
        label=_("New start time (school time)"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    reason = forms.CharField(label=_("Why it moves"), max_length=500)

    def __init__(self, *args: Any, time_zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.time_zone = time_zone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["starts_at"] = self.aware(data.get("date"), data.get("time"))
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why it is cancelled"), max_length=500)
    whole_series = forms.BooleanField(
        label=_("Also cancel the later sessions of this weekly series"), required=False
    )


class LogForm(forms.Form):
    duration_minutes = forms.IntegerField(
        label=_("How long you met (minutes)"), min_value=5, max_value=480
    )
    topics = forms.CharField(
        label=_("Topics"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    went_well = forms.CharField(
        label=_("What went well"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    next_steps = forms.CharField(
        label=_("Next steps"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    visibility = forms.ChoiceField(
        label=_("Who can read it"),
        choices=[
            ("shared", _("Shared: the others in this session and the coordinator")),
            ("private", _("Private: only me")),
        ],
        initial="shared",
        widget=forms.RadioSelect,
    )


class GoalForm(forms.Form):
    what = forms.CharField(
        label=_("What do you want to achieve?"),
        max_length=300,
        help_text=_("Specific: for example “Pass the algebra unit test”."),
    )
    measure = forms.CharField(
        label=_("How will you know? (the measure)"),
        max_length=300,
        help_text=_("Measurable: for example “A grade of 70% or more”."),
    )
    due_on = forms.DateField(label=_("By when?"), widget=forms.DateInput(attrs={"type": "date"}))
    milestones = forms.CharField(
        label=_("Milestones (one per line, optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def milestone_titles(self) -> list[str]:
        return [
            line.strip() for line in self.cleaned_data["milestones"].splitlines() if line.strip()
        ]


class ProgressForm(forms.Form):
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    note = forms.CharField(
        label=_("What changed"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    session = forms.TypedChoiceField(
        label=_("From session (optional)"), required=False, coerce=int, empty_value=None
    )
    status = forms.ChoiceField(label=_("Status"), choices=Goal.Status.choices, required=False)

    def __init__(self, *args: Any, sessions: list[Session], time_zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zone = ZoneInfo(time_zone)
        cast(forms.ChoiceField, self.fields["session"]).choices = [("", "—")] + [
            (s.pk, formats.date_format(s.starts_at.astimezone(zone), "j F, H:i")) for s in sessions
        ]


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("New milestone"), max_length=200)


class MeetingSettingsForm(forms.ModelForm):
    class Meta:
        model = MeetingSettings
        fields = ["reminder_lead_hours", "log_nudge_after_hours", "goal_checkin_days"]


class RecordHeldForm(_WhenMixin):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(
        label=_("Start time (school time)"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    duration_minutes = forms.IntegerField(label=_("Minutes"), min_value=5, max_value=480)
    location = forms.CharField(label=_("Place"), max_length=200, required=False)

    def __init__(self, *args: Any, time_zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.time_zone = time_zone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["starts_at"] = self.aware(data.get("date"), data.get("time"))
        return data
