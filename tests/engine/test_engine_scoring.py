"""Hand-solved criterion scores, explanations and reasons for unmatched mentees."""

from __future__ import annotations

import numpy as np
import pytest
from engine_testlib import criteria_problem

from peerpath.engine import Criterion, Mentee, Mentor, Problem, ProblemError, solve
from peerpath.engine.scoring import DenseScorer


def _one_pair(criterion, mentee_attrs, mentor_attrs):
    problem = Problem(
        mentors=(Mentor("t1", attributes=mentor_attrs),),
        mentees=(Mentee("s1", attributes=mentee_attrs),),
        criteria=(criterion,),
    )
    return solve(problem, mode="optimal")


@pytest.mark.parametrize(
    ("criterion", "mentee", "mentor", "score"),
    [
        # 2 of the mentee's 3 needed subjects are offered
        (Criterion("s", "overlap", "needs", "offers"), {"needs": ["a", "b", "c"]},
         {"offers": ["b", "c", "d"]}, 0.666667),
        # 3 shared slots out of a target of 4
        (Criterion("f", "overlap", "free", "free", params={"target": 4}),
         {"free": ["m1", "m2", "t1", "w1"]}, {"free": ["m1", "m2", "t1"]}, 0.75),
        # |{b}| / |{a, b, c}|
        (Criterion("i", "jaccard", "x", "x"), {"x": ["a", "b"]}, {"x": ["b", "c"]}, 0.333333),
        (Criterion("l", "category", "lang", "lang"), {"lang": "en"}, {"lang": ["fr", "en"]}, 1.0),
        (Criterion("b", "category", "bg", "bg", params={"prefer": "diverse"}),
         {"bg": "local"}, {"bg": "local"}, 0.0),
        (Criterion("g", "gap", "grade", "grade"), {"grade": 9}, {"grade": 11}, 1.0),
        # two grades below the range of 1..3 above, falloff 4: 1 - 2/4
        (Criterion("g", "gap", "grade", "grade", params={"falloff": 4}), {"grade": 9},
         {"grade": 8}, 0.5),
        # ids that are not mentors are ignored, so t1 is first of one
        (Criterion("p", "preference", "wants", None), {"wants": ["t0", "t1"]}, {}, 1.0),
        # the same on the mentor side
        (Criterion("p", "preference", None, "picks"), {}, {"picks": ["s0", "s1"]}, 1.0),
        # items compare as text: 1 and "1" are one item, 1 and 1.0 are not, repeats count once
        (Criterion("s", "overlap", "needs", "offers"), {"needs": [1, 2.0, 2.0]},
         {"offers": ["1", 2]}, 0.5),
        (Criterion("i", "jaccard", "x", "x"), {"x": [True, "a", "a"]}, {"x": ["True", 1]}, 0.333333),
        (Criterion("c", "category", "room", "room"), {"room": 7}, {"room": "7"}, 1.0),
    ],
)  # fmt: skip
def test_hand_solved_criterion_values(criterion, mentee, mentor, score):
    result = _one_pair(criterion, mentee, mentor)
    assert result.assignments[0].score == score


def test_weights_normalise_and_explanation_adds_up():
    criteria = (
        Criterion("subjects", "overlap", "needs", "offers", weight=3),
        Criterion("language", "category", "lang", "lang", weight=1),
    )
    problem = Problem(
        mentors=(Mentor("t1", attributes={"offers": ["a"], "lang": "en"}),),
        mentees=(Mentee("s1", attributes={"needs": ["a", "b"], "lang": "en"}),),
        criteria=criteria,
    )
    a = solve(problem).assignments[0]
    assert a.explanation == {"subjects": 0.375, "language": 0.25}
    assert a.score == 0.625


def test_block_and_pair_scores_agree_bit_for_bit():
    problem = criteria_problem(np.random.default_rng(7), 30, 9)
    scorer = DenseScorer(problem)
    block = scorer.block(np.arange(30))
    ii, jj = np.meshgrid(np.arange(30), np.arange(9), indexing="ij")
    pairs = scorer.pairs(ii.ravel(), jj.ravel()).reshape(30, 9)
    assert (block.astype(np.int64) == pairs).all()
    cols = np.array([4, 1, 7])
    assert (scorer.block(np.arange(30), cols).astype(np.int64) == pairs[:, cols]).all()


def test_reasons_name_the_hard_criterion():
    criteria = (
        Criterion("subjects", "overlap", "needs", "offers", hard=True),
        Criterion("free_time", "overlap", "free", "free", hard=True, params={"min": 2}),
    )
    mentors = (
        Mentor("t1", attributes={"offers": ["math"], "free": ["mon1", "tue1"]}),
        Mentor("t2", attributes={"offers": ["bio"], "free": ["wed1", "thu1"]}),
    )
    mentees = (
        Mentee("s1", attributes={"needs": ["math"], "free": ["mon1"]}),  # 1 shared slot only
        Mentee("s2", attributes={"needs": ["law"], "free": ["mon1", "tue1"]}),
        Mentee(
            "s3", attributes={"needs": ["bio"], "free": ["mon1", "tue1"]}
        ),  # t1 time, t2 subject
        Mentee("s4", attributes={"needs": ["math"], "free": ["mon1", "tue1"]}),
        Mentee("s5", attributes={"needs": ["math"], "free": ["mon1", "tue1"]}),
    )
    problem = Problem(
        mentors=mentors, mentees=mentees, criteria=criteria, forbidden=(("s5", "t1"),)
    )
    reasons = {u.mentee: u.reason for u in solve(problem).unmatched}
    assert reasons == {
        "s1": 'hard criterion "free_time" excludes every mentor: '
        "no mentor shares at least 2 of the mentee's free",
        "s2": 'hard criterion "subjects" excludes every mentor: '
        "no mentor shares any of the mentee's needs",
        "s3": 'no mentor passes all hard criteria together ("subjects", "free_time")',
        "s5": "every mentor that passes the hard criteria is a forbidden pair",
    }


def test_full_mentors_reason_and_locked_pairs():
    problem = Problem(
        mentors=(Mentor("t1", capacity=2, load=1),),
        mentees=(Mentee("s1"), Mentee("s2")),
        scores=(("s1", "t1", 0.9), ("s2", "t1", 0.4)),
        locked=(("s2", "t1"),),
    )
    result = solve(problem)
    assert [(a.mentee, a.locked) for a in result.assignments] == [("s2", True)]
    assert result.unmatched[0].reason == (
        "every compatible mentor (1) is already full (existing load or locked pairs)"
    )


def test_invalid_problem_raises_with_entry():
    with pytest.raises(ProblemError, match=r'locked\[0\]: mentor "t1" has no capacity left'):
        solve(
            Problem(
                mentors=(Mentor("t1", capacity=1, load=1),),
                mentees=(Mentee("s1"),),
                locked=(("s1", "t1"),),
            )
        )


def test_points_are_the_same_floats_one_at_a_time_or_vectorised():
    from peerpath.engine.solve import _points, _points_list

    rng = np.random.default_rng(0)
    units = np.concatenate(
        [np.arange(-2_000, 2_000_001, 997), rng.integers(-(10**12), 10**12, 100_000)]
    ).astype(np.int64)
    assert _points_list(units) == [_points(int(u)) for u in units]
