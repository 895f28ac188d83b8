"""Dashboard figures, fairness suppression, badges and the certificate."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from insights_testlib import held_session

from factories import PASSWORD
from peerpath.insights import selectors
from peerpath.insights.dashboards import program_dashboard
from peerpath.insights.fairness import Cell, Figure, fairness_breakdowns, suppress
from peerpath.insights.recognition import mentor_badges
from peerpath.meetings.models import Goal, SessionLog
from peerpath.support.models import CheckInResponse

MON = dt.datetime(2026, 9, 7, 19, 0, tzinfo=dt.UTC)  # a Monday evening


def test_funnel_counts_from_history(campus):
    stages = {s.key: s.count for s in selectors.program_funnel(campus.program)}
    # Four enrolled straight to "ready", all four matched, both pairs active.
    assert stages == {
        "applied": 4, "screened": 4, "trained": 4, "matched": 4, "active": 4, "closed": 0,
    }  # fmt: skip


def test_weekly_sessions_and_hours(campus):
    held_session(campus.pair, MON, 60)
    held_session(campus.other_pair, MON + dt.timedelta(days=1), 30)
    logged = held_session(campus.pair, MON + dt.timedelta(days=7), 60)
    SessionLog.objects.create(session=logged, duration_minutes=90, topics="x")
    held_session(campus.other_pair, MON + dt.timedelta(days=8), 45, mentee_present=False)
    weeks = selectors.weekly_activity(campus.program, today=dt.date(2026, 9, 20))
    by_week = {w.week: (w.sessions, w.hours) for w in weeks}
    assert weeks[0].week == dt.date(2026, 8, 31)  # the term starts on Tuesday 1 September
    assert by_week[dt.date(2026, 9, 7)] == (2, 1.5)  # 60 + 30 minutes
    assert by_week[dt.date(2026, 9, 14)] == (2, 2.2)  # 90 (the log) + 45 = 135 min
    assert by_week[dt.date(2026, 8, 31)] == (0, 0)


def test_dashboard_in_a_constant_number_of_queries(campus, django_assert_max_num_queries):
    for week in range(3):
        held_session(campus.pair, MON + dt.timedelta(weeks=week))
    for score, day in ((4.0, 1), (3.0, 2), (5.0, 40)):
        CheckInResponse.objects.create(
            participant=campus.pair.mentee, match=campus.pair, kind="checkin",
            scores={"relationship": score}, submitted_at=MON + dt.timedelta(days=day),
        )  # fmt: skip
    for kind, value in (("pre", 2.0), ("post", 4.0)):
        for participant in (campus.pair.mentee, campus.other_pair.mentee, campus.pair.mentor):
            CheckInResponse.objects.create(
                participant=participant, kind=kind, scores={"belonging": value + participant.pk % 2},
            )  # fmt: skip
    Goal.objects.create(match=campus.pair, what="a", measure="b", due_on=dt.date(2026, 12, 1),
                        status="achieved", progress=100)  # fmt: skip
    Goal.objects.create(match=campus.pair, what="c", measure="d", due_on=dt.date(2026, 12, 1),
                        progress=40)  # fmt: skip
    with django_assert_max_num_queries(16):
        d = program_dashboard(campus.program, today=dt.date(2026, 10, 1))
    assert d.total_sessions == 3
    months = [(m.month.month, m.mean, m.n) for m in d.survey_months]
    assert months == [(9, 3.5, 2), (10, 5.0, 1)]
    belonging = d.surveys[0]
    assert (belonging.instrument, belonging.n, belonging.missing) == ("belonging", 3, 0)
    assert belonging.change.difference == 2.0
    assert (d.goals.total, d.goals.achieved, d.goals.average_progress) == (2, 1, 40)
    assert sum(d.health.values()) == 2
    assert "3.50" in d.charts["surveys_time"].rows[0]


def test_suppression_primary_and_complementary():
    def cells(*sizes):
        return [Cell(f"g{i}", n, figures={"x": Figure(1.0, n, False)}) for i, n in enumerate(sizes)]

    shown = suppress(cells(30, 25, 12), 10)
    assert [c.suppressed for c in shown] == [False, False, False]
    one_small = suppress(cells(30, 25, 12, 4), 10)
    # g3 is small; g2, the next smallest, is hidden too so g3 cannot be derived.
    assert [c.suppressed for c in one_small] == [False, False, True, True]
    assert one_small[2].figures["x"] == Figure(None, 0, True)
    two_small = suppress(cells(30, 3, 4), 10)
    assert [c.suppressed for c in two_small] == [False, True, True]
    figure_small = [
        Cell("a", 20, figures={"x": Figure(2.0, 9, False), "y": Figure(3.0, 10, False)})
    ]
    suppress(figure_small, 10)
    assert figure_small[0].figures["x"].suppressed
    assert figure_small[0].figures["y"] == Figure(3.0, 10, False)


def test_fairness_breakdowns_by_grade_and_background(campus):
    held_session(campus.pair, MON)
    held_session(campus.other_pair, MON, mentee_present=False)
    dee = campus.pair.mentee.student
    dee.background = {"first_generation": True}
    dee.save(update_fields=["background"])
    breakdowns = {b.key: b for b in fairness_breakdowns(campus.program, outcome=None, min_size=2)}
    grade = {c.label: c for c in breakdowns["grade"].cells}
    assert grade["Grade 10"].n == 2
    assert grade["Grade 10"].figures["attendance"] == Figure(50.0, 2, False)  # Dee 100, Eve 0
    assert grade["Grade 12"].figures["attendance"] == Figure(100.0, 2, False)
    first_gen = {c.label: c for c in breakdowns["first_generation"].cells}
    assert first_gen["Yes"].n == 1
    assert first_gen["Yes"].suppressed
    assert first_gen["Not stated"].suppressed  # complementary: it would reveal "Yes"
    # With the default minimum of 10 nothing about four people is shown.
    default = fairness_breakdowns(campus.program, outcome=None)
    assert all(c.suppressed for b in default for c in b.cells)


def test_badges_and_certificate(campus, client):
    today = dt.date(2027, 3, 1)
    assert not any(b.earned for b in mentor_badges(campus.ada, today=today))
    for week in range(10):
        held_session(campus.pair, MON + dt.timedelta(weeks=week))
    Goal.objects.create(match=campus.pair, what="a", measure="b", due_on=dt.date(2026, 12, 1),
                        status="achieved", progress=100,
                        last_update_at=MON + dt.timedelta(weeks=3))  # fmt: skip
    campus.pair.started_at = dt.datetime(2026, 9, 2, tzinfo=dt.UTC)
    campus.pair.save(update_fields=["started_at"])
    badges = {b.key: b for b in mentor_badges(campus.ada, today=today)}
    assert badges["first_session"].earned_on == timezone.localdate(MON)
    assert badges["ten_sessions"].earned_on == timezone.localdate(MON + dt.timedelta(weeks=9))
    assert badges["goal_reached"].earned
    assert badges["full_term"].earned_on == campus.program.term_end
    assert not mentor_badges(campus.ada, today=dt.date(2026, 12, 1))[3].earned  # term not over
    client.login(email="ada@oak.test", password=PASSWORD)
    page = client.get(reverse("insights:recognition"))
    assert b"10.0" in page.content  # ten one-hour sessions
    pdf = client.get(reverse("insights:certificate"))
    assert pdf.content.startswith(b"%PDF")
    client.login(email="dee@oak.test", password=PASSWORD)
    assert client.get(reverse("insights:certificate")).status_code == 404  # no hours as mentor
