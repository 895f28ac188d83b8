"""
The impact report of a program: participants against similar non-participants,
and before/after within participants.

Who is compared (see ``docs/insights.md`` for the reasoning):

* **Participants** — students of the chosen role (mentees by default) who were
  matched at least once in the program.
* **Comparison pool** — students of the same school who took part in no
  program of the school whose term overlaps this one (applicants who were
  never matched are excluded too: they chose to apply).
* **Baseline** — outcomes of the *baseline term* (before the program);
  **outcome** — outcomes of the *outcome term* (at or after its end).
* Each participant with a baseline grade average and attendance is paired
  with one pool student: same grade level, nearest on standardised baseline
  grade (%) and attendance (%), within a caliper of 0.25 SD, without
  replacement (:func:`peerpath.insights.stats.nearest_neighbour_match`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from peerpath.insights import stats
from peerpath.insights.models import RETAINED, OutcomeRecord
from peerpath.people.models import StudentProfile
from peerpath.programs.models import Participant, Program
from peerpath.rosters.models import Term

CALIPER = 0.25
ROLES = ("mentee", "mentor", "all")


@dataclass(frozen=True)
class TermChoice:
    term: Term
    records: int


def outcome_terms(program: Program) -> list[TermChoice]:
    """Terms of the organization for which the school has outcomes, oldest first (1 query)."""
    terms = (
        Term.objects.filter(
            organization_id=program.school.organization_id,
            outcome_records__school_id=program.school_id,
        )
        .annotate(records=Count("outcome_records"))
        .order_by("start_date", "title")
    )
    return [TermChoice(t, t.records) for t in terms]


def default_terms(program: Program, terms: list[Term]) -> tuple[Term | None, Term | None]:
    """
    The baseline term: the latest that ends by two weeks into the program.
    The outcome term: of the later terms, the one that overlaps the program
    most (ties: the shorter one, then the earlier one).
    """
    slack = dt.timedelta(days=14)
    before = [t for t in terms if t.end_date <= program.term_start + slack]
    baseline = max(before, key=lambda t: (t.end_date, t.start_date), default=None)

    def overlap(term: Term) -> int:
        start = max(term.start_date, program.term_start)
        end = min(term.end_date, program.term_end)
        return (end - start).days + 1

    after = [
        t
        for t in terms
        if overlap(t) > 0 and (baseline is None or t.start_date > baseline.start_date)
    ]
    outcome = min(
        after,
        key=lambda t: (-overlap(t), (t.end_date - t.start_date).days, t.start_date),
        default=None,
    )
    return baseline, outcome


@dataclass(frozen=True)
class Effect:
    key: str
    label: str
    unit: str
    result: stats.Comparison | None
    n: int
    missing: int


@dataclass(frozen=True)
class Balance:
    label: str
    before: float | None
    after: float | None


@dataclass
class ImpactReport:
    baseline: Term | None
    outcome: Term | None
    role: str
    participants: int = 0
    with_baseline: int = 0
    pool: int = 0
    matched: int = 0
    caliper: float = CALIPER
    balance: list[Balance] = field(default_factory=list)
    comparisons: list[Effect] = field(default_factory=list)
    retention: stats.ProportionComparison | None = None
    retention_missing: int = 0
    changes: list[Effect] = field(default_factory=list)

    @property
    def unmatched(self) -> int:
        return self.with_baseline - self.matched

    @property
    def without_baseline(self) -> int:
        return self.participants - self.with_baseline


def participant_students(program: Program, role: str) -> dict[int, int]:
    """``{student id: participant id}`` of the role's participants who were matched (1 query)."""
    q = Q()
    if role in ("mentee", "all"):
        q |= Q(mentee_matches__program=program)
    if role in ("mentor", "all"):
        q |= Q(mentor_matches__program=program)
    return dict(
        Participant.objects.filter(q, program=program).values_list("student_id", "pk").distinct()
    )


_Row = tuple[float | None, float | None, str]


def _records(program: Program, term: Term | None) -> dict[int, _Row]:
    if term is None:
        return {}
    return {
        sid: (grade, attendance, status)
        for sid, grade, attendance, status in OutcomeRecord.objects.filter(
            school_id=program.school_id, term=term
        ).values_list("student_id", "grade_percent", "attendance_rate", "enrolment_status")
    }


def _at(records: dict[int, _Row], student_id: int, column: int) -> float:
    value = records[student_id][column]
    assert isinstance(value, float | int)
    return float(value)


def impact_report(
    program: Program,
    *,
    baseline: Term | None,
    outcome: Term | None,
    role: str = "mentee",
) -> ImpactReport:
    """Build the impact report (5 queries, whatever the size of the school)."""
    report = ImpactReport(baseline, outcome, role)
    treated_students = participant_students(program, role)
    report.participants = len(treated_students)
    if baseline is None or outcome is None:
        return report
    busy = set(
        Participant.objects.filter(
            program__school_id=program.school_id,
            program__term_start__lte=program.term_end,
            program__term_end__gte=program.term_start,
        ).values_list("student_id", flat=True)
    )
    grades = dict(
        StudentProfile.objects.filter(school_id=program.school_id).values_list("pk", "grade_level")
    )
    before = _records(program, baseline)
    after = _records(program, outcome)

    def usable(sid: int) -> bool:
        found = before.get(sid)
        return found is not None and found[0] is not None and found[1] is not None

    treated = sorted(sid for sid in treated_students if usable(sid))
    pool = sorted(sid for sid in before if sid not in busy and sid in grades and usable(sid))
    report.with_baseline, report.pool = len(treated), len(pool)
    t_x = np.array([[before[s][0], before[s][1]] for s in treated], dtype=float).reshape(-1, 2)
    p_x = np.array([[before[s][0], before[s][1]] for s in pool], dtype=float).reshape(-1, 2)
    pairs = stats.nearest_neighbour_match(
        [grades.get(s) for s in treated], t_x, [grades[s] for s in pool], p_x, caliper=CALIPER
    )
    report.matched = len(pairs)
    matched_t = [treated[i] for i, _j in pairs]
    matched_c = [pool[j] for _i, j in pairs]
    labels = (_("Grade average (%)"), _("Attendance (%)"))
    for column, label in enumerate(labels):
        report.balance.append(
            Balance(
                label,
                stats.standardised_difference(t_x[:, column], p_x[:, column])
                if len(treated) and len(pool)
                else None,
                stats.standardised_difference(
                    [_at(before, s, column) for s in matched_t],
                    [_at(before, s, column) for s in matched_c],
                ),
            )
        )
    for column, key, label, unit in (
        (0, "grade", _("Grade average"), _("percentage points")),
        (1, "attendance", _("Attendance"), _("percentage points")),
    ):
        kept = [
            (t, c)
            for t, c in zip(matched_t, matched_c, strict=True)
            if after.get(t, (None, None, ""))[column] is not None
            and after.get(c, (None, None, ""))[column] is not None
        ]
        result = stats.matched_comparison(
            [_at(after, t, column) for t, _c in kept], [_at(after, c, column) for _t, c in kept]
        )
        report.comparisons.append(
            Effect(key, label, str(unit), result, len(kept), len(pairs) - len(kept))
        )
    kept_t = [t for t in matched_t if after.get(t, (None, None, ""))[2]]
    kept_c = [c for c in matched_c if after.get(c, (None, None, ""))[2]]
    report.retention = stats.proportion_difference(
        sum(after[t][2] in RETAINED for t in kept_t),
        len(kept_t),
        sum(after[c][2] in RETAINED for c in kept_c),
        len(kept_c),
    )
    report.retention_missing = 2 * len(pairs) - len(kept_t) - len(kept_c)
    for column, key, label in (
        (0, "grade", _("Grade average")),
        (1, "attendance", _("Attendance")),
    ):
        both = [
            s
            for s in sorted(treated_students)
            if before.get(s, (None, None, ""))[column] is not None
            and after.get(s, (None, None, ""))[column] is not None
        ]
        change = stats.paired_change(
            [_at(before, s, column) for s in both], [_at(after, s, column) for s in both]
        )
        report.changes.append(
            Effect(
                key,
                label,
                _("percentage points"),
                change,
                len(both),
                report.participants - len(both),
            )
        )
    return report
