"""
The coordinator's dashboard and impact pages on the demo school, with a term of activity.

The demo school is seeded, then its tutoring program gets weekly sessions for
every active pair, check-ins, pre/post surveys, goals and two terms of
imported outcomes; the coordinator opens the dashboard (readable charts,
screenshot, axe), the impact report and the fairness page; a mentor opens
their recognition page.
"""

from __future__ import annotations

import datetime as dt
import random

from harness import assert_accessible, assert_no_horizontal_overflow, login, screenshot
from playwright.sync_api import expect

from peerpath.demo.seed import DEMO_PASSWORD, demo_seed
from peerpath.insights.outcomes import outcomes_import
from peerpath.matching.models import Match
from peerpath.meetings.models import Attendance, Goal, Session
from peerpath.people.models import StudentProfile
from peerpath.programs.models import Program
from peerpath.rosters.models import Term
from peerpath.support.models import CheckInResponse


def _activity(program: Program, today: dt.date) -> None:
    rng = random.Random(8)
    start = dt.datetime.combine(program.term_start, dt.time(19, 0), tzinfo=dt.UTC)
    for match in Match.objects.filter(program=program, status="active"):
        for week in range(max(0, (today - program.term_start).days // 7)):
            if rng.random() < 0.2:
                continue
            when = start + dt.timedelta(weeks=week, days=rng.randrange(5))
            session = Session.objects.create(
                program=program, match=match, starts_at=when,
                ends_at=when + dt.timedelta(minutes=45), duration_minutes=45,
            )  # fmt: skip
            for participant, role in ((match.mentor, "mentor"), (match.mentee, "mentee")):
                Attendance.objects.create(
                    session=session, participant=participant, role=role,
                    status="present" if rng.random() < 0.9 else "no_show", recorded_at=when,
                )  # fmt: skip
            if week % 3 == 0:
                CheckInResponse.objects.create(
                    participant=match.mentee, match=match, kind="checkin", submitted_at=when,
                    scores={"relationship": rng.choice([3.0, 3.5, 4.0, 4.5, 5.0])},
                )  # fmt: skip
        for kind, base in (("pre", 3.0), ("post", 3.6)):
            CheckInResponse.objects.create(
                participant=match.mentee, kind=kind,
                scores={"belonging": base + rng.random(), "confidence": base + rng.random()},
            )  # fmt: skip
        Goal.objects.create(
            match=match, what="Pass the unit test", measure="70%", due_on=program.term_end,
            status=rng.choice(["achieved", "active", "active"]), progress=rng.randrange(101),
        )  # fmt: skip


def _outcomes(program: Program) -> None:
    school = program.school
    before = Term.objects.create(
        organization=school.organization, sourced_id="t-before", title="Last term",
        kind="semester", start_date=program.term_start - dt.timedelta(days=200),
        end_date=program.term_start - dt.timedelta(days=20),
    )  # fmt: skip
    after = Term.objects.create(
        organization=school.organization, sourced_id="t-after", title="This term",
        kind="semester", start_date=program.term_start, end_date=program.term_end,
    )  # fmt: skip
    rng = random.Random(3)
    rows_before, rows_after = [], []
    for student in StudentProfile.objects.filter(school=school).select_related("user"):
        grade, attendance = rng.uniform(55, 95), rng.uniform(75, 99)
        rows_before.append(f"{student.user.email},{grade:.1f},100,{attendance:.1f},enrolled")
        grade_after = min(100, grade + rng.gauss(2, 4))
        rows_after.append(f"{student.user.email},{grade_after:.1f},100,{attendance:.1f},enrolled")
    head = "student,grade_average,grade_scale,attendance_rate,enrolment_status\n"
    for term, rows in ((before, rows_before), (after, rows_after)):
        result = outcomes_import(
            actor=None, school=school, term=term, data=head + "\n".join(rows),
            file_name="outcomes.csv", dry_run=False,
        )  # fmt: skip
        assert result.report.ok, result.report.errors[:3]


def test_dashboard_impact_and_recognition(new_page):
    demo_seed(students=160)
    program = Program.objects.filter(status="running").order_by("pk").first()
    assert program is not None
    today = dt.date.today()
    _activity(program, min(today, program.term_end))
    _outcomes(program)

    page = new_page()
    login(page, "coordinator@riverbend.example", DEMO_PASSWORD)
    page.goto(f"/programs/{program.pk}/insights/")
    expect(page.get_by_role("heading", name=f"Dashboard: {program.name}")).to_be_visible()
    funnel = page.get_by_role("img", name="Participation, step by step")
    expect(funnel).to_be_visible()
    box = funnel.bounding_box()
    assert box is not None
    assert box["width"] > 300
    expect(page.get_by_role("img", name="Sessions held per week")).to_be_visible()
    expect(page.get_by_role("img", name="Health of active matches")).to_be_visible()
    # Every chart has its figures as a table behind it.
    figures = page.locator("figure.chart-figure")
    assert figures.count() == 7
    page.get_by_text("Show the figures as a table").first.click()
    expect(page.get_by_role("table", name="Participation, step by step")).to_be_visible()
    screenshot(page, "insights-dashboard")
    assert_accessible(page)

    page.get_by_role("link", name="Impact", exact=True).click()
    expect(page.get_by_role("heading", name="Change within participants")).to_be_visible()
    expect(page.get_by_text("Hedges' g [95% CI]").first).to_be_visible()
    screenshot(page, "insights-impact")
    assert_accessible(page)

    page.get_by_role("link", name="Fairness", exact=True).click()
    expect(page.get_by_role("heading", name="By Grade or year")).to_be_visible()
    assert_accessible(page)

    phone = new_page(viewport={"width": 375, "height": 740})
    login(phone, "coordinator@riverbend.example", DEMO_PASSWORD)
    phone.goto(f"/programs/{program.pk}/insights/")
    assert_no_horizontal_overflow(phone)
    screenshot(phone, "insights-dashboard-mobile")

    mentor = (
        Match.objects.filter(program=program, status="active")
        .select_related("mentor__student__user")
        .first()
    )
    assert mentor is not None
    user = mentor.mentor.student.user
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["password"])
    student = new_page()
    login(student, user.email, DEMO_PASSWORD)
    student.goto("/recognition/")
    expect(student.get_by_role("heading", name="Badges")).to_be_visible()
    assert_accessible(student)
    screenshot(student, "insights-recognition")
