"""Unmatched reasons as stable codes with parameters, beside the unchanged English."""

from __future__ import annotations

import json

from peerpath.engine import Criterion, Mentee, Mentor, Problem, solve
from peerpath.engine.reasons import PAIR_REASON_CODES, pair_reason
from peerpath.engine.solve import MODES


def _criteria() -> tuple[Criterion, ...]:
    return (
        Criterion("subjects", "overlap", "needs", "offers", weight=3, hard=True),
        Criterion("free_time", "overlap", "free", "free", weight=1, hard=True, params={"min": 2}),
    )


def _hard_problem() -> Problem:
    mentors = (
        Mentor("t1", capacity=2, attributes={"offers": ["math"], "free": ["mon1", "tue1"]}),
        Mentor("t2", capacity=2, attributes={"offers": ["bio"], "free": ["wed1", "thu1"]}),
    )
    mentees = (
        Mentee("s1", attributes={"needs": ["math"], "free": ["mon1"]}),
        Mentee("s2", attributes={"needs": ["law"], "free": ["mon1", "tue1"]}),
        Mentee("s3", attributes={"needs": ["bio"], "free": ["mon1", "tue1"]}),
        Mentee("s4", attributes={"needs": ["math"], "free": ["mon1", "tue1"]}),
        Mentee("s5", attributes={"needs": ["math"], "free": ["mon1", "tue1"]}),
    )
    return Problem(
        mentors=mentors, mentees=mentees, criteria=_criteria(), forbidden=(("s5", "t1"),)
    )


def test_each_unmatched_mentee_has_a_code_and_parameters_beside_the_sentence():
    result = solve(_hard_problem())
    found = {u.mentee: (u.code, dict(u.params)) for u in result.unmatched}
    assert found == {
        "s1": ("hard_no_shared", {"criterion": "free_time", "field": "free", "min": 2}),
        "s2": ("hard_no_shared", {"criterion": "subjects", "field": "needs", "min": 1}),
        "s3": ("hard_combined", {"criteria": ["subjects", "free_time"]}),
        "s5": ("passing_all_forbidden", {}),
    }
    for u in result.unmatched:
        assert u.reason == pair_reason(u.code, **u.params).text


def test_the_json_form_has_codes_only_when_asked():
    result = solve(_hard_problem())
    plain = result.to_dict()
    assert plain["unmatched"][0] == {
        "mentee": "s1",
        "reason": 'hard criterion "free_time" excludes every mentor: '
        "no mentor shares at least 2 of the mentee's free",
    }
    coded = result.to_dict(codes=True)
    assert coded["unmatched"][2] == {
        "mentee": "s3",
        "reason": 'no mentor passes all hard criteria together ("subjects", "free_time")',
        "code": "hard_combined",
        "params": {"criteria": ["subjects", "free_time"]},
    }
    json.dumps(coded)  # every parameter is JSON


def test_gap_category_and_full_mentor_codes():
    gap = Criterion(
        "grade_gap", "gap", "grade", "grade", weight=1, hard=True, params={"min": 1, "max": 3}
    )
    same = Criterion("languages", "category", "languages", "languages", weight=1, hard=True)
    problem = Problem(
        mentors=(Mentor("t1", attributes={"grade": 9, "languages": ["en"]}),),
        mentees=(
            Mentee("s1", attributes={"grade": 9, "languages": ["en"]}),
            Mentee("s2", attributes={"grade": 7, "languages": ["fr"]}),
            Mentee("s3", attributes={"grade": 7, "languages": ["en"]}),
            Mentee("s4", attributes={"grade": 8, "languages": ["en"]}),
        ),
        criteria=(gap, same),
    )
    for mode in MODES:
        result = solve(problem, mode=mode)
        found = {u.mentee: (u.code, dict(u.params)) for u in result.unmatched}
        assert found["s1"] == (
            "hard_gap",
            {"criterion": "grade_gap", "field": "grade", "min": 1, "max": 3},
        )
        assert found["s2"] == ("hard_no_same", {"criterion": "languages", "field": "languages"})
        [full] = [found[s] for s in ("s3", "s4") if s in found]
        code = {
            "optimal": "compatible_full",
            "fair": "compatible_full",
            "stable": "compatible_full_ranked",
            "greedy": "compatible_full_at_turn",
        }[mode]
        assert full == (code, {"count": 1})
        [s1] = [u for u in result.unmatched if u.mentee == "s1"]
        assert s1.reason == (
            'hard criterion "grade_gap" excludes every mentor: '
            "no mentor's grade is 1 to 3 above the mentee's"
        )


def test_scores_form_and_no_mentors():
    problem = Problem(
        mentors=(Mentor("t1"),),
        mentees=(Mentee("s1"), Mentee("s2")),
        scores=(("s1", "t1", 0.5),),
        forbidden=(("s1", "t1"),),
    )
    found = {u.mentee: u.code for u in solve(problem).unmatched}
    assert found == {"s1": "listed_all_forbidden", "s2": "no_listed_pair"}
    nobody = solve(Problem(mentors=(), mentees=(Mentee("s1"),)))
    assert [(u.code, u.reason) for u in nobody.unmatched] == [
        ("no_mentors", "there are no mentors")
    ]


def test_every_code_has_an_english_sentence():
    assert {"hard_no_shared", "hard_combined", "compatible_full", "no_mentors"} <= PAIR_REASON_CODES
    assert len(PAIR_REASON_CODES) == 18
