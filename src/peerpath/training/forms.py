"""Forms for the quiz and for a program's required modules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from peerpath.training.models import Audience, QuizQuestion, RequiredFor, TrainingModule


class QuizForm(forms.Form):
    """One radio group per question, named ``q_<question id>``."""

    def __init__(self, *args: Any, questions: Sequence[QuizQuestion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            self.fields[f"q_{question.pk}"] = forms.TypedChoiceField(
                label=question.prompt,
                choices=[(str(i), str(text)) for i, text in enumerate(question.choices)],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose an answer.")},
            )

    def answers(self) -> dict[int, int]:
        """Return ``{question id: chosen index}`` from valid data."""
        return {q.pk: self.cleaned_data[f"q_{q.pk}"] for q in self.questions}


class ModuleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: TrainingModule) -> str:
        return str(
            _("%(title)s (%(minutes)d min)")
            % {"title": obj.title, "minutes": obj.estimated_minutes}
        )


class RequirementsForm(forms.Form):
    """Which of the modules offered to the program it requires of each role."""

    mentor = ModuleChoiceField(
        label=_("Required of mentors and tutors"),
        queryset=TrainingModule.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    mentee = ModuleChoiceField(
        label=_("Required of mentees"),
        queryset=TrainingModule.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        modules: QuerySet[TrainingModule],
        current: dict[str, list[TrainingModule]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, ModuleChoiceField] = {
            RequiredFor.MENTOR: self.fields["mentor"],  # type: ignore[dict-item]
            RequiredFor.MENTEE: self.fields["mentee"],  # type: ignore[dict-item]
        }
        for role, field in fields.items():
            field.queryset = modules.filter(audience__in=[role, Audience.ALL])
            self.initial.setdefault(role, [m.pk for m in current.get(role, [])])

    def required_modules(self) -> dict[str, list[TrainingModule]]:
        return {role: list(self.cleaned_data[role]) for role in RequiredFor.values}
