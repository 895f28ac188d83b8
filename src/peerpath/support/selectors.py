"""Reads for support pages, scoped to the user."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from peerpath.core.models import Role, RoleAssignment, School, User
from peerpath.matching.models import Match
from peerpath.meetings.models import Session
from peerpath.meetings.selectors import match_get_for_meetings, session_get_for_user
from peerpath.programs.models import Participant, Program
from peerpath.programs.selectors import program_list_managed
from peerpath.support.health import AT_RISK, HEALTHY, WATCH, Health, match_health
from peerpath.support.models import CheckInResponse, Concern, SessionFeedback


@dataclass
class AttentionRow:
    match: Match
    health: Health


def attention_queue(program: Program) -> tuple[list[AttentionRow], dict[str, int]]:
    """
    The needs-attention rows and the count of active matches per level, in one pass.

    Rows: at risk first, then on watch; newest matches first within a level.
    A constant number of queries, however many matches the program has.
    """
    matches = list(
        Match.objects.filter(program=program, status=Match.Status.ACTIVE)
        .select_related("mentor__student__user", "mentee__student__user", "program")
        .order_by("-started_at", "-pk")
    )
    health = match_health(matches)
    counts = {HEALTHY: 0, WATCH: 0, AT_RISK: 0}
    for found in health.values():
        counts[found.level] += 1
    rows = [
        AttentionRow(m, health[m.pk]) for m in matches if health[m.pk].level in {AT_RISK, WATCH}
    ]
    rows.sort(key=lambda r: 0 if r.health.level == AT_RISK else 1)
    return rows, counts


def needs_attention(program: Program) -> list[AttentionRow]:
    return attention_queue(program)[0]


def health_counts(program: Program) -> dict[str, int]:
    return attention_queue(program)[1]


# --- Session feedback -------------------------------------------------------------------

#: Who may give feedback on a session: the people who take part in it.
FEEDBACK_GIVERS = frozenset({"mentor", "mentee", "leader", "member"})


def feedback_session_get(user: User | AnonymousUser, pk: int) -> tuple[Session, str]:
    """
    A session and the user's relation to it, for its feedback page.

    Its people and the program's coordinators get it; staff of the school a
    403; anyone else a 404 (the meetings app's rules for a session).
    """
    return session_get_for_user(user, pk)


def own_feedback(session: Session, user: User) -> SessionFeedback | None:
    return SessionFeedback.objects.filter(session=session, participant__student__user=user).first()


def session_feedback_all(session: Session) -> list[SessionFeedback]:
    """Everyone's feedback on the session: for the program's coordinators only."""
    return list(
        SessionFeedback.objects.filter(session=session)
        .select_related("participant__student__user")
        .order_by("participant__role", "pk")
    )


def match_feedback_get(user: User | AnonymousUser, pk: int) -> Match:
    """A match whose session feedback the user may read: the program's coordinators only."""
    match, relation = match_get_for_meetings(user, pk)
    if relation != "coordinator":
        raise PermissionDenied
    return match


def match_feedback_all(match: Match) -> list[SessionFeedback]:
    """All feedback on the pair's sessions, newest session first (1 query)."""
    return list(
        SessionFeedback.objects.filter(session__match=match)
        .select_related("session", "participant__student__user")
        .order_by("-session__starts_at", "participant__role", "pk")
    )


def schools_of(user: User) -> list[School]:
    """Schools a person belongs to: as a student, a guardian's child's school, or staff."""
    ids: set[int] = set()
    profile = getattr(user, "student_profile", None)
    if profile is not None:
        ids.add(profile.school_id)
    ids |= set(
        School.objects.filter(students__guardian_links__guardian=user).values_list("pk", flat=True)
    )
    ids |= set(
        RoleAssignment.objects.filter(user=user, school__isnull=False).values_list(
            "school_id", flat=True
        )
    )
    return list(School.objects.filter(pk__in=ids).order_by("name"))


def concerns_visible(user: User | AnonymousUser) -> QuerySet[Concern]:
    """Concerns the user raised, and those of schools where they are a safeguarding lead."""
    if not user.is_authenticated:
        return Concern.objects.none()
    lead_schools = RoleAssignment.objects.filter(
        user=user, role=Role.SAFEGUARDING_LEAD
    ).values_list("school_id", flat=True)
    return Concern.objects.filter(Q(raised_by=user) | Q(school_id__in=lead_schools)).select_related(
        "school", "raised_by"
    )


def concern_get(user: User | AnonymousUser, pk: int) -> Concern:
    concern = concerns_visible(user).filter(pk=pk).first()
    if concern is None:
        raise Http404
    return concern


def own_matches(user: User) -> QuerySet[Match]:
    return Match.objects.filter(
        Q(mentor__student__user=user) | Q(mentee__student__user=user), status=Match.Status.ACTIVE
    ).select_related("program", "mentor__student__user", "mentee__student__user")


def own_participations(user: User) -> QuerySet[Participant]:
    return Participant.objects.filter(
        student__user=user, status__in=["ready", "matched", "screening"]
    ).select_related("program", "student")


def checkin_responses_visible(user: User | AnonymousUser) -> QuerySet[CheckInResponse]:
    """
    Check-in and survey responses ``user`` may read: their own, and all of the programs they run.

    A response belongs to one participant: their match partner never sees it,
    nor do staff who only see the program, nor guardians.
    """
    if not user.is_authenticated:
        return CheckInResponse.objects.none()
    return CheckInResponse.objects.filter(
        Q(participant__student__user=user) | Q(participant__program__in=program_list_managed(user))
    ).select_related("participant__program", "participant__student__user")


def checkin_response_get(user: User | AnonymousUser, pk: int) -> CheckInResponse:
    """One response ``user`` may read (see :func:`checkin_responses_visible`); otherwise 404."""
    found = checkin_responses_visible(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found
