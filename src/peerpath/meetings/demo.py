"""
Demo meetings for the demo school's active matches, made through the services.

``demo_meetings(program=..., today=...)`` gives each active pair of the
program a few past sessions (held, most logged, one needing a log), a weekly
series ahead at a time both are free, and a shared goal with milestones and
progress linked to a session. It is deterministic for the same data and day,
and skips a pair that already has sessions, so running it twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError

from peerpath.matching.models import Match
from peerpath.meetings.models import Session
from peerpath.meetings.scheduling import local_datetime, shared_slot_codes
from peerpath.meetings.services import (
    goal_create,
    goal_update_progress,
    milestone_set_done,
    session_log_save,
    session_note_add,
    session_record_held,
    session_schedule,
)
from peerpath.people.availability import SLOT_TIMES
from peerpath.programs.models import Program
from peerpath.recruitment.readiness import has_consent

_TOPICS = [
    ("Linear equations", "Solved the word problems without hints", "Practice sheet 3"),
    ("Reading a lab report", "Found the hypothesis and the variables quickly", "Draft the method"),
    ("Essay structure", "A clear thesis in the first paragraph", "Outline the next essay"),
    ("Fractions and ratios", "Asked good questions", "Quiz on Friday"),
]
_GOALS = [
    (
        "Pass the next unit test",
        "A grade of 70% or more",
        ["Finish the review sheet", "Practice test"],
    ),
    (
        "Hand in every homework on time",
        "No late homework for four weeks",
        ["Use a planner", "Weekly check"],
    ),
]


def _first_day_on_or_after(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def demo_meetings(*, program: Program, today: dt.date) -> int:
    """Create demo sessions, logs and goals for the program's active matches; return sessions made."""
    tz = program.school.time_zone
    now = dt.datetime.combine(today, dt.time(7, 0), tzinfo=ZoneInfo(tz))
    made = 0
    matches = (
        Match.objects.filter(program=program, status=Match.Status.ACTIVE)
        .select_related(
            "program__school",
            "mentor__student__user",
            "mentee__student__user",
            "mentor__application",
            "mentee__application",
        )
        .order_by("pk")
    )
    for index, match in enumerate(matches):
        if Session.objects.filter(match=match).exists():
            continue
        if not (has_consent(match.mentor) and has_consent(match.mentee)):
            continue
        mentor, mentee = match.mentor.student.user, match.mentee.student.user
        slots = shared_slot_codes([match.mentor, match.mentee]) or ["tue-2"]
        code = slots[index % len(slots)]
        day_code, slot = code.split("-")
        weekday = ["mon", "tue", "wed", "thu", "fri"].index(day_code)
        clock = SLOT_TIMES[int(slot)][0]
        minutes = program.session_minutes
        past: list[Session] = []
        for weeks_ago in (3, 2, 1):
            day = _first_day_on_or_after(today - dt.timedelta(weeks=weeks_ago), weekday)
            start = local_datetime(day, clock, tz)
            if start + dt.timedelta(minutes=minutes) > now or day < program.term_start:
                continue
            try:
                past.append(
                    session_record_held(
                        actor=mentor,
                        match=match,
                        starts_at=start,
                        duration_minutes=minutes,
                        location="Library, table 4",
                        now=now,
                    )
                )
            except ValidationError:
                continue
        for number, session in enumerate(past[:-1]):  # the latest one still needs its log
            topics, well, next_steps = _TOPICS[(index + number) % len(_TOPICS)]
            session_log_save(
                actor=mentor,
                session=session,
                duration_minutes=minutes - 5 * (number % 2),
                topics=topics,
                went_well=well,
                next_steps=next_steps,
                now=now,
            )
        if past:
            session_note_add(
                actor=mentee,
                session=past[0],
                body="Thanks for the tips on showing my working.",
                private=False,
            )
            session_note_add(
                actor=mentor,
                session=past[0],
                body="Ask the coordinator about extra practice material.",
                private=True,
            )
        ahead = local_datetime(
            _first_day_on_or_after(today + dt.timedelta(days=1), weekday), clock, tz
        )
        weeks = max(1, min(6, (program.term_end - ahead.date()).days // 7 + 1))
        if ahead.date() <= program.term_end:
            try:
                session_schedule(
                    actor=mentor,
                    match=match,
                    starts_at=ahead,
                    location="Library, table 4",
                    weeks=weeks,
                    now=now,
                )
                made += weeks
            except ValidationError:
                pass
        what, measure, milestones = _GOALS[index % len(_GOALS)]
        due_on = min(program.term_end, today + dt.timedelta(weeks=8))
        if due_on >= today:
            goal = goal_create(
                actor=mentee,
                match=match,
                what=what,
                measure=measure,
                due_on=due_on,
                milestones=milestones,
            )
            goal_update_progress(
                actor=mentor,
                goal=goal,
                progress=25 + 15 * (index % 4),
                note="Good start; keep going.",
                session=past[-1] if past else None,
                now=now,
            )
            first = goal.milestones.order_by("pk").first()
            if first is not None and index % 2 == 0:
                milestone_set_done(actor=mentee, milestone=first, done=True, now=now)
        made += len(past)
    return made
