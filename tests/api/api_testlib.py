"""
A small school for the API tests, built through the real services.

``build_world()`` makes Birch High (the matching cohort of ``tests/matchlib.py``:
a running tutoring program with three ready mentors and four ready mentees)
plus two submitted applications, a teacher, a student who can log in, an
organization admin and, at Elm High in the same organization, a second
coordinator with a program of their own. ``key_for(user)`` issues a token.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.test import Client
from django.utils import timezone

from factories import (
    PASSWORD,
    make_participant,
    make_program,
    make_staff,
    make_student,
    make_user,
)
from matchlib import Cohort, adult_birth_date, build_cohort
from peerpath.api.services import api_token_create
from peerpath.core.models import Organization, Role, User
from peerpath.core.services import role_grant
from peerpath.insights.models import OutcomeRecord
from peerpath.insights.outcomes import outcomes_import
from peerpath.matching.models import Match
from peerpath.programs.models import Participant, Program
from peerpath.recruitment.models import Application
from peerpath.rosters.models import Term
from peerpath.support.models import CheckInResponse

__all__ = ["Surveys", "World", "add_surveys_and_outcomes", "build_world", "key_for", "token_client"]


@dataclass
class World:
    cohort: Cohort
    organization: Organization
    coordinator: User
    teacher: User
    student: User
    org_admin: User
    elm_coordinator: User
    program: Program
    elm_program: Program
    applicants: list[Participant]


def key_for(user: User, name: str = "tests") -> str:
    return api_token_create(actor=None, user=user, name=name).key


def token_client(user: User) -> Client:
    """A test client that sends ``user``'s new token with every request."""
    return Client(headers={"Authorization": f"Bearer {key_for(user)}"})


def _applicant(cohort: Cohort, name: str, role: str) -> Participant:
    student = make_student(
        cohort.school, 10, given_name=name, birth_date=adult_birth_date(), languages=["en"]
    )
    participant = make_participant(cohort.program, student, role=role)
    Application.objects.create(
        participant=participant,
        interests=["music"],
        languages=["en"],
        availability=["mon-2"],
        motivation=f"{name} wants to help.",
        submitted_at=timezone.now(),
    )
    return participant


def build_world(**_: Any) -> World:
    cohort = build_cohort()
    school = cohort.school
    organization = school.organization
    teacher = make_staff(school, Role.STAFF, email="teacher@birch.test")
    student_profile = make_student(school, 11, email="student@birch.test", password=PASSWORD)
    make_participant(cohort.program, student_profile, role="mentee", status="screening")
    org_admin = make_user(organization, email="admin@district.test")
    role_grant(
        actor=None, user=org_admin, role=Role.ORG_ADMIN, organization=organization, school=None
    )
    elm = cohort.other_coordinator.role_assignments.get().school
    assert elm is not None
    elm_program = make_program(elm, cohort.other_coordinator, name="Elm Buddies")
    applicants = [_applicant(cohort, "Hal", "mentor"), _applicant(cohort, "Ivy", "mentee")]
    return World(
        cohort=cohort,
        organization=organization,
        coordinator=cohort.coordinator,
        teacher=teacher,
        student=student_profile.user,
        org_admin=org_admin,
        elm_coordinator=cohort.other_coordinator,
        program=cohort.program,
        elm_program=elm_program,
        applicants=applicants,
    )


@dataclass
class Surveys:
    """What :func:`add_surveys_and_outcomes` made, for the tests to look for."""

    match: Match
    mentor_checkin: CheckInResponse
    mentee_checkin: CheckInResponse
    mentee_pre: CheckInResponse
    elm_response: CheckInResponse
    term: Term
    outcomes: list[OutcomeRecord]
    elm_outcome: OutcomeRecord


def add_surveys_and_outcomes(world: World) -> Surveys:
    """
    Check-ins of both sides of a published match, a mentee's survey before the
    program, a response in Elm's program, and a term of outcomes in each school.
    """
    match = Match.objects.filter(program=world.program).select_related("mentor", "mentee").first()
    assert match is not None, "publish a round first"
    when = timezone.now().replace(microsecond=0) - dt.timedelta(days=3)

    def response(participant: Participant, kind: str, **values: Any) -> CheckInResponse:
        return CheckInResponse.objects.create(
            participant=participant, kind=kind, submitted_at=when, **values
        )

    mentor_checkin = response(
        match.mentor, "checkin", match=match, scores={"relationship": 4.5},
        answers={"relationship_1": 5, "relationship_2": 4}, custom_answers={"Any news?": "Fine"},
    )  # fmt: skip
    mentee_checkin = response(
        match.mentee, "checkin", match=match, scores={"relationship": 2.0},
        answers={"relationship_1": 2, "relationship_2": 2},
    )  # fmt: skip
    mentee_pre = response(match.mentee, "pre", scores={"belonging": 3.0, "confidence": 2.5})
    elm_student = make_student(world.elm_program.school, 10, given_name="Olga")
    elm_response = response(make_participant(world.elm_program, elm_student), "pre", scores={})
    organization = world.organization
    term = Term.objects.create(
        organization=organization, sourced_id="t-fall", title="Fall term", kind="semester",
        start_date=dt.date(2026, 9, 1), end_date=dt.date(2027, 1, 29),
    )  # fmt: skip
    rows = ["student,grade_average,grade_scale,attendance_rate,enrolment_status,course:ALG1"]
    for index, participant in enumerate([match.mentee, match.mentor]):
        rows.append(f"{participant.student.user.email},{3.0 + index / 2},4,{90 + index},enrolled,B")
    result = outcomes_import(
        actor=None, school=world.cohort.school, term=term, data="\n".join(rows),
        file_name="fall.csv", dry_run=False,
    )  # fmt: skip
    assert result.report.ok, result.report.errors
    elm = outcomes_import(
        actor=None, school=world.elm_program.school, term=term,
        data=f"student,attendance_rate\n{elm_student.user.email},80", file_name="elm.csv",
        dry_run=False,
    )  # fmt: skip
    assert elm.report.ok, elm.report.errors
    outcomes = list(
        OutcomeRecord.objects.filter(school=world.cohort.school).order_by(
            "student__user__family_name"
        )
    )
    return Surveys(
        match=match,
        mentor_checkin=mentor_checkin,
        mentee_checkin=mentee_checkin,
        mentee_pre=mentee_pre,
        elm_response=elm_response,
        term=term,
        outcomes=outcomes,
        elm_outcome=OutcomeRecord.objects.get(school=world.elm_program.school),
    )
