"""Reads for support pages, scoped to the user."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404

from peerpath.core.models import Role, RoleAssignment, School, User
from peerpath.matching.models import Match
from peerpath.programs.models import Participant, Program
from peerpath.programs.selectors import program_list_managed
from peerpath.support.health import AT_RISK, WATCH, Health, match_health
from peerpath.support.models import CheckInResponse, Concern


@dataclass
class AttentionRow:
    match: Match
    health: Health


def needs_attention(program: Program) -> list[AttentionRow]:
    """Active matches at risk first, then on watch; newest matches first within a level."""
    matches = list(
        Match.objects.filter(program=program, status=Match.Status.ACTIVE)
        .select_related("mentor__student__user", "mentee__student__user", "program")
        .order_by("-started_at", "-pk")
    )
    health = match_health(matches)
    rows = [
        AttentionRow(m, health[m.pk]) for m in matches if health[m.pk].level in {AT_RISK, WATCH}
    ]
    rows.sort(key=lambda r: 0 if r.health.level == AT_RISK else 1)
    return rows


def health_counts(program: Program) -> dict[str, int]:
    matches = list(
        Match.objects.filter(program=program, status=Match.Status.ACTIVE).select_related("program")
    )
    counts = {"healthy": 0, "watch": 0, "at_risk": 0}
    for health in match_health(matches).values():
        counts[health.level] += 1
    return counts


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
