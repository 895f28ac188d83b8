"""Group formation reasons as stable codes with parameters, beside the unchanged English."""

from __future__ import annotations

import json

from peerpath.engine.grouping.reasons import reason
from peerpath.engine.groups import (
    REASON_CODES,
    GroupProblem,
    IsolationRule,
    Participant,
    evaluate_groups,
    form_groups,
)


def _monday(pid: str, **kwargs) -> Participant:
    return Participant(pid, slots=frozenset({"mon1", "mon2"}), **kwargs)


def test_a_left_out_participant_has_a_code_and_parameters_beside_the_sentence():
    parts = (*[_monday(f"p{i}") for i in range(4)], Participant("p7", slots=frozenset({"sat9"})))
    res = form_groups(GroupProblem(parts, min_size=2, max_size=3, min_shared_slots=2))
    [left] = res.left_out
    assert (left.code, dict(left.params)) == ("few_free_slots", {"free": 1, "k": 2})
    assert left.reason == "has 1 free slot; every group needs 2 shared free slots"
    assert left.reason == reason(left.code, **left.params).text
    entry = res.to_dict()["left_out"][0]
    assert entry == {
        "participant": "p7",
        "reason": left.reason,
        "code": "few_free_slots",
        "params": {"free": 1, "k": 2},
    }


def test_the_documented_json_form_has_no_codes():
    parts = (*[_monday(f"p{i}") for i in range(4)], Participant("p7", slots=frozenset({"sat9"})))
    plain = form_groups(GroupProblem(parts, 2, 3, min_shared_slots=2)).to_dict(codes=False)
    assert plain["left_out"] == [
        {"participant": "p7", "reason": "has 1 free slot; every group needs 2 shared free slots"}
    ]
    assert "violation_codes" not in plain
    assert "warning_codes" not in plain


def test_together_reasons_name_the_others_by_id():
    parts = (
        *[_monday(f"p{i}") for i in range(4)],
        Participant("x", slots=frozenset({"sat9", "sun9"})),
        Participant("y", slots=frozenset({"mon1", "mon2"})),
    )
    res = form_groups(
        GroupProblem(parts, 2, 3, min_shared_slots=2, together=(("x", "y"),))
    ).to_dict()
    reasons = {x["participant"]: x for x in res["left_out"]}
    assert reasons["y"]["code"] == "together_few_shared_slots"
    assert reasons["y"]["params"] == {"others": ["x"], "shared": 0, "k": 2}
    assert reasons["y"]["reason"] == (
        'must be together with "x", but together they share 0 free slots; every group needs 2'
    )
    json.dumps(res)  # every parameter is JSON


def test_violations_and_warnings_come_with_codes_in_the_same_order():
    parts = (
        _monday("a", leader=True, attributes={"lang": "en"}),
        _monday("b", attributes={"lang": "en"}),
        _monday("c", attributes={"lang": "fr"}),
        _monday("d", attributes={"lang": "fr"}),
    )
    problem = GroupProblem(
        parts,
        min_size=3,
        max_size=4,
        leaders="at_least_one",
        no_isolated=(IsolationRule("lang"),),
        apart=(("a", "b"),),
        allow_left_out=False,
    )
    res = evaluate_groups(problem, {"g1": ["a", "b", "c"], "g2": []})
    assert [r.text for r in res.violation_codes] == list(res.violations)
    assert [r.code for r in res.violation_codes] == [
        "group_too_small",
        "group_leader_rule",
        "pair_not_apart",
        "not_in_any_group",
    ]
    assert res.violations[0] == "group g2: 0 members, fewer than 3"
    assert dict(res.violation_codes[2].params) == {"a": "a", "b": "b"}
    assert [r.text for r in res.warning_codes] == list(res.warnings)
    [warning] = res.warning_codes
    assert (warning.code, dict(warning.params)) == (
        "isolated",
        {"group": "g1", "participant": "c", "field": "lang", "value": "fr"},
    )
    data = res.to_dict()
    assert data["violation_codes"][1] == {
        "code": "group_leader_rule",
        "params": {"group": "g2", "leaders": 0, "rule": "at_least_one"},
    }
    assert data["left_out"][0]["code"] == "not_placed"


def test_every_code_has_an_english_sentence():
    assert {
        "few_free_slots",
        "shares_with_nobody",
        "sizes_do_not_fit",
        "group_leader_rule",
        "isolated",
    } <= REASON_CODES
    assert len(REASON_CODES) == 26
