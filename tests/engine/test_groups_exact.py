"""The exact phase: CP-SAT finds a grouping the search missed, or proves there is none."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from groups_testlib import brute_force, hard_ok, planted_problem, random_problem

from peerpath.engine.grouping import exact
from peerpath.engine.grouping.encode import encode, plan_groups
from peerpath.engine.grouping.search import SearchStats, repair
from peerpath.engine.grouping.state import State
from peerpath.engine.groups import (
    GroupProblem,
    Participant,
    SearchOptions,
    evaluate_groups,
    form_groups,
)

FAST = SearchOptions(restarts=2, rounds=5)


def _planted_30002() -> tuple[GroupProblem, list[list[str]]]:
    """
    The Hypothesis example the search alone failed on: six planted groups of
    4-6 (32 people), two shared slots, no leaders, one together and one
    apart pair, nobody may be left out.
    """
    rng = np.random.default_rng(30002)
    return planted_problem(rng, [6, 4, 6, 6, 4, 6], k=2, leaders="none")


def _indices(problem: GroupProblem, groups) -> list[list[int]]:
    index = {p.id: i for i, p in enumerate(problem.participants)}
    return [[index[m] for m in g.members] for g in groups]


def test_the_planted_example_the_search_missed_is_grouped():
    problem, hidden = _planted_30002()
    assert evaluate_groups(problem, hidden).feasible
    result = form_groups(problem, seed=30002, options=FAST)
    assert result.feasible, result.reason
    assert result.left_out == ()
    assert result.stats["exact"]["status"] == "found"
    assert result.stats["exact"]["limit"] == 10.0  # a small model has the whole limit
    groups = _indices(problem, result.groups)
    assert hard_ok(problem, groups)
    assert sorted(i for g in groups for i in g) == list(range(32))
    again = evaluate_groups(problem, [g.members for g in result.groups])
    assert again.feasible
    assert [g.score for g in again.groups] == [g.score for g in result.groups]


def test_without_the_exact_phase_the_search_reports_what_it_missed():
    problem, _ = _planted_30002()
    off = SearchOptions(restarts=2, rounds=5, exact_seconds=0)
    result = form_groups(problem, seed=30002, options=off)
    assert not result.feasible
    assert result.reason.startswith("no grouping found that places everyone")
    assert "exact" not in result.stats


def test_the_local_search_improves_the_exact_grouping_and_keeps_it_feasible():
    problem, _ = _planted_30002()
    enc = encode(problem)
    plan = plan_groups(enc)
    raw = exact.solve_exact(enc, plan, hint=None, seed=30002, seconds=10)
    assert raw.status == "found"
    assert raw.group_of is not None
    assert (raw.group_of >= 0).all()
    start = [[enc.ids[i] for i in np.flatnonzero(raw.group_of == g)] for g in range(raw.n_groups)]
    before = evaluate_groups(problem, start)
    assert before.feasible
    result = form_groups(problem, seed=30002, options=FAST)
    assert (result.min_score, result.mean_score) >= (before.min_score, before.mean_score)


def test_the_result_depends_only_on_the_problem_seed_and_options():
    problem, _ = _planted_30002()
    one = form_groups(problem, seed=30002, options=FAST)
    two = form_groups(problem, seed=30002, options=FAST)
    assert [g.members for g in one.groups] == [g.members for g in two.groups]
    assert (one.min_score, one.mean_score) == (two.min_score, two.mean_score)


def _slots(pid: str, *slots: str) -> Participant:
    return Participant(pid, slots=frozenset(slots))


def test_apart_pairs_no_grouping_can_meet_get_the_proved_reason():
    # "a" must be apart from everyone else, and every group has two members
    parts = tuple(_slots(pid, "mon") for pid in "abcd")
    problem = GroupProblem(
        parts, 2, 2, apart=(("a", "b"), ("a", "c"), ("a", "d")), allow_left_out=False
    )
    result = form_groups(problem)
    assert not result.feasible
    assert result.reason == (
        "no grouping can satisfy the rules (groups of 2–2, apart pairs) "
        "with all 4 participants placed"
    )
    assert result.stats["exact"]["status"] == "infeasible"
    assert result.left_out
    for left in result.left_out:
        assert (left.code, dict(left.params)) == ("no_grouping_exists", {})
        assert left.reason == (
            "no grouping can meet the rules with everyone placed (an exact search proved it)"
        )


def test_too_few_shared_slots_for_everyone_get_the_proved_reason():
    # each of b, c, d shares a slot with "a" only, so no pairing places all four
    parts = (
        _slots("a", "mon", "tue", "wed"),
        _slots("b", "mon"),
        _slots("c", "tue"),
        _slots("d", "wed"),
    )
    problem = GroupProblem(parts, 2, 2, min_shared_slots=1, allow_left_out=False)
    result = form_groups(problem)
    assert not result.feasible
    assert result.reason == (
        "no grouping can satisfy the rules (groups of 2–2, 1 shared free slot) "
        "with all 4 participants placed"
    )
    assert {x.code for x in result.left_out} == {"no_grouping_exists"}
    # leaving people out is allowed: one pair, two left out with the search's reason
    relaxed = form_groups(GroupProblem(parts, 2, 2, min_shared_slots=1))
    assert relaxed.feasible
    assert len(relaxed.groups) == 1
    assert len(relaxed.left_out) == 2
    assert "exact" not in relaxed.stats


def test_a_model_too_large_keeps_the_search_answer(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(exact, "EXACT_MAX_TERMS", 10)
    problem, _ = _planted_30002()
    result = form_groups(problem, seed=30002, options=FAST)
    assert result.stats["exact"]["status"] == "too_large"
    assert not result.feasible
    assert result.reason.startswith("no grouping found that places everyone")


def test_the_exact_limit_is_whole_for_small_models_then_shrinks_and_stops():
    full, most = exact.EXACT_FULL_TERMS, exact.EXACT_MAX_TERMS
    assert full < 2 * full <= most
    assert exact.exact_limit(10, 1) == 10
    assert exact.exact_limit(10, full) == 10
    assert exact.exact_limit(10, 2 * full) == 5
    assert exact.exact_limit(4, most) == pytest.approx(4 * full / most)
    assert exact.exact_limit(10, most + 1) == 0


def test_a_larger_model_gets_a_share_of_the_limit(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(exact, "EXACT_FULL_TERMS", 1_000)  # the example has about 1,400 terms
    problem, _ = _planted_30002()
    result = form_groups(problem, seed=30002, options=FAST)
    assert result.feasible, result.reason
    assert result.stats["exact"]["status"] == "found"
    assert 5.0 < result.stats["exact"]["limit"] < 10.0


def test_a_300_person_class_is_not_built_for_a_search_that_cannot_finish():
    """
    The measured case (docs/groups.md): 60 planted groups of 5, K = 2 over 40
    slots, few of them shared. CP-SAT found no grouping there even in 30
    deterministic seconds (minutes on a busy machine), so the model is not built.
    """
    rng = np.random.default_rng(1)
    problem, _ = planted_problem(rng, [5] * 60, k=2, leaders="none", n_slots=40, extra=0.1)
    enc = encode(problem)
    plan = plan_groups(enc)
    out = exact.solve_exact(enc, plan, hint=None, seed=1, seconds=10)
    assert (out.status, out.group_of, out.limit) == ("too_large", None, 0.0)
    assert out.to_dict()["limit"] == 0.0


@pytest.mark.parametrize("trial", range(30))
def test_the_exact_model_agrees_with_exhaustive_search(trial):
    rng = np.random.default_rng(7000 + trial)
    problem = random_problem(rng, int(rng.integers(3, 9)), allow_left_out=False)
    for strict in (True, False):
        prob = replace(problem, allow_left_out=not strict)
        enc = encode(prob)
        plan = plan_groups(enc)
        best = brute_force(prob)
        if not plan.group_counts or (strict and (plan.reasons or plan.placeable < enc.n)):
            assert best is None  # the plan's reasons are proofs
            continue
        out = exact.solve_exact(enc, plan, hint=None, seed=trial, seconds=10)
        assert out.status == ("infeasible" if best is None else "found")
        if out.group_of is None:
            continue
        groups = [np.flatnonzero(out.group_of == g).tolist() for g in range(out.n_groups)]
        assert hard_ok(prob, groups)
        assert int((out.group_of >= 0).sum()) == enc.n - best[0]  # the most placed


def test_a_grouping_that_breaks_a_rule_is_repaired_when_leaving_out_is_allowed():
    parts = tuple(_slots(pid, "mon") for pid in "abcdef")
    problem = GroupProblem(parts, 2, 3, apart=(("a", "b"),))
    enc = encode(problem)
    plan = plan_groups(enc)
    broken = State(enc, np.array([0, 0, 0, 1, 1, 1]), 2, plan.eligible)  # a and b together
    assert broken.hard == 1
    stats = SearchStats()
    st = repair(enc, plan, broken, 0, FAST, stats)
    assert stats.exact is not None
    assert stats.exact.status == "found"
    assert st is not None
    assert (st.hard, st.missing, st.bench) == (0, 0, 0)
    assert st.group_of[0] != st.group_of[1]
