"""Writes for programs and participants."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from peerpath.core.access import scope_for
from peerpath.core.audit import audit_record, snapshot
from peerpath.core.models import School, User
from peerpath.people.models import Course, StudentProfile
from peerpath.programs.lifecycle import NotReadyError, check_transition, readiness_missing
from peerpath.programs.models import (
    Participant,
    ParticipantRole,
    ParticipantStatus,
    ParticipantStatusChange,
    Program,
)
from peerpath.programs.selectors import program_can_manage

PROGRAM_FIELDS = [
    "name",
    "program_type",
    "status",
    "description",
    "objectives",
    "guidelines",
    "term_start",
    "term_end",
    "mentee_grade_min",
    "mentee_grade_max",
    "mentor_grade_min",
    "mentor_grade_max",
    "eligibility_notes",
    "default_mentor_capacity",
    "meeting_cadence",
    "session_minutes",
    "accepts_applications",
    "mentor_commitment",
    "mentee_commitment",
    "mentor_min_subject_grade",
    "consent_age",
    "terms",
    "mentor_training_minutes",
]


def _unique_slug(school: School, name: str, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:70] or "program"
    slug, n = base, 2
    taken = Program.objects.filter(school=school)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    while taken.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _check_grade_ranges(values: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    for role in ("mentee", "mentor"):
        low, high = values.get(f"{role}_grade_min"), values.get(f"{role}_grade_max")
        if low is not None and high is not None and low > high:
            errors[f"{role}_grade_max"] = _("The highest grade must not be below the lowest.")
    start, end = values.get("term_start"), values.get("term_end")
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        errors["term_end"] = _("The term must end on or after the day it starts.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def program_create(*, actor: User, school: School, **fields: Any) -> Program:
    """
    Create a program in ``school``.

    Only coordinators of the school and admins of its organization may; the
    fields are those of :data:`PROGRAM_FIELDS`.
    """
    if not (actor.is_superuser or scope_for(actor).can_manage_school(school)):
        raise PermissionDenied(_("You cannot create programs in this school."))
    unknown = set(fields) - set(PROGRAM_FIELDS)
    if unknown:
        raise TypeError(f"Unknown program fields: {sorted(unknown)}")
    _check_grade_ranges(fields)
    program = Program(school=school, created_by=actor, **fields)
    program.slug = _unique_slug(school, program.name)
    program.full_clean()
    program.save()
    audit_record(
        actor=actor,
        action="program.create",
        target=program,
        organization=school.organization,
        after=snapshot(program, ["school", "slug", *PROGRAM_FIELDS]),
    )
    return program


@transaction.atomic
def program_update(*, actor: User, program: Program, **fields: Any) -> Program:
    """Change a program's settings; only its coordinators may."""
    if not program_can_manage(actor, program):
        raise PermissionDenied(_("Only the program's coordinators can change it."))
    unknown = set(fields) - set(PROGRAM_FIELDS)
    if unknown:
        raise TypeError(f"Unknown program fields: {sorted(unknown)}")
    program = Program.objects.select_for_update().get(pk=program.pk)
    before = snapshot(program, [*PROGRAM_FIELDS, "terms_version"])
    changed = [name for name, value in fields.items() if getattr(program, name) != value]
    if not changed:
        return program
    for name in changed:
        setattr(program, name, fields[name])
    if "terms" in changed:
        # Consent is given to one version of the terms; a new text is a new version.
        program.terms_version += 1
        changed.append("terms_version")
    _check_grade_ranges({name: getattr(program, name) for name in PROGRAM_FIELDS})
    program.full_clean()
    program.save(update_fields=[*changed, "updated_at"])
    audit_record(
        actor=actor,
        action="program.update",
        target=program,
        organization=program.school.organization,
        before={k: before[k] for k in changed},
        after=snapshot(program, changed),
    )
    return program


@transaction.atomic
def participant_enrol(
    *,
    actor: User | None,
    program: Program,
    student: StudentProfile,
    role: str,
    status: str = ParticipantStatus.APPLIED,
    subjects: list[Course] | None = None,
    goals: str = "",
    mentor_capacity: int | None = None,
) -> Participant:
    """
    Add ``student`` to ``program`` with ``role``.

    ``status`` is the entry status: ``applied`` for an application, or any later
    status when a coordinator enrols someone directly or data is imported.
    """
    if student.school_id != program.school_id:
        raise ValidationError({"student": _("The student is not at this program's school.")})
    if role not in ParticipantRole.values:
        raise ValidationError({"role": _("Unknown role.")})
    if Participant.objects.filter(program=program, student=student).exists():
        raise ValidationError({"student": _("The student is already in this program.")})
    participant = Participant.objects.create(
        program=program,
        student=student,
        role=role,
        status=status,
        goals=goals,
        mentor_capacity=mentor_capacity,
    )
    if subjects:
        wrong = [c for c in subjects if c.school_id != program.school_id]
        if wrong:
            raise ValidationError({"subjects": _("A subject is not taught at this school.")})
        participant.subjects.set(subjects)
    ParticipantStatusChange.objects.create(
        participant=participant, from_status="", to_status=status, actor=actor
    )
    audit_record(
        actor=actor,
        action="participant.enrol",
        target=participant,
        organization=program.school.organization,
        after=snapshot(participant, ["program", "student", "role", "status"]),
    )
    return participant


@transaction.atomic
def participant_transition(
    *, actor: User | None, participant: Participant, to_status: str, reason: str = ""
) -> Participant:
    """
    Move a participant along the lifecycle (see :mod:`peerpath.programs.lifecycle`).

    The row is locked first so that two coordinators acting at once cannot
    both apply a transition from the same starting status.
    """
    locked = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("program", "student")
        .get(pk=participant.pk)
    )
    if actor is not None and not program_can_manage(actor, locked.program):
        own_withdrawal = (
            locked.student.user_id == actor.pk and to_status == ParticipantStatus.WITHDRAWN
        )
        if not own_withdrawal:
            raise PermissionDenied(_("Only the program's coordinators can change this status."))
    check_transition(locked.status, to_status)
    if to_status == ParticipantStatus.READY:
        missing = readiness_missing(locked)
        if missing:
            raise NotReadyError(missing)
    from_status = locked.status
    locked.status = to_status
    locked.status_changed_at = timezone.now()
    locked.save(update_fields=["status", "status_changed_at", "updated_at"])
    ParticipantStatusChange.objects.create(
        participant=locked,
        from_status=from_status,
        to_status=to_status,
        reason=reason[:500],
        actor=actor,
    )
    audit_record(
        actor=actor,
        action="participant.transition",
        target=locked,
        organization=locked.program.school.organization,
        before={"status": from_status},
        after={"status": to_status, "reason": reason},
    )
    participant.status = locked.status
    participant.status_changed_at = locked.status_changed_at
    return locked
