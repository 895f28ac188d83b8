"""Hypothesis invariants over random problems with loads, locked and forbidden pairs."""

from __future__ import annotations

import numpy as np
from engine_testlib import (
    best_optimal,
    blocking_pairs,
    criteria_problem,
    dense_view,
    match_of,
    value,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerpath.engine import SCORE_SCALE, Mentee, Mentor, Problem, solve


@st.composite
def problems(draw):
    n = draw(st.integers(0, 6))
    m = draw(st.integers(0, 3))
    capacity = [draw(st.integers(1, 3)) for _ in range(m)]
    load = [draw(st.integers(0, c - 1)) for c in capacity]
    use_criteria = draw(st.booleans())
    if use_criteria:
        base = criteria_problem(np.random.default_rng(draw(st.integers(0, 2**16))), n, m)
        mentors = tuple(
            Mentor(t.id, capacity=capacity[j], load=load[j], attributes=t.attributes)
            for j, t in enumerate(base.mentors)
        )
        mentees, criteria, scores = base.mentees, base.criteria, None
    else:
        mentors = tuple(Mentor(f"t{j}", capacity=capacity[j], load=load[j]) for j in range(m))
        mentees = tuple(Mentee(f"s{i}") for i in range(n))
        criteria = ()
        scores = tuple(
            (f"s{i}", f"t{j}", draw(st.sampled_from([0.0, 0.25, 0.5, 1.0, -0.5])))
            for i in range(n)
            for j in range(m)
            if draw(st.booleans())
        )
    pairs = [(f"s{i}", f"t{j}") for i in range(n) for j in range(m)]
    forbidden = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=4)) if pairs else []
    room = [c - ld for c, ld in zip(capacity, load, strict=True)]
    locked = []
    for i in range(n):
        if m and draw(st.integers(0, 4)) == 0:
            j = draw(st.integers(0, m - 1))
            if room[j] > 0 and (f"s{i}", f"t{j}") not in forbidden:
                room[j] -= 1
                locked.append((f"s{i}", f"t{j}"))
    return Problem(
        mentors=mentors,
        mentees=mentees,
        criteria=criteria,
        scores=scores,
        forbidden=tuple(forbidden),
        locked=tuple(locked),
    )


SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check_feasible(problem, result):
    loads = {t.id: t.load for t in problem.mentors}
    capacity = {t.id: t.capacity for t in problem.mentors}
    seen = set()
    forbidden = set(problem.forbidden)
    locked = set(problem.locked)
    for a in result.assignments:
        assert a.mentee not in seen
        seen.add(a.mentee)
        loads[a.mentor] += 1
        if (a.mentee, a.mentor) not in locked:
            assert (a.mentee, a.mentor) not in forbidden
        if a.explanation:
            assert sum(round(v * SCORE_SCALE) for v in a.explanation.values()) == round(
                a.score * SCORE_SCALE
            )
    assert all(loads[t] <= capacity[t] for t in loads)
    assert locked <= {(a.mentee, a.mentor) for a in result.assignments}
    assert result.matched == len(result.assignments)
    assert result.matched + len(result.unmatched) == len(problem.mentees)
    assert all(u.reason for u in result.unmatched)
    assert round(sum(a.score for a in result.assignments), 6) == result.total_score


@SETTINGS
@given(problems())
def test_every_mode_is_feasible_and_explained(problem):
    for mode in ("optimal", "fair", "stable", "greedy"):
        _check_feasible(problem, solve(problem, mode=mode))


@SETTINGS
@given(problems())
def test_optimal_dominates_fair_and_greedy(problem):
    d = dense_view(problem)
    results = {mode: solve(problem, mode=mode) for mode in ("optimal", "fair", "greedy", "stable")}
    values = {mode: value(d, match_of(problem, r)) for mode, r in results.items()}
    opt = values["optimal"]
    assert (opt[0], opt[2]) == best_optimal(d)
    for mode in ("fair", "greedy", "stable"):
        assert (opt[0], opt[2]) >= (values[mode][0], values[mode][2])
        assert results["optimal"].total_score >= results[mode].total_score - 1e-9 or (
            results["optimal"].matched > results[mode].matched
        )
    assert values["fair"][0] == opt[0]
    assert values["fair"][1] >= opt[1]
    assert results["optimal"].optimal
    assert results["fair"].optimal


@SETTINGS
@given(problems())
def test_stable_has_no_blocking_pair(problem):
    d = dense_view(problem)
    result = solve(problem, mode="stable")
    assert blocking_pairs(d, match_of(problem, result)) == []
