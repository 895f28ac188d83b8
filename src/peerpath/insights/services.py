"""
Writes of the insights app: exports recorded as disclosures, and thank-yous.

Every export is checked first (only the program's coordinators), then built,
then recorded — a :class:`~peerpath.insights.models.Disclosure` and an audit
entry in one transaction — and only then handed to the caller. A refused
export records nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from peerpath.core.audit import audit_record
from peerpath.core.models import User
from peerpath.insights.csvsafe import write_csv
from peerpath.insights.models import Disclosure, OutcomeRecord, ThankYou
from peerpath.matching.models import Match
from peerpath.meetings.models import Attendance, Session
from peerpath.programs.models import Participant, ParticipantRole, Program
from peerpath.programs.selectors import program_can_manage

__all__ = [
    "EXPORT_KINDS",
    "ExportFile",
    "export_program_csv",
    "record_disclosure",
    "thank_you_send",
]


@dataclass(frozen=True)
class ExportFile:
    file_name: str
    content: bytes
    content_type: str
    disclosure: Disclosure


def _require_manager(actor: User, program: Program) -> None:
    if not program_can_manage(actor, program):
        raise PermissionDenied(_("Only the program's coordinators can do this."))


def _local(moment: object) -> str:
    if moment is None:
        return ""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")  # type: ignore[arg-type]


def _participants(program: Program) -> tuple[list[str], Iterable[Sequence[object]]]:
    headers = [
        "participant_id", "given_name", "family_name", "email", "student_roster_id",
        "grade", "role", "status", "status_since",
    ]  # fmt: skip
    rows = (
        (p.pk, p.student.user.given_name, p.student.user.family_name, p.student.user.email,
         p.student.sourced_id, p.student.grade_level, p.role, p.status, _local(p.status_changed_at))
        for p in Participant.objects.filter(program=program)
        .select_related("student__user")
        .order_by("student__user__family_name", "student__user__given_name", "pk")
        .iterator(chunk_size=2000)
    )  # fmt: skip
    return headers, rows


def _matches(program: Program) -> tuple[list[str], Iterable[Sequence[object]]]:
    headers = [
        "match_id", "mentor", "mentee", "status", "score", "started", "closed", "close_reason",
    ]  # fmt: skip
    rows = (
        (m.pk, m.mentor.student.user.display_name, m.mentee.student.user.display_name,
         m.status, "" if m.score is None else round(m.score, 3), _local(m.started_at),
         _local(m.closed_at), m.close_reason)
        for m in Match.objects.filter(program=program)
        .select_related("mentor__student__user", "mentee__student__user")
        .order_by("started_at", "pk")
        .iterator(chunk_size=2000)
    )  # fmt: skip
    return headers, rows


def _sessions(program: Program) -> tuple[list[str], Iterable[Sequence[object]]]:
    headers = [
        "session_id", "match_id", "group", "starts", "planned_minutes", "logged_minutes",
        "status", "present", "no_shows",
    ]  # fmt: skip
    qs = (
        Session.objects.filter(program=program)
        .select_related("group", "log")
        .annotate(
            present=Count("attendance", filter=Q(attendance__status=Attendance.Status.PRESENT)),
            no_shows=Count("attendance", filter=Q(attendance__status=Attendance.Status.NO_SHOW)),
        )
        .order_by("starts_at", "pk")
    )

    def logged(session: Session) -> object:
        log = getattr(session, "log", None) if hasattr(session, "log") else None
        return log.duration_minutes if log is not None else ""

    rows = (
        (s.pk, s.match_id or "", s.group.name if s.group else "", _local(s.starts_at),
         s.duration_minutes, logged(s), s.status, s.present, s.no_shows)
        for s in qs.iterator(chunk_size=2000)
    )  # fmt: skip
    return headers, rows


def _outcomes(program: Program) -> tuple[list[str], Iterable[Sequence[object]]]:
    headers = [
        "student_roster_id", "given_name", "family_name", "term", "grade_average", "grade_scale",
        "grade_percent", "attendance_rate", "enrolment_status", "course_grades",
    ]  # fmt: skip
    students = Participant.objects.filter(program=program).values("student_id")
    rows = (
        (r.student.sourced_id, r.student.user.given_name, r.student.user.family_name,
         r.term.title, _num(r.grade_average), _num(r.grade_scale), _num(r.grade_percent),
         _num(r.attendance_rate), r.enrolment_status,
         "; ".join(f"{k}: {v}" for k, v in sorted(r.course_grades.items())))
        for r in OutcomeRecord.objects.filter(
            school_id=program.school_id, student_id__in=students
        )
        .select_related("student__user", "term")
        .order_by("student__user__family_name", "student__user__given_name", "term__start_date")
        .iterator(chunk_size=2000)
    )  # fmt: skip
    return headers, rows


def _num(value: float | None) -> object:
    return "" if value is None else f"{value:g}"


EXPORT_KINDS: dict[str, Callable[[Program], tuple[list[str], Iterable[Sequence[object]]]]] = {
    Disclosure.Kind.PARTICIPANTS: _participants,
    Disclosure.Kind.MATCHES: _matches,
    Disclosure.Kind.SESSIONS: _sessions,
    Disclosure.Kind.OUTCOMES: _outcomes,
}


def record_disclosure(
    *, actor: User, program: Program, kind: str, file_name: str, rows: int
) -> Disclosure:
    """Record that ``actor`` took ``file_name`` (``rows`` records) out of Peerpath."""
    with transaction.atomic():
        disclosure = Disclosure.objects.create(
            actor=actor,
            organization_id=program.school.organization_id,
            school_id=program.school_id,
            program=program,
            kind=kind,
            file_name=file_name,
            rows=rows,
        )
        audit_record(
            actor=actor,
            action="insights.export",
            target=disclosure,
            organization=program.school.organization,
            after={"program": program.pk, "kind": kind, "file": file_name, "rows": rows},
        )
    return disclosure


def export_program_csv(*, actor: User, program: Program, kind: str) -> ExportFile:
    """Build one CSV export of the program and record it as a disclosure."""
    _require_manager(actor, program)
    if kind not in EXPORT_KINDS:
        raise ValidationError(_("Unknown export."))
    headers, rows = EXPORT_KINDS[kind](program)
    content, count = write_csv(headers, rows)
    stamp = timezone.localdate().isoformat()
    file_name = f"{slugify(program.name) or 'program'}-{kind}-{stamp}.csv"
    disclosure = record_disclosure(
        actor=actor, program=program, kind=kind, file_name=file_name, rows=count
    )
    return ExportFile(file_name, content, "text/csv; charset=utf-8", disclosure)


@transaction.atomic
def thank_you_send(*, actor: User, program: Program, mentor: Participant, message: str) -> ThankYou:
    """A coordinator thanks a mentor of the program; the mentor sees it on their page."""
    _require_manager(actor, program)
    if mentor.program_id != program.pk or mentor.role not in (
        ParticipantRole.MENTOR,
        ParticipantRole.BOTH,
    ):
        raise ValidationError({"mentor": _("Choose a mentor of this program.")})
    text = message.strip()
    if not text:
        raise ValidationError({"message": _("Write a few words of thanks.")})
    if len(text) > 1000:
        raise ValidationError({"message": _("Keep it under 1,000 characters.")})
    thanks = ThankYou.objects.create(program=program, mentor=mentor, author=actor, message=text)
    audit_record(
        actor=actor,
        action="insights.thank_you",
        target=thanks,
        organization=program.school.organization,
        after={"mentor": mentor.pk},
    )
    return thanks
