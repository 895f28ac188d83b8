"""
Recognition of mentors: service hours, badges and thank-yous.

Badges are earned from what the meetings app recorded, never entered by hand:

* **First session** — attended a session as mentor or peer leader;
* **Ten sessions** — attended ten;
* **Goal reached** — a goal of one of their matches was achieved;
* **A full term** — mentored through a whole program term: a match of theirs
  started within the term's first four weeks and was still active at the
  term's end (or closed no earlier than a week before it), in a term that has ended.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerpath.core.models import User
from peerpath.insights.models import ThankYou
from peerpath.matching.models import Match
from peerpath.meetings.models import Attendance, Goal, Session
from peerpath.meetings.selectors import TermHours, mentor_hours_for_user

MENTOR_ROLES = (Attendance.Role.MENTOR, Attendance.Role.LEADER)


@dataclass(frozen=True)
class Badge:
    key: str
    title: str
    description: str
    earned: bool
    earned_on: dt.date | None = None


BADGES = (
    ("first_session", _("First session"), _("Met your mentee or group for the first time.")),
    ("ten_sessions", _("Ten sessions"), _("Ten sessions as a mentor or peer leader.")),
    ("goal_reached", _("Goal reached"), _("A goal you set together was achieved.")),
    ("full_term", _("A full term"), _("Mentored from the start to the end of a term.")),
)


def _full_term(user: User, today: dt.date) -> dt.date | None:
    """The end of the first term the user mentored through from start to end (None if none)."""
    matches = (
        Match.objects.filter(mentor__student__user=user, program__term_end__lt=today)
        .select_related("program")
        .order_by("program__term_end")
    )
    for match in matches:
        program = match.program
        started = timezone.localdate(match.started_at)
        if started > program.term_start + dt.timedelta(weeks=4):
            continue
        if match.status == Match.Status.ACTIVE or (
            match.closed_at is not None
            and timezone.localdate(match.closed_at) >= program.term_end - dt.timedelta(days=7)
        ):
            return program.term_end
    return None


def mentor_badges(user: User, *, today: dt.date | None = None) -> list[Badge]:
    """Every badge, earned or not, with the day it was earned (4 queries)."""
    today = today or timezone.localdate()
    attended = list(
        Attendance.objects.filter(
            participant__student__user=user,
            status=Attendance.Status.PRESENT,
            role__in=MENTOR_ROLES,
            session__status=Session.Status.SCHEDULED,
        )
        .order_by("session__starts_at")
        .values_list("session__starts_at", flat=True)[:10]
    )
    goal = (
        Goal.objects.filter(match__mentor__student__user=user, status=Goal.Status.ACHIEVED)
        .order_by("last_update_at")
        .values_list("last_update_at", "updated_at")
        .first()
    )
    earned: dict[str, dt.date | None] = {
        "first_session": timezone.localdate(attended[0]) if attended else None,
        "ten_sessions": timezone.localdate(attended[9]) if len(attended) >= 10 else None,
        "goal_reached": timezone.localdate(goal[0] or goal[1]) if goal else None,
        "full_term": _full_term(user, today),
    }
    return [
        Badge(key, str(title), str(description), earned[key] is not None, earned[key])
        for key, title, description in BADGES
    ]


def mentor_hours(user: User) -> tuple[list[TermHours], float]:
    """Hours per program term and in total (the meetings app's count)."""
    return mentor_hours_for_user(user)


def thank_yous_for(user: User) -> QuerySet[ThankYou]:
    return (
        ThankYou.objects.filter(mentor__student__user=user)
        .select_related("program", "author")
        .order_by("-created_at", "-pk")
    )
