"""
Writes for training: requirements per program, progress, quizzes, reminders.

Every function takes keyword-only arguments, runs in one transaction, checks
who is acting before it writes, and leaves an audit entry for each change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peerpath.core.access import scope_for
from peerpath.core.audit import audit_record
from peerpath.core.emails import email_on_commit
from peerpath.core.models import User
from peerpath.people.models import StudentProfile
from peerpath.programs.lifecycle import notify_readiness_changed
from peerpath.programs.models import Participant, ParticipantStatus, Program
from peerpath.programs.selectors import program_can_manage, program_list_managed
from peerpath.training.curriculum import load_curriculum
from peerpath.training.models import (
    Audience,
    ModuleProgress,
    ProgramModule,
    QuizQuestion,
    RequiredFor,
    TrainingModule,
)
from peerpath.training.selectors import program_training_progress

__all__ = [
    "QuestionResult",
    "QuizResult",
    "module_complete",
    "module_record_completion",
    "module_start",
    "program_module_require",
    "program_module_unrequire",
    "program_requirements_set",
    "quiz_submit",
    "starter_curriculum_load",
    "training_reminders_send",
]


@dataclass(frozen=True)
class QuestionResult:
    """One answered question: what was chosen and whether it was right."""

    question: QuizQuestion
    chosen: int

    @property
    def correct(self) -> bool:
        return self.chosen == self.question.correct_choice

    @property
    def chosen_text(self) -> str:
        return str(self.question.choices[self.chosen])

    @property
    def correct_text(self) -> str:
        return str(self.question.choices[self.question.correct_choice])


@dataclass(frozen=True)
class QuizResult:
    """
    The outcome of one quiz attempt.

    ``score`` is the percent of questions answered correctly, rounded down, so
    ``passed`` is exactly ``score >= module.pass_mark_percent``.
    ``newly_completed`` is true on the attempt that completed the module.
    """

    module: TrainingModule
    progress: ModuleProgress
    answers: list[QuestionResult]
    correct_count: int
    total: int
    score: int
    passed: bool
    newly_completed: bool


def _check_own(actor: User, student: StudentProfile) -> None:
    if actor.pk != student.user_id:
        raise PermissionDenied(_("You can only record your own training."))


def _check_offered(module: TrainingModule, organization_id: int) -> None:
    if not module.is_active or module.organization_id not in (None, organization_id):
        raise ValidationError({"module": _("This module is not offered at your school.")})


def _organization_id(student: StudentProfile) -> int:
    return student.school.organization_id


def _progress_locked(
    student: StudentProfile, module: TrainingModule
) -> tuple[ModuleProgress, bool]:
    """Return the student's progress row for ``module``, locked, creating it if needed."""
    return ModuleProgress.objects.select_for_update().get_or_create(
        student=student, module=module, defaults={"started_at": timezone.now()}
    )


def _audit_start(actor: User, student: StudentProfile, progress: ModuleProgress) -> None:
    audit_record(
        actor=actor,
        action="training.module_start",
        target=progress,
        organization=student.school.organization,
        after={"student": student.pk, "module": progress.module_id},
    )


@transaction.atomic
def module_start(*, actor: User, student: StudentProfile, module: TrainingModule) -> ModuleProgress:
    """Record that ``student`` opened ``module`` (once; later calls change nothing)."""
    _check_own(actor, student)
    _check_offered(module, _organization_id(student))
    progress, created = _progress_locked(student, module)
    if created:
        _audit_start(actor, student, progress)
    return progress


@transaction.atomic
def module_complete(
    *, actor: User, student: StudentProfile, module: TrainingModule
) -> ModuleProgress:
    """Mark a module without a quiz as completed; a module with a quiz completes by passing it."""
    _check_own(actor, student)
    _check_offered(module, _organization_id(student))
    if module.questions.exists():
        raise ValidationError(_("Pass this module's quiz to complete it."), code="has_quiz")
    progress, created = _progress_locked(student, module)
    if created:
        _audit_start(actor, student, progress)
    if progress.completed_at is not None:
        return progress
    progress.completed_at = timezone.now()
    progress.save(update_fields=["completed_at"])
    audit_record(
        actor=actor,
        action="training.module_complete",
        target=progress,
        organization=student.school.organization,
        after={"module": module.pk, "completed_at": progress.completed_at},
    )
    _readiness_changed(student)
    return progress


def _readiness_changed(student: StudentProfile) -> None:
    """A completed module may be the last thing a participant in screening lacked."""
    for participant in Participant.objects.filter(
        student=student, status=ParticipantStatus.SCREENING
    ).select_related("program", "student"):
        notify_readiness_changed(participant)


@transaction.atomic
def quiz_submit(
    *,
    actor: User,
    student: StudentProfile,
    module: TrainingModule,
    answers: Mapping[int, int],
) -> QuizResult:
    """
    Score one attempt at ``module``'s quiz; ``answers`` maps question id to choice index.

    Every question must be answered. The attempt is counted, the best score
    kept, and the module marked passed and completed when the score reaches
    its pass mark. A later, weaker attempt never undoes a completion; retries
    are unlimited.
    """
    _check_own(actor, student)
    _check_offered(module, _organization_id(student))
    questions = list(module.questions.order_by("order", "pk"))
    if not questions:
        raise ValidationError(_("This module has no quiz."), code="no_quiz")
    if any(q.pk not in answers for q in questions):
        raise ValidationError(_("Answer every question before you submit."), code="unanswered")
    results: list[QuestionResult] = []
    for question in questions:
        chosen = answers[question.pk]
        if not isinstance(chosen, int) or not 0 <= chosen < len(question.choices):
            raise ValidationError(_("An answer is not one of the choices."), code="invalid_choice")
        results.append(QuestionResult(question=question, chosen=chosen))

    total = len(results)
    correct_count = sum(r.correct for r in results)
    score = correct_count * 100 // total
    passed = score >= module.pass_mark_percent

    progress, created = _progress_locked(student, module)
    if created:
        _audit_start(actor, student, progress)
    before = {"attempts": progress.attempts, "best_score": progress.best_score}
    progress.attempts += 1
    progress.best_score = max(progress.best_score or 0, score)
    changed = ["attempts", "best_score"]
    newly_completed = False
    if passed and not progress.passed:
        progress.passed = True
        changed.append("passed")
    if passed and progress.completed_at is None:
        progress.completed_at = timezone.now()
        changed.append("completed_at")
        newly_completed = True
    progress.save(update_fields=changed)
    audit_record(
        actor=actor,
        action="training.quiz_submit",
        target=progress,
        organization=student.school.organization,
        before=before,
        after={
            "module": module.pk,
            "score": score,
            "passed": passed,
            "attempts": progress.attempts,
            "best_score": progress.best_score,
            "completed": newly_completed,
        },
    )
    if newly_completed:
        _readiness_changed(student)
    return QuizResult(
        module=module,
        progress=progress,
        answers=results,
        correct_count=correct_count,
        total=total,
        score=score,
        passed=passed,
        newly_completed=newly_completed,
    )


@transaction.atomic
def module_record_completion(
    *,
    actor: User | None,
    student: StudentProfile,
    module: TrainingModule,
    completed_at: dt.datetime | None = None,
    score: int | None = None,
) -> ModuleProgress:
    """
    Record that ``student`` completed ``module`` outside the quiz (in-person training, import).

    A coordinator of the student's school or of one of their programs may;
    ``actor=None`` is the system (roster imports, demo data). ``score`` is a
    percent (0–100) kept as the best score when higher. A completion already
    on record keeps its date.
    """
    if actor is not None and not _can_record_for(actor, student):
        raise PermissionDenied(_("Only the student's coordinators can record their training."))
    _check_offered(module, _organization_id(student))
    if score is not None and not 0 <= score <= 100:
        raise ValidationError({"score": _("A score is a percent from 0 to 100.")})
    when = completed_at or timezone.now()
    progress, _created = ModuleProgress.objects.select_for_update().get_or_create(
        student=student, module=module, defaults={"started_at": when}
    )
    before = {"completed_at": progress.completed_at, "best_score": progress.best_score}
    changed: list[str] = []
    if progress.completed_at is None:
        progress.completed_at = when
        changed.append("completed_at")
        if module.questions.exists():
            progress.passed = True
            changed.append("passed")
    if score is not None and score > (progress.best_score or -1):
        progress.best_score = score
        changed.append("best_score")
    if changed:
        progress.save(update_fields=changed)
        audit_record(
            actor=actor,
            action="training.module_record",
            target=progress,
            organization=student.school.organization,
            before=before,
            after={"completed_at": progress.completed_at, "best_score": progress.best_score},
        )
    return progress


def _can_record_for(actor: User, student: StudentProfile) -> bool:
    if actor.is_superuser or scope_for(actor).can_manage_school(student.school):
        return True
    return program_list_managed(actor).filter(participants__student=student).exists()


# --- Coordinators -------------------------------------------------------------


def _check_manage(actor: User, program: Program) -> None:
    if not program_can_manage(actor, program):
        raise PermissionDenied(_("Only the program's coordinators can change its training."))


def _check_requirable(program: Program, module: TrainingModule, role: str) -> None:
    if role not in RequiredFor.values:
        raise ValidationError({"role": _("Modules are required of mentors or of mentees.")})
    if not module.is_active or module.organization_id not in (
        None,
        program.school.organization_id,
    ):
        raise ValidationError({"module": _("This module is not offered in this organization.")})
    if module.audience not in (role, Audience.ALL):
        message = (
            _("“%(title)s” is written for mentees.")
            if module.audience == Audience.MENTEE
            else _("“%(title)s” is written for mentors and tutors.")
        )
        raise ValidationError({"module": message % {"title": module.title}})


@transaction.atomic
def program_module_require(
    *, actor: User, program: Program, module: TrainingModule, role: str
) -> ProgramModule:
    """Require ``module`` of the program's participants in ``role`` (mentor or mentee)."""
    _check_manage(actor, program)
    _check_requirable(program, module, role)
    requirement, created = ProgramModule.objects.get_or_create(
        program=program, module=module, role=role
    )
    if created:
        audit_record(
            actor=actor,
            action="training.module_require",
            target=program,
            organization=program.school.organization,
            after={"module": module.pk, "role": role},
        )
    return requirement


@transaction.atomic
def program_module_unrequire(
    *, actor: User, program: Program, module: TrainingModule, role: str
) -> bool:
    """Stop requiring ``module`` of ``role``; return whether it had been required."""
    _check_manage(actor, program)
    deleted, _rows = ProgramModule.objects.filter(
        program=program, module=module, role=role
    ).delete()
    if deleted:
        audit_record(
            actor=actor,
            action="training.module_unrequire",
            target=program,
            organization=program.school.organization,
            before={"module": module.pk, "role": role},
        )
    return bool(deleted)


@transaction.atomic
def program_requirements_set(
    *,
    actor: User,
    program: Program,
    required: Mapping[str, Iterable[TrainingModule]],
) -> tuple[int, int]:
    """
    Make ``required[role]`` exactly the modules ``program`` requires of each role given.

    Roles not in ``required`` keep their requirements. Return ``(added,
    removed)``. All or nothing: one module that cannot be required leaves
    every requirement as it was.
    """
    _check_manage(actor, program)
    added = removed = 0
    for role, modules in required.items():
        if role not in RequiredFor.values:
            raise ValidationError({"role": _("Modules are required of mentors or of mentees.")})
        wanted = {m.pk: m for m in modules}
        current = {
            row.module_id: row.module
            for row in ProgramModule.objects.filter(program=program, role=role).select_related(
                "module"
            )
        }
        for pk, module in wanted.items():
            if pk not in current:
                program_module_require(actor=actor, program=program, module=module, role=role)
                added += 1
        for pk, module in current.items():
            if pk not in wanted:
                program_module_unrequire(actor=actor, program=program, module=module, role=role)
                removed += 1
    return added, removed


@transaction.atomic
def training_reminders_send(*, actor: User, program: Program) -> int:
    """
    E-mail every current participant whose required training is incomplete.

    Only the program's coordinators may. The messages go out once the
    transaction commits; return how many were scheduled.
    """
    _check_manage(actor, program)
    sent: list[int] = []
    for status in program_training_progress(user=actor, program=program):
        if status.complete:
            continue
        user = status.participant.student.user
        if not user.email or not user.is_active:
            continue
        email_on_commit(
            to=[user.email],
            template="training_reminder",
            context={
                "name": user.get_short_name(),
                "program": program.name,
                "missing_titles": [module.title for module in status.missing],
                "minutes_done": status.minutes_done,
                "minutes_required": status.minutes_required,
                "minutes_short": not status.minutes_met,
            },
            language=user.preferred_language or None,
        )
        sent.append(status.participant.pk)
    audit_record(
        actor=actor,
        action="training.reminders_send",
        target=program,
        organization=program.school.organization,
        after={"sent": len(sent), "participants": sent},
    )
    return len(sent)


def starter_curriculum_load() -> int:
    """
    Create or refresh Peerpath's starter curriculum; return how many modules were new.

    The data migration does this on every install. Tests that run after a
    database flush (browser tests use ``transactional_db``) call it to get the
    curriculum back. Idempotent by slug.
    """
    with transaction.atomic():
        return load_curriculum(TrainingModule, QuizQuestion)
