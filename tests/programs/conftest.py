"""A two-school district built through the real services, for program tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from peerpath.core.models import Organization, Role, School, User
from peerpath.core.services import organization_create, role_grant, school_create, user_create
from peerpath.people.models import StudentProfile
from peerpath.people.services import guardian_link_create, student_profile_create
from peerpath.programs.models import Participant, Program
from peerpath.programs.services import participant_enrol, program_create

PASSWORD = "correct-horse-battery-42"


@dataclass
class World:
    org: Organization
    school: School
    other_school: School
    coordinator: User
    other_coordinator: User
    org_admin: User
    staff: User
    safeguarding: User
    guardian: User
    mentor: StudentProfile
    mentee: StudentProfile
    outsider: StudentProfile
    program: Program
    other_program: Program
    mentor_participant: Participant
    mentee_participant: Participant
    password: str = PASSWORD


def _person(org: Organization, email: str, given: str, family: str) -> User:
    return user_create(
        actor=None,
        email=email,
        given_name=given,
        family_name=family,
        organization=org,
        password=PASSWORD,
    )


def _student(school: School, email: str, given: str, family: str, grade: int) -> StudentProfile:
    user = _person(school.organization, email, given, family)
    return student_profile_create(
        actor=None,
        user=user,
        school=school,
        grade_level=grade,
        birth_date=dt.date(2026 - grade - 5, 3, 1),
        languages=["en"],
        interests=["chess"],
        availability=["mon-2", "wed-2"],
    )


def _program(actor: User, school: School, name: str) -> Program:
    return program_create(
        actor=actor,
        school=school,
        name=name,
        program_type="peer_tutoring",
        term_start=dt.date(2026, 9, 1),
        term_end=dt.date(2027, 1, 31),
    )


@pytest.fixture
def world(db: None, settings: object) -> World:
    # Argon2 is deliberately slow; tests hash many passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
    org = organization_create(actor=None, name="Lakeside District")
    school = school_create(actor=None, organization=org, name="Lakeside High")
    other_school = school_create(actor=None, organization=org, name="Hillview High")
    coordinator = _person(org, "coord@lakeside.test", "Carmen", "Ortiz")
    role_grant(actor=None, user=coordinator, role=Role.COORDINATOR, organization=org, school=school)
    other_coordinator = _person(org, "coord@hillview.test", "Hal", "Ives")
    role_grant(
        actor=None,
        user=other_coordinator,
        role=Role.COORDINATOR,
        organization=org,
        school=other_school,
    )
    org_admin = _person(org, "admin@district.test", "Ada", "Admin")
    role_grant(actor=None, user=org_admin, role=Role.ORG_ADMIN, organization=org, school=None)
    staff = _person(org, "teacher@lakeside.test", "Tomas", "Teach")
    role_grant(actor=None, user=staff, role=Role.STAFF, organization=org, school=school)
    safeguarding = _person(org, "safe@lakeside.test", "Sofia", "Safe")
    role_grant(
        actor=None, user=safeguarding, role=Role.SAFEGUARDING_LEAD, organization=org, school=school
    )
    mentor = _student(school, "mia.mentor@lakeside.test", "Mia", "Mentor", 12)
    mentee = _student(school, "ned.mentee@lakeside.test", "Ned", "Mentee", 9)
    outsider = _student(other_school, "otto@hillview.test", "Otto", "Outside", 10)
    guardian = _person(org, "parent@home.test", "Greta", "Mentee")
    guardian_link_create(actor=None, guardian=guardian, student=mentee, relationship="mother")
    program = _program(coordinator, school, "Math Tutoring")
    other_program = _program(other_coordinator, other_school, "Hillview Buddies")
    mentor_participant = participant_enrol(
        actor=coordinator, program=program, student=mentor, role="mentor"
    )
    mentee_participant = participant_enrol(
        actor=coordinator, program=program, student=mentee, role="mentee"
    )
    participant_enrol(
        actor=other_coordinator, program=other_program, student=outsider, role="mentee"
    )
    return World(
        org=org,
        school=school,
        other_school=other_school,
        coordinator=coordinator,
        other_coordinator=other_coordinator,
        org_admin=org_admin,
        staff=staff,
        safeguarding=safeguarding,
        guardian=guardian,
        mentor=mentor,
        mentee=mentee,
        outsider=outsider,
        program=program,
        other_program=other_program,
        mentor_participant=mentor_participant,
        mentee_participant=mentee_participant,
    )
