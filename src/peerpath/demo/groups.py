"""
The demo's study-group program: who takes part, and its groups, board and closed circle.

:func:`build_group_plan` is pure data, like :func:`peerpath.demo.plan.build_plan`:
ninth graders (members) and a few juniors and seniors (peer leaders) who
have all reached ``ready``, replayed through the recruitment services by an
:class:`peerpath.demo.enrol.Enroller`. It draws from its own random
generator, so adding the program leaves the rest of the demo as it was.

:func:`demo_groups` then does what a coordinator does on the program's
pages: a pilot circle from last term is formed by hand and closed with a
reason (its board is read-only and its retention period runs from the
closing date), the group settings are saved, one formation round is run
through the "Form groups" button's service and published, and the members
of one new circle post on its board.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from django.db import transaction
from django.utils import timezone

from peerpath.core.models import User
from peerpath.demo.catalogue import STUDY_GROUPS
from peerpath.demo.plan import EnrolmentSpec, _enrolment, _pick
from peerpath.demo.roster import StudentSpec
from peerpath.matching.groups import group_round_start, group_settings_update
from peerpath.matching.models import GroupLeaderRule, GroupRound
from peerpath.meetings.models import Group
from peerpath.meetings.services import group_close, group_create, group_round_publish
from peerpath.messaging.services import message_send
from peerpath.programs.models import Participant, ParticipantStatus, Program

GROUPS_SEED_OFFSET = 9_001
"""Added to the demo's seed for the study-group program's own generator."""

MEMBERS = 24
LEADERS = 6
PILOT_NAME = "Pilot circle (spring)"
PILOT_CLOSE_REASON = (
    "The pilot ran for the spring term; its members were invited to this year's circles."
)
PILOT_BOARD = (
    "Thanks for coming to the pilot circle, everyone. Same table in the library next week!",
    "Can we go over the fractions worksheet first next time?",
)
BOARD = (
    "Welcome to our study circle! We meet at our shared time in the library. "
    "Bring the homework you want to go over.",
    "Hi all, I'd like to start with the algebra review sheet if that's OK.",
    "Sounds good. I can bring my biology notes for the quiz on Friday too.",
    "See you there. I'll save the big table by the window.",
)


def group_rng(seed: int) -> random.Random:
    """The study-group program's own generator for ``seed``."""
    return random.Random(seed + GROUPS_SEED_OFFSET)


def _common_slot(students: Sequence[StudentSpec]) -> str:
    """The free slot most of ``students`` share (the earliest slot breaks ties)."""
    counts = Counter(slot for s in students for slot in s.availability)
    return min(counts, key=lambda slot: (-counts[slot], slot))


def build_group_plan(rng: random.Random, students: Sequence[StudentSpec]) -> list[EnrolmentSpec]:
    """
    The study circles' participants, peer leaders first; all of them end ``ready``.

    Everyone chosen is free at the ninth graders' most common slot, so the
    formation round always finds a grouping with a shared free time (the
    engine still picks who goes with whom). Featured students are left out so
    the demo logins keep their places.
    """
    spec = STUDY_GROUPS
    ninth = [s for s in students if not s.featured and s.grade in range(9, 10)]
    slot = _common_slot(ninth)
    members = _pick(rng, [s for s in ninth if slot in s.availability], MEMBERS)
    low, high = spec.mentor_grades
    upper = [s for s in students if not s.featured and low <= s.grade <= high]
    leaders = _pick(rng, [s for s in upper if slot in s.availability], LEADERS)
    plan = [_enrolment(rng, spec, s, "mentor", "ready", ()) for s in leaders]
    plan += [_enrolment(rng, spec, s, "mentee", "ready", ()) for s in members]
    # Referred students who never answered stay "applied"; every circle member applied.
    return [_answered(e) for e in plan]


def _answered(enrolment: EnrolmentSpec) -> EnrolmentSpec:
    return replace(enrolment, referral_note="", submitted=True)


def _last_term_end(term_start: dt.date) -> dt.datetime:
    """Three in the afternoon of the last school day before the summer (or winter) break."""
    day = term_start - dt.timedelta(days=80)
    while day.weekday() != 4:  # a Friday
        day -= dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(15, 0)))


def _pilot_formed(closed: dt.datetime) -> dt.datetime:
    """Nine in the morning of the Monday twelve weeks before the pilot closed (a Friday)."""
    day = closed.date() - dt.timedelta(weeks=12, days=4)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))


def _ready(program: Program) -> list[Participant]:
    return list(
        Participant.objects.filter(program=program, status=ParticipantStatus.READY)
        .select_related("student__user")
        .order_by("pk")
    )


def demo_groups(*, program: Program, coordinator: User) -> GroupRound:
    """
    Close a pilot circle, form and publish this term's circles, and post on one board.

    Runs outside a transaction: the formation round is solved outside one,
    as it is when the coordinator presses "Form groups". Returns the round.
    """
    with transaction.atomic():
        ready = _ready(program)
        leaders = [p for p in ready if p.role == "mentor"]
        members = [p for p in ready if p.role == "mentee"]
        # The pilot ran last term: formed, written on and closed on its own dates.
        closed = _last_term_end(program.term_start)
        formed = _pilot_formed(closed)
        pilot = group_create(
            actor=coordinator,
            program=program,
            name=PILOT_NAME,
            leaders=leaders[:1],
            members=members[:3],
            now=formed,
        )
        for week, (participant, body) in enumerate(
            zip((leaders[0], members[0]), PILOT_BOARD, strict=True), start=1
        ):
            message_send(
                actor=participant.student.user,
                body=body,
                group=pilot,
                now=formed + dt.timedelta(weeks=week, hours=6),
            )
        # Its members were never placed by a round (still "ready"), so they stay
        # ready and are grouped again below.
        group_close(actor=coordinator, group=pilot, reason=PILOT_CLOSE_REASON, now=closed)
        group_settings_update(
            actor=coordinator,
            program=program,
            min_size=4,
            max_size=6,
            leaders=GroupLeaderRule.AT_LEAST_ONE,
            min_shared_slots=1,
            criteria=[
                {"key": key, "prefer": prefer, "weight": weight}
                for key, prefer, weight in (
                    ("grade", "similar", 1.0),
                    ("home_language", "diverse", 1.0),
                )
            ],
            no_isolated=[],
        )
    group_round = group_round_start(actor=coordinator, program=program)
    if group_round.status != GroupRound.Status.PROPOSED:
        raise RuntimeError(
            f"The demo's formation round did not propose groups: {group_round.error}"
        )
    with transaction.atomic():
        groups = group_round_publish(actor=coordinator, group_round=group_round)
        board = min(groups, key=lambda g: g.pk)
        people = list(
            board.members.select_related("participant__student__user").order_by(
                "role", "pk"
            )  # the leader first
        )
        for index, body in enumerate(BOARD):
            author = people[index % len(people)].participant.student.user
            message_send(actor=author, body=body, group=board)
    return group_round


def demo_group_counts(program: Program) -> dict[str, int]:
    """How many of the program's groups are active and closed."""
    counts = Counter(Group.objects.filter(program=program).values_list("status", flat=True))
    return {str(status): n for status, n in sorted(counts.items())}
