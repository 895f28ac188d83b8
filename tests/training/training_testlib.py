"""Small helpers for training tests: a module with a known quiz, and answers to it."""

from __future__ import annotations

from collections.abc import Sequence

from peerpath.core.models import Organization
from peerpath.training.models import QuizQuestion, TrainingModule


def make_module(
    *,
    title: str = "Test module",
    minutes: int = 30,
    audience: str = "mentor",
    pass_mark: int = 80,
    answers: Sequence[int] = (0, 1, 2, 0, 1),
    organization: Organization | None = None,
    content: str = "## Hello\n\nSome *text*.",
) -> TrainingModule:
    """
    Create a module whose quiz has one question per item of ``answers``.

    Each question has three choices; ``answers[i]`` is the correct one.
    """
    n = TrainingModule.objects.count() + 1
    module = TrainingModule.objects.create(
        organization=organization,
        slug=f"test-module-{n}",
        title=title,
        audience=audience,
        content=content,
        estimated_minutes=minutes,
        pass_mark_percent=pass_mark,
        order=1000 + n,
    )
    for order, correct in enumerate(answers, start=1):
        QuizQuestion.objects.create(
            module=module,
            order=order,
            prompt=f"Question {order}?",
            choices=["A", "B", "C"],
            correct_choice=correct,
            explanation=f"Because {order}.",
        )
    return module


def answer(module: TrainingModule, *, right: int) -> dict[int, int]:
    """Answers to ``module``'s quiz with the first ``right`` correct and the rest wrong."""
    result = {}
    for index, question in enumerate(module.questions.order_by("order")):
        wrong = (question.correct_choice + 1) % len(question.choices)
        result[question.pk] = question.correct_choice if index < right else wrong
    return result
