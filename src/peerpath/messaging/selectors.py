"""
Reads of threads and messages, always on behalf of a user.

A thread the user cannot see answers 404 (as its match does); a held message
a coordinator can see the pair of, but may not moderate, answers 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from peerpath.core.access import scope_for
from peerpath.core.models import Role, User
from peerpath.matching.models import Match
from peerpath.matching.selectors import match_get_for_user, matches_for_user
from peerpath.meetings.models import Group
from peerpath.meetings.selectors import group_get_for_user, groups_for_user
from peerpath.messaging.models import Message, ModerationTerm, Thread
from peerpath.messaging.rules import (
    group_send_refusal,
    member_participant,
    partner_of,
    send_refusal,
)
from peerpath.messaging.services import can_edit_terms
from peerpath.programs.models import Participant, Program
from peerpath.programs.selectors import program_can_manage, program_get_visible


@dataclass(frozen=True)
class ThreadAccess:
    """A match's thread as one user sees it."""

    match: Match
    relation: str  # "mentor", "mentee" or "coordinator"
    partner: Participant | None
    refusal: str  # why the user may not write now; empty if they may

    @property
    def is_member(self) -> bool:
        return self.relation in {"mentor", "mentee"}

    @property
    def can_send(self) -> bool:
        return self.is_member and not self.refusal


def thread_access(user: User, match_pk: int) -> ThreadAccess:
    """The thread of match ``match_pk`` for ``user``; 404 unless they are in it or run it."""
    match, relation = match_get_for_user(user, match_pk)
    me = member_participant(match, user)
    partner = partner_of(match, me) if me is not None else None
    return ThreadAccess(
        match=match,
        relation=relation if me is not None else "coordinator",
        partner=partner,
        refusal=send_refusal(match, user),
    )


def thread_messages(access: ThreadAccess, user: User) -> QuerySet[Message]:
    """
    The messages ``user`` may read in the thread.

    Members see delivered messages and their own (held or not delivered, with
    that state); coordinators see delivered messages only.
    """
    visible = Q(status=Message.Status.DELIVERED)
    if access.is_member:
        visible |= Q(author=user)
    return (
        Message.objects.filter(thread__match=access.match)
        .filter(visible)
        .select_related("author")
        .order_by("created_at", "pk")
    )


@dataclass(frozen=True)
class BoardAccess:
    """A group's message board as one user sees it."""

    group: Group
    relation: str  # "leader", "member" or "coordinator"
    refusal: str  # why the user may not write now; empty if they may

    @property
    def is_member(self) -> bool:
        return self.relation in {"leader", "member"}

    @property
    def can_send(self) -> bool:
        return self.is_member and not self.refusal


def board_access(user: User, group_pk: int) -> BoardAccess:
    """
    The board of group ``group_pk`` for ``user``: its members and the program's
    coordinators; 403 for the school's other staff, 404 for everyone else.
    """
    group, relation = group_get_for_user(user, group_pk)
    return BoardAccess(group=group, relation=relation, refusal=group_send_refusal(group, user))


def board_messages(access: BoardAccess, user: User) -> QuerySet[Message]:
    """The messages ``user`` may read on the board (as :func:`thread_messages`)."""
    visible = Q(status=Message.Status.DELIVERED)
    if access.is_member:
        visible |= Q(author=user)
    return (
        Message.objects.filter(thread__group=access.group)
        .filter(visible)
        .select_related("author")
        .order_by("created_at", "pk")
    )


@dataclass(frozen=True)
class InboxRow:
    match: Match
    partner: Participant
    last: Message | None


def inbox(user: User) -> list[InboxRow]:
    """The user's matches, each with the latest message they can see, newest first."""
    rows: list[InboxRow] = []
    for match in matches_for_user(user):
        me = member_participant(match, user)
        if me is None:
            continue
        last = (
            Message.objects.filter(thread__match=match)
            .filter(Q(status=Message.Status.DELIVERED) | Q(author=user))
            .order_by("-created_at", "-pk")
            .first()
        )
        rows.append(InboxRow(match=match, partner=partner_of(match, me), last=last))
    rows.sort(key=lambda r: (r.last is None, -(r.last.created_at.timestamp() if r.last else 0)))
    return rows


@dataclass(frozen=True)
class BoardRow:
    group: Group
    last: Message | None


def board_inbox(user: User) -> list[BoardRow]:
    """The message boards of the user's active groups, each with the latest message they see."""
    rows = []
    for group in groups_for_user(user):
        last = (
            Message.objects.filter(thread__group=group)
            .filter(Q(status=Message.Status.DELIVERED) | Q(author=user))
            .order_by("-created_at", "-pk")
            .first()
        )
        rows.append(BoardRow(group=group, last=last))
    rows.sort(key=lambda r: (r.last is None, -(r.last.created_at.timestamp() if r.last else 0)))
    return rows


def moderated_school_ids(user: User) -> frozenset[int]:
    """Schools whose held messages ``user`` moderates (as a safeguarding lead)."""
    return scope_for(user).schools_with(Role.SAFEGUARDING_LEAD)


def _in_schools(school_ids: frozenset[int]) -> QuerySet[Message]:
    return Message.objects.filter(thread__program__school_id__in=school_ids).select_related(
        "author",
        "thread__program__school",
        "thread__match__mentor__student__user",
        "thread__match__mentee__student__user",
        "thread__group",
    )


def held_messages(user: User) -> QuerySet[Message]:
    """Held messages of the schools where ``user`` is a safeguarding lead, oldest first."""
    schools = moderated_school_ids(user)
    if not schools:
        raise PermissionDenied("Only safeguarding leads moderate messages.")
    return _in_schools(schools).filter(status=Message.Status.HELD).order_by("created_at", "pk")


def recently_moderated(user: User, limit: int = 20) -> list[Message]:
    """The latest released or rejected messages of the user's schools."""
    return list(
        _in_schools(moderated_school_ids(user))
        .filter(moderated_at__isnull=False)
        .select_related("moderated_by")
        .order_by("-moderated_at", "-pk")[:limit]
    )


def context_before(message: Message, count: int = 4) -> list[Message]:
    """The delivered messages just before ``message`` in its thread, oldest first."""
    earlier = (
        Message.objects.filter(
            thread_id=message.thread_id,
            status=Message.Status.DELIVERED,
            created_at__lte=message.created_at,
        )
        .exclude(pk=message.pk)
        .select_related("author")
        .order_by("-created_at", "-pk")[:count]
    )
    return list(reversed(earlier))


def message_for_moderation(user: User, pk: int) -> Message:
    """
    A message a safeguarding lead of its school may moderate.

    A coordinator of the program who is not a lead gets 403; anyone else 404.
    """
    message = Message.objects.select_related("thread__program__school").filter(pk=pk).first()
    if message is None:
        raise Http404
    program = message.thread.program
    if program.school_id in moderated_school_ids(user):
        return message
    if program_can_manage(user, program):
        raise PermissionDenied("Only the school's safeguarding leads can moderate messages.")
    raise Http404


def terms_program(user: User, program_pk: int) -> Program:
    """The program whose word list ``user`` edits; 404 if unseen, 403 if they may not edit it."""
    program = program_get_visible(user, program_pk)
    if not can_edit_terms(user, program):
        raise PermissionDenied("Only coordinators and safeguarding leads can edit this list.")
    return program


def terms_of(program: Program) -> QuerySet[ModerationTerm]:
    return ModerationTerm.objects.filter(program=program).select_related("added_by")


def thread_of(match: Match) -> Thread | None:
    return Thread.objects.filter(match=match).first()


@dataclass(frozen=True)
class Segment:
    """A piece of a message's text; ``kind`` is set where the detector found something."""

    text: str
    kind: str = ""


def body_segments(message: Message) -> list[Segment]:
    """Split the body so that a template can mark what the detector found."""
    body = message.body
    spans = sorted(
        (int(f["start"]), int(f["end"]), str(f["kind"]))
        for f in message.findings
        if 0 <= int(f["start"]) < int(f["end"]) <= len(body)
    )
    segments: list[Segment] = []
    position = 0
    for start, end, kind in spans:
        if start < position:
            continue
        if start > position:
            segments.append(Segment(body[position:start]))
        segments.append(Segment(body[start:end], kind))
        position = end
    if position < len(body):
        segments.append(Segment(body[position:]))
    return segments
