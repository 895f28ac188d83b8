"""Group formation: hand-solved cases, reasons, evaluation, and brute force on small instances."""

from __future__ import annotations

import numpy as np
import pytest
from groups_testlib import brute_force, group_score, hard_ok, random_problem

from peerpath.engine.groups import (
    GroupCriterion,
    GroupProblem,
    IsolationRule,
    Participant,
    ProblemError,
    SearchOptions,
    evaluate_groups,
    form_groups,
)

WEEK = frozenset({"mon1", "tue1", "wed1"})


def people(*specs, slots=WEEK):
    """``("p1", {"course": "bio"})`` or ``("p1", {...}, True)`` (a leader)."""
    return tuple(
        Participant(s[0], slots=slots, leader=len(s) > 2 and s[2], attributes=s[1]) for s in specs
    )


def members(result):
    return sorted(sorted(g.members) for g in result.groups)


def test_similar_course_pairs_up_the_same_course():
    parts = people(
        ("a", {"course": "bio"}), ("b", {"course": "chem"}),
        ("c", {"course": "bio"}), ("d", {"course": "chem"}),
    )  # fmt: skip
    crit = (GroupCriterion("course", "course", prefer="similar"),)
    result = form_groups(GroupProblem(parts, min_size=2, max_size=2, criteria=crit))
    assert result.feasible
    assert members(result) == [["a", "c"], ["b", "d"]]
    assert (result.min_score, result.mean_score) == (1.0, 1.0)
    assert [g.id for g in result.groups] == ["g1", "g2"]
    assert result.groups[0].explanation == {"course": 1.0}
    assert result.groups[0].shared_slots == ("mon1", "tue1", "wed1")


def test_diverse_course_mixes_courses():
    parts = people(
        ("a", {"course": "bio"}), ("b", {"course": "bio"}),
        ("c", {"course": "chem"}), ("d", {"course": "chem"}),
    )  # fmt: skip
    crit = (GroupCriterion("course", "course", prefer="diverse"),)
    result = form_groups(GroupProblem(parts, min_size=2, max_size=2, criteria=crit))
    assert members(result) == [["a", "c"], ["b", "d"]] or members(result) == [
        ["a", "d"],
        ["b", "c"],
    ]
    assert result.min_score == 1.0


def test_numbers_similar_and_diverse_hand_solved():
    # attainment 1, 1, 5, 5: population sd 2; {1, 5} has sd 2 (value 1), {1, 1} sd 0
    parts = people(("a", {"x": 1}), ("b", {"x": 5}), ("c", {"x": 1}), ("d", {"x": 5}))
    similar = (GroupCriterion("x", "x", kind="number", prefer="similar"),)
    diverse = (GroupCriterion("x", "x", kind="number", prefer="diverse"),)
    res = form_groups(GroupProblem(parts, min_size=2, max_size=2, criteria=similar))
    assert members(res) == [["a", "c"], ["b", "d"]]
    assert res.min_score == 1.0
    res = form_groups(GroupProblem(parts, min_size=2, max_size=2, criteria=diverse))
    assert all({"a", "c"} != set(g.members) for g in res.groups)
    assert res.min_score == 1.0
    # one group of four: sd 2 = population sd, so similar 0 and diverse 1
    assert (
        evaluate_groups(GroupProblem(parts, 4, 4, criteria=similar), [list("abcd")]).min_score
        == 0.0
    )


def test_weighted_explanation_adds_up_to_the_score():
    parts = people(
        ("a", {"course": "bio", "x": 1}), ("b", {"course": "bio", "x": 2}),
        ("c", {"course": "chem", "x": 4}),
    )  # fmt: skip
    crit = (
        GroupCriterion("course", "course", weight=2),
        GroupCriterion("x", "x", kind="number", prefer="diverse", weight=1),
    )
    res = evaluate_groups(GroupProblem(parts, 3, 3, criteria=crit), [["a", "b", "c"]])
    g = res.groups[0]
    # course: 1 of 3 pairs match -> 1/3 * 2/3; x: sd 1.247 = population sd -> 1 * 1/3
    assert g.explanation == {
        "course": pytest.approx(2 / 9, abs=1e-6),
        "x": pytest.approx(1 / 3, abs=1e-6),
    }
    assert round(sum(g.explanation.values()), 6) == g.score


def test_shared_slots_are_hard_and_reported():
    a = frozenset({"mon1", "mon2"})
    b = frozenset({"tue1", "tue2"})
    parts = (
        Participant("p1", slots=a), Participant("p2", slots=b),
        Participant("p3", slots=a), Participant("p4", slots=b),
    )  # fmt: skip
    res = form_groups(GroupProblem(parts, min_size=2, max_size=2, min_shared_slots=2))
    assert members(res) == [["p1", "p3"], ["p2", "p4"]]
    assert res.groups[0].shared_slots == ("mon1", "mon2")


def test_participant_sharing_no_slots_is_left_out_with_the_reason():
    parts = people(("p1", {}), ("p2", {}), ("p3", {}), ("p4", {}))
    parts += (Participant("p7", slots=frozenset({"sat9"})),)
    problem = GroupProblem(parts, min_size=2, max_size=3, min_shared_slots=2)
    res = form_groups(problem)
    assert res.feasible
    assert [(x.participant, x.reason) for x in res.left_out] == [
        ("p7", "has 1 free slot; every group needs 2 shared free slots")
    ]
    parts = (*parts[:-1], Participant("p7", slots=frozenset({"sat9", "sun9", "mon1"})))
    res = form_groups(GroupProblem(parts, 2, 3, min_shared_slots=2))
    assert res.left_out[0].reason == "shares fewer than 2 free slots with anyone"
    strict = form_groups(GroupProblem(parts, 2, 3, min_shared_slots=2, allow_left_out=False))
    assert not strict.feasible
    assert strict.groups == ()
    assert strict.reason == '"p7" cannot be placed: shares fewer than 2 free slots with anyone'


def test_sizes_that_do_not_divide():
    parts = people(*[(f"p{i}", {}) for i in range(5)])
    res = form_groups(GroupProblem(parts, min_size=4, max_size=4))
    assert res.feasible
    assert len(res.groups) == 1
    assert len(res.left_out) == 1
    assert res.left_out[0].reason == "5 participants cannot form groups of 4–4; 1 must be left out"
    strict = form_groups(GroupProblem(parts, min_size=4, max_size=4, allow_left_out=False))
    assert (strict.feasible, strict.reason) == (False, "5 participants cannot form groups of 4–4")
    few = form_groups(GroupProblem(parts[:3], min_size=4, max_size=6))
    assert not few.feasible
    assert few.reason == "no group can be formed: 3 participants cannot form a group of at least 4"


def test_exactly_one_leader_per_group_and_surplus_leaders():
    parts = people(("l1", {}, True), ("l2", {}, True), ("a", {}), ("b", {}), ("c", {}), ("d", {}))
    res = form_groups(GroupProblem(parts, 3, 3, leaders="exactly_one"))
    assert [len(g.leaders) for g in res.groups] == [1, 1]
    surplus = people(("l1", {}, True), ("l2", {}, True), ("l3", {}, True), ("a", {}), ("b", {}))
    res = form_groups(GroupProblem(surplus, 2, 3, leaders="exactly_one"))
    assert [len(g.leaders) for g in res.groups] == [1, 1]
    assert len(res.left_out) == 1
    assert res.left_out[0].reason == (
        "3 leaders for at most 2 groups of 2–3; every group has exactly one leader, "
        "so 1 must be left out"
    )
    none = form_groups(GroupProblem(parts[2:6], 2, 2, leaders="at_least_one"))
    assert not none.feasible
    assert none.reason == (
        "no group can be formed: no participant who can be placed is a leader; every group needs one"
    )


def test_together_and_apart():
    parts = people(*[(f"p{i}", {"course": c}) for i, c in enumerate("aabb")])
    crit = (GroupCriterion("course", "course"),)
    res = form_groups(
        GroupProblem(parts, 2, 2, criteria=crit, together=(("p0", "p2"),), apart=(("p1", "p3"),))
    )
    assert ["p0", "p2"] in members(res)
    res = form_groups(GroupProblem(parts, 2, 2, criteria=crit, apart=(("p0", "p1"),)))
    assert ["p0", "p1"] not in members(res)


def test_nobody_isolated_comes_before_the_score():
    parts = people(*[(f"p{i}", {"gender": g}) for i, g in enumerate("ffmm")])
    diverse = (GroupCriterion("gender", "gender", prefer="diverse"),)
    res = form_groups(GroupProblem(parts, 2, 2, criteria=diverse))
    assert res.min_score == 1.0
    assert res.warnings == ()
    res = form_groups(
        GroupProblem(parts, 2, 2, criteria=diverse, no_isolated=(IsolationRule("gender"),))
    )
    assert members(res) == [["p0", "p1"], ["p2", "p3"]]
    assert res.min_score == 0.0
    assert res.warnings == ()
    # one "x" alone cannot be helped: exempt; two "x" split across groups would warn
    odd = people(*[(f"p{i}", {"gender": g}) for i, g in enumerate("ffmx")])
    res = form_groups(GroupProblem(odd, 2, 2, no_isolated=(IsolationRule("gender", ("f", "x")),)))
    assert ["p0", "p1"] in members(res)
    assert res.warnings == ()


def test_evaluate_groups_lists_violations_and_rescores_a_move():
    parts = people(
        *[(f"p{i}", {"course": c}) for i, c in enumerate("aabb")],
        ("l1", {"course": "a"}, True), ("l2", {"course": "b"}, True),
    )  # fmt: skip
    crit = (GroupCriterion("course", "course"),)
    problem = GroupProblem(parts, 2, 4, leaders="at_least_one", criteria=crit)
    bad = evaluate_groups(problem, {"red": ["p0", "p1", "l1", "l2"], "blue": ["p2", "p3"]})
    assert not bad.feasible
    assert bad.violations == ("group blue: 0 leaders; the rule is at least one leader",)
    assert [g.id for g in bad.groups] == ["red", "blue"]
    before = evaluate_groups(problem, [["p0", "p2", "l1"], ["p1", "p3", "l2"]])
    assert before.feasible
    assert before.violations == ()
    assert [g.score for g in before.groups] == [0.333333, 0.333333]
    after = evaluate_groups(problem, [["p0", "p1", "l1"], ["p2", "p3", "l2"]])
    assert [g.score for g in after.groups] == [1.0, 1.0]
    with pytest.raises(ProblemError, match='unknown participant "zz"'):
        evaluate_groups(problem, [["zz"]])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"min_size": 5, "max_size": 4}, r"min_size \(5\) must not exceed max_size \(4\)"),
        ({"min_size": 1}, "a group needs at least 2 members"),
        ({"leaders": "two"}, "leaders: expected one of"),
        ({"together": (("p0", "p9"),)}, r'together\[0\]: unknown participant "p9"'),
        ({"apart": (("p0", "p0"),)}, "two different participants"),
        (
            {"together": (("p0", "p1"), ("p1", "p2")), "apart": (("p0", "p2"),)},
            "must also be together",
        ),
        (
            {"criteria": (GroupCriterion("c", "c", kind="colour"),)},
            "kind must be category or number",
        ),
        (
            {"criteria": (GroupCriterion("c", "c", prefer="same"),)},
            "prefer must be similar or diverse",
        ),
        (
            {"criteria": (GroupCriterion("c", "c", weight=-1),)},
            "weight must be a finite number >= 0",
        ),
        (
            {"criteria": (GroupCriterion("l", "l"),)},
            r'participants\[0\] \("p0"\): l must be a single value',
        ),
    ],
)
def test_invalid_problems_name_the_entry(kwargs, message):
    parts = tuple(Participant(f"p{i}", attributes={"l": [1]}) for i in range(3))
    with pytest.raises(ProblemError, match=message):
        form_groups(GroupProblem(parts, **{"min_size": 2, "max_size": 3, **kwargs}))


def test_duplicate_ids_are_rejected():
    with pytest.raises(ProblemError, match=r'participants\[1\] \("a"\): duplicate id "a"'):
        form_groups(GroupProblem((Participant("a"), Participant("a")), 2, 2))


def test_same_seed_same_result_and_seed_in_stats():
    problem = random_problem(np.random.default_rng(7), 9)
    one = form_groups(problem, seed=3).to_dict()
    two = form_groups(problem, seed=3).to_dict()
    for d in (one, two):
        d["stats"].pop("seconds")
    assert one == two
    assert one["stats"]["seed"] == 3


def test_effort_options_are_honoured():
    problem = random_problem(np.random.default_rng(11), 9)
    res = form_groups(problem, options=SearchOptions(restarts=1, rounds=0))
    assert (res.stats["restarts"], res.stats["rounds"]) == (1, 0)


SMALL = list(range(24))


@pytest.mark.parametrize("seed", SMALL)
def test_small_instances_match_exhaustive_search(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 10))
    problem = random_problem(rng, n, allow_left_out=bool(seed % 3))
    exact = brute_force(problem)
    result = form_groups(problem, seed=seed)
    if exact is None:
        assert not result.feasible
        assert result.reason
        return
    assert result.feasible, result.reason
    index = {p.id: i for i, p in enumerate(problem.participants)}
    groups = [[index[m] for m in g.members] for g in result.groups]
    assert hard_ok(problem, groups)
    assert [g.score for g in result.groups] == [
        round(group_score(problem, g) / 1e6, 6) for g in groups
    ]
    left, isolated, best_min, best_mean = exact
    assert (len(result.left_out), len(result.warnings)) == (left, isolated)
    assert result.min_score == pytest.approx(best_min, abs=2e-6)
    assert result.mean_score == pytest.approx(best_mean, abs=2e-6)
