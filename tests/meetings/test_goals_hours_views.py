"""Goals and hours; every page's access (wrong role 403, wrong school 404); constant queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from meetings_testlib import NOW, local

from factories import make_program
from peerpath.core.models import AuditEntry
from peerpath.meetings import selectors
from peerpath.meetings.models import Goal, GoalUpdate, Milestone, Session, SessionNote
from peerpath.meetings.services import (
    attendance_confirm,
    goal_create,
    goal_update_progress,
    milestone_set_done,
    session_log_save,
    session_note_add,
    session_record_held,
    session_schedule,
)
from peerpath.programs.services import participant_enrol

pytestmark = pytest.mark.django_db


def a_goal(world, actor=None):
    return goal_create(
        actor=actor or world.dee,
        match=world.pair,
        what="Pass the algebra unit test",
        measure="70% or more",
        due_on=dt.date(2027, 1, 15),
        milestones=["Finish chapter 3", "Practice test"],
    )


def held(world, day, minutes=45, *, match=None, actor=None, log_minutes=None):
    session = session_record_held(
        actor=actor or world.ada,
        match=match or world.pair,
        starts_at=local(2026, 9, day, 15, 0),
        duration_minutes=minutes,
        now=NOW,
    )
    if log_minutes:
        session_log_save(
            actor=actor or world.ada,
            session=session,
            duration_minutes=log_minutes,
            topics="Algebra",
            now=NOW,
        )
    return session


# --- Goals --------------------------------------------------------------------------


def test_both_partners_update_a_goal_linked_to_a_session(world):
    goal = a_goal(world)
    session = held(world, 15)
    assert list(goal.milestones.values_list("title", flat=True)) == [
        "Finish chapter 3",
        "Practice test",
    ]
    goal_update_progress(actor=world.ada, goal=goal, progress=30, note="Chapter 3", session=session)
    milestone_set_done(actor=world.dee, milestone=goal.milestones.first(), done=True)
    goal_update_progress(actor=world.dee, goal=goal, progress=100)
    goal.refresh_from_db()
    assert (goal.progress, goal.status) == (100, "achieved")
    assert list(GoalUpdate.objects.values_list("progress", "session_id")) == [
        (100, None),
        (30, session.pk),
    ]
    other_session = held(world, 16, match=world.other_pair, actor=world.ben)
    for kwargs, error in [
        ({"actor": world.ben, "progress": 10}, PermissionDenied),
        ({"actor": world.coordinator, "progress": 10}, PermissionDenied),
        ({"actor": world.ada, "progress": 101}, ValidationError),
        ({"actor": world.ada, "progress": 10, "session": other_session}, ValidationError),
    ]:
        with pytest.raises(error):
            goal_update_progress(goal=goal, **kwargs)
    goal.refresh_from_db()
    assert goal.progress == 100
    assert GoalUpdate.objects.count() == 2


def test_goal_needs_what_measure_and_a_date(world):
    with pytest.raises(ValidationError) as caught:
        goal_create(
            actor=world.dee, match=world.pair, what="", measure=" ", due_on=dt.date(2020, 1, 1)
        )
    assert set(caught.value.error_dict) == {"what", "measure", "due_on"}
    assert not Goal.objects.exists()


def test_goal_pages_and_htmx_progress(world, client):
    goal = a_goal(world)
    client.force_login(world.ada)
    page = client.get(f"/matches/{world.pair.pk}/goals/").content.decode()
    assert "Pass the algebra unit test" in page
    assert "Finish chapter 3" in page
    partial = client.post(
        f"/goals/{goal.pk}/",
        {"action": "progress", "progress": "55"},
        headers={"HX-Request": "true"},
    )
    body = partial.content.decode()
    assert "<html" not in body
    assert "Progress: 55%" in body
    client.post(f"/goals/{goal.pk}/", {"action": "milestone", "title": "Ask the teacher"})
    assert Milestone.objects.filter(title="Ask the teacher").exists()
    client.force_login(world.coordinator)
    overview = client.get(f"/programs/{world.program.pk}/goals/").content.decode()
    assert "Pass the algebra unit test" in overview
    assert "55%" in overview
    assert "0/3" in overview


# --- Hours ---------------------------------------------------------------------------------


def test_mentor_hours_from_attended_sessions_per_term_and_in_total(world):
    held(world, 15, 45)  # 45 planned
    held(world, 22, 45, log_minutes=60)  # logged 60
    no_show = session_schedule(
        actor=world.ada,
        match=world.pair,
        starts_at=local(2026, 10, 6, 15, 0),
        location="x",
        now=NOW,
    )[0]
    attendance_confirm(actor=world.ada, session=no_show, held=False, now=local(2026, 10, 6, 16))
    # The mentee's "no-show" does not remove the mentor's presence: Ada was there.
    spring = make_program(
        world.school,
        world.coordinator,
        name="Spring Tutoring",
        status="running",
        term_start=dt.date(2026, 9, 1),
        term_end=dt.date(2027, 6, 1),
        mentor_training_minutes=0,
    )
    from meetings_testlib import enrol

    from peerpath.matching.services import match_create_manual

    ada_again = participant_enrol(
        actor=world.coordinator,
        program=spring,
        student=world.ada.student_profile,
        role="mentor",
        status="ready",
    )
    zoe = enrol(spring, world.coordinator, "mentee", name="Zoe", age=18, free=["tue-2"])
    spring_match = match_create_manual(
        actor=world.coordinator, program=spring, mentor=ada_again, mentee=zoe
    )
    session_record_held(
        actor=world.ada,
        match=spring_match,
        starts_at=local(2026, 9, 24, 12, 0),
        duration_minutes=90,
        now=NOW,
    )
    terms, total = selectors.mentor_hours_for_user(world.ada)
    assert {(t.program.name, t.minutes, t.sessions) for t in terms} == {
        ("Birch Tutoring", 45 + 60 + 45, 3),
        ("Spring Tutoring", 90, 1),
    }
    assert total == 4.0
    rows = {r.participant.student.user: r for r in selectors.program_mentor_hours(world.program)}
    assert (rows[world.ada].term_minutes, rows[world.ada].total_minutes) == (150, 240)
    assert (rows[world.ben].term_hours, rows[world.ben].total_hours) == (0, 0)
    assert selectors.mentor_hours_for_user(world.dee) == ([], 0)  # mentees have no mentor hours


# --- Access ----------------------------------------------------------------------------------


@pytest.fixture
def things(world):
    session = held(world, 15)
    session_note_add(actor=world.ada, session=session, body="shared", private=False)
    return {"session": session, "goal": a_goal(world)}


def urls(world, things):
    s, g, m, p = things["session"].pk, things["goal"].pk, world.pair.pk, world.program.pk
    return {
        "pair": [
            f"/sessions/{s}/",
            f"/sessions/{s}/calendar.ics",
            f"/matches/{m}/sessions/",
            f"/matches/{m}/goals/",
        ],
        "program": [
            f"/programs/{p}/sessions/",
            f"/programs/{p}/goals/",
            f"/programs/{p}/hours/",
        ],
        "posts": [
            (f"/sessions/{s}/cancel/", {"reason": "x"}),
            (f"/sessions/{s}/move/", {"date": "2026-12-01", "time": "15:00", "reason": "x"}),
            (f"/sessions/{s}/attendance/", {"outcome": "no_show"}),
            (f"/sessions/{s}/log/", {"duration_minutes": "30", "topics": "HACKED"}),
            (f"/sessions/{s}/notes/", {"body": "HACKED", "visibility": "shared"}),
            (f"/matches/{m}/goals/", {"what": "HACKED", "measure": "x", "due_on": "2027-01-01"}),
            (f"/goals/{g}/", {"action": "progress", "progress": "99"}),
            (
                f"/programs/{p}/sessions/",
                {
                    "reminder_lead_hours": "5",
                    "log_nudge_after_hours": "5",
                    "goal_checkin_days": "5",
                },
            ),
        ],
    }


def state(world):
    return (
        list(Session.objects.values_list("status", "starts_at", "sequence")),
        list(SessionNote.objects.values_list("body", flat=True)),
        list(Goal.objects.values_list("what", "progress")),
        AuditEntry.objects.count(),
    )


def test_partners_and_coordinator_read_their_pages(world, things, client):
    all_urls = urls(world, things)
    for user, allowed in (
        (world.ada, all_urls["pair"]),
        (world.dee, all_urls["pair"]),
        (world.coordinator, all_urls["pair"] + all_urls["program"]),
    ):
        client.force_login(user)
        for url in allowed:
            assert client.get(url).status_code == 200, (user, url)
    for url in ("/sessions/", "/sessions/hours/", "/calendar/"):
        client.force_login(world.ada)
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("who", "read_status"),
    [("ben", 404), ("other_coordinator", 404), ("guardian", 404), ("teacher", 403)],
)
def test_everyone_else_is_refused_and_changes_nothing(world, things, client, who, read_status):
    user = getattr(world, who)
    all_urls = urls(world, things)
    client.force_login(user)
    for url in all_urls["pair"]:
        assert client.get(url).status_code == read_status, url
    program_status = 403 if who == "teacher" else 404
    if who == "ben":
        program_status = 404  # a student sees his own program's page elsewhere, never these
    for url in all_urls["program"]:
        assert client.get(url).status_code in {program_status, 403}, url
    before = state(world)
    for url, data in all_urls["posts"]:
        assert client.post(url, data).status_code in {403, 404}, url
    assert state(world) == before


def test_wrong_role_inside_the_pair_and_anonymous(world, things, client):
    all_urls = urls(world, things)
    client.force_login(world.dee)
    before = state(world)
    for url in all_urls["program"]:
        assert client.get(url).status_code in {403, 404}
    assert client.post(all_urls["posts"][-1][0], all_urls["posts"][-1][1]).status_code in {403, 404}
    client.force_login(world.coordinator)  # coordinators do not log or write notes for a pair
    for url, data in all_urls["posts"][3:5]:
        client.post(url, data)
    client.post(all_urls["posts"][6][0], all_urls["posts"][6][1])
    assert state(world) == before
    client.logout()
    for url in all_urls["pair"] + all_urls["program"]:
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


# --- Constant queries -------------------------------------------------------------------------


def _grow(world, weeks):
    """Add ``weeks`` weeks of logged sessions with notes and attendance to both pairs."""
    first = Session.objects.count()
    for i in range(first, first + weeks):
        for match, mentor in ((world.pair, world.ada), (world.other_pair, world.ben)):
            session = session_record_held(
                actor=mentor,
                match=match,
                starts_at=local(2026, 9, 1, 8, 0)
                + dt.timedelta(days=i, minutes=0 if match == world.pair else 60),
                duration_minutes=45,
                now=NOW,
            )
            session_log_save(
                actor=mentor, session=session, duration_minutes=40, topics="t", now=NOW
            )
        goal = goal_create(
            actor=world.ada,
            match=world.pair,
            what=f"Goal {i}",
            measure="m",
            due_on=dt.date(2027, 1, 1),
            milestones=["a", "b"],
        )
        goal_update_progress(actor=world.ada, goal=goal, progress=10 * (i % 10))


@pytest.mark.parametrize(
    "url", ["/programs/{p}/sessions/", "/programs/{p}/goals/", "/programs/{p}/hours/"]
)
def test_coordinator_pages_use_the_same_number_of_queries_at_any_size(world, client, url):
    client.force_login(world.coordinator)
    target = url.format(p=world.program.pk)
    counts = []
    for weeks in (2, 12):
        _grow(world, weeks)
        client.get(target)  # warm the session and caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(target).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
