"""
The engine's entry point: :func:`solve` a :class:`~.problem.Problem` in a mode.

Modes
-----
``optimal``
    Most mentees matched, then the highest total score; exact and certified
    over all pairs (see :mod:`.flow`).
``fair``
    Most matched, then the highest lowest pair score, then the highest total.
``stable``
    Mentee-optimal stable matching by deferred acceptance (see :mod:`.stable`).
``greedy``
    Baseline only (see :mod:`.greedy`).

Locked pairs are kept as they are and use up their mentor's capacity, as
does a mentor's existing ``load``.  Every unmatched mentee gets a reason.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .candidates import Candidates, candidate_pass, parallel_map
from .flow import solve_fair, solve_optimal
from .greedy import greedy
from .problem import SCORE_SCALE, Problem, validate_problem
from .reasons import PAIR_REASON_CODES, Reason, pair_reason
from .scoring import DenseScorer, SparseScorer, build_scorer
from .stable import deferred_acceptance, derived_lists, explicit_lists, index_lists

__all__ = [
    "MODES",
    "PAIR_REASON_CODES",
    "Assignment",
    "MatchResult",
    "Reason",
    "Unmatched",
    "solve",
]

MODES = ("optimal", "fair", "stable", "greedy")

IntArray = NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class Assignment:
    """A mentee–mentor pair, its score and each criterion's share of it."""

    mentee: str
    mentor: str
    score: float
    explanation: Mapping[str, float] = field(default_factory=dict)
    locked: bool = False


@dataclass(frozen=True, slots=True)
class Unmatched:
    """
    A mentee left without a mentor, and why: ``reason`` in English, and
    ``code`` with ``params`` for an application to say it in another language
    (see :mod:`.reasons`).
    """

    mentee: str
    reason: str
    code: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MatchResult:
    """
    The outcome of :func:`solve`.

    ``optimal`` is true only when the matching is proven best for its mode
    over *all* pairs (optimal, fair) or is the mentee-optimal stable
    matching (stable); never for greedy.
    """

    mode: str
    assignments: tuple[Assignment, ...]
    unmatched: tuple[Unmatched, ...]
    matched: int
    total_score: float
    optimal: bool
    stats: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self, *, codes: bool = False) -> dict[str, Any]:
        """
        The JSON-ready result (see docs/matching.md).

        With ``codes``, each unmatched entry also has its reason's ``code``
        and ``params`` (:mod:`.reasons`), so that an application can say it in
        its reader's language; without (the default, and ``peerpath solve``),
        it is the documented English form.
        """
        unmatched: list[dict[str, Any]] = [
            {"mentee": u.mentee, "reason": u.reason} for u in self.unmatched
        ]
        if codes:
            for entry, u in zip(unmatched, self.unmatched, strict=True):
                entry["code"] = u.code
                entry["params"] = dict(u.params)
        return {
            "mode": self.mode,
            "optimal": self.optimal,
            "matched": self.matched,
            "total_score": self.total_score,
            "assignments": [
                {
                    "mentee": a.mentee,
                    "mentor": a.mentor,
                    "score": a.score,
                    "explanation": dict(a.explanation),
                    **({"locked": True} if a.locked else {}),
                }
                for a in self.assignments
            ],
            "unmatched": unmatched,
            "stats": dict(self.stats),
        }


def _points(units: int) -> float:
    return round(units / SCORE_SCALE, 6)


def _points_list(units: NDArray[np.int64]) -> list[float]:
    """:func:`_points` of many, vectorised (the same floats: each is ``units / 10**6``)."""
    return np.round(units / SCORE_SCALE, 6).tolist()


def solve(problem: Problem, *, mode: str = "optimal", seed: int = 0, k: int = 8) -> MatchResult:
    """
    Match mentees to mentors.

    Parameters
    ----------
    problem : Problem
        Validated first; a :class:`~.problem.ProblemError` names a bad entry.
    mode : {"optimal", "fair", "stable", "greedy"}
    seed : int
        Seeds the only random choice (the column sample that sizes the
        candidate sets); the result is deterministic for a given seed.
    k : int
        About how many candidate mentors per mentee to solve on first; this
        changes speed, never the certified result.

    Returns
    -------
    MatchResult

    Examples
    --------
    >>> from peerpath.engine import Mentee, Mentor, Problem, solve
    >>> p = Problem(mentors=(Mentor("t1", capacity=1),), mentees=(Mentee("s1"), Mentee("s2")),
    ...             scores=(("s1", "t1", 0.5), ("s2", "t1", 0.75)))
    >>> r = solve(p, mode="optimal")
    >>> [(a.mentee, a.mentor, a.score) for a in r.assignments], r.optimal
    ([('s2', 't1', 0.75)], True)
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
    started = time.perf_counter()
    validate_problem(problem)
    t0 = time.perf_counter()
    scorer = build_scorer(problem)
    n, m = scorer.n, scorer.m
    mentee_index = {e.id: k for k, e in enumerate(problem.mentees)}
    mentor_index = {t.id: k for k, t in enumerate(problem.mentors)}
    cap = np.array([t.capacity - t.load for t in problem.mentors], dtype=np.int64)
    locked = np.full(n, -1, dtype=np.intp)
    for mentee, mentor in problem.locked:
        locked[mentee_index[mentee]] = mentor_index[mentor]
        cap[mentor_index[mentor]] -= 1
    active = locked < 0
    encode_seconds = time.perf_counter() - t0
    stats: dict[str, Any] = {
        "seed": seed,
        "mentees": n,
        "mentors": m,
        "encode_seconds": round(encode_seconds, 4),
    }
    n_allowed: NDArray[np.int64] | None = None
    optimal = False

    if m == 0 or not active.any():
        match = np.full(n, -1, dtype=np.intp)
        optimal = mode != "greedy"
    elif mode in ("optimal", "fair"):
        t0 = time.perf_counter()
        cand = _initial_candidates(scorer, active, k=k, seed=seed)
        stats["scoring_seconds"] = round(encode_seconds + time.perf_counter() - t0, 4)
        n_allowed = cand.n_allowed
        outcome = (solve_optimal if mode == "optimal" else solve_fair)(scorer, cap, active, cand)
        match = outcome.match
        optimal = outcome.certified
        stats.update(
            solving_seconds=round(outcome.solve_seconds, 4),
            certify_seconds=round(outcome.certify_seconds, 4),
            candidates=outcome.candidates,
            certification_rounds=outcome.rounds,
            certification_pairs_scored=outcome.scored_pairs,
        )
        if "bottleneck" in outcome.extra:
            stats["lowest_score"] = _points(int(outcome.extra["bottleneck"]))
    elif mode == "stable":
        t0 = time.perf_counter()
        if problem.preferences is not None:
            refill, n_allowed = _explicit(problem, scorer, mentee_index, mentor_index)
        else:
            refill = derived_lists(scorer)
        match = deferred_acceptance(n, cap, active, refill)
        stats["solving_seconds"] = round(time.perf_counter() - t0, 4)
        stats["scoring_seconds"] = round(encode_seconds, 4)
        optimal = True
    else:
        t0 = time.perf_counter()
        match = greedy(scorer, cap, active)
        stats["solving_seconds"] = round(time.perf_counter() - t0, 4)
        stats["scoring_seconds"] = round(encode_seconds, 4)

    t0 = time.perf_counter()
    result = _build_result(
        problem, scorer, mode, match, locked, cap, active, n_allowed, optimal, stats
    )
    stats["result_seconds"] = round(time.perf_counter() - t0, 4)
    stats["total_seconds"] = round(time.perf_counter() - started, 4)
    return result


def _initial_candidates(
    scorer: DenseScorer | SparseScorer, active: NDArray[np.bool_], *, k: int, seed: int
) -> Candidates:
    rows = np.flatnonzero(active)
    if isinstance(scorer, DenseScorer):
        return candidate_pass(scorer, rows, k=k, seed=seed)
    i, j, s = scorer.all_pairs()
    return Candidates(
        i=i.copy(),
        j=j.copy(),
        s=s.copy(),
        row_bound=np.full(scorer.n, -1, dtype=np.int64),
        n_allowed=np.bincount(i, minlength=scorer.n).astype(np.int64),
    )


def _explicit(
    problem: Problem,
    scorer: DenseScorer | SparseScorer,
    mentee_index: Mapping[str, int],
    mentor_index: Mapping[str, int],
) -> tuple[Any, NDArray[np.int64]]:
    prefs = problem.preferences
    assert prefs is not None
    forbidden = {(mentee_index[a], mentor_index[b]) for a, b in problem.forbidden}
    return explicit_lists(
        index_lists(prefs.mentees, mentee_index, mentor_index),
        index_lists(prefs.mentors, mentor_index, mentee_index),
        lambda i, j: (i, j) not in forbidden,
    )


def _build_result(
    problem: Problem,
    scorer: DenseScorer | SparseScorer,
    mode: str,
    match: IntArray,
    locked: IntArray,
    cap: NDArray[np.int64],
    active: NDArray[np.bool_],
    n_allowed: NDArray[np.int64] | None,
    optimal: bool,
    stats: dict[str, Any],
) -> MatchResult:
    final = np.where(locked >= 0, locked, match)
    rows = np.flatnonzero(final >= 0)
    cols = final[rows]
    explanation = scorer.explain(rows, cols)
    if isinstance(scorer, SparseScorer):
        units = scorer.listed_score(rows, cols)
    else:
        units = np.zeros(len(rows), dtype=np.int64)
        for name in scorer.names:
            units += explanation[name]
    names = scorer.names
    assignments = [
        Assignment(
            mentee=problem.mentees[i].id,
            mentor=problem.mentors[j].id,
            score=score,
            explanation=dict(zip(names, parts, strict=True)),
            locked=is_locked,
        )
        for i, j, score, is_locked, *parts in zip(
            rows.tolist(),
            cols.tolist(),
            _points_list(units),
            (locked[rows] >= 0).tolist(),
            *(_points_list(explanation[name]) for name in names),
            strict=True,
        )
    ]
    unmatched_rows = np.flatnonzero(final < 0)
    reasons = _reasons(problem, scorer, mode, unmatched_rows, cap, n_allowed)
    unmatched = tuple(
        Unmatched(problem.mentees[i].id, reasons[p].text, reasons[p].code, reasons[p].params)
        for p, i in enumerate(unmatched_rows.tolist())
    )
    total = int(units.sum())
    return MatchResult(
        mode=mode,
        assignments=tuple(assignments),
        unmatched=unmatched,
        matched=len(assignments),
        total_score=_points(total),
        optimal=optimal,
        stats=stats,
    )


_FULL = {
    "optimal": "compatible_full",
    "fair": "compatible_full",
    "stable": "compatible_full_ranked",
    "greedy": "compatible_full_at_turn",
}


def _reasons(
    problem: Problem,
    scorer: DenseScorer | SparseScorer,
    mode: str,
    rows: IntArray,
    cap: NDArray[np.int64],
    n_allowed: NDArray[np.int64] | None,
) -> list[Reason]:
    """A specific reason for each unmatched mentee in ``rows``."""
    if len(rows) == 0:
        return []
    m = scorer.m
    if m == 0:
        return [pair_reason("no_mentors")] * len(rows)
    explicit = mode == "stable" and problem.preferences is not None
    if n_allowed is None:
        n_allowed = np.zeros(scorer.n, dtype=np.int64)
        n_allowed[rows] = _count_allowed(scorer, rows)
    reasons: list[Reason] = []
    zero = rows[n_allowed[rows] == 0]
    detail_reason = _no_mentor_reasons(problem, scorer, zero, explicit)
    no_room = not (cap > 0).any()
    for i in rows.tolist():
        count = int(n_allowed[i])
        if count == 0:
            reasons.append(detail_reason[i])
        elif no_room:
            reasons.append(pair_reason("compatible_already_full", count=count))
        elif explicit:
            reasons.append(pair_reason("acceptable_full_ranked", count=count))
        else:
            reasons.append(pair_reason(_FULL[mode], count=count))
    return reasons


def _count_allowed(scorer: DenseScorer | SparseScorer, rows: IntArray) -> NDArray[np.int64]:
    if isinstance(scorer, SparseScorer):
        return np.bincount(scorer.table.i, minlength=scorer.n)[rows].astype(np.int64)
    size = max(1, (1 << 17) // max(scorer.m, 1))
    parts = [rows[k : k + size] for k in range(0, len(rows), size)]
    counts = parallel_map(lambda part: (scorer.block(part) >= 0).sum(axis=1), parts)
    return np.concatenate([np.zeros(0, np.int64), *counts]).astype(np.int64)


def _no_mentor_reasons(
    problem: Problem, scorer: DenseScorer | SparseScorer, rows: IntArray, explicit: bool
) -> dict[int, Reason]:
    out: dict[int, Reason] = {}
    if len(rows) == 0:
        return out
    if explicit:
        for i in rows.tolist():
            out[i] = pair_reason("no_mutually_acceptable")
        return out
    if isinstance(scorer, SparseScorer):
        listed = np.bincount(scorer.listed_table.i, minlength=scorer.n)
        for i in rows.tolist():
            out[i] = pair_reason("listed_all_forbidden" if listed[i] else "no_listed_pair")
        return out
    size = max(1, (1 << 20) // max(scorer.m, 1))
    for start in range(0, len(rows), size):
        part = rows[start : start + size]
        detail = scorer.block_detail(part)
        forbidden = detail.get("forbidden")
        for r, i in enumerate(part.tolist()):
            if forbidden is not None and forbidden[r].all():
                out[i] = pair_reason("all_forbidden")
                continue
            passing = np.ones(scorer.m, dtype=bool)
            named = None
            for name in scorer.hard_names:
                ok = detail[name][r]
                if not ok.any() and named is None:
                    named = name
                passing &= ok
            if named is not None:
                out[i] = scorer.describe_failure(named)
            elif passing.any():
                out[i] = pair_reason("passing_all_forbidden")
            else:
                out[i] = pair_reason("hard_combined", criteria=list(scorer.hard_names))
    return out
