"""Forms for applying, referring, reviewing, screening and consent."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpath.people.availability import DAYS, SLOT_CODES, SLOT_TIMES, slot_label
from peerpath.people.models import Course, StudentProfile
from peerpath.people.vocabulary import INTERESTS, LANGUAGES
from peerpath.programs.models import ParticipantRole, Program
from peerpath.recruitment.models import MeetingMode, ScreeningItem


class ApplicationForm(forms.Form):
    subjects = forms.ModelMultipleChoiceField(
        queryset=Course.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Subjects"),
    )
    interests = forms.MultipleChoiceField(
        choices=INTERESTS, required=False, widget=forms.CheckboxSelectMultiple, label=_("Interests")
    )
    languages = forms.MultipleChoiceField(
        choices=LANGUAGES,
        required=True,
        widget=forms.CheckboxSelectMultiple,
        label=_("Languages you speak"),
    )
    availability = forms.MultipleChoiceField(
        choices=[(code, slot_label(code)) for code in SLOT_CODES],
        required=True,
        widget=forms.CheckboxSelectMultiple,
        label=_("When you are free each week"),
        error_messages={"required": _("Choose at least one time when you are free.")},
    )
    goals = forms.CharField(
        label=_("What do you hope to get out of the program?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
    meeting_mode = forms.ChoiceField(
        choices=MeetingMode.choices, initial=MeetingMode.EITHER, label=_("Meet online or in person")
    )
    partner_preferences = forms.CharField(
        label=_("Anything about your partner you would prefer (optional)"),
        required=False,
        max_length=500,
    )
    motivation = forms.CharField(
        label=_("Why do you want to be a mentor?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )
    experience = forms.CharField(
        label=_("Experience helping others (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )

    def __init__(self, *args: Any, program: Program, role: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.program = program
        self.role = role
        subjects = self.fields["subjects"]
        assert isinstance(subjects, forms.ModelMultipleChoiceField)
        subjects.queryset = Course.objects.filter(school=program.school).order_by("area", "name")
        self.as_mentor = role in {ParticipantRole.MENTOR, ParticipantRole.BOTH}
        subjects.label = (
            _("Subjects you can help with") if self.as_mentor else _("Subjects you need help with")
        )
        if self.as_mentor:
            self.fields["motivation"].required = True
        else:
            del self.fields["motivation"]
            del self.fields["experience"]
        self.asks_grades = self.as_mentor and program.mentor_min_subject_grade is not None
        if self.asks_grades:
            for course in subjects.queryset:
                self.fields[f"grade_{course.pk}"] = forms.IntegerField(
                    required=False,
                    min_value=0,
                    max_value=100,
                    label=_("Your current grade in %(course)s (%%)") % {"course": course.name},
                )

    def subject_rows(self) -> list[tuple[Any, Any]]:
        """Pair each subject checkbox with its grade field (when grades are asked)."""
        rows = []
        for checkbox in self["subjects"]:
            course_id = checkbox.data["value"]
            grade = self[f"grade_{course_id}"] if self.asks_grades else None
            rows.append((checkbox, grade))
        return rows

    def availability_grid(self) -> list[tuple[str, list[Any]]]:
        """Rows of the grid: a time label and the five day checkboxes for that time."""
        boxes = {box.data["value"]: box for box in self["availability"]}
        grid = []
        for index, (start, end) in enumerate(SLOT_TIMES):
            grid.append((f"{start}–{end}", [boxes[f"{day}-{index}"] for day, _label in DAYS]))
        return grid

    def day_labels(self) -> list[Any]:
        return [label for _code, label in DAYS]

    def subject_grades(self) -> dict[int, int]:
        grades: dict[int, int] = {}
        if not self.asks_grades:
            return grades
        for course in self.cleaned_data.get("subjects", []):
            value = self.cleaned_data.get(f"grade_{course.pk}")
            if value is not None:
                grades[course.pk] = value
        return grades


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("accept", _("Accept")),
            ("waitlist", _("Waitlist")),
            ("decline", _("Decline")),
        ],
        label=_("Decision"),
    )
    message = forms.CharField(
        label=_("Message to the applicants (sent by e-mail)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )


class ReferralForm(forms.Form):
    student = forms.ModelChoiceField(queryset=StudentProfile.objects.none(), label=_("Student"))
    role = forms.ChoiceField(choices=ParticipantRole.choices, label=_("Invite as"))
    note = forms.CharField(
        label=_("Why you suggest the program (the student sees this)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        student = self.fields["student"]
        assert isinstance(student, forms.ModelChoiceField)
        student.queryset = (
            StudentProfile.objects.filter(school=program.school)
            .exclude(participations__program=program)
            .select_related("user")
            .order_by("user__family_name", "user__given_name")
        )
        student.label_from_instance = lambda s: (  # type: ignore[method-assign,assignment]
            f"{s.user.family_name}, {s.user.given_name} ({_('grade')} {s.grade_level})"
        )


class ScreeningItemForm(forms.ModelForm):
    class Meta:
        model = ScreeningItem
        fields = ["name", "kind", "applies_to", "required", "expires"]


class ScreeningRecordForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    completed_on = forms.DateField(
        label=_("Completed on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    expires_on = forms.DateField(
        label=_("Expires on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class ConsentRequestForm(forms.Form):
    guardian_email = forms.EmailField(
        label=_("Guardian's e-mail (leave empty to use the linked guardians)"), required=False
    )


class ConsentAnswerForm(forms.Form):
    guardian_name = forms.CharField(label=_("Your full name"), max_length=200)
    answer = forms.ChoiceField(
        choices=[("give", _("I consent")), ("refuse", _("I do not consent"))]
    )
