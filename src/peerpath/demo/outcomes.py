"""
Demo school outcomes: grades, attendance and enrolment for two terms.

The demo school gets the term before its programs (the baseline) and the
programs' own term, and every student gets an outcome row for each, made
the way a school would: a CSV export imported through
:func:`peerpath.insights.outcomes.outcomes_import`. The numbers are
invented but plausible (a 4-point grade average, attendance in per cent),
and students who were mentored gain a little more than similar students who
were not, so the impact page has an effect to find. Deterministic for the
same ``rng`` state and data.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

from django.db import transaction

from peerpath.core.models import School, User
from peerpath.insights.models import EnrolmentStatus
from peerpath.insights.outcomes import outcomes_import
from peerpath.matching.models import Match
from peerpath.people.models import StudentProfile
from peerpath.rosters.models import Term

#: What being mentored adds on average (a small effect, as studies find).
GRADE_EFFECT = 0.15
ATTENDANCE_EFFECT = 1.5


def _term(school: School, start: dt.date, end: dt.date) -> Term:
    season = "Fall" if start.month >= 8 else "Spring"
    year = start.year
    term, _created = Term.objects.get_or_create(
        organization_id=school.organization_id,
        sourced_id=f"demo-{season.lower()}-{year}",
        defaults={
            "title": f"{season} {year}",
            "kind": Term.Kind.SEMESTER,
            "start_date": start,
            "end_date": end,
            "school_year": year if season == "Spring" else year + 1,
        },
    )
    return term


def _csv(rows: list[tuple[str, float, float, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["student", "grade_average", "grade_scale", "attendance_rate", "enrolment_status"]
    )
    for student, grade, attendance, status in rows:
        writer.writerow([student, f"{grade:.2f}", "4", f"{attendance:.1f}", status])
    return out.getvalue()


def demo_outcomes(
    *,
    school: School,
    coordinator: User,
    baseline: tuple[dt.date, dt.date],
    current: tuple[dt.date, dt.date],
    rng: random.Random,
) -> int:
    """Import baseline and current outcomes for every student; return the rows imported."""
    mentored = set(
        Match.objects.filter(program__school=school).values_list("mentee__student_id", flat=True)
    )
    students = list(
        StudentProfile.objects.filter(school=school).select_related("user").order_by("pk")
    )
    before: list[tuple[str, float, float, str]] = []
    after: list[tuple[str, float, float, str]] = []
    for student in students:
        key = student.sourced_id or student.user.email
        grade = min(4.0, max(0.6, rng.gauss(2.85, 0.55)))
        attendance = min(100.0, max(62.0, rng.gauss(92.5, 5.0)))
        before.append((key, grade, attendance, EnrolmentStatus.ENROLLED))
        lift = 1.0 if student.pk in mentored else 0.0
        # regression to the mean plus noise, plus the mentoring effect
        grade_after = grade + 0.2 * (2.85 - grade) + rng.gauss(0, 0.25) + lift * GRADE_EFFECT
        attendance_after = (
            attendance + 0.2 * (92.5 - attendance) + rng.gauss(0, 2.5) + lift * ATTENDANCE_EFFECT
        )
        left = rng.random() < (0.02 if lift else 0.05)
        status = EnrolmentStatus.WITHDRAWN if left else EnrolmentStatus.ENROLLED
        after.append(
            (key, min(4.0, max(0.0, grade_after)), min(100.0, max(0.0, attendance_after)), status)
        )
    imported = 0
    with transaction.atomic():
        for (start, end), rows in ((baseline, before), (current, after)):
            term = _term(school, start, end)
            result = outcomes_import(
                actor=coordinator,
                school=school,
                term=term,
                data=_csv(rows),
                file_name=f"{school.name} outcomes {term.title}.csv",
                dry_run=False,
            )
            if result.report.issues.error_count:
                raise RuntimeError(f"The demo outcomes did not import: {result.report.issues}")
            imported += len(rows)
    return imported
