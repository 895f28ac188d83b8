"""Reads for matching pages, scoped to the user."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import F, Q, QuerySet
from django.http import Http404

from peerpath.core.models import User
from peerpath.matching.models import GroupRound, Match, MatchRound, MentorRequest, Proposal
from peerpath.people.availability import SLOT_CODES, slot_label
from peerpath.programs.models import Participant
from peerpath.programs.selectors import program_get_managed, program_list_managed


def round_get_managed(user: User | AnonymousUser, pk: int) -> MatchRound:
    """A round of a program the user runs (404 otherwise, 403 for a viewer without the role)."""
    match_round = MatchRound.objects.select_related("program__school").filter(pk=pk).first()
    if match_round is None:
        raise Http404
    program_get_managed(user, match_round.program_id)
    return match_round


def group_round_get_managed(user: User | AnonymousUser, pk: int) -> GroupRound:
    """A formation round of a program the user runs (404 otherwise, 403 for a viewer)."""
    group_round = GroupRound.objects.select_related("program__school").filter(pk=pk).first()
    if group_round is None:
        raise Http404
    program_get_managed(user, group_round.program_id)
    return group_round


def round_proposals(match_round: MatchRound) -> QuerySet[Proposal]:
    return match_round.proposals.select_related(
        "mentee__student__user", "mentor__student__user"
    ).order_by(F("score").desc(nulls_last=True), "pk")


def match_get_for_user(user: User | AnonymousUser, pk: int) -> tuple[Match, str]:
    """
    A match and how the user relates to it: ``mentor``, ``mentee`` or ``coordinator``.

    Anyone else (another pair, another school) gets 404.
    """
    if not user.is_authenticated:
        raise Http404
    match = (
        Match.objects.select_related(
            "program__school",
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
    if match.mentor.student.user_id == user.pk:
        return match, "mentor"
    if match.mentee.student.user_id == user.pk:
        return match, "mentee"
    if program_list_managed(user).filter(pk=match.program_id).exists():
        return match, "coordinator"
    raise Http404


def matches_for_program(program_id: int) -> QuerySet[Match]:
    return (
        Match.objects.filter(program_id=program_id)
        .select_related("mentor__student__user", "mentee__student__user")
        .order_by("status", "-started_at")
    )


def matches_for_user(user: User) -> QuerySet[Match]:
    return (
        Match.objects.filter(Q(mentor__student__user=user) | Q(mentee__student__user=user))
        .select_related("program", "mentor__student__user", "mentee__student__user")
        .order_by("status", "-started_at")
    )


def shared_slots(a: Participant, b: Participant) -> list[str]:
    """Weekly slots both partners are free, as readable labels, in week order."""

    def slots(p: Participant) -> set[str]:
        application = getattr(p, "application", None)
        return set((application.availability if application else None) or p.student.availability)

    both = slots(a) & slots(b)
    return [slot_label(code) for code in SLOT_CODES if code in both]


def requests_for_mentor(user: User) -> QuerySet[MentorRequest]:
    return MentorRequest.objects.filter(
        mentor__student__user=user, status=MentorRequest.Status.PENDING
    ).select_related("mentee__student__user", "program")


def requests_by_mentee(user: User) -> QuerySet[MentorRequest]:
    return MentorRequest.objects.filter(mentee__student__user=user).select_related(
        "mentor__student__user", "program"
    )
