"""Hypothesis: when a grouping meeting every hard rule exists, the engine finds one."""

from __future__ import annotations

import numpy as np
from groups_testlib import hard_ok, planted_problem, shared_slots
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerpath.engine.groups import SearchOptions, evaluate_groups, form_groups

FAST = SearchOptions(restarts=2, rounds=5)


@st.composite
def planted(draw):
    a = draw(st.integers(2, 4))
    b = a + draw(st.integers(0, 2))
    sizes = draw(st.lists(st.integers(a, b), min_size=1, max_size=6))
    sizes = [*sizes[:-1], a] + ([b] if b != a else [])  # both bounds appear
    k = draw(st.integers(0, 2))
    leaders = draw(st.sampled_from(["none", "at_least_one", "exactly_one"]))
    seed = draw(st.integers(0, 2**16))
    return planted_problem(np.random.default_rng(seed), sizes, k=k, leaders=leaders), seed


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(planted())
def test_hard_constraints_hold_whenever_a_feasible_grouping_exists(case):
    (problem, hidden), seed = case
    assert evaluate_groups(problem, hidden).feasible  # the planted grouping is valid
    result = form_groups(problem, seed=seed, options=FAST)
    assert result.feasible, result.reason
    assert result.left_out == ()
    index = {p.id: i for i, p in enumerate(problem.participants)}
    groups = [[index[m] for m in g.members] for g in result.groups]
    assert hard_ok(problem, groups)
    assert sorted(i for g in groups for i in g) == list(range(len(problem.participants)))
    for g, members in zip(result.groups, groups, strict=True):
        assert set(g.shared_slots) == shared_slots(problem, members)
        assert len(g.shared_slots) >= problem.min_shared_slots
        assert round(sum(g.explanation.values()), 6) == g.score
        assert 0.0 <= g.score <= 1.0
    again = evaluate_groups(problem, [g.members for g in result.groups])
    assert again.feasible
    assert [g.score for g in again.groups] == [g.score for g in result.groups]
    assert result.min_score == min(g.score for g in result.groups)
