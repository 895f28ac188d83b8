"""
Decide who takes part in the demo programs, in which role and how far they got.

Like :mod:`peerpath.demo.roster` this is pure data. Each :class:`EnrolmentSpec`
holds what the student answered when applying (or who referred them) and the
statuses they pass through afterwards; :mod:`peerpath.demo.seed` replays them
through the recruitment and lifecycle services, so every participant has a
real application, decision, screening, consent and status history.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace

from peerpath.demo.catalogue import (
    COURSES,
    EXPERIENCES,
    MENTEE_GOALS,
    MENTOR_GOALS,
    MENTORING,
    MOTIVATIONS,
    PARTNER_PREFERENCES,
    REFERRAL_NOTES,
    STATUS_REASONS,
    TUTEE_GOALS,
    TUTOR_GOALS,
    TUTORING,
    CourseSpec,
    ProgramSpec,
)
from peerpath.demo.roster import StudentSpec, weighted_choice

STEM_COURSES: tuple[CourseSpec, ...] = tuple(c for c in COURSES if c.area in {"math", "science"})
_COURSE_NAMES = {c.code: c.name for c in COURSES}


@dataclass(frozen=True)
class EnrolmentSpec:
    """One participant: who, where, as what, what they answered, and how far they got."""

    program: str
    student_email: str
    role: str
    path: tuple[str, ...]
    reason: str
    subjects: tuple[str, ...]
    subject_grades: tuple[int, ...]
    goals: str
    motivation: str
    experience: str
    partner_preferences: str
    meeting_mode: str
    referral_note: str
    submitted: bool
    screening_items_done: int | None

    @property
    def status(self) -> str:
        return self.path[-1] if self.path else "applied"

    @property
    def referred(self) -> bool:
        return bool(self.referral_note)


# The statuses after "applied" that lead to each final status; alternatives are
# picked at random (a waitlisted student may have been screened first, etc.).
PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "applied": ((),),
    "screening": (("screening",),),
    "ready": (("screening", "ready"),) * 9 + (("waitlisted", "screening", "ready"),),
    "matched": (("screening", "ready", "matched"),),
    "closed": (("screening", "ready", "matched", "closed"),),
    "waitlisted": (("waitlisted",), ("screening", "waitlisted")),
    "declined": (("declined",),),
    "withdrawn": (("withdrawn",), ("screening", "withdrawn"), ("screening", "ready", "withdrawn")),
}

# Where the featured students stand: (program, role, final status, course codes).
FEATURED_PLACES: dict[str, tuple[tuple[str, str, str, tuple[str, ...]], ...]] = {
    "mentor": (
        ("tutoring", "mentor", "matched", ("MATH-110", "MATH-120", "SCI-210")),
        ("mentoring", "mentor", "ready", ()),
    ),
    "mentee": (
        ("tutoring", "mentee", "matched", ("MATH-110",)),
        ("mentoring", "mentee", "ready", ()),
    ),
    "child_1": (
        ("tutoring", "mentee", "ready", ("SCI-110",)),
        ("mentoring", "mentee", "screening", ()),
    ),
    "child_2": (("tutoring", "mentee", "applied", ("SCI-210", "MATH-210")),),
}


def scaled(per_640: int, students: int) -> int:
    """Scale a count given for a 640-student school to ``students``."""
    return max(1, round(per_640 * students / 640))


def _offered_courses(rng: random.Random, grade: int) -> tuple[str, ...]:
    """Two to four math or science courses a tutor in ``grade`` has already passed."""
    passed = [c for c in STEM_COURSES if min(c.grades) < grade]
    # Tutors mostly offer the foundation courses, where tutees need help most.
    weights = [3.0 if max(c.grades) <= 10 else 1.0 for c in passed]
    chosen: set[str] = set()
    target = min(len(passed), rng.randint(2, 4))
    while len(chosen) < target:
        chosen.add(rng.choices(passed, weights=weights, k=1)[0].code)
    return tuple(sorted(chosen))


def _needed_courses(rng: random.Random, grade: int) -> tuple[str, ...]:
    """One or two math or science courses a tutee in ``grade`` is taking now."""
    current = [c.code for c in STEM_COURSES if grade in c.grades]
    count = 1 if rng.random() < 0.7 else 2
    return tuple(sorted(rng.sample(current, min(count, len(current)))))


def _goals(rng: random.Random, spec: ProgramSpec, role: str, subjects: Sequence[str]) -> str:
    if spec is TUTORING:
        templates = TUTOR_GOALS if role == "mentor" else TUTEE_GOALS
    else:
        templates = MENTOR_GOALS if role == "mentor" else MENTEE_GOALS
    course = _COURSE_NAMES[subjects[0]] if subjects else ""
    return rng.choice(templates).format(course=course)


def _pick(rng: random.Random, pool: Sequence[StudentSpec], count: int) -> list[StudentSpec]:
    """``count`` students from ``pool``, volunteers and newcomers a little more likely."""

    def key(student: StudentSpec) -> float:
        weight = 1.0
        if "volunteering" in student.interests:
            weight += 1.0
        if student.background.get("new_to_school"):
            weight += 1.0
        return float(rng.random() ** (1.0 / weight))

    ranked = sorted(pool, key=key, reverse=True)
    return ranked[: min(count, len(ranked))]


def _subjects(rng: random.Random, spec: ProgramSpec, role: str, grade: int) -> tuple[str, ...]:
    if spec is not TUTORING:
        return ()
    return _offered_courses(rng, grade) if role == "mentor" else _needed_courses(rng, grade)


def _enrolment(
    rng: random.Random,
    spec: ProgramSpec,
    student: StudentSpec,
    role: str,
    status: str,
    subjects: tuple[str, ...],
) -> EnrolmentSpec:
    path = rng.choice(PATHS[status])
    reasons = STATUS_REASONS.get(path[-1], ()) if path else ()
    mentor = role == "mentor"
    referral_note = rng.choice(REFERRAL_NOTES) if not mentor and rng.random() < 0.3 else ""
    # A referred student who has not been decided on may not have answered yet.
    submitted = not (referral_note and not path and rng.random() < 0.5)
    return EnrolmentSpec(
        program=spec.key,
        student_email=student.email,
        role=role,
        path=path,
        reason=rng.choice(reasons) if reasons else "",
        subjects=subjects,
        subject_grades=tuple(
            rng.randint(82, 99) if mentor else rng.randint(48, 79) for _code in subjects
        ),
        goals=_goals(rng, spec, role, subjects),
        motivation=rng.choice(MOTIVATIONS) if mentor else "",
        experience=rng.choice(EXPERIENCES) if mentor else "",
        partner_preferences=weighted_choice(rng, PARTNER_PREFERENCES),
        meeting_mode=weighted_choice(rng, [("in_person", 0.6), ("either", 0.3), ("online", 0.1)]),
        referral_note=referral_note,
        submitted=submitted,
        # Applicants still in screening have done part of the checklist.
        screening_items_done=rng.randint(0, 2) if status == "screening" else None,
    )


def _role_enrolments(
    rng: random.Random,
    spec: ProgramSpec,
    role: str,
    students: Sequence[StudentSpec],
    featured: Sequence[EnrolmentSpec],
) -> list[EnrolmentSpec]:
    """The featured enrolments of one role plus randomly drawn eligible students."""
    low, high = spec.mentor_grades if role == "mentor" else spec.mentee_grades
    per_640 = spec.mentors_per_640 if role == "mentor" else spec.mentees_per_640
    pool = [s for s in students if not s.featured and low <= s.grade <= high]
    wanted = scaled(per_640, len(students)) - len(featured)
    enrolments = list(featured)
    for student in _pick(rng, pool, wanted):
        status = weighted_choice(rng, spec.status_weights)
        subjects = _subjects(rng, spec, role, student.grade)
        enrolments.append(_enrolment(rng, spec, student, role, status, subjects))
    return enrolments


def _featured_enrolments(
    rng: random.Random, spec: ProgramSpec, role: str, students: Sequence[StudentSpec]
) -> list[EnrolmentSpec]:
    enrolments = []
    for student in students:
        for program, place_role, status, subjects in FEATURED_PLACES.get(student.featured, ()):
            if program == spec.key and place_role == role:
                enrolment = _enrolment(rng, spec, student, role, status, subjects)
                enrolments.append(replace(enrolment, referral_note="", submitted=True))
    return enrolments


def _cap_matched_mentees(
    mentors: Sequence[EnrolmentSpec], mentees: list[EnrolmentSpec], capacity: int
) -> list[EnrolmentSpec]:
    """Send matched mentees beyond the matched mentors' capacity back to "ready"."""
    room = capacity * sum(1 for m in mentors if m.status in {"matched", "closed"})
    capped = []
    for mentee in mentees:
        if mentee.status in {"matched", "closed"}:
            if room <= 0:
                mentee = replace(mentee, path=("screening", "ready"), reason="")
            room -= 1
        capped.append(mentee)
    return capped


def build_plan(rng: random.Random, students: Sequence[StudentSpec]) -> list[EnrolmentSpec]:
    """Every enrolment in both demo programs, mentors before mentees."""
    plan: list[EnrolmentSpec] = []
    for spec in (TUTORING, MENTORING):
        by_role = {}
        for role in ("mentor", "mentee"):
            featured = _featured_enrolments(rng, spec, role, students)
            by_role[role] = _role_enrolments(rng, spec, role, students, featured)
        mentees = _cap_matched_mentees(by_role["mentor"], by_role["mentee"], spec.capacity)
        plan += by_role["mentor"] + mentees
    return plan
