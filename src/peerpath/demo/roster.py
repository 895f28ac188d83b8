"""
Generate the demo school's students and guardians as plain data.

Everything here is a pure function of a :class:`random.Random` and a
reference date, so the same seed always gives the same school; the database
writes happen in :mod:`peerpath.demo.seed`.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from peerpath.demo.catalogue import (
    DEMO_GUARDIAN_CHILDREN,
    FAMILY_DOMAIN,
    FEATURED_STUDENTS,
    GUARDIAN_RELATIONSHIPS,
    HERITAGE_GROUPS,
    INTERESTS,
    NICKNAMES,
    SPORTS,
    STUDENT_DOMAIN,
    HeritageGroup,
)
from peerpath.people.availability import SLOT_CODES

T = TypeVar("T")

# Share of each grade in the roster (ninth grade is the largest class).
GRADE_SHARES: tuple[tuple[int, float], ...] = ((9, 0.27), (10, 0.26), (11, 0.24), (12, 0.23))

DAYS = ("mon", "tue", "wed", "thu", "fri")
BEFORE_SCHOOL, LUNCH = 0, 1
AFTER_SCHOOL = (2, 3, 4, 5)
EVENING = (6, 7)

# Weekly routines that shape when a student is free (see _availability).
ARCHETYPES: tuple[tuple[str, float], ...] = (
    ("athlete", 0.22),
    ("after_school", 0.30),
    ("job_or_family", 0.15),
    ("clubs", 0.18),
    ("evenings", 0.15),
)


@dataclass(frozen=True)
class StudentSpec:
    """One generated student, ready to be written through the services."""

    given_name: str
    family_name: str
    preferred_name: str
    email: str
    grade: int
    birth_date: dt.date
    heritage: str
    routine: str
    languages: tuple[str, ...]
    interests: tuple[str, ...]
    availability: tuple[str, ...]
    background: dict[str, object] = field(default_factory=dict)
    featured: str = ""

    def age_on(self, day: dt.date) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(frozen=True)
class GuardianSpec:
    """A parent or guardian of one student (no login: an unusable password)."""

    given_name: str
    family_name: str
    email: str
    relationship: str
    student_email: str


def weighted_choice(rng: random.Random, pairs: Sequence[tuple[T, float]]) -> T:
    """Pick one value from ``(value, weight)`` pairs."""
    values = [value for value, _weight in pairs]
    weights = [weight for _value, weight in pairs]
    return rng.choices(values, weights=weights, k=1)[0]


def school_year_start(today: dt.date) -> int:
    """Return the calendar year in which the school year containing ``today`` began."""
    return today.year if today.month >= 9 else today.year - 1


def email_local_part(*names: str) -> str:
    """Turn names into an ASCII e-mail local part: ``("Zoë", "O'Brien")`` → ``zoe.obrien``."""
    parts = []
    for name in names:
        ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        parts.append(re.sub(r"[^a-z0-9-]", "", ascii_name.lower()))
    return ".".join(parts)


def unique_email(local: str, domain: str, taken: set[str]) -> str:
    """Return ``local@domain``, numbered (``local2@…``) if it is already taken."""
    candidate, n = f"{local}@{domain}", 2
    while candidate in taken:
        candidate, n = f"{local}{n}@{domain}", n + 1
    taken.add(candidate)
    return candidate


def _birth_date(rng: random.Random, grade: int, year_start: int) -> dt.date:
    """
    A birth date that fits ``grade`` in the school year starting in ``year_start``.

    Students start ninth grade aged 14 (the cut-off is 1 September); a few in
    grades 9–11 are a year older. Every age stays within 14–18 for the year.
    """
    age_at_start = grade + 5
    if grade < 12 and rng.random() < 0.04:
        age_at_start += 1
    latest = dt.date(year_start - age_at_start, 9, 1)
    return latest - dt.timedelta(days=rng.randrange(365))


def _languages(rng: random.Random, group: HeritageGroup, grade: int) -> tuple[list[str], str]:
    """Languages spoken (always English) and the home language, if not English."""
    home = ""
    for code, probability in group.home_languages:
        if rng.random() < probability:
            home = code
            break
    languages = {"en"}
    if home:
        languages.add(home)
    # Older students who have studied a language for years sometimes list it.
    if grade >= 11 and rng.random() < 0.07:
        languages.add(rng.choice(["es", "es", "fr"]))
    return sorted(languages), home


def _interests(rng: random.Random, routine: str) -> list[str]:
    """Two to five interests; athletes always play at least one sport."""
    count = rng.randint(2, 5)
    chosen: set[str] = set()
    if routine == "athlete":
        chosen.add(rng.choice(SPORTS))
    non_sports = [i for i in INTERESTS if i not in SPORTS]
    while len(chosen) < count:
        pool = INTERESTS if rng.random() < 0.3 else non_sports
        chosen.add(rng.choice(pool))
    return sorted(chosen)


def _routine_slots(rng: random.Random, routine: str) -> set[str]:
    """The free slots a typical week of ``routine`` leaves."""
    days = list(DAYS)
    slots: set[str] = set()

    def add(day_count: int, indexes: Sequence[int]) -> None:
        for day in rng.sample(days, day_count):
            slots.update(f"{day}-{i}" for i in indexes)

    if routine == "athlete":  # practice every afternoon; free at lunch and late evening
        add(rng.randint(2, 4), [LUNCH])
        add(rng.randint(0, 2), [BEFORE_SCHOOL])
        add(rng.randint(1, 3), EVENING)
    elif routine == "after_school":
        add(rng.randint(3, 4), AFTER_SCHOOL[: rng.randint(2, 4)])
        add(rng.randint(1, 3), [LUNCH])
    elif routine == "job_or_family":  # works or looks after siblings after school
        add(rng.randint(2, 3), [BEFORE_SCHOOL])
        add(rng.randint(3, 5), [LUNCH])
        add(rng.randint(0, 2), [7])
    elif routine == "clubs":  # two club afternoons a week, free on the others
        club_days = set(rng.sample(days, 2))
        for day in days:
            if day not in club_days:
                slots.update(f"{day}-{i}" for i in (2, 3))
        add(rng.randint(1, 2), [LUNCH])
    else:  # evenings
        add(rng.randint(3, 4), EVENING)
        add(rng.randint(1, 2), [LUNCH])
        add(1, [2])
    return slots


def _availability(rng: random.Random, routine: str) -> list[str]:
    """A routine's free slots with some noise: a few dropped, one occasionally added."""
    # In slot order: a set's own order changes from one process to the next.
    routine_slots = _routine_slots(rng, routine)
    slots = {s for s in SLOT_CODES if s in routine_slots and rng.random() > 0.08}
    if rng.random() < 0.25:
        slots.add(rng.choice(SLOT_CODES))
    if len(slots) < 2:
        slots.update(rng.sample([f"{day}-{LUNCH}" for day in DAYS], 2))
    return [code for code in SLOT_CODES if code in slots]


def _background(rng: random.Random, home_language: str, grade: int) -> dict[str, object]:
    """Optional self-described background; about half of the students fill it in."""
    if rng.random() > 0.55:
        return {}
    background: dict[str, object] = {}
    if rng.random() < 0.85:
        background["first_generation"] = rng.random() < (0.55 if home_language else 0.25)
    if home_language:
        background["home_language"] = home_language
    if rng.random() < (0.06 if grade == 9 else 0.12):
        background["new_to_school"] = True
    return background


def _group(key: str) -> HeritageGroup:
    return next(g for g in HERITAGE_GROUPS if g.key == key)


def _student(
    rng: random.Random,
    *,
    given: str,
    family: str,
    group: HeritageGroup,
    grade: int,
    year_start: int,
    taken: set[str],
    featured: str = "",
) -> StudentSpec:
    routine = weighted_choice(rng, ARCHETYPES)
    languages, home = _languages(rng, group, grade)
    preferred = NICKNAMES.get(given, "") if rng.random() < 0.6 else ""
    return StudentSpec(
        given_name=given,
        family_name=family,
        preferred_name=preferred,
        email=unique_email(email_local_part(given, family), STUDENT_DOMAIN, taken),
        grade=grade,
        birth_date=_birth_date(rng, grade, year_start),
        heritage=group.key,
        routine=routine,
        languages=tuple(languages),
        interests=tuple(_interests(rng, routine)),
        availability=tuple(_availability(rng, routine)),
        background=_background(rng, home, grade),
        featured=featured,
    )


def _grades(count: int) -> list[int]:
    """``count`` grade levels in the proportions of :data:`GRADE_SHARES`."""
    grades: list[int] = []
    for grade, share in GRADE_SHARES[:-1]:
        grades += [grade] * round(count * share)
    grades += [GRADE_SHARES[-1][0]] * (count - len(grades))
    return grades


def _random_name(rng: random.Random) -> tuple[str, str, HeritageGroup]:
    group = weighted_choice(rng, [(g, g.weight) for g in HERITAGE_GROUPS])
    # Some families mix: a given name from another background.
    given_group = group if rng.random() > 0.08 else rng.choice(HERITAGE_GROUPS)
    return rng.choice(given_group.given), rng.choice(group.family), group


def build_students(rng: random.Random, *, count: int, today: dt.date) -> list[StudentSpec]:
    """
    Return ``count`` students across grades 9–12, the featured ones first.

    The featured students (the demo logins and the demo guardian's children)
    always have the same names and e-mail addresses.
    """
    year_start = school_year_start(today)
    taken: set[str] = set()
    students = [
        _student(
            rng,
            given=f.given_name,
            family=f.family_name,
            group=_group(f.heritage),
            grade=f.grade,
            year_start=year_start,
            taken=taken,
            featured=f.key,
        )
        for f in FEATURED_STUDENTS
    ]
    grades = _grades(count)
    for f in FEATURED_STUDENTS:
        grades.remove(f.grade)
    for grade in grades:
        given, family, group = _random_name(rng)
        students.append(
            _student(
                rng,
                given=given,
                family=family,
                group=group,
                grade=grade,
                year_start=year_start,
                taken=taken,
            )
        )
    return students


def _guardian(
    rng: random.Random, student: StudentSpec, relationship: str, taken: set[str]
) -> GuardianSpec:
    group = _group(student.heritage)
    family = student.family_name if rng.random() < 0.82 else rng.choice(group.family)
    given = rng.choice(group.adult_given)
    return GuardianSpec(
        given_name=given,
        family_name=family,
        email=unique_email(email_local_part(given, family), FAMILY_DOMAIN, taken),
        relationship=relationship,
        student_email=student.email,
    )


def build_guardians(rng: random.Random, students: Sequence[StudentSpec]) -> list[GuardianSpec]:
    """
    A parent or guardian for every student; about one in five has two.

    Adults keep their guardian contacts (schools keep them until graduation);
    the demo guardian's own children get no generated guardian.
    """
    taken: set[str] = set()
    guardians: list[GuardianSpec] = []
    for student in students:
        if student.featured in DEMO_GUARDIAN_CHILDREN:
            continue
        first = weighted_choice(rng, GUARDIAN_RELATIONSHIPS)
        guardians.append(_guardian(rng, student, first, taken))
        if first in {"mother", "father"} and rng.random() < 0.25:
            second = "father" if first == "mother" else "mother"
            guardians.append(_guardian(rng, student, second, taken))
    return guardians
