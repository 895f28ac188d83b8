"""
Seeded generator of realistic mentoring cohorts for the benchmarks.

Mentees need 1-3 of ~40 courses (popularity is skewed), mentors offer 2-6;
everyone has free time on a 5-day x 8-slot weekly grid drawn from a personal
pattern (morning/afternoon/evening person, busy days) so that free time is
correlated; languages (one main language plus others), grade levels (mentors
are older), interests, a study field, a background, stated preferences for a
few named mentors, and mentor capacities 1-4.
"""

from __future__ import annotations

import numpy as np

from peerpath.engine import Criterion, Mentee, Mentor, Problem

__all__ = ["SIZES", "cohort", "criteria"]

SIZES = {"XS": (200, 60), "S": (1_000, 300), "M": (10_000, 3_000), "L": (100_000, 25_000)}

COURSES = [f"course{k:02d}" for k in range(40)]
LANGUAGES = ["en", "fr", "es", "de", "ar", "zh"]
INTERESTS = [f"interest{k:02d}" for k in range(30)]
FIELDS = ["science", "engineering", "arts", "business", "health", "law", "education", "social"]
BACKGROUNDS = ["first-generation", "international", "local", "transfer", "mature"]
SLOTS = [f"{day}{hour}" for day in ("mon", "tue", "wed", "thu", "fri") for hour in range(8)]


def criteria() -> tuple[Criterion, ...]:
    """The criteria a typical coordinator would set."""
    return (
        Criterion("subjects", "overlap", "needs", "offers", weight=3, hard=True),
        Criterion("free_time", "overlap", "free", "free", weight=2, hard=True,
                  params={"min": 2, "target": 4}),
        Criterion("language", "category", "languages", "languages", weight=1, hard=True),
        Criterion("grade", "gap", "grade", "grade", weight=1, hard=True,
                  params={"min": 1, "max": 3}),
        Criterion("interests", "jaccard", "interests", "interests", weight=2),
        Criterion("field", "category", "field", "field", weight=1),
        Criterion("background", "category", "background", "background", weight=0.5,
                  params={"prefer": "diverse"}),
        Criterion("preferred", "preference", "preferred_mentors", None, weight=1),
    )  # fmt: skip


def _pick(rng: np.random.Generator, p: np.ndarray, counts: np.ndarray) -> list[list[int]]:
    """For each row, ``counts[r]`` distinct indices drawn with probabilities ``p``."""
    keys = rng.random((len(counts), len(p))) ** (1.0 / p)  # Efraimidis-Spirakis
    order = np.argsort(-keys, axis=1)
    return [order[r, : counts[r]].tolist() for r in range(len(counts))]


def _free_time(rng: np.random.Generator, count: int) -> np.ndarray:
    kind = rng.integers(0, 3, size=count)  # morning, afternoon, evening person
    hour = np.arange(8)
    centre = np.array([1.5, 4.0, 6.5])[kind]
    hour_p = np.exp(-((hour[None, :] - centre[:, None]) ** 2) / 6.0)
    day_p = rng.uniform(0.25, 1.0, size=(count, 5))
    p = (day_p[:, :, None] * hour_p[:, None, :]).reshape(count, 40) * 0.8
    return rng.random((count, 40)) < p


def _people(rng: np.random.Generator, count: int, mentor: bool) -> list[dict[str, object]]:
    popularity = 1.0 / np.arange(1, len(COURSES) + 1) ** 0.8
    popularity /= popularity.sum()
    n_courses = rng.integers(2, 7, size=count) if mentor else rng.integers(1, 4, size=count)
    courses = _pick(rng, popularity, n_courses)
    free = _free_time(rng, count)
    lang_p = np.array([0.0, 0.3, 0.25, 0.15, 0.15, 0.15])
    extra = _pick(rng, lang_p + 1e-9, rng.integers(0, 3, size=count))
    main = rng.random(count) < 0.9
    grade = rng.integers(9, 14, size=count) if mentor else rng.integers(7, 13, size=count)
    interests = _pick(
        rng, np.full(len(INTERESTS), 1 / len(INTERESTS)), rng.integers(2, 7, size=count)
    )
    field = rng.integers(0, len(FIELDS), size=count)
    background = rng.integers(0, len(BACKGROUNDS), size=count)
    people = []
    for r in range(count):
        langs = {LANGUAGES[k] for k in extra[r] if k > 0}
        if main[r] or not langs:
            langs.add("en")
        people.append(
            {
                ("offers" if mentor else "needs"): [COURSES[k] for k in courses[r]],
                "free": [SLOTS[k] for k in np.flatnonzero(free[r])],
                "languages": sorted(langs),
                "grade": int(grade[r]),
                "interests": [INTERESTS[k] for k in interests[r]],
                "field": FIELDS[field[r]],
                "background": BACKGROUNDS[background[r]],
            }
        )
    return people


def cohort(n_mentees: int, n_mentors: int, seed: int = 0) -> Problem:
    """A seeded cohort of ``n_mentees`` mentees and ``n_mentors`` mentors."""
    rng = np.random.default_rng(seed)
    capacity = rng.choice([1, 2, 3, 4], p=[0.3, 0.35, 0.2, 0.15], size=n_mentors)
    mentors = tuple(
        Mentor(f"t{j}", capacity=int(capacity[j]), attributes=attrs)
        for j, attrs in enumerate(_people(rng, n_mentors, mentor=True))
    )
    mentee_attrs = _people(rng, n_mentees, mentor=False)
    names = rng.random(n_mentees) < 0.05
    for i in np.flatnonzero(names):
        picks = rng.choice(n_mentors, size=min(n_mentors, int(rng.integers(1, 4))), replace=False)
        mentee_attrs[i]["preferred_mentors"] = [f"t{j}" for j in picks]
    mentees = tuple(Mentee(f"s{i}", attributes=a) for i, a in enumerate(mentee_attrs))
    return Problem(mentors=mentors, mentees=mentees, criteria=criteria())
