"""
Helpers for meetings tests: a school with two matched pairs and staff around them.

Birch High (America/New_York) runs "Birch Tutoring" (consent age 18, 45-minute
sessions). Pair one: Ada, an adult mentor, and Dee, a 15-year-old mentee whose
guardian consented; both are free on Tuesdays 15:00 and Wednesdays 15:45.
Pair two: Ben and Eve, adults, free on Tuesdays 15:00. Birch has a coordinator
and a teacher (staff); Elm High, in the same organization, has its own
coordinator.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from unittest import mock
from zoneinfo import ZoneInfo

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
from peerpath.matching.models import Match
from peerpath.matching.services import match_create_manual
from peerpath.people.services import guardian_link_create
from peerpath.programs.models import Participant, Program
from peerpath.programs.services import participant_enrol
from peerpath.recruitment import consent as consent_links
from peerpath.recruitment.models import GuardianConsent
from peerpath.recruitment.services import consent_request, consent_respond

NY = ZoneInfo("America/New_York")


def local(y: int, m: int, d: int, hh: int = 15, mm: int = 0, zone: ZoneInfo = NY) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=zone)


#: A fixed "now" for tests: Thursday 1 October 2026, 12:00 in New York.
NOW = local(2026, 10, 1, 12, 0)


def years_ago(years: int) -> dt.date:
    today = dt.date.today()
    return dt.date(today.year - years, 1, 1)


def give_consent(participant: Participant, guardian: User) -> GuardianConsent:
    nonce, nonce_hash = consent_links.new_nonce()
    with mock.patch.object(consent_links, "new_nonce", return_value=(nonce, nonce_hash)):
        [request] = consent_request(
            actor=None, participant=participant, guardian_email=guardian.email
        )
    return consent_respond(
        token=consent_links.respond_token(request.pk, nonce),
        give=True,
        guardian_name=guardian.display_name,
    )


def enrol(
    program: Program,
    coordinator: User,
    role: str,
    *,
    name: str,
    age: int,
    free: list[str],
    guardian: User | None = None,
) -> Participant:
    student = make_student(
        program.school,
        12 if role == "mentor" else 10,
        given_name=name,
        password=PASSWORD,
        birth_date=years_ago(age),
        email=f"{name.lower()}@{program.school.slug}.test",
        availability=free,
    )
    participant = participant_enrol(
        actor=coordinator, program=program, student=student, role=role, status="ready"
    )
    if guardian is not None:
        guardian_link_create(actor=None, guardian=guardian, student=student)
        give_consent(participant, guardian)
    return participant


@dataclass
class World:
    school: School
    coordinator: User
    teacher: User
    other_coordinator: User
    guardian: User
    program: Program
    pair: Match
    other_pair: Match

    @property
    def ada(self) -> User:
        return self.pair.mentor.student.user

    @property
    def dee(self) -> User:
        return self.pair.mentee.student.user

    @property
    def ben(self) -> User:
        return self.other_pair.mentor.student.user

    @property
    def eve(self) -> User:
        return self.other_pair.mentee.student.user


def build_world(slug: str = "birch") -> World:
    school = make_school(f"{slug.title()} High")
    other = make_school("Elm High", organization=school.organization)
    coordinator = make_coordinator(school, email=f"coord@{slug}.test")
    teacher = make_staff(school, role=Role.STAFF, email=f"teacher@{slug}.test")
    other_coordinator = make_coordinator(other, email=f"coord@elm-{slug}.test")
    guardian = make_user(school.organization, email=f"parent@{slug}.test")
    make_course(school, "Algebra I", code="ALG1")
    program = make_program(
        school,
        coordinator,
        name=f"{slug.title()} Tutoring",
        status="running",
        mentor_training_minutes=0,
        session_minutes=45,
    )
    ada = enrol(program, coordinator, "mentor", name="Ada", age=19, free=["tue-2", "wed-3"])
    dee = enrol(
        program,
        coordinator,
        "mentee",
        name="Dee",
        age=15,
        free=["tue-2", "wed-3", "fri-0"],
        guardian=guardian,
    )
    ben = enrol(program, coordinator, "mentor", name="Ben", age=19, free=["tue-2"])
    eve = enrol(program, coordinator, "mentee", name="Eve", age=18, free=["tue-2"])
    pair = match_create_manual(actor=coordinator, program=program, mentor=ada, mentee=dee)
    other_pair = match_create_manual(actor=coordinator, program=program, mentor=ben, mentee=eve)
    return World(
        school, coordinator, teacher, other_coordinator, guardian, program, pair, other_pair
    )
