"""
Match health from meeting facts: recency, no-shows in a row, session ratings and goals.

The facts come from ``peerpath.meetings.selectors.meeting_facts`` (sessions,
attendance, goals) and the support app's session feedback; every rule has a
per-program threshold in ``SupportSettings``. The needs-attention queue costs
the same number of queries for 3 matches as for 30.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from meetings_testlib import local

from factories import PASSWORD, make_coordinator, make_program, make_school, make_student
from peerpath.matching.models import Match
from peerpath.matching.services import match_create_manual
from peerpath.meetings.models import Attendance, Goal, Milestone, Session, SessionLog
from peerpath.meetings.selectors import FACTS_LOOKBACK, goal_is_behind, meeting_facts
from peerpath.meetings.services import (
    attendance_confirm,
    goal_create,
    goal_update_progress,
    milestone_add,
    session_cancel,
    session_schedule,
)
from peerpath.programs.services import participant_enrol
from peerpath.support.health import AT_RISK, HEALTHY, WATCH, match_health
from peerpath.support.models import CheckInResponse, SessionFeedback, SupportContact
from peerpath.support.selectors import attention_queue
from peerpath.support.services import session_feedback_save, support_settings_update

#: When the pairs began (see the ``pairs`` fixture).
BEGAN = local(2026, 9, 1, 12, 0)
#: "Today" in these tests: Thursday 1 October 2026 (the pairs began on 1 September).
TODAY = dt.date(2026, 10, 1)
NOW = local(2026, 10, 1, 12, 0)


def session_at(world, match, when: dt.datetime) -> Session:
    """A session of ``match`` at ``when``, scheduled a day before."""
    [session] = session_schedule(
        actor=world.coordinator,
        match=match,
        starts_at=when,
        location="Library",
        now=when - dt.timedelta(days=1),
    )
    return session


def met(world, match, when: dt.datetime) -> Session:
    session = session_at(world, match, when)
    attendance_confirm(
        actor=match.mentor.student.user,
        session=session,
        held=True,
        now=when + dt.timedelta(hours=1),
    )
    return session


def missed(world, match, when: dt.datetime) -> Session:
    """The mentor came; the mentee did not."""
    session = session_at(world, match, when)
    attendance_confirm(
        actor=match.mentor.student.user,
        session=session,
        held=False,
        now=when + dt.timedelta(hours=1),
    )
    return session


def rate(match, session: Session, *ratings: int | None, comment: str = "") -> None:
    for participant, rating in zip((match.mentor, match.mentee), ratings, strict=False):
        session_feedback_save(
            actor=participant.student.user,
            session=session,
            rating=rating,
            comment=comment,
            now=session.ends_at,
        )


def health_of(match, today: dt.date = TODAY):
    return match_health([match], today=today)[match.pk]


# --- meeting_facts ---------------------------------------------------------------------


def test_facts_of_a_pair_that_never_met(pairs):
    facts = meeting_facts([pairs.pair], now=NOW)[pairs.pair.pk]
    assert facts.last_met_at is None
    assert facts.no_shows_in_a_row == 0
    assert (facts.goals_total, facts.goals_behind) == (0, 0)


def test_last_met_and_no_shows_in_a_row(pairs):
    pair = pairs.pair
    first = met(pairs, pair, local(2026, 9, 8))
    missed(pairs, pair, local(2026, 9, 15))
    session_at(pairs, pair, local(2026, 9, 22))  # nobody confirmed it: unknown, counts neither way
    cancelled = session_at(pairs, pair, local(2026, 9, 23))
    session_cancel(actor=pairs.ada, session=cancelled, reason="Ill", now=local(2026, 9, 22, 9))
    missed(pairs, pair, local(2026, 9, 29))
    session_at(pairs, pair, local(2026, 10, 6))  # still to come
    facts = meeting_facts([pair, pairs.other_pair], now=NOW)
    assert facts[pair.pk].last_met_at == first.starts_at
    assert facts[pair.pk].no_shows_in_a_row == 2
    assert facts[pairs.other_pair.pk].last_met_at is None
    # Meeting again ends the run of no-shows.
    again = met(pairs, pair, local(2026, 9, 30))
    facts = meeting_facts([pair], now=NOW)[pair.pk]
    assert (facts.last_met_at, facts.no_shows_in_a_row) == (again.starts_at, 0)


def test_facts_reach_back_past_the_recent_window(pairs):
    """The latest meeting is looked for in recent sessions first, then further back."""
    assert NOW - local(2026, 4, 7) > FACTS_LOOKBACK
    long_ago = met(pairs, pairs.pair, local(2026, 4, 7))
    missed(pairs, pairs.pair, local(2026, 9, 29))
    missed(pairs, pairs.other_pair, local(2026, 3, 3))  # before its latest meeting: no matter
    recently = met(pairs, pairs.other_pair, local(2026, 9, 22))
    facts = meeting_facts([pairs.pair, pairs.other_pair], now=NOW)
    assert (facts[pairs.pair.pk].last_met_at, facts[pairs.pair.pk].no_shows_in_a_row) == (
        long_ago.starts_at,
        1,
    )
    assert facts[pairs.other_pair.pk].last_met_at == recently.starts_at
    assert facts[pairs.other_pair.pk].no_shows_in_a_row == 0
    assert health_of(pairs.pair).reasons == [
        "No meeting for 177 days.",
        "The latest session was missed.",
    ]


def test_a_log_alone_says_the_session_happened(pairs):
    session = session_at(pairs, pairs.pair, local(2026, 9, 29))
    Attendance.objects.filter(session=session).delete()
    SessionLog.objects.create(session=session, duration_minutes=40, topics="Fractions")
    assert meeting_facts([pairs.pair], now=NOW)[pairs.pair.pk].last_met_at == session.starts_at


@pytest.mark.parametrize(
    ("created", "due", "progress", "overdue_milestones", "behind"),
    [
        (dt.date(2026, 9, 1), dt.date(2026, 9, 30), 90, 0, True),  # past its date
        (dt.date(2026, 9, 1), dt.date(2026, 12, 1), 50, 1, True),  # a milestone overdue
        (dt.date(2026, 9, 1), dt.date(2026, 10, 11), 30, 0, True),  # 75% of the time, 30% done
        (dt.date(2026, 9, 1), dt.date(2026, 10, 11), 50, 0, False),  # within the slack
        (dt.date(2026, 9, 1), dt.date(2026, 12, 1), 10, 0, False),  # a third of the time, 10% done
        (dt.date(2026, 10, 1), dt.date(2026, 10, 1), 0, 0, False),  # due today, not yet late
    ],
)
def test_goal_is_behind(created, due, progress, overdue_milestones, behind):
    assert (
        goal_is_behind(
            created=created,
            due=due,
            progress=progress,
            overdue_milestones=overdue_milestones,
            today=TODAY,
        )
        is behind
    )


def test_goals_total_and_behind(pairs):
    pair = pairs.pair
    late = goal_create(
        actor=pairs.ada,
        match=pair,
        what="Finish unit 1",
        measure="Test",
        due_on=dt.date(2027, 1, 5),
    )
    on_track = goal_create(
        actor=pairs.ada,
        match=pair,
        what="Read 3 books",
        measure="Books",
        due_on=dt.date(2027, 1, 5),
    )
    milestone_add(actor=pairs.ada, goal=on_track, title="Book 1", due_on=dt.date(2026, 11, 1))
    goal_update_progress(actor=pairs.dee, goal=on_track, progress=20, now=BEGAN)
    done = goal_create(
        actor=pairs.ada,
        match=pair,
        what="Join a club",
        measure="Joined",
        due_on=dt.date(2027, 1, 5),
    )
    goal_update_progress(actor=pairs.dee, goal=done, progress=100, status="achieved", now=BEGAN)
    Goal.objects.filter(match=pair).update(created_at=BEGAN, due_on=dt.date(2026, 12, 1))
    Goal.objects.filter(pk__in=[late.pk, done.pk]).update(due_on=dt.date(2026, 9, 25))
    facts = meeting_facts([pair], now=NOW)[pair.pk]
    assert (facts.goals_total, facts.goals_behind) == (2, 1)
    # An overdue milestone puts the other goal behind too.
    Milestone.objects.filter(goal=on_track).update(due_on=dt.date(2026, 9, 28))
    assert meeting_facts([pair], now=NOW)[pair.pk].goals_behind == 2
    health = health_of(pair)
    assert "2 goals are behind schedule." in health.reasons


# --- the rules and their per-program thresholds ------------------------------------------


def test_no_meeting_for_days_raises_watch_then_at_risk(pairs):
    pair = pairs.pair
    met(pairs, pair, local(2026, 9, 10))
    health = health_of(pair)
    assert health.level == WATCH
    assert health.reasons == ["No meeting for 21 days."]
    assert health_of(pair, dt.date(2026, 10, 9)).reasons == ["No meeting for 29 days."]
    assert health_of(pair, dt.date(2026, 10, 9)).level == AT_RISK
    support_settings_update(
        actor=pairs.coordinator,
        program=pairs.program,
        watch_no_meeting_days=25,
        risk_no_meeting_days=40,
    )
    assert health_of(pair).level == HEALTHY
    # A pair that never met is counted from the day it began.
    never = health_of(pairs.other_pair)
    assert never.reasons == ["No meeting yet, 30 days after the match began."]
    assert never.level == WATCH


def test_no_shows_in_a_row(pairs):
    pair = pairs.pair
    met(pairs, pair, local(2026, 9, 22))
    missed(pairs, pair, local(2026, 9, 29))
    health = health_of(pair)
    assert (health.level, health.reasons) == (WATCH, ["The latest session was missed."])
    missed(pairs, pair, local(2026, 9, 30))
    health = health_of(pair)
    assert (health.level, health.reasons) == (AT_RISK, ["2 no-shows in a row."])
    support_settings_update(actor=pairs.coordinator, program=pairs.program, risk_no_shows=3)
    assert health_of(pair).level == WATCH


def test_low_session_ratings(pairs):
    pair = pairs.pair
    first = met(pairs, pair, local(2026, 9, 22))
    rate(pair, first, 2, 2)
    health = health_of(pair)
    assert health.level == WATCH
    assert health.reasons == ["Average session rating 2.0 of 5 (the latest 2 ratings)."]
    assert health.average_rating == 2.0
    support_settings_update(actor=pairs.coordinator, program=pairs.program, watch_rating_below=1.5)
    assert health_of(pair).level == HEALTHY
    support_settings_update(actor=pairs.coordinator, program=pairs.program, watch_rating_below=3)
    # Only the latest ratings count: three good sessions later, the pair is fine again.
    for day in (23, 24, 29):
        rate(pair, met(pairs, pair, local(2026, 9, day)), 5, 4)
    health = health_of(pair)
    assert health.average_rating == 4.5
    assert health.level == HEALTHY
    # A comment without a rating does not count as a rating.
    rate(pair, met(pairs, pair, local(2026, 9, 30)), None, comment="Fine.")
    assert health_of(pair).average_rating == 4.5


def test_group_session_ratings_do_not_touch_a_pairs_health(pairs):
    pair = pairs.pair
    session = met(pairs, pair, local(2026, 9, 29))
    rate(pair, session, 5, 5)
    other = met(pairs, pairs.other_pair, local(2026, 9, 29, 16, 0))
    rate(pairs.other_pair, other, 1, 1)
    assert health_of(pair).average_rating == 5.0
    assert health_of(pairs.other_pair).average_rating == 1.0


def test_the_queue_shows_meeting_driven_reasons(pairs):
    pair = pairs.pair
    met(pairs, pair, local(2026, 9, 10))
    rate(pair, Session.objects.get(match=pair), 2, 2)
    missed(pairs, pair, local(2026, 9, 29))
    missed(pairs, pair, local(2026, 9, 30))
    client = Client()
    assert client.login(username=pairs.coordinator.email, password=PASSWORD)
    body = client.get(reverse("support:attention", args=[pairs.program.pk])).content.decode()
    # The real clock is after 1 October 2026: the recency shows whatever today is.
    days = (timezone.localdate() - dt.date(2026, 9, 10)).days
    assert f"No meeting for {days} days." in body
    assert "2 no-shows in a row." in body
    assert "Average session rating 2.0 of 5 (the latest 2 ratings)." in body
    assert reverse("support:match-feedback", args=[pair.pk]) in body


# --- a constant number of queries -------------------------------------------------------


def _program_with_pairs(n: int, name: str):
    school = make_school(f"{name} High")
    coordinator = make_coordinator(school, email=f"coord@{name.lower()}.test")
    program = make_program(
        school, coordinator, name=f"{name} Tutoring", status="running", mentor_training_minutes=0
    )
    adult = dt.date(2000, 1, 1)
    long_ago = timezone.now() - dt.timedelta(days=40)
    for i in range(n):
        mentor, mentee = (
            participant_enrol(
                actor=coordinator,
                program=program,
                role=role,
                status="ready",
                student=make_student(school, 12, birth_date=adult),
            )
            for role in ("mentor", "mentee")
        )
        match = match_create_manual(
            actor=coordinator, program=program, mentor=mentor, mentee=mentee
        )
        # Every source of facts has rows: sessions with attendance and a log, a rating,
        # a goal with a milestone, a check-in and a support contact.
        for week, status in ((1, "present"), (2, "no_show")):
            start = long_ago + dt.timedelta(days=7 * week, minutes=i)
            session = Session.objects.create(
                program=program,
                match=match,
                starts_at=start,
                ends_at=start + dt.timedelta(minutes=45),
                duration_minutes=45,
            )
            Attendance.objects.create(
                session=session,
                participant=mentee,
                role="mentee",
                status=status,
                recorded_at=start,
            )
            if status == "present":
                SessionLog.objects.create(session=session, duration_minutes=45, topics="Maths")
                SessionFeedback.objects.create(session=session, participant=mentee, rating=2)
        goal = Goal.objects.create(
            match=match, what="Pass", measure="Test", due_on=dt.date(2026, 9, 1)
        )
        Milestone.objects.create(goal=goal, title="Half", due_on=dt.date(2026, 8, 1))
        CheckInResponse.objects.create(
            participant=mentee, match=match, answers={}, scores={"relationship": 3.0}
        )
        SupportContact.objects.create(
            match=match, contacted_with="pair", method="phone", happened_at=long_ago
        )
    Match.objects.filter(program=program).update(started_at=long_ago)
    return program, coordinator


@pytest.mark.django_db
def test_needs_attention_costs_the_same_queries_for_3_and_30_matches():
    small, small_coordinator = _program_with_pairs(3, "Small")
    large, large_coordinator = _program_with_pairs(30, "Large")
    counts = {}
    for program, coordinator in ((small, small_coordinator), (large, large_coordinator)):
        with CaptureQueriesContext(connection) as selector:
            rows, levels = attention_queue(program)
        selector_queries = len(selector)  # before a request resets the query log
        client = Client()
        assert client.login(username=coordinator.email, password=PASSWORD)
        url = reverse("support:attention", args=[program.pk])
        client.get(url)  # warm the session and the program's settings row
        with CaptureQueriesContext(connection) as page:
            response = client.get(url)
        assert response.status_code == 200
        n = Match.objects.filter(program=program).count()
        assert len(rows) == n
        assert levels[AT_RISK] == n
        counts[n] = (selector_queries, len(page))
    assert counts[3] == counts[30]
    assert counts[30][0] <= 8, counts
