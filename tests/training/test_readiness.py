"""Training decides, with screening and consent, whether a participant may become ready."""

from __future__ import annotations

import pytest
from training_testlib import answer, make_module

from factories import move_participant
from peerpath.programs.lifecycle import _READINESS_CHECKS, NotReadyError, readiness_missing
from peerpath.programs.models import Participant
from peerpath.training.selectors import training_missing
from peerpath.training.services import module_complete, program_module_require, quiz_submit

pytestmark = pytest.mark.django_db


def pass_module(student, module):
    return quiz_submit(
        actor=student.user,
        student=student,
        module=module,
        answers=answer(module, right=module.questions.count()),
    )


def test_training_registers_its_readiness_check():
    assert _READINESS_CHECKS["training"] is training_missing


def test_a_mentor_with_45_of_120_minutes_cannot_become_ready(campus, curriculum):
    mentor = campus.mentor
    pass_module(mentor, curriculum["communication-and-active-listening"])  # 25 minutes
    pass_module(mentor, curriculum["empathy"])  # 20 minutes

    assert readiness_missing(campus.mentor_participant) == [
        "Training: 45 of 120 minutes completed."
    ]
    with pytest.raises(NotReadyError) as refused:
        move_participant(campus.mentor_participant, "ready", actor=campus.coordinator)
    assert refused.value.missing == ["Training: 45 of 120 minutes completed."]
    assert "45 of 120 minutes" in str(refused.value)
    assert Participant.objects.get(pk=campus.mentor_participant.pk).status == "screening"

    for slug in ("confidentiality-and-its-limits", "setting-shared-goals", "boundaries"):
        pass_module(mentor, curriculum[slug])  # 25 + 20 + 25: 115 in all

    assert training_missing(campus.mentor_participant) == [
        "Training: 115 of 120 minutes completed."
    ]
    pass_module(mentor, curriculum["how-a-match-closes"])  # 135 minutes
    assert training_missing(campus.mentor_participant) == []
    # The last module completed was the last thing missing: promoted at once.
    assert Participant.objects.get(pk=campus.mentor_participant.pk).status == "ready"


def test_a_required_module_is_named_until_it_is_passed(campus, curriculum):
    boundaries = curriculum["boundaries"]
    program_module_require(
        actor=campus.coordinator, program=campus.program, module=boundaries, role="mentor"
    )
    campus.program.mentor_training_minutes = 0
    campus.program.save(update_fields=["mentor_training_minutes"])

    assert training_missing(campus.mentor_participant) == [
        "Training: “Boundaries that keep everyone safe” is not completed."
    ]
    quiz_submit(
        actor=campus.mentor.user,
        student=campus.mentor,
        module=boundaries,
        answers=answer(boundaries, right=0),
    )
    with pytest.raises(NotReadyError):
        move_participant(campus.mentor_participant, "ready", actor=campus.coordinator)

    pass_module(campus.mentor, boundaries)
    assert Participant.objects.get(pk=campus.mentor_participant.pk).status == "ready"


def test_a_mentee_needs_only_the_modules_required_of_mentees(campus, curriculum):
    orientation = curriculum["mentee-orientation"]
    program_module_require(
        actor=campus.coordinator, program=campus.program, module=orientation, role="mentee"
    )
    assert training_missing(campus.mentee_participant) == [
        "Training: “Getting the most from your mentor” is not completed."
    ]
    pass_module(campus.mentee, orientation)
    assert training_missing(campus.mentee_participant) == []
    assert Participant.objects.get(pk=campus.mentee_participant.pk).status == "ready"


def test_a_module_without_a_quiz_counts_once_marked_read(campus):
    reading = make_module(minutes=120, answers=())
    assert training_missing(campus.mentor_participant) == ["Training: 0 of 120 minutes completed."]
    module_complete(actor=campus.mentor.user, student=campus.mentor, module=reading)
    assert training_missing(campus.mentor_participant) == []
