"""Every mode against brute force on small instances (ties and infeasible mentees included)."""

from __future__ import annotations

import numpy as np
import pytest
from engine_testlib import (
    best_fair,
    best_optimal,
    blocking_pairs,
    criteria_problem,
    dense_view,
    greedy_reference,
    match_of,
    mentee_optimal_stable,
    random_scores_problem,
    value,
)

from peerpath.engine import Mentee, Mentor, Problem, solve

SEEDS = range(40)


def _instances():
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        n, m = int(rng.integers(1, 7)), int(rng.integers(1, 4))
        if seed % 2:
            yield seed, random_scores_problem(rng, n, m, density=0.5, levels=2)
        else:
            yield seed, criteria_problem(rng, n, m)


@pytest.mark.parametrize(("seed", "problem"), list(_instances()))
def test_optimal_and_fair_match_brute_force(seed, problem):
    d = dense_view(problem)
    opt = solve(problem, mode="optimal", seed=seed)
    assert opt.optimal
    got = value(d, match_of(problem, opt))
    assert (got[0], got[2]) == best_optimal(d)
    fair = solve(problem, mode="fair", seed=seed)
    assert fair.optimal
    assert value(d, match_of(problem, fair)) == best_fair(d)


@pytest.mark.parametrize(("seed", "problem"), list(_instances()))
def test_stable_is_mentee_optimal(seed, problem):
    d = dense_view(problem)
    result = solve(problem, mode="stable", seed=seed)
    match = match_of(problem, result)
    assert blocking_pairs(d, match) == []
    assert (match == mentee_optimal_stable(d)).all()


@pytest.mark.parametrize(("seed", "problem"), list(_instances()))
def test_greedy_matches_reference(seed, problem):
    d = dense_view(problem)
    result = solve(problem, mode="greedy")
    assert not result.optimal
    assert (match_of(problem, result) == greedy_reference(d)).all()


def test_hand_solved_optimal_beats_greedy():
    # s1 takes t1 greedily (0.9), leaving s2 with nobody; optimal matches both.
    problem = Problem(
        mentors=(Mentor("t1"), Mentor("t2")),
        mentees=(Mentee("s1"), Mentee("s2")),
        scores=(("s1", "t1", 0.9), ("s1", "t2", 0.8), ("s2", "t1", 0.5)),
    )
    greedy = solve(problem, mode="greedy")
    assert greedy.matched == 1
    assert [u.reason for u in greedy.unmatched] == [
        "every compatible mentor (1) was full when this mentee's turn came"
    ]
    best = solve(problem, mode="optimal")
    assert {(a.mentee, a.mentor) for a in best.assignments} == {("s1", "t2"), ("s2", "t1")}
    assert best.total_score == 1.3
    assert best.optimal


def test_hand_solved_fair_prefers_the_higher_minimum():
    # Both pairings match two mentees: 1.0 + 0.2 (total 1.2) vs 0.5 + 0.5 (total 1.0).
    problem = Problem(
        mentors=(Mentor("t1"), Mentor("t2")),
        mentees=(Mentee("s1"), Mentee("s2")),
        scores=(("s1", "t1", 1.0), ("s2", "t2", 0.2), ("s1", "t2", 0.5), ("s2", "t1", 0.5)),
    )
    assert solve(problem, mode="optimal").total_score == 1.2
    fair = solve(problem, mode="fair")
    assert {(a.mentee, a.mentor) for a in fair.assignments} == {("s1", "t2"), ("s2", "t1")}
    assert fair.stats["lowest_score"] == 0.5


def test_ties_are_deterministic():
    problem = Problem(
        mentors=(Mentor("t1"), Mentor("t2")),
        mentees=(Mentee("s1"), Mentee("s2"), Mentee("s3")),
        scores=tuple((f"s{i}", f"t{j}", 0.5) for i in (1, 2, 3) for j in (1, 2)),
    )
    for mode in ("optimal", "fair", "stable", "greedy"):
        first = solve(problem, mode=mode).to_dict()
        assert solve(problem, mode=mode).to_dict()["assignments"] == first["assignments"]
        assert first["matched"] == 2
    stable = solve(problem, mode="stable")
    # ties go to the earlier id on both sides
    assert [(a.mentee, a.mentor) for a in stable.assignments] == [("s1", "t1"), ("s2", "t2")]
