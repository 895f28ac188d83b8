"""
Fairness: match quality, attendance and outcomes across groups of participants.

Groups are the grade level and each optional, self-described background field
(``StudentProfile.background``; "not stated" is a group of its own). Only
aggregates are shown, and small cells are suppressed:

* a group with fewer than ``min_size`` participants (default 10) shows no
  figures and no exact size (primary suppression);
* when exactly one group of a breakdown is suppressed, the next smallest
  is suppressed too, so that its size cannot be worked out from the total
  (complementary suppression);
* inside a shown group, a figure based on fewer than ``min_size`` people is
  suppressed on its own (say, only six of them have a match score).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from statistics import fmean

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from peerpath.insights.models import OutcomeRecord
from peerpath.matching.models import Match
from peerpath.meetings.models import Attendance
from peerpath.programs.models import Participant, Program
from peerpath.rosters.models import Term

MIN_CELL = 10


@dataclass(frozen=True)
class Figure:
    value: float | None
    n: int
    suppressed: bool


@dataclass
class Cell:
    label: str
    n: int
    suppressed: bool = False
    figures: dict[str, Figure] = field(default_factory=dict)


@dataclass
class Breakdown:
    key: str
    title: str
    cells: list[Cell]


METRICS = ("match_score", "attendance", "grade", "school_attendance")


def _label(value: object) -> str:
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    if value in (None, ""):
        return _("Not stated")
    return str(value)


def suppress(cells: list[Cell], min_size: int = MIN_CELL) -> list[Cell]:
    """Apply primary and complementary suppression to one breakdown (in place)."""
    for cell in cells:
        cell.suppressed = cell.n < min_size
    hidden = [c for c in cells if c.suppressed]
    shown = sorted((c for c in cells if not c.suppressed), key=lambda c: (c.n, c.label))
    if len(hidden) == 1 and shown:
        shown[0].suppressed = True
    for cell in cells:
        cell.figures = {
            name: Figure(None, 0, True) if cell.suppressed or figure.n < min_size else figure
            for name, figure in cell.figures.items()
        }
    return cells


def fairness_breakdowns(
    program: Program, *, outcome: Term | None, role: str = "all", min_size: int = MIN_CELL
) -> list[Breakdown]:
    """Breakdowns by grade and by each background field (4 queries)."""
    qs = Participant.objects.filter(program=program)
    if role in ("mentee", "mentor"):
        qs = qs.filter(role__in=[role, "both"])
    people = list(qs.values_list("pk", "student_id", "student__grade_level", "student__background"))
    scores: dict[int, list[float]] = defaultdict(list)
    for mentor_id, mentee_id, score in Match.objects.filter(
        program=program, score__isnull=False
    ).values_list("mentor_id", "mentee_id", "score"):
        if score is not None:
            scores[mentor_id].append(score)
            scores[mentee_id].append(score)
    attendance: dict[int, float] = {}
    for row in (
        Attendance.objects.filter(session__program=program)
        .values("participant_id")
        .annotate(
            present=Count("pk", filter=Q(status=Attendance.Status.PRESENT)),
            total=Count("pk"),
        )
    ):
        if row["total"]:
            attendance[row["participant_id"]] = row["present"] / row["total"] * 100
    outcomes: dict[int, tuple[float | None, float | None]] = {}
    if outcome is not None:
        outcomes = {
            sid: (grade, rate)
            for sid, grade, rate in OutcomeRecord.objects.filter(
                school_id=program.school_id, term=outcome
            ).values_list("student_id", "grade_percent", "attendance_rate")
        }

    def cell(label: str, members: list[tuple[int, int]]) -> Cell:
        values: dict[str, list[float]] = {m: [] for m in METRICS}
        for pk, sid in members:
            found = scores.get(pk)
            if found:
                values["match_score"].append(fmean(found))
            rate_here = attendance.get(pk)
            if rate_here is not None:
                values["attendance"].append(rate_here)
            grade, rate = outcomes.get(sid, (None, None))
            if grade is not None:
                values["grade"].append(grade)
            if rate is not None:
                values["school_attendance"].append(rate)
        return Cell(
            label,
            len(members),
            figures={m: Figure(fmean(v) if v else None, len(v), False) for m, v in values.items()},
        )

    by_grade: dict[int, list[tuple[int, int]]] = defaultdict(list)
    keys: set[str] = set()
    for pk, sid, grade, background in people:
        by_grade[grade].append((pk, sid))
        keys |= set((background or {}).keys())
    out = [
        Breakdown(
            "grade",
            _("Grade or year"),
            suppress(
                [cell(_("Grade %(n)s") % {"n": g}, m) for g, m in sorted(by_grade.items())],
                min_size,
            ),
        )
    ]
    for key in sorted(keys):
        groups: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for pk, sid, _grade, background in people:
            groups[_label((background or {}).get(key))].append((pk, sid))
        title = key.replace("_", " ").capitalize()
        out.append(
            Breakdown(
                key,
                title,
                suppress([cell(label, m) for label, m in sorted(groups.items())], min_size),
            )
        )
    return out
