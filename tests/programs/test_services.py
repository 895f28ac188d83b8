from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from peerpath.core.models import AuditEntry
from peerpath.programs.lifecycle import (
    TRANSITIONS,
    NotReadyError,
    TransitionNotAllowedError,
    check_transition,
)
from peerpath.programs.models import Participant, ParticipantStatusChange, Program
from peerpath.programs.services import (
    participant_enrol,
    participant_transition,
    program_create,
    program_update,
)

TERM = {"term_start": dt.date(2026, 9, 1), "term_end": dt.date(2027, 1, 31)}


def test_program_create_writes_program_and_audit(world):
    program = program_create(
        actor=world.coordinator,
        school=world.school,
        name="Math Tutoring",
        program_type="peer_tutoring",
        default_mentor_capacity=3,
        **TERM,
    )
    assert program.slug == "math-tutoring-2"  # "math-tutoring" is taken in this school
    assert program.created_by == world.coordinator
    entry = AuditEntry.objects.filter(action="program.create", target_id=str(program.pk)).get()
    assert entry.actor == world.coordinator
    assert entry.organization == world.org
    assert entry.after["default_mentor_capacity"] == 3
    assert entry.after["term_start"] == "2026-09-01"


@pytest.mark.parametrize("who", ["other_coordinator", "staff", "safeguarding", "guardian"])
def test_program_create_denied_for_wrong_role_or_school(world, who):
    before = Program.objects.count()
    audits = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        program_create(
            actor=getattr(world, who),
            school=world.school,
            name="Sneaky",
            program_type="buddy",
            **TERM,
        )
    assert Program.objects.count() == before
    assert AuditEntry.objects.count() == audits


def test_org_admin_may_create_in_any_school_of_the_org(world):
    program = program_create(
        actor=world.org_admin,
        school=world.other_school,
        name="District Circle",
        program_type="circle",
        **TERM,
    )
    assert program.school == world.other_school


def test_program_create_rejects_term_ending_before_start_and_saves_nothing(world):
    before = Program.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        program_create(
            actor=world.coordinator,
            school=world.school,
            name="Backwards",
            program_type="buddy",
            term_start=dt.date(2026, 9, 1),
            term_end=dt.date(2026, 8, 1),
        )
    assert "term_end" in excinfo.value.message_dict
    assert Program.objects.count() == before


def test_program_update_audits_before_and_after_of_changed_fields_only(world):
    program_update(
        actor=world.coordinator, program=world.program, name="Algebra Tutoring", session_minutes=30
    )
    world.program.refresh_from_db()
    assert world.program.name == "Algebra Tutoring"
    entry = AuditEntry.objects.filter(action="program.update").get()
    assert entry.before == {"name": "Math Tutoring", "session_minutes": 45}
    assert entry.after == {"name": "Algebra Tutoring", "session_minutes": 30}


def test_program_update_without_changes_writes_no_audit(world):
    program_update(actor=world.coordinator, program=world.program, name="Math Tutoring")
    assert not AuditEntry.objects.filter(action="program.update").exists()


def test_program_update_denied_for_other_school(world):
    with pytest.raises(PermissionDenied):
        program_update(actor=world.other_coordinator, program=world.program, name="Mine now")
    world.program.refresh_from_db()
    assert world.program.name == "Math Tutoring"


def test_participant_enrol_rejects_student_of_other_school(world):
    with pytest.raises(ValidationError):
        participant_enrol(
            actor=world.coordinator, program=world.program, student=world.outsider, role="mentee"
        )
    assert not Participant.objects.filter(program=world.program, student=world.outsider).exists()


def test_participant_enrol_twice_is_rejected(world):
    with pytest.raises(ValidationError):
        participant_enrol(
            actor=world.coordinator, program=world.program, student=world.mentor, role="mentee"
        )


def test_participant_walks_the_whole_lifecycle_with_history(world):
    program_update(actor=world.coordinator, program=world.program, consent_age=0)
    p = world.mentee_participant
    for status in ["screening", "ready", "matched", "closed", "ready"]:
        participant_transition(actor=world.coordinator, participant=p, to_status=status)
    p.refresh_from_db()
    assert p.status == "ready"
    history = list(
        ParticipantStatusChange.objects.filter(participant=p).values_list(
            "from_status", "to_status"
        )
    )
    assert history == [
        ("", "applied"),
        ("applied", "screening"),
        ("screening", "ready"),
        ("ready", "matched"),
        ("matched", "closed"),
        ("closed", "ready"),
    ]
    assert AuditEntry.objects.filter(action="participant.transition").count() == 5


def test_a_minor_without_guardian_consent_cannot_become_ready(world):
    p = world.mentee_participant
    participant_transition(actor=world.coordinator, participant=p, to_status="screening")
    with pytest.raises(NotReadyError) as excinfo:
        participant_transition(actor=world.coordinator, participant=p, to_status="ready")
    assert excinfo.value.missing == ["Guardian consent has not been given."]
    p.refresh_from_db()
    assert p.status == "screening"


def test_transition_not_in_lifecycle_is_refused_and_changes_nothing(world):
    p = world.mentee_participant
    with pytest.raises(TransitionNotAllowedError):
        participant_transition(actor=world.coordinator, participant=p, to_status="matched")
    p.refresh_from_db()
    assert p.status == "applied"
    assert ParticipantStatusChange.objects.filter(participant=p).count() == 1


def test_transition_by_another_schools_coordinator_is_denied(world):
    with pytest.raises(PermissionDenied):
        participant_transition(
            actor=world.other_coordinator,
            participant=world.mentee_participant,
            to_status="screening",
        )
    world.mentee_participant.refresh_from_db()
    assert world.mentee_participant.status == "applied"


def test_student_may_withdraw_themselves_but_not_promote_themselves(world):
    mentee_user = world.mentee.user
    with pytest.raises(PermissionDenied):
        participant_transition(
            actor=mentee_user, participant=world.mentee_participant, to_status="screening"
        )
    participant_transition(
        actor=mentee_user, participant=world.mentee_participant, to_status="withdrawn"
    )
    world.mentee_participant.refresh_from_db()
    assert world.mentee_participant.status == "withdrawn"


def test_every_status_can_be_left_and_reached():
    statuses = set(TRANSITIONS)
    reachable = set().union(*TRANSITIONS.values())
    assert statuses - {"applied"} <= reachable
    assert all(TRANSITIONS[s] for s in statuses)
    check_transition("applied", "screening")
    with pytest.raises(TransitionNotAllowedError):
        check_transition("applied", "closed")


def test_changing_the_terms_makes_a_new_version(world):
    assert world.program.terms_version == 1
    program_update(actor=world.coordinator, program=world.program, terms="Meet at school only.")
    world.program.refresh_from_db()
    assert world.program.terms_version == 2
    entry = AuditEntry.objects.get(action="program.update")
    assert entry.after == {"terms": "Meet at school only.", "terms_version": 2}
