"""
A small tutoring program with ready mentors and mentees whose attributes we control.

Shared by tests/matching and tests/support (and any test that needs a cohort):
``build_cohort()`` makes it; the ``cohort`` fixtures call it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from factories import (
    PASSWORD,
    make_coordinator,
    make_course,
    make_program,
    make_school,
    make_student,
    make_user,
)
from peerpath.core.models import School, User
from peerpath.people.models import Course
from peerpath.people.services import guardian_link_create
from peerpath.programs.models import Participant, Program
from peerpath.programs.services import participant_enrol
from peerpath.recruitment.models import Application


def adult_birth_date() -> dt.date:
    return dt.date(dt.date.today().year - 19, 1, 1)


@dataclass
class Cohort:
    school: School
    coordinator: User
    other_coordinator: User
    program: Program
    algebra: Course
    biology: Course
    mentors: list[Participant] = field(default_factory=list)
    mentees: list[Participant] = field(default_factory=list)
    guardian: User | None = None
    lead: User | None = None
    password: str = PASSWORD


def add(
    cohort: Cohort,
    role: str,
    *,
    grade: int,
    subjects: list[Course],
    free: list[str],
    interests: list[str] = (),
    capacity: int | None = None,
    name: str = "",
) -> Participant:
    student = make_student(
        cohort.school,
        grade,
        given_name=name,
        password=PASSWORD,
        birth_date=adult_birth_date(),
        availability=free,
        interests=list(interests),
        languages=["en"],
    )
    participant = participant_enrol(
        actor=cohort.coordinator,
        program=cohort.program,
        student=student,
        role=role,
        status="ready",
        subjects=subjects,
        mentor_capacity=capacity,
    )
    Application.objects.create(
        participant=participant, availability=free, languages=["en"], interests=list(interests)
    )
    (cohort.mentors if role == "mentor" else cohort.mentees).append(participant)
    return participant


def build_cohort() -> Cohort:
    school = make_school("Birch High")
    other = make_school("Elm High", organization=school.organization)
    coordinator = make_coordinator(school, email="coord@birch.test")
    other_coordinator = make_coordinator(other, email="coord@elm.test")
    algebra = make_course(school, "Algebra I", code="ALG1")
    biology = make_course(school, "Biology", code="BIO")
    program = make_program(
        school, coordinator, name="Birch Tutoring", status="running", mentor_training_minutes=0
    )
    c = Cohort(school, coordinator, other_coordinator, program, algebra, biology)
    # Mentors: Ada (algebra, Mon+Tue), Ben (biology, Wed), Cy (algebra+biology, Mon), each capacity 1.
    add(
        c,
        "mentor",
        grade=12,
        subjects=[algebra],
        free=["mon-2", "tue-2"],
        interests=["chess"],
        name="Ada",
    )
    add(c, "mentor", grade=11, subjects=[biology], free=["wed-2"], name="Ben")
    add(c, "mentor", grade=12, subjects=[algebra, biology], free=["mon-2"], name="Cy")
    # Mentees: Dee (algebra, Mon), Eve (biology, Wed), Fay (algebra, Tue), Gus (biology, Fri: nobody is free).
    add(c, "mentee", grade=9, subjects=[algebra], free=["mon-2"], interests=["chess"], name="Dee")
    add(c, "mentee", grade=10, subjects=[biology], free=["wed-2"], name="Eve")
    add(c, "mentee", grade=9, subjects=[algebra], free=["tue-2"], name="Fay")
    add(c, "mentee", grade=9, subjects=[biology], free=["fri-2"], name="Gus")
    guardian = make_user(school.organization, email="guardian@birch.test")
    guardian_link_create(actor=None, guardian=guardian, student=c.mentees[0].student)
    c.guardian = guardian
    return c
