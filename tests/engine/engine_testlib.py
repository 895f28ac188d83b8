"""Helpers for the engine tests: random small problems and brute force."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from peerpath.engine import Criterion, Mentee, Mentor, Problem
from peerpath.engine.scoring import DenseScorer, SparseScorer, build_scorer


@dataclass
class Dense:
    """A problem as small dense arrays: allowed pairs and integer scores."""

    allowed: np.ndarray  # (n, m) bool
    units: np.ndarray  # (n, m) int
    cap: np.ndarray  # remaining capacity after load and locked pairs
    locked: dict[int, int]


def dense_view(problem: Problem) -> Dense:
    scorer = build_scorer(problem)
    n, m = scorer.n, scorer.m
    ii, jj = np.meshgrid(np.arange(n), np.arange(m), indexing="ij")
    i, j = ii.ravel(), jj.ravel()
    if isinstance(scorer, SparseScorer):
        allowed = scorer.allowed(i, j)
        units = np.where(allowed, scorer.pairs(i, j), 0)
    else:
        assert isinstance(scorer, DenseScorer)
        s = scorer.pairs(i, j)
        allowed = s >= 0
        units = np.where(allowed, s, 0)
    mentee_index = {e.id: k for k, e in enumerate(problem.mentees)}
    mentor_index = {t.id: k for k, t in enumerate(problem.mentors)}
    cap = np.array([t.capacity - t.load for t in problem.mentors], dtype=int)
    locked = {}
    for a, b in problem.locked:
        locked[mentee_index[a]] = mentor_index[b]
        cap[mentor_index[b]] -= 1
    return Dense(allowed.reshape(n, m), units.reshape(n, m), cap, locked)


def all_matchings(d: Dense):
    """Every feasible matching of the unlocked mentees, as tuples (mentor or -1)."""
    n, m = d.allowed.shape
    free = [i for i in range(n) if i not in d.locked]
    options = [[-1] + [j for j in range(m) if d.allowed[i, j]] for i in free]
    for combo in itertools.product(*options):
        used = np.zeros(m, dtype=int)
        ok = True
        for j in combo:
            if j >= 0:
                used[j] += 1
                if used[j] > d.cap[j]:
                    ok = False
                    break
        if ok:
            match = np.full(n, -1)
            match[free] = combo
            yield match


def value(d: Dense, match: np.ndarray) -> tuple[int, int, int]:
    """(matched, lowest score, total) over the unlocked mentees."""
    rows = [i for i in range(len(match)) if match[i] >= 0 and i not in d.locked]
    scores = [int(d.units[i, match[i]]) for i in rows]
    return len(rows), min(scores) if scores else 0, sum(scores)


def best_optimal(d: Dense) -> tuple[int, int]:
    return max((value(d, x)[0], value(d, x)[2]) for x in all_matchings(d))


def best_fair(d: Dense) -> tuple[int, int, int]:
    return max(value(d, x) for x in all_matchings(d))


def mentee_key(d: Dense, i: int, j: int) -> tuple[int, int]:
    return (int(d.units[i, j]), -j)


def mentor_key(d: Dense, i: int, j: int) -> tuple[int, int]:
    return (int(d.units[i, j]), -i)


def blocking_pairs(d: Dense, match: np.ndarray) -> list[tuple[int, int]]:
    """Pairs (i, j) that would both rather be together (score-derived preferences)."""
    n, m = d.allowed.shape
    out = []
    for i in range(n):
        if i in d.locked:
            continue
        for j in range(m):
            if not d.allowed[i, j] or match[i] == j:
                continue
            if match[i] >= 0 and mentee_key(d, i, j) <= mentee_key(d, i, match[i]):
                continue
            held = [h for h in range(n) if match[h] == j and h not in d.locked]
            if len(held) < d.cap[j] or any(mentor_key(d, i, j) > mentor_key(d, h, j) for h in held):
                out.append((i, j))
    return out


def mentee_optimal_stable(d: Dense) -> np.ndarray:
    stable = [x.copy() for x in all_matchings(d) if not blocking_pairs(d, x)]
    n = d.allowed.shape[0]
    best = np.full(n, -1)
    for i in range(n):
        if i in d.locked:
            continue
        options = [x[i] for x in stable if x[i] >= 0]
        if options:
            best[i] = max(options, key=lambda j: mentee_key(d, i, j))
    return best


def greedy_reference(d: Dense) -> np.ndarray:
    n, m = d.allowed.shape
    room = d.cap.copy()
    match = np.full(n, -1)
    for i in range(n):
        if i in d.locked:
            continue
        best = None
        for j in range(m):
            if (
                d.allowed[i, j]
                and room[j] > 0
                and (best is None or d.units[i, j] > d.units[i, best])
            ):
                best = j
        if best is not None:
            match[i] = best
            room[best] -= 1
    return match


def random_scores_problem(
    rng: np.random.Generator,
    n: int,
    m: int,
    density: float = 0.6,
    levels: int = 4,
    locked: int = 0,
    forbidden: int = 0,
) -> Problem:
    mentors = tuple(Mentor(f"t{j}", capacity=int(rng.integers(1, 3)), load=0) for j in range(m))
    mentees = tuple(Mentee(f"s{i}") for i in range(n))
    scores = []
    for i in range(n):
        for j in range(m):
            if rng.random() < density:
                scores.append((f"s{i}", f"t{j}", float(rng.integers(0, levels + 1)) / levels))
    return Problem(mentors=mentors, mentees=mentees, scores=tuple(scores))


def criteria_problem(rng: np.random.Generator, n: int, m: int) -> Problem:
    """A small criteria-based problem with every criterion kind."""
    subjects = ["math", "bio", "art", "law"]
    slots = [f"d{k}" for k in range(6)]
    mentors = tuple(
        Mentor(
            f"t{j}",
            capacity=int(rng.integers(1, 3)),
            attributes={
                "offers": list(rng.choice(subjects, size=int(rng.integers(1, 3)), replace=False)),
                "free": list(rng.choice(slots, size=int(rng.integers(1, 5)), replace=False)),
                "lang": str(rng.choice(["en", "fr"])),
                "grade": int(rng.integers(8, 12)),
                "likes": list(rng.choice(subjects, size=2, replace=False)),
            },
        )
        for j in range(m)
    )
    mentees = tuple(
        Mentee(
            f"s{i}",
            attributes={
                "needs": list(rng.choice(subjects, size=int(rng.integers(1, 3)), replace=False)),
                "free": list(rng.choice(slots, size=int(rng.integers(1, 5)), replace=False)),
                "lang": str(rng.choice(["en", "fr"])),
                "grade": int(rng.integers(7, 10)),
                "likes": list(rng.choice(subjects, size=2, replace=False)),
                "wants": [f"t{int(rng.integers(0, m))}"] if m and rng.random() < 0.5 else [],
            },
        )
        for i in range(n)
    )
    criteria = (
        Criterion("subjects", "overlap", "needs", "offers", weight=3, hard=bool(rng.random() < 0.5)),
        Criterion("free_time", "overlap", "free", "free", weight=2, hard=bool(rng.random() < 0.5),
                  params={"min": 2, "target": 3}),
        Criterion("language", "category", "lang", "lang", weight=1,
                  params={"prefer": str(rng.choice(["similar", "diverse"]))}),
        Criterion("grade", "gap", "grade", "grade", weight=1, hard=bool(rng.random() < 0.3)),
        Criterion("interests", "jaccard", "likes", "likes", weight=1),
        Criterion("asked", "preference", "wants", None, weight=1),
    )  # fmt: skip
    return Problem(mentors=mentors, mentees=mentees, criteria=criteria)


def match_of(problem: Problem, result) -> np.ndarray:
    mentee_index = {e.id: k for k, e in enumerate(problem.mentees)}
    mentor_index = {t.id: k for k, t in enumerate(problem.mentors)}
    match = np.full(len(problem.mentees), -1)
    for a in result.assignments:
        match[mentee_index[a.mentee]] = mentor_index[a.mentor]
    return match
