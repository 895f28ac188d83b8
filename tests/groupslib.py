"""
A small study-group program whose participants we control, for group formation tests.

Shared by tests/matching/test_groups_*.py and tests/browser/test_groups_*.py.
"Birch Study Groups" (groups of 3–5, at least one free time in common, at
least one peer leader, subject similar): two mentors who lead, Ada (ALG) and
Ben (BIO), and six mentees — Cal, Dot, Eli (ALG), Fin, Gia, Hal (BIO) — all
adults free on Monday slot 2. Ivy (ALG) is free only on Friday, so she is
left out. Jon is a minor whose guardian has not consented: he is not in the
problem at all. Elm High (same district) has its own coordinator.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from unittest import mock

from factories import (
    PASSWORD,
    make_coordinator,
    make_course,
    make_program,
    make_school,
    make_staff,
    make_student,
    make_user,
)
from peerpath.core.models import Role, School, User
from peerpath.matching.groups import group_settings_update
from peerpath.people.models import Course
from peerpath.programs.models import Participant, Program
from peerpath.programs.services import participant_enrol
from peerpath.recruitment import consent as consent_links
from peerpath.recruitment.models import Application
from peerpath.recruitment.services import consent_request, consent_respond


def years_ago(years: int) -> dt.date:
    today = dt.date.today()
    return dt.date(today.year - years, 1, 1)


def give_consent(participant: Participant, guardian: User) -> None:
    """A guardian consents through the real request and response services."""
    nonce, nonce_hash = consent_links.new_nonce()
    with mock.patch.object(consent_links, "new_nonce", return_value=(nonce, nonce_hash)):
        [request] = consent_request(
            actor=None, participant=participant, guardian_email=guardian.email
        )
    consent_respond(
        token=consent_links.respond_token(request.pk, nonce),
        give=True,
        guardian_name=guardian.display_name,
    )


@dataclass
class GroupCohort:
    school: School
    coordinator: User
    other_coordinator: User
    staff: User
    lead: User
    program: Program
    algebra: Course
    biology: Course
    people: dict[str, Participant] = field(default_factory=dict)

    def user(self, name: str) -> User:
        return self.people[name].student.user


def add(
    cohort: GroupCohort,
    name: str,
    role: str,
    *,
    course: Course,
    free: list[str],
    grade: int = 10,
    age: int | None = 19,
) -> Participant:
    student = make_student(
        cohort.school,
        grade,
        given_name=name,
        family_name="Park",
        email=f"{name.lower()}@birch.test",
        password=PASSWORD,
        birth_date=years_ago(age) if age is not None else None,
        availability=free,
        languages=["en"],
    )
    participant = participant_enrol(
        actor=cohort.coordinator,
        program=cohort.program,
        student=student,
        role=role,
        status="ready",
        subjects=[course],
    )
    Application.objects.create(participant=participant, availability=free, languages=["en"])
    cohort.people[name] = participant
    return participant


def build_group_cohort(*, program_type: str = "study_groups") -> GroupCohort:
    school = make_school("Birch High")
    other = make_school("Elm High", organization=school.organization)
    coordinator = make_coordinator(school, email="coord@birch.test")
    other_coordinator = make_coordinator(other, email="coord@elm.test")
    staff = make_staff(school, Role.STAFF, email="teacher@birch.test")
    lead = make_staff(school, Role.SAFEGUARDING_LEAD, email="lead@birch.test")
    algebra = make_course(school, "Algebra I", code="ALG")
    biology = make_course(school, "Biology", code="BIO")
    program = make_program(
        school,
        coordinator,
        name="Birch Study Groups",
        program_type=program_type,
        status="running",
        mentor_training_minutes=0,
    )
    c = GroupCohort(school, coordinator, other_coordinator, staff, lead, program, algebra, biology)
    add(c, "Ada", "mentor", course=algebra, free=["mon-2", "tue-2"], grade=12)
    add(c, "Ben", "mentor", course=biology, free=["mon-2", "wed-2"], grade=12)
    for name in ("Cal", "Dot", "Eli"):
        add(c, name, "mentee", course=algebra, free=["mon-2", "tue-2"])
    for name in ("Fin", "Gia", "Hal"):
        add(c, name, "mentee", course=biology, free=["mon-2", "wed-2"])
    add(c, "Ivy", "mentee", course=algebra, free=["fri-2"])
    add(c, "Jon", "mentee", course=algebra, free=["mon-2"], age=None)
    if program_type in {"study_groups", "circle"}:
        group_settings_update(
            actor=coordinator,
            program=program,
            min_size=3,
            max_size=5,
            leaders="at_least_one",
            min_shared_slots=1,
            criteria=[{"key": "subject", "prefer": "similar", "weight": 1}],
            no_isolated=[],
        )
    return c


def make_guardian(cohort: GroupCohort) -> User:
    return make_user(cohort.school.organization, email="guardian@birch.test")
