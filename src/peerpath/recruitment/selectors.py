"""Reads for recruitment pages, scoped to the user."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from peerpath.core.models import User
from peerpath.programs.lifecycle import readiness_missing
from peerpath.programs.models import Participant, ParticipantStatus, Program
from peerpath.programs.selectors import program_list_visible
from peerpath.recruitment.models import GuardianConsent, ScreeningItem, ScreeningRecord
from peerpath.recruitment.readiness import needs_guardian_consent, valid_consent


def program_get_joinable(user: User | AnonymousUser, pk: int) -> Program:
    """
    A program the user may read the recruitment page of.

    Students of the program's school see it while it recruits; anyone who can
    already see the program (staff, participants) sees it too. Others get 404.
    """
    if not user.is_authenticated:
        raise Http404
    program = Program.objects.select_related("school").filter(pk=pk).first()
    if program is None:
        raise Http404
    profile = getattr(user, "student_profile", None)
    if (
        profile is not None
        and profile.school_id == program.school_id
        and program.status == Program.Status.RECRUITING
    ):
        return program
    if program_list_visible(user).filter(pk=pk).exists():
        return program
    raise Http404


def own_participation(user: User | AnonymousUser, program: Program) -> Participant | None:
    if not user.is_authenticated:
        return None
    return (
        Participant.objects.filter(program=program, student__user=user)
        .select_related("application")
        .first()
    )


def applications_for_review(program: Program) -> QuerySet[Participant]:
    """Submitted applications waiting for a decision, oldest first."""
    return (
        Participant.objects.filter(
            program=program,
            status=ParticipantStatus.APPLIED,
            application__submitted_at__isnull=False,
        )
        .select_related("student__user", "application", "application__referred_by")
        .prefetch_related("subjects")
        .order_by("application__submitted_at", "pk")
    )


def invitations_open(program: Program) -> QuerySet[Participant]:
    """Referred students who have not yet completed their application."""
    return (
        Participant.objects.filter(
            program=program,
            status=ParticipantStatus.APPLIED,
            application__submitted_at__isnull=True,
        )
        .select_related("student__user", "application__referred_by")
        .order_by("created_at")
    )


def waitlist(program: Program) -> QuerySet[Participant]:
    return (
        Participant.objects.filter(program=program, status=ParticipantStatus.WAITLISTED)
        .select_related("student__user", "application")
        .order_by("status_changed_at")
    )


@dataclass
class ScreeningCell:
    item: ScreeningItem
    record: ScreeningRecord | None
    applies: bool

    @property
    def state(self) -> str:
        if not self.applies:
            return "n/a"
        if self.record is None:
            return "missing"
        if self.record.is_expired():
            return "expired"
        return "done"


@dataclass
class ReadinessReport:
    participant: Participant
    cells: list[ScreeningCell]
    needs_consent: bool
    consent: GuardianConsent | None
    latest_consent: GuardianConsent | None
    missing: list[str]


SCREENED_STATUSES = [
    ParticipantStatus.SCREENING,
    ParticipantStatus.READY,
    ParticipantStatus.MATCHED,
    ParticipantStatus.PAUSED,
]


def readiness_report(participant: Participant) -> ReadinessReport:
    items = list(participant.program.screening_items.all())
    records = {r.item_id: r for r in participant.screening_records.all()}
    cells = [
        ScreeningCell(item=i, record=records.get(i.pk), applies=i.applies_to_role(participant.role))
        for i in items
    ]
    return ReadinessReport(
        participant=participant,
        cells=cells,
        needs_consent=needs_guardian_consent(participant),
        consent=valid_consent(participant),
        latest_consent=participant.consents.order_by("-created_at").first(),
        missing=readiness_missing(participant),
    )


def screening_board(program: Program) -> tuple[list[ScreeningItem], list[ReadinessReport]]:
    """Every participant being screened or past it, with their checklist and what is missing."""
    participants = (
        Participant.objects.filter(program=program, status__in=SCREENED_STATUSES)
        .select_related("student__user", "program")
        .prefetch_related(
            Prefetch("screening_records", queryset=ScreeningRecord.objects.all()),
        )
        .order_by("student__user__family_name", "student__user__given_name")
    )
    items = list(program.screening_items.all())
    return items, [readiness_report(p) for p in participants]
