"""
Buddy system: pair each newly arrived student with an established one.

A *new arrival* is a mentee of a buddy program whose student has an
``arrived_on`` date and who is ready without an active match. An
*established* buddy is a mentor (or "both") of the program, ready or
matched, with room, who did not arrive in the last
:data:`ARRIVAL_WINDOW_DAYS` days. Pairs come from the pair engine
(:func:`peerpath.engine.solve`, optimal mode) with two hard criteria — the
same grade and at least one shared free slot — and shared interests and
languages as soft ones. A periodic step of ``peerpath worker`` flags
arrivals still without a buddy after the first week and tells the
program's coordinators.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from peerpath.core.audit import audit_record
from peerpath.core.emails import email_users_on_commit
from peerpath.core.models import User
from peerpath.engine import Criterion, Mentee, Mentor, Problem, solve
from peerpath.matching.builder import MENTOR_ROLES
from peerpath.matching.builder import _attributes as pair_attributes
from peerpath.matching.models import ArrivalOverdue, Match
from peerpath.matching.services import _pair, _require_manager, mentor_load
from peerpath.programs.models import Participant, ParticipantStatus, Program, ProgramType
from peerpath.programs.selectors import program_coordinators
from peerpath.recruitment.readiness import has_consent

#: The status history's reason for a buddy pairing: in English whoever paired
#: them (see :data:`peerpath.matching.services.STATUS_ROUND_PUBLISHED`).
STATUS_BUDDY_PAIRED = gettext_noop("Buddy for a new arrival")

ARRIVAL_WINDOW_DAYS = 7
"""A new arrival should have a buddy within this many days of arriving."""

BUDDY_CRITERIA = (
    Criterion("same_grade", "gap", "grade", "grade", 1.0, True, {"min": 0, "max": 0, "falloff": 1}),
    Criterion("free_time", "overlap", "free", "free", 2.0, True, {"min": 1, "target": 3}),
    Criterion("interests", "jaccard", "interests", "interests", 1.0, False, {"min": 1}),
    Criterion("languages", "category", "languages", "languages", 1.0, False, {"prefer": "similar"}),
)


def arrivals_waiting(program: Program) -> QuerySet[Participant]:
    """New arrivals of the program who have no buddy yet, longest waiting first."""
    active = Match.objects.filter(program=program, status=Match.Status.ACTIVE)
    return (
        Participant.objects.filter(
            program=program,
            role="mentee",
            status=ParticipantStatus.READY,
            student__arrived_on__isnull=False,
        )
        .exclude(pk__in=active.values("mentee_id"))
        .select_related("student__user", "application", "program")
        .prefetch_related("subjects")
        .order_by("student__arrived_on", "pk")
    )


def is_overdue(participant: Participant, today: dt.date) -> bool:
    arrived = participant.student.arrived_on
    return arrived is not None and (today - arrived).days > ARRIVAL_WINDOW_DAYS


def _established(program: Program, today: dt.date) -> list[Participant]:
    recent = today - dt.timedelta(days=ARRIVAL_WINDOW_DAYS)
    return [
        p
        for p in Participant.objects.filter(
            program=program,
            role__in=MENTOR_ROLES,
            status__in=[ParticipantStatus.READY, ParticipantStatus.MATCHED],
        )
        .filter(Q(student__arrived_on__isnull=True) | Q(student__arrived_on__lt=recent))
        .select_related("student__user", "application", "program")
        .prefetch_related("subjects")
        .order_by("pk")
        if mentor_load(p) < p.capacity and has_consent(p)
    ]


@dataclass
class BuddyPairing:
    matches: list[Match] = field(default_factory=list)
    waiting: list[tuple[Participant, str]] = field(default_factory=list)


@transaction.atomic
def buddy_pair_new_arrivals(
    *, actor: User, program: Program, today: dt.date | None = None
) -> BuddyPairing:
    """
    Pair every waiting new arrival with an established student of the same
    grade who shares free time, in one transaction; everyone paired (and
    their guardians) is told by e-mail after commit.

    Returns the new matches and the arrivals still waiting, with the reason.
    """
    _require_manager(actor, program)
    if program.program_type != ProgramType.BUDDY:
        raise ValidationError(_("Only buddy programs pair new arrivals."))
    today = today or timezone.localdate()
    Program.objects.select_for_update().get(pk=program.pk)  # one pairing run at a time
    newcomers = {str(p.pk): p for p in arrivals_waiting(program)}
    result = BuddyPairing()
    if not newcomers:
        return result
    buddies = {str(p.pk): p for p in _established(program, today)}
    before = set(
        Match.objects.filter(
            program=program, mentee_id__in=[int(k) for k in newcomers]
        ).values_list("mentee_id", "mentor_id")
    )
    forbidden = {
        (e, m)
        for e, ep in newcomers.items()
        for m, mp in buddies.items()
        if ep.student_id == mp.student_id or (ep.pk, mp.pk) in before
    }
    problem = Problem(
        mentors=tuple(
            Mentor(
                pid,
                capacity=p.capacity,
                load=mentor_load(p),
                attributes=pair_attributes(p, {}),
            )
            for pid, p in buddies.items()
        ),
        mentees=tuple(
            Mentee(pid, attributes=pair_attributes(p, {})) for pid, p in newcomers.items()
        ),
        criteria=BUDDY_CRITERIA,
        forbidden=tuple(sorted(forbidden)),
    )
    solved = solve(problem, mode="optimal")
    for a in solved.assignments:
        mentor = Participant.objects.select_for_update(of=("self",)).get(pk=int(a.mentor))
        mentee = Participant.objects.select_for_update(of=("self",)).get(pk=int(a.mentee))
        result.matches.append(
            _pair(
                program=program,
                mentor=mentor,
                mentee=mentee,
                reason=STATUS_BUDDY_PAIRED,
                full_message=_("This buddy has no room for another new arrival."),
            )
        )
    no_buddy = _("No established student of the same grade with free time in common has room.")
    for u in solved.unmatched:
        result.waiting.append((newcomers[u.mentee], no_buddy))
    audit_record(
        actor=actor,
        action="matching.buddies.pair",
        target=program,
        organization=program.school.organization,
        after={
            "pairs": [[m.mentee_id, m.mentor_id] for m in result.matches],
            "waiting": [p.pk for p, _reason in result.waiting],
        },
    )
    return result


def buddy_overdue_flag() -> int:
    """
    Flag arrivals without a buddy more than a week after arriving (a worker step).

    Each is flagged once; the program's coordinators get one e-mail per
    program listing who is waiting, in the language each reads. Returns how
    many were flagged.
    """
    today = timezone.localdate()
    cutoff = today - dt.timedelta(days=ARRIVAL_WINDOW_DAYS)
    flagged = 0
    programs = Program.objects.filter(
        program_type=ProgramType.BUDDY,
        status__in=[Program.Status.RECRUITING, Program.Status.RUNNING],
    ).select_related("school")
    for program in programs:
        with transaction.atomic():
            late = [
                p
                for p in arrivals_waiting(program).filter(student__arrived_on__lt=cutoff)
                if not ArrivalOverdue.objects.filter(participant=p).exists()
            ]
            new_flags = []
            for p in late:
                _flag, created = ArrivalOverdue.objects.get_or_create(participant=p)
                if created:
                    new_flags.append(p)
            if not new_flags:
                continue
            flagged += len(new_flags)
            email_users_on_commit(
                program_coordinators(program),
                template="buddy_overdue",
                context={
                    "program": program.name,
                    "names": [p.student.user.display_name for p in new_flags],
                    "days": ARRIVAL_WINDOW_DAYS,
                    "url": f"{django_settings.PEERPATH_SITE_URL}"
                    f"{reverse('matching:program', args=[program.pk])}",
                },
            )
    return flagged


@transaction.atomic
def arrival_record(*, actor: User, participant: Participant, arrived_on: dt.date) -> Participant:
    """A coordinator records when a buddy program's mentee arrived at the school."""
    _require_manager(actor, participant.program)
    if participant.program.program_type != ProgramType.BUDDY:
        raise ValidationError(_("Arrival dates are recorded in buddy programs."))
    if arrived_on > timezone.localdate():
        raise ValidationError({"arrived_on": _("The arrival date cannot be in the future.")})
    profile = participant.student
    before = profile.arrived_on
    profile.arrived_on = arrived_on
    profile.save(update_fields=["arrived_on", "updated_at"])
    audit_record(
        actor=actor,
        action="matching.buddies.arrival",
        target=participant,
        organization=participant.program.school.organization,
        before={"arrived_on": before.isoformat() if before else None},
        after={"arrived_on": arrived_on.isoformat()},
    )
    return participant
