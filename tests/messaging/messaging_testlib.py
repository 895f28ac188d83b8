"""
Helpers for message tests: a school with two matched pairs.

Birch High runs "Birch Tutoring" (consent age 18). Pair one: Ada, an adult
mentor, and Dee, a 15-year-old mentee whose guardian consented. Pair two: Ben
(adult) and Eve (adult). Birch has a coordinator and a safeguarding lead;
Elm High, in the same organization, has its own safeguarding lead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
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
from peerpath.matching.models import Match
from peerpath.matching.services import match_create_manual
from peerpath.people.services import guardian_link_create
from peerpath.programs.models import Participant, Program
from peerpath.programs.services import participant_enrol
from peerpath.recruitment import consent as consent_links
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


def enrol(
    program: Program,
    coordinator: User,
    role: str,
    *,
    name: str,
    age: int,
    course,
    guardian: User | None = None,
) -> Participant:
    student = make_student(
        program.school,
        12 if role == "mentor" else 10,
        given_name=name,
        password=PASSWORD,
        birth_date=years_ago(age),
        email=f"{name.lower()}@{program.school.slug}.test",
    )
    participant = participant_enrol(
        actor=coordinator,
        program=program,
        student=student,
        role=role,
        status="ready",
        subjects=[course],
    )
    if guardian is not None:
        guardian_link_create(actor=None, guardian=guardian, student=student)
        give_consent(participant, guardian)
    return participant


@dataclass
class School2:
    school: School
    coordinator: User
    lead: User
    other_lead: User
    guardian: User
    program: Program
    minor_match: Match
    adult_match: Match

    @property
    def ada(self) -> User:
        return self.minor_match.mentor.student.user

    @property
    def dee(self) -> User:
        return self.minor_match.mentee.student.user

    @property
    def ben(self) -> User:
        return self.adult_match.mentor.student.user

    @property
    def eve(self) -> User:
        return self.adult_match.mentee.student.user


def build_school(slug: str = "birch") -> School2:
    school = make_school(f"{slug.title()} High")
    other = make_school("Elm High", organization=school.organization)
    coordinator = make_coordinator(school, email=f"coord@{slug}.test")
    lead = make_staff(school, role=Role.SAFEGUARDING_LEAD, email=f"lead@{slug}.test")
    other_lead = make_staff(other, role=Role.SAFEGUARDING_LEAD, email=f"lead@elm-{slug}.test")
    guardian = make_user(school.organization, email=f"parent@{slug}.test")
    course = make_course(school, "Algebra I", code="ALG1")
    program = make_program(
        school,
        coordinator,
        name=f"{slug.title()} Tutoring",
        status="running",
        mentor_training_minutes=0,
    )
    ada = enrol(program, coordinator, "mentor", name="Ada", age=19, course=course)
    dee = enrol(
        program, coordinator, "mentee", name="Dee", age=15, course=course, guardian=guardian
    )
    ben = enrol(program, coordinator, "mentor", name="Ben", age=19, course=course)
    eve = enrol(program, coordinator, "mentee", name="Eve", age=18, course=course)
    minor_match = match_create_manual(actor=coordinator, program=program, mentor=ada, mentee=dee)
    adult_match = match_create_manual(actor=coordinator, program=program, mentor=ben, mentee=eve)
    return School2(
        school, coordinator, lead, other_lead, guardian, program, minor_match, adult_match
    )
