"""
The impact report on a small school, every figure checked by hand.

Matched mentees (before → after, grade % and attendance %):
Dee g10 (70, 90 → 75, 92), Eve g10 (60, 80 → 66, 85), Fay g10 (80, 95 → 82, 96),
Gus g11 (65, 85 → 70, 88), Hal g10 (no baseline → 72, 90).
Students in no program: P1 g10 (70.5, 90 → 71, 89), P2 g10 (60.5, 80 → 61, 80, left
school), P3 g10 (79.5, 95 → 80, 94), P4 g10 (30, 40), P5 g11 (95, 99), P6 g9 (65, 85).
Ivy g10 applied but was never matched; her baseline equals Dee's, so she would be
Dee's perfect match if applicants were not excluded.
"""

from __future__ import annotations

import math

import pytest
from insights_testlib import enrol, student

from factories import make_participant
from peerpath.insights import stats
from peerpath.insights.impact import default_terms, impact_report, outcome_terms
from peerpath.insights.outcomes import outcomes_import
from peerpath.matching.services import match_create_manual

T_975_2 = 4.302653  # Student's t, 2 df
T_975_3 = 3.182446
Z = 1.959964


def _mean(xs):
    return sum(xs) / len(xs)


def _var(xs):
    m = _mean(xs)
    return sum((x - m) ** 2 for x in xs) / (len(xs) - 1)


def _wilson(k, n):
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


@pytest.fixture
def school_data(campus):
    school, program, actor = campus.school, campus.program, campus.coordinator
    people = {"Dee": campus.dee.email, "Eve": "eve@oak.test"}
    for name, grade in (("Fay", 10), ("Gus", 11), ("Hal", 10)):
        mentor = enrol(program, actor, "mentor", student(school, 12, given_name=f"M{name}"))
        mentee = enrol(
            program, actor, "mentee",
            student(school, grade, given_name=name, email=f"{name.lower()}@oak.test"),
        )  # fmt: skip
        match_create_manual(actor=actor, program=program, mentor=mentor, mentee=mentee)
        people[name] = f"{name.lower()}@oak.test"
    ivy = student(school, 10, given_name="Ivy", email="ivy@oak.test")
    make_participant(program, ivy, role="mentee", status="applied")
    people["Ivy"] = "ivy@oak.test"
    for name, grade in (("P1", 10), ("P2", 10), ("P3", 10), ("P4", 10), ("P5", 11), ("P6", 9)):
        student(school, grade, given_name=name, email=f"{name.lower()}@oak.test")
        people[name] = f"{name.lower()}@oak.test"
    before = {
        "Dee": (70, 90), "Eve": (60, 80), "Fay": (80, 95), "Gus": (65, 85), "Ivy": (70, 90),
        "P1": (70.5, 90), "P2": (60.5, 80), "P3": (79.5, 95), "P4": (30, 40), "P5": (95, 99),
        "P6": (65, 85),
    }  # fmt: skip
    after = {
        "Dee": (75, 92, "enrolled"), "Eve": (66, 85, "enrolled"), "Fay": (82, 96, "graduated"),
        "Gus": (70, 88, "enrolled"), "Hal": (72, 90, "enrolled"), "P1": (71, 89, "enrolled"),
        "P2": (61, 80, "withdrawn"), "P3": (80, 94, "enrolled"),
    }  # fmt: skip
    head = "student,grade_average,grade_scale,attendance_rate,enrolment_status\n"
    spring = head + "".join(f"{people[n]},{g},100,{a},enrolled\n" for n, (g, a) in before.items())
    fall = head + "".join(f"{people[n]},{g},100,{a},{s}\n" for n, (g, a, s) in after.items())
    for term, text in ((campus.spring, spring), (campus.fall, fall)):
        result = outcomes_import(
            actor=actor, school=school, term=term, data=text, file_name="x.csv", dry_run=False
        )
        assert result.report.ok, result.report.errors
    return campus


def test_default_terms(school_data):
    program = school_data.program
    terms = [c.term for c in outcome_terms(program)]
    assert terms == [school_data.spring, school_data.fall]
    assert default_terms(program, terms) == (school_data.spring, school_data.fall)


def test_matching_and_counts(school_data, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        report = impact_report(
            school_data.program, baseline=school_data.spring, outcome=school_data.fall
        )
    assert report.participants == 5  # Dee, Eve, Fay, Gus, Hal
    assert report.with_baseline == 4  # Hal has none
    assert report.without_baseline == 1
    assert report.pool == 6  # P1–P6; Ivy applied, so she is not a comparison student
    assert report.matched == 3  # Gus's only grade-11 peer (P5) is far away
    assert report.unmatched == 1
    # Balance after matching: treated 70, 60, 80 against 70.5, 60.5, 79.5.
    t, c = [70, 60, 80], [70.5, 60.5, 79.5]
    smd = (_mean(t) - _mean(c)) / math.sqrt((_var(t) + _var(c)) / 2)
    assert report.balance[0].after == pytest.approx(smd)


def test_outcome_differences_with_hedges_g(school_data):
    report = impact_report(
        school_data.program, baseline=school_data.spring, outcome=school_data.fall
    )
    grade = report.comparisons[0]
    assert (grade.key, grade.n, grade.missing) == ("grade", 3, 0)
    treated, comparison = [75, 66, 82], [71, 61, 80]  # Dee–P1, Eve–P2, Fay–P3
    diffs = [a - b for a, b in zip(treated, comparison, strict=True)]
    mean_d = _mean(diffs)
    half = T_975_2 * math.sqrt(_var(diffs) / 3)
    assert grade.result.difference == pytest.approx(mean_d)
    assert grade.result.difference_low == pytest.approx(mean_d - half, abs=1e-6)
    assert grade.result.difference_high == pytest.approx(mean_d + half, abs=1e-6)
    pooled = math.sqrt((_var(treated) + _var(comparison)) / 2)
    g = (1 - 3 / (4 * 6 - 9)) * (_mean(treated) - _mean(comparison)) / pooled
    var_g = 6 / 9 + g * g / (2 * (6 - 3.94))
    assert grade.result.g == pytest.approx(g)
    assert grade.result.g_low == pytest.approx(g - Z * math.sqrt(var_g), abs=1e-5)
    attendance = report.comparisons[1]
    assert attendance.result.difference == pytest.approx(_mean([92 - 89, 85 - 80, 96 - 94]))


def test_retention_difference_newcombe(school_data):
    report = impact_report(
        school_data.program, baseline=school_data.spring, outcome=school_data.fall
    )
    r = report.retention
    assert (r.n_a, r.n_b, r.share_a, r.share_b) == (3, 3, 1.0, pytest.approx(2 / 3))
    l1, u1 = _wilson(3, 3)
    l2, u2 = _wilson(2, 3)
    d = 1 - 2 / 3
    assert r.difference_low == pytest.approx(d - math.sqrt((1 - l1) ** 2 + (u2 - 2 / 3) ** 2))
    assert r.difference_high == pytest.approx(d + math.sqrt((u1 - 1) ** 2 + (2 / 3 - l2) ** 2))
    assert report.retention_missing == 0


def test_change_within_participants(school_data):
    report = impact_report(
        school_data.program, baseline=school_data.spring, outcome=school_data.fall
    )
    grade = report.changes[0]
    assert (grade.n, grade.missing) == (4, 1)  # Hal has no "before"
    before, after = [70, 60, 80, 65], [75, 66, 82, 70]
    diffs = [b - a for a, b in zip(before, after, strict=True)]
    half = T_975_3 * math.sqrt(_var(diffs) / 4)
    assert grade.result.difference == pytest.approx(_mean(diffs))
    assert grade.result.difference_high == pytest.approx(_mean(diffs) + half, abs=1e-6)
    expected = stats.paired_change(before, after)
    assert grade.result.g == pytest.approx(expected.g)


def test_no_terms_no_comparison(campus):
    report = impact_report(campus.program, baseline=None, outcome=None)
    assert report.participants == 2
    assert report.comparisons == []
    assert report.retention is None
