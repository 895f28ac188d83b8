"""
Reads for the insights pages, always scoped to the user asking.

A program's dashboard, impact, fairness and exports belong to the people who
run it (``program_get_managed``: 404 when the program is hidden, 403 when
only visible). A school's outcomes and overview belong to its coordinators
and its organization's admins; the organization view to organization admins.
Mentors and mentees never reach program-wide figures.

Every figure here is computed in a fixed number of queries, whatever the
size of the program (see ``bench/insights_bench.py``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, FloatField, IntegerField, Q, QuerySet, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, TruncMonth, TruncWeek
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy

from peerpath.core.access import scope_for
from peerpath.core.models import Organization, Role, School, User
from peerpath.insights import stats
from peerpath.insights.models import OutcomeRecord
from peerpath.matching.models import Match
from peerpath.meetings.models import Attendance, Goal, Session
from peerpath.programs.models import (
    Participant,
    ParticipantStatus,
    ParticipantStatusChange,
    Program,
)
from peerpath.programs.selectors import program_get_managed
from peerpath.support.health import AT_RISK, HEALTHY, WATCH, match_health
from peerpath.support.instruments import INSTRUMENTS
from peerpath.support.models import CheckInResponse

MENTOR_ROLES = (Attendance.Role.MENTOR, Attendance.Role.LEADER)
_MINUTES = Coalesce("session__log__duration_minutes", "session__duration_minutes")


# --- Access ------------------------------------------------------------------------


def program_for_insights(user: User | AnonymousUser, pk: int) -> Program:
    """The program if ``user`` runs it: 404 if they cannot see it, 403 if they only see it."""
    return program_get_managed(user, pk)


def school_for_insights(user: User | AnonymousUser, pk: int) -> School:
    """A school whose outcomes ``user`` may see: its coordinators and organization admins."""
    school = School.objects.select_related("organization").filter(pk=pk).first()
    if school is None or not user.is_authenticated:
        raise Http404
    if getattr(user, "is_superuser", False):
        return school
    scope = scope_for(user)
    if scope.can_manage_school(school):
        return school
    if scope.has_school_role(school.pk, Role.STAFF, Role.SAFEGUARDING_LEAD):
        raise PermissionDenied
    raise Http404


def organization_for_insights(user: User | AnonymousUser, pk: int) -> Organization:
    """An organization ``user`` administers (or any, for a superuser)."""
    organization = Organization.objects.filter(pk=pk).first()
    if organization is None or not user.is_authenticated:
        raise Http404
    if getattr(user, "is_superuser", False) or scope_for(user).is_org_admin(organization.pk):
        return organization
    if scope_for(user).school_organization and pk in scope_for(user).school_organization.values():
        raise PermissionDenied
    raise Http404


def insight_schools(user: User | AnonymousUser) -> list[School]:
    """Schools whose overview the user may open (coordinators, org admins)."""
    if not user.is_authenticated:
        return []
    qs = School.objects.select_related("organization").order_by("name")
    if getattr(user, "is_superuser", False):
        return list(qs)
    return list(qs.filter(scope_for(user).managed_schools_q()))


def insight_organizations(user: User | AnonymousUser) -> list[Organization]:
    if not user.is_authenticated:
        return []
    qs = Organization.objects.order_by("name")
    if getattr(user, "is_superuser", False):
        return list(qs)
    return list(qs.filter(pk__in=scope_for(user).admin_organization_ids))


# --- The participation funnel --------------------------------------------------------


@dataclass(frozen=True)
class FunnelStage:
    key: str
    label: str
    definition: str
    count: int


FUNNEL_STAGES = (
    ("applied", gettext_lazy("Applied"), gettext_lazy("Applied or were enrolled.")),
    ("screened", gettext_lazy("Screened"), gettext_lazy("Entered screening.")),
    (
        "trained",
        gettext_lazy("Trained"),
        gettext_lazy("Screening, consent and required training complete (ready to match)."),
    ),
    ("matched", gettext_lazy("Matched"), gettext_lazy("Were matched at least once.")),
    ("active", gettext_lazy("Active"), gettext_lazy("In an active match now.")),
    ("closed", gettext_lazy("Closed"), gettext_lazy("Their match has ended.")),
)

_REACHED = {
    "screened": {
        ParticipantStatus.SCREENING,
        ParticipantStatus.READY,
        ParticipantStatus.MATCHED,
        ParticipantStatus.CLOSED,
    },
    "trained": {ParticipantStatus.READY, ParticipantStatus.MATCHED, ParticipantStatus.CLOSED},
    "matched": {ParticipantStatus.MATCHED, ParticipantStatus.CLOSED},
    "closed": {ParticipantStatus.CLOSED},
}


def program_funnel(program: Program) -> list[FunnelStage]:
    """How many participants ever reached each step (from the status history; 3 queries)."""
    reached: dict[int, set[str]] = defaultdict(set)
    for pk, status in Participant.objects.filter(program=program).values_list("pk", "status"):
        reached[pk].add(status)
    for pk, status in (
        ParticipantStatusChange.objects.filter(participant__program=program)
        .values_list("participant_id", "to_status")
        .distinct()
    ):
        reached[pk].add(status)
    active: set[int] = set()
    for mentor_id, mentee_id in Match.objects.filter(
        program=program, status=Match.Status.ACTIVE
    ).values_list("mentor_id", "mentee_id"):
        active |= {mentor_id, mentee_id}
    counts = {"applied": len(reached), "active": len(active)}
    for key, statuses in _REACHED.items():
        counts[key] = sum(1 for seen in reached.values() if seen & statuses)
    return [FunnelStage(k, str(label), str(d), counts[k]) for k, label, d in FUNNEL_STAGES]


# --- Sessions and hours per week ----------------------------------------------------------


@dataclass(frozen=True)
class WeekActivity:
    week: dt.date
    sessions: int
    hours: float


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def weekly_activity(program: Program, *, today: dt.date | None = None) -> list[WeekActivity]:
    """
    Held sessions (someone was marked present) and mentor hours per week of the term (1 query).

    Hours are those of mentors and peer leaders who attended, from the session
    log's duration when there is one, else the planned duration.
    """
    today = today or timezone.localdate()
    rows = (
        Attendance.objects.filter(
            session__program=program,
            status=Attendance.Status.PRESENT,
            session__status=Session.Status.SCHEDULED,
        )
        .annotate(week=TruncWeek("session__starts_at"))
        .values("week")
        .annotate(
            sessions=Count("session_id", distinct=True),
            minutes=Sum(_MINUTES, filter=Q(role__in=MENTOR_ROLES), output_field=IntegerField()),
        )
    )
    by_week: dict[dt.date, tuple[int, int]] = {}
    for row in rows:
        week = row["week"]
        day = week.date() if isinstance(week, dt.datetime) else week
        by_week[_monday(day)] = (row["sessions"], row["minutes"] or 0)
    start = _monday(program.term_start)
    end = _monday(min(today, program.term_end))
    if by_week:
        start, end = min(start, min(by_week)), max(end, max(by_week))
    weeks = []
    day = start
    while day <= end:
        sessions, minutes = by_week.get(day, (0, 0))
        weeks.append(WeekActivity(day, sessions, round(minutes / 60, 1)))
        day += dt.timedelta(days=7)
    return weeks


# --- Match health --------------------------------------------------------------------------

HEALTH_LEVELS = (HEALTHY, WATCH, AT_RISK)
HEALTH_LABELS = {
    HEALTHY: gettext_lazy("Healthy"),
    WATCH: gettext_lazy("Watch"),
    AT_RISK: gettext_lazy("At risk"),
}
HEALTH_COLOURS = {HEALTHY: "#2e7d32", WATCH: "#8a5a00", AT_RISK: "#b3261e"}


def health_distribution(programs: list[Program]) -> dict[int, dict[str, int]]:
    """``{program id: {level: active matches}}`` from the support app's health signal."""
    matches = list(
        Match.objects.filter(program__in=programs, status=Match.Status.ACTIVE).only(
            "pk", "program_id", "started_at", "mentor_agreed_at", "mentee_agreed_at"
        )
    )
    out = {p.pk: dict.fromkeys(HEALTH_LEVELS, 0) for p in programs}
    health = match_health(matches)
    for match in matches:
        out[match.program_id][health[match.pk].level] += 1
    return out


# --- Surveys ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyMonth:
    month: dt.date
    mean: float | None
    n: int


def survey_over_time(program: Program, instrument: str = "relationship") -> list[SurveyMonth]:
    """The monthly mean of an instrument's check-in scores (1–5) and how many answered (1 query)."""
    rows = (
        CheckInResponse.objects.filter(
            participant__program=program,
            kind=CheckInResponse.Kind.CHECKIN,
            scores__has_key=instrument,
        )
        .annotate(month=TruncMonth("submitted_at"))
        .values("month")
        .annotate(n=Count("pk"), mean=Avg(Cast(KT(f"scores__{instrument}"), FloatField())))
        .order_by("month")
    )
    out = []
    for row in rows:
        month = row["month"]
        day = month.date() if isinstance(month, dt.datetime) else month
        out.append(SurveyMonth(day, row["mean"], row["n"]))
    return out


@dataclass(frozen=True)
class SurveyChange:
    instrument: str
    title: str
    change: stats.Comparison | None
    n: int
    missing: int  # participants with only one of the two surveys


PRE_POST_INSTRUMENTS = ("belonging", "confidence")


def survey_pre_post(
    program: Program, *, participant_ids: set[int] | None = None
) -> list[SurveyChange]:
    """
    Pre/post change per instrument, for participants who answered both (1 query).

    A participant's earliest "before" survey and latest "after" survey count.
    """
    qs = CheckInResponse.objects.filter(
        participant__program=program,
        kind__in=[CheckInResponse.Kind.PRE, CheckInResponse.Kind.POST],
    )
    if participant_ids is not None:
        qs = qs.filter(participant_id__in=participant_ids)
    pre: dict[int, dict[str, float]] = {}
    post: dict[int, dict[str, float]] = {}
    for participant_id, kind, scores in qs.order_by("submitted_at", "pk").values_list(
        "participant_id", "kind", "scores"
    ):
        if kind == CheckInResponse.Kind.PRE:
            pre.setdefault(participant_id, scores or {})
        else:
            post[participant_id] = scores or {}
    out = []
    for key in PRE_POST_INSTRUMENTS:
        has_pre = {p for p, s in pre.items() if s.get(key) is not None}
        has_post = {p for p, s in post.items() if s.get(key) is not None}
        both = sorted(has_pre & has_post)
        change = stats.paired_change([pre[p][key] for p in both], [post[p][key] for p in both])
        out.append(
            SurveyChange(
                key, str(INSTRUMENTS[key].title), change, len(both), len(has_pre ^ has_post)
            )
        )
    return out


# --- Goals ------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoalSummary:
    total: int
    achieved: int
    active: int
    dropped: int
    average_progress: float | None

    @property
    def achieved_share(self) -> float | None:
        return self.achieved / self.total * 100 if self.total else None


def goal_summary(programs: list[Program]) -> dict[int, GoalSummary]:
    """Goals of each program's matches by status, and the mean progress of active ones (1 query)."""
    rows = (
        Goal.objects.filter(match__program__in=programs)
        .values("match__program_id")
        .annotate(
            total=Count("pk"),
            achieved=Count("pk", filter=Q(status=Goal.Status.ACHIEVED)),
            active=Count("pk", filter=Q(status=Goal.Status.ACTIVE)),
            dropped=Count("pk", filter=Q(status=Goal.Status.DROPPED)),
            progress=Avg("progress", filter=Q(status=Goal.Status.ACTIVE)),
        )
    )
    out = {p.pk: GoalSummary(0, 0, 0, 0, None) for p in programs}
    for row in rows:
        out[row["match__program_id"]] = GoalSummary(
            row["total"], row["achieved"], row["active"], row["dropped"], row["progress"]
        )
    return out


# --- Leadership overview -------------------------------------------------------------------


@dataclass
class ProgramOverview:
    program: Program
    participants: int = 0
    active_matches: int = 0
    sessions: int = 0
    hours: float = 0.0
    health: dict[str, int] = field(default_factory=dict)
    goals: GoalSummary = field(default_factory=lambda: GoalSummary(0, 0, 0, 0, None))


def programs_overview(programs: list[Program]) -> list[ProgramOverview]:
    """One row per program for leadership, in a fixed number of queries."""
    rows = {p.pk: ProgramOverview(p) for p in programs}
    for pk, n in (
        Participant.objects.filter(program__in=programs)
        .values("program_id")
        .annotate(n=Count("pk"))
        .values_list("program_id", "n")
    ):
        rows[pk].participants = n
    for pk, n in (
        Match.objects.filter(program__in=programs, status=Match.Status.ACTIVE)
        .values("program_id")
        .annotate(n=Count("pk"))
        .values_list("program_id", "n")
    ):
        rows[pk].active_matches = n
    for row in (
        Attendance.objects.filter(
            session__program__in=programs,
            status=Attendance.Status.PRESENT,
            session__status=Session.Status.SCHEDULED,
        )
        .values("session__program_id")
        .annotate(
            sessions=Count("session_id", distinct=True),
            minutes=Sum(_MINUTES, filter=Q(role__in=MENTOR_ROLES), output_field=IntegerField()),
        )
    ):
        target = rows[row["session__program_id"]]
        target.sessions = row["sessions"]
        target.hours = round((row["minutes"] or 0) / 60, 1)
    health = health_distribution(programs)
    goals = goal_summary(programs)
    for pk, overview in rows.items():
        overview.health = health[pk]
        overview.goals = goals[pk]
    return list(rows.values())


def school_programs(school: School) -> list[Program]:
    return list(Program.objects.filter(school=school).select_related("school").order_by("name"))


def organization_programs(organization: Organization) -> list[Program]:
    return list(
        Program.objects.filter(school__organization=organization)
        .select_related("school")
        .order_by("school__name", "name")
    )


# --- Outcome records (the API reads them) -------------------------------------------------


def school_outcomes(school: School) -> QuerySet[OutcomeRecord]:
    """
    A school's outcome records, by term then student.

    Ask :func:`school_for_insights` first: only the school's coordinators and
    its organization's admins may read them.
    """
    return (
        OutcomeRecord.objects.filter(school=school)
        .select_related("term", "student__user")
        .order_by("term__start_date", "term_id", "student__user__family_name", "pk")
    )


def outcome_record_get(user: User | AnonymousUser, pk: int) -> OutcomeRecord:
    """One outcome record: 404 if its school is hidden from ``user``, 403 if they only work there."""
    record = OutcomeRecord.objects.select_related("term", "student__user").filter(pk=pk).first()
    if record is None:
        raise Http404
    school_for_insights(user, record.school_id)
    return record
