"""
A small school for the API tests, built through the real services.

``build_world()`` makes Birch High (the matching cohort of ``tests/matchlib.py``:
a running tutoring program with three ready mentors and four ready mentees)
plus two submitted applications, a teacher, a student who can log in, an
organization admin and, at Elm High in the same organization, a second
coordinator with a program of their own. ``key_for(user)`` issues a token.
"""

from __future__ import annotations

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
from peerpath.programs.models import Participant, Program
from peerpath.recruitment.models import Application

__all__ = ["World", "build_world", "key_for", "token_client"]


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
