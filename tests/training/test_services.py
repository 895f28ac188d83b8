"""Training services: scoring, completion, requirements, minutes, and who may write."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from training_testlib import answer, make_module

from factories import make_organization, make_participant
from peerpath.core.models import AuditEntry
from peerpath.training.models import ModuleProgress, ProgramModule
from peerpath.training.selectors import training_status
from peerpath.training.services import (
    module_complete,
    module_record_completion,
    module_start,
    program_module_require,
    program_module_unrequire,
    program_requirements_set,
    quiz_submit,
)

pytestmark = pytest.mark.django_db


def progress_row(student, module):
    return ModuleProgress.objects.filter(student=student, module=module).values(
        "attempts", "best_score", "passed", "completed_at"
    )


# --- Quiz scoring ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("right", "score", "passed"),
    [(5, 100, True), (4, 80, True), (3, 60, False), (0, 0, False)],
)
def test_quiz_score_is_the_percent_answered_correctly(campus, right, score, passed):
    module = make_module(pass_mark=80, answers=(0, 1, 2, 0, 1))
    user = campus.mentor.user

    result = quiz_submit(
        actor=user, student=campus.mentor, module=module, answers=answer(module, right=right)
    )

    assert (result.correct_count, result.total, result.score, result.passed) == (
        right,
        5,
        score,
        passed,
    )
    assert [a.correct for a in result.answers] == [True] * right + [False] * (5 - right)
    progress = ModuleProgress.objects.get(student=campus.mentor, module=module)
    assert (progress.attempts, progress.best_score, progress.passed) == (1, score, passed)
    assert (progress.completed_at is not None) is passed
    assert result.newly_completed is passed


@pytest.mark.parametrize(("pass_mark", "passed"), [(66, True), (67, False)])
def test_pass_mark_boundary_compares_exactly(campus, pass_mark, passed):
    # 2 of 3 is 66.67%: it reaches a pass mark of 66% but not one of 67%.
    module = make_module(pass_mark=pass_mark, answers=(0, 0, 0))
    result = quiz_submit(
        actor=campus.mentor.user,
        student=campus.mentor,
        module=module,
        answers=answer(module, right=2),
    )
    assert (result.score, result.passed) == (66, passed)


def test_retries_keep_the_best_score_and_a_pass_is_never_undone(campus):
    module = make_module(pass_mark=80, answers=(0, 1, 2, 0, 1))
    student, user = campus.mentor, campus.mentor.user

    first = quiz_submit(actor=user, student=student, module=module, answers=answer(module, right=2))
    second = quiz_submit(
        actor=user, student=student, module=module, answers=answer(module, right=4)
    )
    completed_at = ModuleProgress.objects.get(student=student, module=module).completed_at
    third = quiz_submit(actor=user, student=student, module=module, answers=answer(module, right=1))

    assert [(r.score, r.passed, r.newly_completed) for r in (first, second, third)] == [
        (40, False, False),
        (80, True, True),
        (20, False, False),
    ]
    progress = ModuleProgress.objects.get(student=student, module=module)
    assert (progress.attempts, progress.best_score, progress.passed) == (3, 80, True)
    assert progress.completed_at == completed_at
    assert AuditEntry.objects.filter(action="training.quiz_submit").count() == 3
    assert AuditEntry.objects.filter(action="training.module_start").count() == 1


def test_unanswered_or_invalid_answers_are_refused_and_nothing_is_recorded(campus):
    module = make_module(answers=(0, 1, 2))
    answers = answer(module, right=3)
    first_question = next(iter(answers))
    partial = dict(list(answers.items())[:2])
    out_of_range = {**answers, first_question: 3}

    with pytest.raises(ValidationError) as unanswered:
        quiz_submit(actor=campus.mentor.user, student=campus.mentor, module=module, answers=partial)
    with pytest.raises(ValidationError) as invalid:
        quiz_submit(
            actor=campus.mentor.user, student=campus.mentor, module=module, answers=out_of_range
        )

    assert unanswered.value.messages == ["Answer every question before you submit."]
    assert invalid.value.messages == ["An answer is not one of the choices."]
    assert not ModuleProgress.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="training.").exists()


def test_a_student_cannot_record_training_for_someone_else(campus):
    module = make_module(answers=(0,))
    for actor in (campus.mentee.user, campus.coordinator):
        with pytest.raises(PermissionDenied):
            quiz_submit(
                actor=actor, student=campus.mentor, module=module, answers=answer(module, right=1)
            )
        with pytest.raises(PermissionDenied):
            module_start(actor=actor, student=campus.mentor, module=module)
    assert not ModuleProgress.objects.exists()


def test_another_organizations_module_is_not_offered(campus):
    theirs = make_module(organization=make_organization("Elsewhere"), answers=(0,))
    with pytest.raises(ValidationError):
        module_start(actor=campus.mentor.user, student=campus.mentor, module=theirs)
    ours = make_module(organization=campus.org, answers=(0,))
    assert module_start(actor=campus.mentor.user, student=campus.mentor, module=ours).pk


def test_module_start_is_idempotent(campus):
    module = make_module(answers=())
    first = module_start(actor=campus.mentor.user, student=campus.mentor, module=module)
    again = module_start(actor=campus.mentor.user, student=campus.mentor, module=module)
    assert first.pk == again.pk
    assert again.started_at == first.started_at
    assert (again.attempts, again.completed_at) == (0, None)
    assert AuditEntry.objects.filter(action="training.module_start").count() == 1


def test_a_module_without_a_quiz_completes_when_marked_read(campus):
    reading = make_module(answers=())
    with_quiz = make_module(answers=(0,))

    progress = module_complete(actor=campus.mentor.user, student=campus.mentor, module=reading)
    again = module_complete(actor=campus.mentor.user, student=campus.mentor, module=reading)

    assert progress.completed_at is not None
    assert again.completed_at == progress.completed_at
    assert (progress.best_score, progress.attempts) == (None, 0)
    assert AuditEntry.objects.filter(action="training.module_complete").count() == 1
    with pytest.raises(ValidationError) as error:
        module_complete(actor=campus.mentor.user, student=campus.mentor, module=with_quiz)
    assert error.value.messages == ["Pass this module's quiz to complete it."]
    assert not progress_row(campus.mentor, with_quiz).exists()
    with pytest.raises(ValidationError):
        quiz_submit(actor=campus.mentor.user, student=campus.mentor, module=reading, answers={})


# --- Requirements ---------------------------------------------------------------


def test_coordinator_requires_and_unrequires_a_module(campus):
    module = make_module(audience="all", answers=())

    first = program_module_require(
        actor=campus.coordinator, program=campus.program, module=module, role="mentor"
    )
    again = program_module_require(
        actor=campus.coordinator, program=campus.program, module=module, role="mentor"
    )
    assert first.pk == again.pk
    program_module_require(
        actor=campus.coordinator, program=campus.program, module=module, role="mentee"
    )
    assert sorted(ProgramModule.objects.values_list("role", flat=True)) == ["mentee", "mentor"]
    assert AuditEntry.objects.filter(action="training.module_require").count() == 2

    assert program_module_unrequire(
        actor=campus.coordinator, program=campus.program, module=module, role="mentor"
    )
    assert not program_module_unrequire(
        actor=campus.coordinator, program=campus.program, module=module, role="mentor"
    )
    assert list(ProgramModule.objects.values_list("role", flat=True)) == ["mentee"]
    assert AuditEntry.objects.filter(action="training.module_unrequire").count() == 1


def test_only_the_programs_coordinators_change_requirements(campus):
    module = make_module(answers=())
    program_module_require(
        actor=campus.coordinator, program=campus.program, module=module, role="mentor"
    )
    before = list(ProgramModule.objects.values_list("pk", "module_id", "role"))
    audits = AuditEntry.objects.count()
    for actor in (campus.staff, campus.other_coordinator, campus.mentor.user):
        with pytest.raises(PermissionDenied):
            program_module_require(
                actor=actor, program=campus.program, module=module, role="mentee"
            )
        with pytest.raises(PermissionDenied):
            program_module_unrequire(
                actor=actor, program=campus.program, module=module, role="mentor"
            )
        with pytest.raises(PermissionDenied):
            program_requirements_set(actor=actor, program=campus.program, required={"mentor": []})
    assert list(ProgramModule.objects.values_list("pk", "module_id", "role")) == before
    assert AuditEntry.objects.count() == audits


def test_a_module_must_suit_the_role_and_the_organization(campus):
    mentee_only = make_module(audience="mentee", title="Welcome", answers=())
    theirs = make_module(organization=make_organization("Elsewhere"), answers=())
    with pytest.raises(ValidationError) as wrong_audience:
        program_module_require(
            actor=campus.coordinator, program=campus.program, module=mentee_only, role="mentor"
        )
    assert wrong_audience.value.messages == ["“Welcome” is written for mentees."]
    with pytest.raises(ValidationError):
        program_module_require(
            actor=campus.coordinator, program=campus.program, module=theirs, role="mentor"
        )
    with pytest.raises(ValidationError):
        program_module_require(
            actor=campus.coordinator, program=campus.program, module=mentee_only, role="both"
        )
    assert not ProgramModule.objects.exists()


def test_requirements_set_adds_and_removes_all_or_nothing(campus):
    a, b, c = (make_module(title=t, answers=()) for t in "ABC")
    welcome = make_module(title="Welcome", audience="mentee", answers=())
    program = campus.program

    assert program_requirements_set(
        actor=campus.coordinator, program=program, required={"mentor": [a, b], "mentee": [welcome]}
    ) == (3, 0)
    assert program_requirements_set(
        actor=campus.coordinator, program=program, required={"mentor": [b, c]}
    ) == (1, 1)
    state = sorted(ProgramModule.objects.values_list("role", "module__title"))
    assert state == [("mentee", "Welcome"), ("mentor", "B"), ("mentor", "C")]

    # A module that cannot be required of mentors rolls back the whole change.
    with pytest.raises(ValidationError):
        program_requirements_set(
            actor=campus.coordinator, program=program, required={"mentor": [a, welcome]}
        )
    assert sorted(ProgramModule.objects.values_list("role", "module__title")) == state


# --- Status: required modules and minutes ----------------------------------------


def test_minutes_count_only_completed_mentor_modules(campus):
    done = make_module(minutes=25, answers=(0,))
    half = make_module(minutes=40, answers=(0,))
    read = make_module(minutes=20, answers=())
    for_mentees = make_module(minutes=15, audience="mentee", answers=())
    user, student = campus.mentor.user, campus.mentor

    quiz_submit(actor=user, student=student, module=done, answers=answer(done, right=1))
    quiz_submit(actor=user, student=student, module=half, answers=answer(half, right=0))
    module_complete(actor=user, student=student, module=read)
    module_complete(actor=user, student=student, module=for_mentees)

    status = training_status(campus.mentor_participant)
    assert (status.minutes_done, status.minutes_required, status.complete) == (45, 120, False)
    mentee_status = training_status(campus.mentee_participant)
    assert (mentee_status.minutes_done, mentee_status.minutes_required) == (0, 0)
    assert mentee_status.complete


def test_requirements_follow_the_participants_role(campus):
    mentor_module = make_module(title="Listening", answers=())
    mentee_module = make_module(title="Welcome", audience="mentee", answers=())
    shared = make_module(title="Safety", audience="all", answers=())
    program_requirements_set(
        actor=campus.coordinator,
        program=campus.program,
        required={"mentor": [mentor_module, shared], "mentee": [mentee_module, shared]},
    )
    both = make_participant(campus.program, role="both", status="screening")

    def titles(participant):
        return [m.title for m in training_status(participant).missing]

    assert titles(campus.mentor_participant) == ["Listening", "Safety"]
    assert titles(campus.mentee_participant) == ["Welcome", "Safety"]
    assert titles(both) == ["Listening", "Safety", "Welcome"]
    assert training_status(both).minutes_required == 120

    module_complete(actor=campus.mentee.user, student=campus.mentee, module=mentee_module)
    module_complete(actor=campus.mentee.user, student=campus.mentee, module=shared)
    status = training_status(campus.mentee_participant)
    assert ([m.title for m in status.done], status.missing, status.complete) == (
        ["Welcome", "Safety"],
        [],
        True,
    )


def test_an_inactive_module_is_no_longer_required(campus):
    module = make_module(audience="mentee", answers=())
    program_module_require(
        actor=campus.coordinator, program=campus.program, module=module, role="mentee"
    )
    assert training_status(campus.mentee_participant).missing == [module]
    module.is_active = False
    module.save(update_fields=["is_active"])
    assert training_status(campus.mentee_participant).missing == []


# --- Completion recorded by a coordinator or the system --------------------------


def test_a_coordinator_records_training_done_in_person(campus):
    module = make_module(minutes=120, answers=(0, 1))
    when = dt.datetime(2026, 9, 3, 15, 0, tzinfo=dt.UTC)

    progress = module_record_completion(
        actor=campus.coordinator, student=campus.mentor, module=module, completed_at=when, score=90
    )
    again = module_record_completion(actor=None, student=campus.mentor, module=module)

    assert (progress.completed_at, progress.best_score, progress.passed) == (when, 90, True)
    assert again.completed_at == when
    assert training_status(campus.mentor_participant).complete
    assert AuditEntry.objects.filter(action="training.module_record").count() == 1


def test_only_the_students_coordinators_record_their_training(campus):
    module = make_module(answers=())
    for actor in (campus.other_coordinator, campus.staff, campus.mentee.user):
        with pytest.raises(PermissionDenied):
            module_record_completion(actor=actor, student=campus.mentor, module=module)
    with pytest.raises(ValidationError):
        module_record_completion(actor=None, student=campus.mentor, module=module, score=101)
    assert not ModuleProgress.objects.exists()
