"""
Helpers for insights tests: Oak High with a running tutoring program and its people.

Oak High (in Oak District) runs "Oak Tutoring" (term 2026-09-01 to 2027-01-29)
with two adult pairs: Ada mentors Dee, Ben mentors Eve. Oak has a coordinator
and a teacher; Elm High, in the same district, has its own coordinator; the
district has an admin. Two terms exist: "Spring 2026" (before the program) and
"Fall 2026" (its term).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from factories import (
    PASSWORD,
    make_coordinator,
    make_program,
    make_school,
    make_staff,
    make_student,
    make_user,
)
from peerpath.core.models import Role, School, User
from peerpath.core.services import role_grant
from peerpath.matching.models import Match
from peerpath.matching.services import match_create_manual
from peerpath.meetings.models import Attendance, Session
from peerpath.people.models import StudentProfile
from peerpath.programs.models import Participant, Program
from peerpath.programs.services import participant_enrol
from peerpath.rosters.models import Term

ADULT = dt.date(dt.date.today().year - 19, 1, 1)


@dataclass
class Campus:
    school: School
    other_school: School
    coordinator: User
    teacher: User
    other_coordinator: User
    admin: User
    program: Program
    pair: Match
    other_pair: Match
    spring: Term
    fall: Term

    @property
    def ada(self) -> User:
        return self.pair.mentor.student.user

    @property
    def dee(self) -> User:
        return self.pair.mentee.student.user


def make_term(school: School, title: str, start: dt.date, end: dt.date) -> Term:
    return Term.objects.create(
        organization=school.organization,
        sourced_id=title.lower().replace(" ", "-"),
        title=title,
        kind=Term.Kind.SEMESTER,
        start_date=start,
        end_date=end,
    )


def student(school: School, grade: int = 10, **kwargs: object) -> StudentProfile:
    kwargs.setdefault("birth_date", ADULT)
    return make_student(school, grade, **kwargs)  # type: ignore[arg-type]


def enrol(program: Program, actor: User, role: str, profile: StudentProfile) -> Participant:
    return participant_enrol(
        actor=actor, program=program, student=profile, role=role, status="ready"
    )


def build_campus() -> Campus:
    school = make_school("Oak High")
    other = make_school("Elm High", organization=school.organization)
    coordinator = make_coordinator(school, email="coord@oak.test")
    teacher = make_staff(school, role=Role.STAFF, email="teacher@oak.test")
    other_coordinator = make_coordinator(other, email="coord@elm.test")
    admin = make_user(school.organization, email="admin@oak.test")
    role_grant(
        actor=None, user=admin, role=Role.ORG_ADMIN, organization=school.organization, school=None
    )
    program = make_program(
        school, coordinator, name="Oak Tutoring", status="running", mentor_training_minutes=0
    )
    ada = enrol(
        program,
        coordinator,
        "mentor",
        student(school, 12, given_name="Ada", password=PASSWORD, email="ada@oak.test"),
    )
    dee = enrol(
        program,
        coordinator,
        "mentee",
        student(
            school,
            10,
            given_name="Dee",
            password=PASSWORD,
            email="dee@oak.test",
        ),
    )
    StudentProfile.objects.filter(pk=dee.student_id).update(sourced_id="S-DEE")
    ben = enrol(program, coordinator, "mentor", student(school, 12, given_name="Ben"))
    eve = enrol(
        program, coordinator, "mentee", student(school, 10, given_name="Eve", email="eve@oak.test")
    )
    pair = match_create_manual(actor=coordinator, program=program, mentor=ada, mentee=dee)
    other_pair = match_create_manual(actor=coordinator, program=program, mentor=ben, mentee=eve)
    spring = make_term(school, "Spring 2026", dt.date(2026, 1, 5), dt.date(2026, 6, 15))
    fall = make_term(school, "Fall 2026", dt.date(2026, 8, 25), dt.date(2027, 1, 29))
    return Campus(
        school, other, coordinator, teacher, other_coordinator, admin, program, pair,
        other_pair, spring, fall,
    )  # fmt: skip


def held_session(
    match: Match, starts_at: dt.datetime, minutes: int = 60, *, mentee_present: bool = True
) -> Session:
    """A past session of a pair with attendance (made directly: services refuse past times)."""
    session = Session.objects.create(
        program=match.program,
        match=match,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=minutes),
        duration_minutes=minutes,
    )
    Attendance.objects.create(
        session=session, participant=match.mentor, role="mentor", status="present",
        recorded_at=starts_at,
    )  # fmt: skip
    Attendance.objects.create(
        session=session, participant=match.mentee, role="mentee",
        status="present" if mentee_present else "no_show", recorded_at=starts_at,
    )  # fmt: skip
    return session
