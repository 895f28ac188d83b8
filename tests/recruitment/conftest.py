"""A recruiting tutoring program with a coordinator, staff, students and a guardian."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

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
from peerpath.core.models import School, User
from peerpath.people.models import Course, StudentProfile
from peerpath.people.services import guardian_link_create
from peerpath.programs.models import Program


@dataclass
class Setup:
    school: School
    other_school: School
    coordinator: User
    other_coordinator: User
    staff: User
    program: Program
    algebra: Course
    biology: Course
    tutor: StudentProfile
    tutee: StudentProfile
    adult_tutor: StudentProfile
    guardian: User
    password: str = PASSWORD


def birth_for_age(age: int) -> dt.date:
    today = dt.date.today()
    return (
        dt.date(today.year - age, 1, 1) if today.month > 1 else dt.date(today.year - age - 1, 1, 1)
    )


@pytest.fixture
def setup(db, settings) -> Setup:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    school = make_school("Maple High")
    other_school = make_school("Oak High", organization=school.organization)
    coordinator = make_coordinator(school, email="coord@maple.test")
    other_coordinator = make_coordinator(other_school, email="coord@oak.test")
    staff = make_staff(school, email="teacher@maple.test")
    algebra = make_course(school, "Algebra I", code="ALG1")
    biology = make_course(school, "Biology", code="BIO", area=Course.Area.SCIENCE)
    program = make_program(
        school,
        coordinator,
        name="Maple Tutoring",
        mentee_grade_min=9,
        mentee_grade_max=10,
        mentor_grade_min=11,
        mentor_grade_max=12,
        mentor_min_subject_grade=80,
        terms="Sessions happen at school during lunch or after school.",
        mentor_training_minutes=0,
    )
    tutor = make_student(
        school, 11, email="tina.tutor@maple.test", password=PASSWORD, birth_date=birth_for_age(16)
    )
    adult_tutor = make_student(
        school, 12, email="adam.adult@maple.test", password=PASSWORD, birth_date=birth_for_age(18)
    )
    tutee = make_student(
        school, 9, email="theo.tutee@maple.test", password=PASSWORD, birth_date=birth_for_age(14)
    )
    guardian = make_user(school.organization, email="parent@home.test")
    guardian_link_create(actor=None, guardian=guardian, student=tutor, relationship="father")
    return Setup(
        school=school,
        other_school=other_school,
        coordinator=coordinator,
        other_coordinator=other_coordinator,
        staff=staff,
        program=program,
        algebra=algebra,
        biology=biology,
        tutor=tutor,
        tutee=tutee,
        adult_tutor=adult_tutor,
        guardian=guardian,
    )
