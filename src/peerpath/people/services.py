"""Writes for students, guardians and courses."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from peerpath.core.audit import audit_record, snapshot
from peerpath.core.models import School, User
from peerpath.people.availability import clean_slots
from peerpath.people.models import Course, GuardianLink, StudentProfile

_PROFILE_FIELDS = ["school", "grade_level", "birth_date", "age_band", "languages", "interests"]


@transaction.atomic
def student_profile_create(
    *,
    actor: User | None,
    user: User,
    school: School,
    grade_level: int,
    birth_date: dt.date | None = None,
    age_band: str = "",
    languages: list[str] | None = None,
    interests: list[str] | None = None,
    availability: list[str] | None = None,
    background: dict[str, object] | None = None,
) -> StudentProfile:
    profile = StudentProfile(
        user=user,
        school=school,
        grade_level=grade_level,
        birth_date=birth_date,
        age_band=age_band,
        languages=sorted(set(languages or [])),
        interests=sorted(set(interests or [])),
        availability=clean_slots(availability or []),
        background=background or {},
    )
    profile.full_clean(exclude=["user"])
    profile.save()
    audit_record(
        actor=actor,
        action="student.create",
        target=profile,
        organization=school.organization,
        after=snapshot(profile, _PROFILE_FIELDS),
    )
    return profile


@transaction.atomic
def guardian_link_create(
    *, actor: User | None, guardian: User, student: StudentProfile, relationship: str = ""
) -> GuardianLink:
    link, created = GuardianLink.objects.get_or_create(
        guardian=guardian, student=student, defaults={"relationship": relationship}
    )
    if created:
        audit_record(
            actor=actor,
            action="guardian.link",
            target=link,
            organization=student.school.organization,
            after=snapshot(link, ["guardian", "student", "relationship"]),
        )
    return link


@transaction.atomic
def course_create(
    *, actor: User | None, school: School, code: str, name: str, area: str = Course.Area.OTHER
) -> Course:
    course = Course(school=school, code=code, name=name, area=area)
    course.full_clean()
    course.save()
    audit_record(
        actor=actor,
        action="course.create",
        target=course,
        organization=school.organization,
        after=snapshot(course, ["school", "code", "name", "area"]),
    )
    return course
