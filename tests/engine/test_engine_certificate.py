"""The pruned solve is certified against every pair, and agrees with dense solvers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from cohorts import cohort
from peerpath.engine import solve
from peerpath.engine.scoring import DenseScorer


def _dense_optimum(problem):
    """(matched, total micro-points) by SciPy on the capacity-expanded matrix."""
    scorer = DenseScorer(problem)
    S = scorer.block(np.arange(scorer.n)).astype(np.float64)
    cap = np.array([t.capacity - t.load for t in problem.mentors])
    cols = np.repeat(np.arange(scorer.m), cap)
    big = 1e7  # one more match outweighs any score total here (n * 1e6 < 1e9)
    W = np.where(S[:, cols] >= 0, big * 1000 + S[:, cols], 0.0)
    r, c = linear_sum_assignment(W, maximize=True)
    ok = W[r, c] > 0
    return int(ok.sum()), int(S[r[ok], cols[c[ok]]].sum())


@pytest.mark.parametrize(("n", "m", "k"), [(300, 90, 2), (400, 120, 4), (250, 200, 1)])
def test_certified_optimum_equals_dense_solver(n, m, k):
    problem = cohort(n, m, seed=n + m)
    result = solve(problem, mode="optimal", k=k)
    assert result.optimal
    assert result.stats["certification_rounds"] >= 1
    matched, total = _dense_optimum(problem)
    assert result.matched == matched
    assert round(result.total_score * 1_000_000) == total


def test_small_candidate_sets_need_more_rounds_but_same_answer():
    problem = cohort(400, 120, seed=3)
    narrow = solve(problem, mode="optimal", k=1)
    wide = solve(problem, mode="optimal", k=40)
    assert narrow.optimal
    assert wide.optimal
    assert (narrow.matched, narrow.total_score) == (wide.matched, wide.total_score)
    fair_narrow = solve(problem, mode="fair", k=1)
    fair_wide = solve(problem, mode="fair", k=40)
    assert fair_narrow.stats["lowest_score"] == fair_wide.stats["lowest_score"]
    assert (fair_narrow.matched, fair_narrow.total_score) == (
        fair_wide.matched,
        fair_wide.total_score,
    )
