"""A school with a program, its coordinator, a mentor and a mentee, for training tests."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from factories import (
    PASSWORD,
    make_coordinator,
    make_organization,
    make_participant,
    make_program,
    make_school,
    make_staff,
    make_student,
)
from peerpath.core.models import Organization, School, User
from peerpath.people.models import StudentProfile
from peerpath.programs.models import Participant, Program
from peerpath.training.models import TrainingModule
from peerpath.training.services import starter_curriculum_load

# Under --import-mode=importlib a test's directory is not on sys.path; the
# tests here import their helpers from ``training_testlib``.
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)


@dataclass
class Campus:
    org: Organization
    school: School
    coordinator: User
    staff: User
    program: Program
    mentor: StudentProfile
    mentee: StudentProfile
    mentor_participant: Participant
    mentee_participant: Participant
    other_school: School
    other_coordinator: User
    other_program: Program
    outsider: StudentProfile
    outsider_participant: Participant


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # Argon2 is deliberately slow; these tests log in often.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def campus(db: None) -> Campus:
    """
    Lakeside High runs "Math Tutoring" (mentor training: the default 120 minutes).

    Guardian consent is switched off (``consent_age=0``) so that only training
    decides readiness here. Hillview High, in another district, runs its own
    program with one participant.
    """
    org = make_organization("Lakeside District")
    school = make_school("Lakeside High", organization=org)
    coordinator = make_coordinator(school, given_name="Carmen", family_name="Ortiz")
    staff = make_staff(school, given_name="Tomas", family_name="Teach")
    program = make_program(school, coordinator, name="Math Tutoring", consent_age=0)
    mentor = make_student(school, 12, given_name="Mia", family_name="Mentor", password=PASSWORD)
    mentee = make_student(school, 9, given_name="Ned", family_name="Mentee", password=PASSWORD)
    mentor_participant = make_participant(program, mentor, "mentor", "screening", actor=coordinator)
    mentee_participant = make_participant(program, mentee, "mentee", "screening", actor=coordinator)
    other_school = make_school("Hillview High")
    other_coordinator = make_coordinator(other_school, given_name="Hal", family_name="Ives")
    other_program = make_program(other_school, other_coordinator, name="Hillview Buddies")
    outsider = make_student(other_school, 10, given_name="Otto", family_name="Outside")
    outsider_participant = make_participant(other_program, outsider, "mentor", "screening")
    return Campus(
        org=org,
        school=school,
        coordinator=coordinator,
        staff=staff,
        program=program,
        mentor=mentor,
        mentee=mentee,
        mentor_participant=mentor_participant,
        mentee_participant=mentee_participant,
        other_school=other_school,
        other_coordinator=other_coordinator,
        other_program=other_program,
        outsider=outsider,
        outsider_participant=outsider_participant,
    )


@pytest.fixture
def curriculum(db: None) -> dict[str, TrainingModule]:
    """The starter curriculum by slug (reloaded, in case a flushing test removed it)."""
    starter_curriculum_load()
    return {m.slug: m for m in TrainingModule.objects.filter(organization=None)}
