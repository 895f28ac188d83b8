"""
Reads of sessions, notes, goals and hours, always on behalf of a user.

Partners see their own pair's sessions, logs, shared notes and goals; group
members their group's; coordinators those of the programs they run. Anyone
else gets 404, except staff of the same school, who see that the program
exists and get 403. A private note is read by its author and by nobody else.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from peerpath.core.access import scope_for
from peerpath.core.models import Role, User
from peerpath.matching.models import Match
from peerpath.meetings.models import (
    Attendance,
    Goal,
    Group,
    GroupMember,
    MeetingSettings,
    Session,
    SessionLog,
    SessionNote,
)
from peerpath.meetings.scheduling import Suggestion, shared_slot_codes, suggest_times
from peerpath.programs.models import Participant, Program
from peerpath.programs.selectors import program_can_manage

PAIR_ROLES = frozenset({"mentor", "mentee"})
GROUP_ROLES = frozenset({"leader", "member"})
MENTOR_ROLES = (Attendance.Role.MENTOR, Attendance.Role.LEADER)


def _deny(user: User | AnonymousUser, program: Program) -> NoReturn:
    """403 for staff who can see the program; 404 (existence hidden) for everyone else."""
    scope = scope_for(user)
    if scope.is_org_admin(program.school.organization_id) or scope.has_school_role(
        program.school_id, Role.COORDINATOR, Role.STAFF, Role.SAFEGUARDING_LEAD
    ):
        raise PermissionDenied
    raise Http404


def meeting_settings_for(program: Program) -> MeetingSettings:
    """The program's reminder rules (an unsaved default row when none was set)."""
    found = MeetingSettings.objects.filter(program=program).first()
    return found or MeetingSettings(program=program)


# --- Pairs and groups ----------------------------------------------------------


def _match_relation(user: User | AnonymousUser, match: Match) -> str | None:
    if match.mentor.student.user_id == user.pk:
        return "mentor"
    if match.mentee.student.user_id == user.pk:
        return "mentee"
    return None


def match_get_for_meetings(user: User | AnonymousUser, pk: int) -> tuple[Match, str]:
    """A match and the user's relation to it: ``mentor``, ``mentee`` or ``coordinator``."""
    if not user.is_authenticated:
        raise Http404
    match = (
        Match.objects.select_related(
            "program__school__organization",
            "mentor__student__user",
            "mentee__student__user",
            "mentor__application",
            "mentee__application",
        )
        .filter(pk=pk)
        .first()
    )
    if match is None:
        raise Http404
    relation = _match_relation(user, match)
    if relation is not None:
        return match, relation
    if program_can_manage(user, match.program):
        return match, "coordinator"
    _deny(user, match.program)


def group_members(group: Group) -> list[GroupMember]:
    return list(
        group.members.select_related("participant__student__user", "participant__application")
    )


def group_get_for_user(user: User | AnonymousUser, pk: int) -> tuple[Group, str]:
    """A group and the user's relation: ``leader``, ``member`` or ``coordinator``."""
    if not user.is_authenticated:
        raise Http404
    group = (
        Group.objects.select_related("program__school__organization", "closed_by")
        .filter(pk=pk)
        .first()
    )
    if group is None:
        raise Http404
    own = (
        GroupMember.objects.filter(group=group, participant__student__user_id=user.pk)
        .values_list("role", flat=True)
        .first()
    )
    if own is not None:
        return group, own
    if program_can_manage(user, group.program):
        return group, "coordinator"
    _deny(user, group.program)


def groups_for_user(user: User) -> QuerySet[Group]:
    return (
        Group.objects.filter(members__participant__student__user=user, status=Group.Status.ACTIVE)
        .select_related("program")
        .distinct()
    )


# --- Sessions --------------------------------------------------------------------


def _session_base() -> QuerySet[Session]:
    return Session.objects.select_related(
        "program__school__organization",
        "match__mentor__student__user",
        "match__mentee__student__user",
        "group",
        "log",
    )


def session_get_for_user(user: User | AnonymousUser, pk: int) -> tuple[Session, str]:
    """A session and the user's relation: mentor, mentee, leader, member or coordinator."""
    if not user.is_authenticated:
        raise Http404
    session = _session_base().filter(pk=pk).first()
    if session is None:
        raise Http404
    if session.match is not None:
        relation = _match_relation(user, session.match)
        if relation is not None:
            return session, relation
    else:
        own = (
            GroupMember.objects.filter(group=session.group, participant__student__user_id=user.pk)
            .values_list("role", flat=True)
            .first()
        )
        if own is not None:
            return session, own
    if program_can_manage(user, session.program):
        return session, "coordinator"
    _deny(user, session.program)


def _user_sessions_q(user: User) -> Q:
    return (
        Q(match__mentor__student__user=user)
        | Q(match__mentee__student__user=user)
        | Q(group__members__participant__student__user=user)
    )


def sessions_for_user(user: User) -> QuerySet[Session]:
    """Every session the user takes part in, as a partner or a group member."""
    ids = Session.objects.filter(_user_sessions_q(user)).values("pk")
    return _session_base().filter(pk__in=ids).order_by("starts_at", "pk")


def sessions_for_match(match: Match) -> QuerySet[Session]:
    return _session_base().filter(match=match).order_by("starts_at", "pk")


def sessions_for_group(group: Group) -> QuerySet[Session]:
    return _session_base().filter(group=group).order_by("starts_at", "pk")


def busy_intervals(
    user_ids: list[int], start: dt.datetime, end: dt.datetime, *, exclude: int | None = None
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Scheduled sessions of any of these users that touch ``[start, end)``."""
    people = (
        Q(match__mentor__student__user_id__in=user_ids)
        | Q(match__mentee__student__user_id__in=user_ids)
        | Q(group__members__participant__student__user_id__in=user_ids)
    )
    qs = Session.objects.filter(
        people, status=Session.Status.SCHEDULED, starts_at__lt=end, ends_at__gt=start
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return sorted(set(qs.values_list("starts_at", "ends_at")))


def notes_visible(session: Session, user: User | AnonymousUser) -> QuerySet[SessionNote]:
    """Shared notes, and the user's own private notes: never anyone else's private note."""
    return (
        SessionNote.objects.filter(session=session)
        .filter(Q(private=False) | Q(author_id=user.pk))
        .select_related("author")
    )


def goals_for_match(match: Match) -> QuerySet[Goal]:
    return Goal.objects.filter(match=match).prefetch_related("milestones")


def goal_get_for_user(user: User | AnonymousUser, pk: int) -> tuple[Goal, str]:
    goal = Goal.objects.filter(pk=pk).only("pk", "match_id").first()
    if goal is None or not user.is_authenticated:
        raise Http404
    match, relation = match_get_for_meetings(user, goal.match_id)
    full = Goal.objects.select_related("match").get(pk=pk)
    full.match = match
    return full, relation


# --- Mentor hours ------------------------------------------------------------------

_MINUTES = Coalesce("session__log__duration_minutes", "session__duration_minutes")


def _attended_as_mentor() -> QuerySet[Attendance]:
    return Attendance.objects.filter(
        status=Attendance.Status.PRESENT,
        role__in=MENTOR_ROLES,
        session__status=Session.Status.SCHEDULED,
    )


@dataclass(frozen=True)
class TermHours:
    program: Program
    minutes: int
    sessions: int

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


def mentor_hours_for_user(user: User) -> tuple[list[TermHours], float]:
    """The user's mentoring hours per program term (newest first) and in total."""
    rows = (
        _attended_as_mentor()
        .filter(participant__student__user=user)
        .values("participant__program_id")
        .annotate(minutes=Sum(_MINUTES, output_field=IntegerField()), n=Count("pk"))
    )
    by_program = {r["participant__program_id"]: r for r in rows}
    programs = Program.objects.filter(pk__in=by_program).order_by("-term_start", "name")
    terms = [
        TermHours(p, by_program[p.pk]["minutes"] or 0, by_program[p.pk]["n"]) for p in programs
    ]
    return terms, round(sum(t.minutes for t in terms) / 60, 1)


@dataclass(frozen=True)
class MentorHoursRow:
    participant: Participant
    term_minutes: int
    term_sessions: int
    total_minutes: int

    @property
    def term_hours(self) -> float:
        return round(self.term_minutes / 60, 1)

    @property
    def total_hours(self) -> float:
        return round(self.total_minutes / 60, 1)


def program_mentor_hours(program: Program) -> list[MentorHoursRow]:
    """Every mentor of the program: hours in its term and in all their programs (3 queries)."""
    mentors = list(
        Participant.objects.filter(program=program, role__in=["mentor", "both"])
        .select_related("student__user")
        .order_by("student__user__family_name", "student__user__given_name", "pk")
    )
    term = {
        r["participant_id"]: r
        for r in _attended_as_mentor()
        .filter(participant__program=program)
        .values("participant_id")
        .annotate(minutes=Sum(_MINUTES, output_field=IntegerField()), n=Count("pk"))
    }
    total = {
        r["participant__student_id"]: r["minutes"] or 0
        for r in _attended_as_mentor()
        .filter(participant__student_id__in=[m.student_id for m in mentors])
        .values("participant__student_id")
        .annotate(minutes=Sum(_MINUTES, output_field=IntegerField()))
    }
    return [
        MentorHoursRow(
            m,
            (term.get(m.pk) or {}).get("minutes") or 0,
            (term.get(m.pk) or {}).get("n") or 0,
            total.get(m.student_id, 0),
        )
        for m in mentors
    ]


# --- Coordinator overviews (a constant number of queries) ----------------------------


def program_sessions_page(
    program: Program, *, status: str = "", offset: int = 0, limit: int = 50
) -> tuple[list[Session], dict[str, int]]:
    """A page of the program's sessions (newest first) and counts over all of them."""
    qs = _session_base().filter(program=program).prefetch_related("attendance")
    now_counts = Session.objects.filter(program=program).aggregate(
        total=Count("pk"),
        cancelled=Count("pk", filter=Q(status=Session.Status.CANCELLED)),
        logged=Count("pk", filter=Q(log__isnull=False)),
    )
    no_shows = Attendance.objects.filter(
        session__program=program, status=Attendance.Status.NO_SHOW
    ).count()
    counts = {**now_counts, "no_shows": no_shows}
    if status in Session.Status.values:
        qs = qs.filter(status=status)
    sessions = list(qs.order_by("-starts_at", "-pk")[offset : offset + limit])
    return sessions, counts


@dataclass(frozen=True)
class GoalRow:
    goal: Goal
    milestones_done: int
    milestones_total: int


def program_goal_rows(program: Program) -> list[GoalRow]:
    """Every goal of the program's matches with its progress and milestones (1 query)."""
    goals = (
        Goal.objects.filter(match__program=program)
        .select_related("match__mentor__student__user", "match__mentee__student__user")
        .annotate(
            m_done=Count("milestones", filter=Q(milestones__done_at__isnull=False)),
            m_total=Count("milestones"),
        )
        .order_by("match_id", "status", "due_on", "pk")
    )
    return [GoalRow(g, g.m_done, g.m_total) for g in goals]


def goal_progress_summary(rows: list[GoalRow]) -> dict[str, float | int]:
    by_status: dict[str, int] = defaultdict(int)
    for row in rows:
        by_status[row.goal.status] += 1
    active = [r.goal.progress for r in rows if r.goal.status == Goal.Status.ACTIVE]
    return {
        "total": len(rows),
        "achieved": by_status[Goal.Status.ACHIEVED],
        "active": by_status[Goal.Status.ACTIVE],
        "average_progress": round(sum(active) / len(active)) if active else 0,
    }


# --- Facts for match health (read by the support app) --------------------------------

#: A goal counts as behind when its progress trails the share of its time used up
#: by more than this many percentage points (or it is past its date, or a
#: milestone is overdue).
GOAL_BEHIND_SLACK = 30

#: How far back :func:`meeting_facts` looks first for the latest meeting.
FACTS_LOOKBACK = dt.timedelta(days=120)

_NO_SHOW = Attendance.Status.NO_SHOW
_PRESENT = Attendance.Status.PRESENT


@dataclass(frozen=True)
class MeetingFacts:
    """What a pair's sessions and goals say about it (see :func:`meeting_facts`)."""

    last_met_at: dt.datetime | None = None
    no_shows_in_a_row: int = 0
    goals_total: int = 0
    goals_behind: int = 0


def goal_is_behind(
    *, created: dt.date, due: dt.date, progress: int, overdue_milestones: int, today: dt.date
) -> bool:
    """Past its date, a milestone overdue, or progress well behind the time used up."""
    if due < today or overdue_milestones:
        return True
    span = (due - created).days
    if span <= 0:
        return False
    expected = 100 * (today - created).days / span
    return progress + GOAL_BEHIND_SLACK < expected


def meeting_facts(
    matches: Sequence[Match], *, now: dt.datetime | None = None
) -> dict[int, MeetingFacts]:
    """
    Each match's meeting facts, for many matches in at most four queries.

    A session that has started and was not cancelled *happened* when someone
    confirmed it (attendance marked present, or a log) and nobody was marked
    as not coming; it was *missed* when someone was marked as not coming.
    Sessions nobody confirmed yet are unknown and count neither way.

    - ``last_met_at``: the start of the latest session that happened;
    - ``no_shows_in_a_row``: missed sessions since the last one that happened;
    - ``goals_total``: goals in progress; ``goals_behind``: those of them behind
      (:func:`goal_is_behind`).
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    ids = [m.pk for m in matches]
    missed = Q(Exists(Attendance.objects.filter(session=OuterRef("pk"), status=_NO_SHOW)))
    confirmed = Q(Exists(Attendance.objects.filter(session=OuterRef("pk"), status=_PRESENT))) | Q(
        Exists(SessionLog.objects.filter(session=OuterRef("pk")))
    )
    happened = confirmed & ~missed
    past = Session.objects.filter(status=Session.Status.SCHEDULED, starts_at__lte=now)
    recent = now - FACTS_LOOKBACK

    def latest_happened(sessions: QuerySet[Session]) -> dict[int, dt.datetime]:
        return dict(
            sessions.filter(happened)
            .order_by()
            .values("match_id")
            .annotate(last=Max("starts_at"))
            .values_list("match_id", "last")
        )

    # Most pairs met lately: look at recent sessions first, and further back only
    # for the pairs that did not, so that years of sessions are not read each time.
    last_met = latest_happened(past.filter(match_id__in=ids, starts_at__gt=recent))
    earlier = [pk for pk in ids if pk not in last_met]
    if earlier:
        last_met.update(latest_happened(past.filter(match_id__in=earlier)))
    # Only missed sessions (few) come back as rows, to count those after the last meeting.
    streak: dict[int, int] = defaultdict(int)
    for match_id, starts_at in (
        past.filter(missed)
        .filter(
            Q(match_id__in=[pk for pk in ids if pk not in earlier], starts_at__gt=recent)
            | Q(match_id__in=earlier)
        )
        .order_by()
        .values_list("match_id", "starts_at")
    ):
        latest = last_met.get(match_id)
        if latest is None or starts_at > latest:
            streak[match_id] += 1
    goals_total: dict[int, int] = defaultdict(int)
    goals_behind: dict[int, int] = defaultdict(int)
    goals = (
        Goal.objects.filter(match_id__in=ids, status=Goal.Status.ACTIVE)
        .annotate(
            overdue=Count(
                "milestones",
                filter=Q(milestones__done_at__isnull=True, milestones__due_on__lt=today),
            )
        )
        .values_list("match_id", "created_at", "due_on", "progress", "overdue")
    )
    for match_id, created_at, due_on, progress, overdue in goals:
        goals_total[match_id] += 1
        if goal_is_behind(
            created=timezone.localdate(created_at),
            due=due_on,
            progress=progress,
            overdue_milestones=overdue,
            today=today,
        ):
            goals_behind[match_id] += 1
    return {
        pk: MeetingFacts(
            last_met_at=last_met.get(pk),
            no_shows_in_a_row=streak[pk],
            goals_total=goals_total[pk],
            goals_behind=goals_behind[pk],
        )
        for pk in ids
    }


# --- Suggestions ----------------------------------------------------------------------

SUGGESTION_WEEKS = 3


def session_suggestions(
    *,
    participants: list[Participant],
    program: Program,
    now: dt.datetime,
    minutes: int | None = None,
    limit: int = 8,
) -> list[Suggestion]:
    """
    Times in the next weeks when everyone is free (their weekly availability)
    and none of them has another session; never past the program's last day.
    """
    minutes = minutes or program.session_minutes
    time_zone = program.school.time_zone
    slots = shared_slot_codes(participants)
    until = min(
        program.term_end,
        now.astimezone(ZoneInfo(time_zone)).date() + dt.timedelta(weeks=SUGGESTION_WEEKS),
    )
    busy = busy_intervals(
        [p.student.user_id for p in participants],
        now,
        now + dt.timedelta(weeks=SUGGESTION_WEEKS + 1),
    )
    return suggest_times(
        slots=slots,
        time_zone=time_zone,
        minutes=minutes,
        after=now + dt.timedelta(hours=1),
        until=until,
        busy=busy,
        limit=limit,
    )
