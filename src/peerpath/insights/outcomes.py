"""
Import per-student, per-term outcomes from a CSV file.

Columns (header in the first row, any case, any order):

``student``            the student's roster id, or their e-mail address (required)
``grade_average``      the grade average on the school's scale, e.g. ``3.2`` or ``78.5``
``grade_scale``        the top of that scale, e.g. ``4`` or ``100`` (required with a grade)
``attendance_rate``    the percentage of school days attended, 0–100 (``93.5`` or ``93.5%``)
``enrolment_status``   enrolled, graduated, transferred or withdrawn
``course:CODE``        optional course grades, one column per course (free text)

Every problem is reported with the file, row and column; a file with any
error imports nothing. A student already having outcomes for the term is
updated (a re-import never duplicates).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from peerpath.core.audit import audit_record
from peerpath.core.models import School, User
from peerpath.insights.models import EnrolmentStatus, OutcomeImport, OutcomeRecord
from peerpath.people.models import StudentProfile
from peerpath.rosters.csvtable import Column, TableSpec, read_table
from peerpath.rosters.models import Term
from peerpath.rosters.report import ImportReport

__all__ = [
    "MAX_BYTES",
    "OutcomeImportResult",
    "PreviewRow",
    "outcome_import_confirm",
    "outcome_import_discard",
    "outcomes_import",
    "term_for_school",
]

MAX_BYTES = 5 * 1024 * 1024
PREVIEW_ROWS = 50
_FIELDS = ("grade_average", "grade_scale", "grade_percent", "attendance_rate", "enrolment_status")


@dataclass
class PreviewRow:
    row: int
    student: str
    grade: str
    attendance: str
    enrolment: str
    change: str


@dataclass
class OutcomeImportResult:
    report: ImportReport
    preview: list[PreviewRow] = field(default_factory=list)
    record: OutcomeImport | None = None


def term_for_school(school: School, name: str) -> Term | None:
    """The organization's term whose title (any case) or roster id is ``name``."""
    return (
        Term.objects.filter(organization_id=school.organization_id)
        .filter(Q(title__iexact=name.strip()) | Q(sourced_id=name.strip()))
        .order_by("-start_date")
        .first()
    )


def _number(value: str) -> float:
    return float(value.strip().rstrip("%").strip().replace(",", "."))


def _decode(data: bytes | str, report: ImportReport) -> str | None:
    if isinstance(data, str):
        return data
    if len(data) > MAX_BYTES:
        report.issues.error(
            report.source_name, None, None,
            _("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)},
            "too_large",
        )  # fmt: skip
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.issues.error(
            report.source_name, None, None,
            _("The file is not UTF-8 text; save it as “CSV UTF-8” and try again."), "encoding",
        )  # fmt: skip
        return None


def _spec(file: str, text: str) -> TableSpec:
    header = next(csv.reader(io.StringIO(text)), [])
    courses = tuple(
        Column(h.strip(), max_length=20)
        for h in header
        if h.strip().lower().startswith("course:") and len(h.strip()) > 7
    )
    return TableSpec(
        file=file,
        columns=(
            Column("student", required=True, max_length=255),
            Column("grade_average"),
            Column("grade_scale"),
            Column("attendance_rate"),
            Column(
                "enrolment_status",
                kind="enum",
                choices=tuple(EnrolmentStatus.values),
            ),
            *courses,
        ),
    )


def _parse(
    text: str, school: School, report: ImportReport
) -> list[tuple[int, StudentProfile, dict[str, Any]]]:
    """Validate every row; return (row number, student, values) for the good ones."""
    file = report.source_name
    spec = _spec(file, text)
    rows = list(read_table(io.StringIO(text), spec, report.issues))
    keys = {str(r.values["student"]).strip().lower() for r in rows}
    students = StudentProfile.objects.filter(school=school).select_related("user")
    by_id = {s.sourced_id.lower(): s for s in students.filter(sourced_id__in=_cased(rows))}
    by_email = {
        s.user.email.lower(): s
        for s in students.filter(user__email__in=[k for k in keys if "@" in k])
    }
    seen: dict[int, int] = {}
    good = []
    for row in rows:
        key = str(row.values["student"]).strip()
        student = by_id.get(key.lower()) or by_email.get(key.lower())
        errors_before = report.issues.error_count
        if student is None:
            report.issues.error(
                file, row.number, "student",
                _("No student of %(school)s has the roster id or e-mail “%(key)s”.")
                % {"school": school.name, "key": key},
                "unknown_student",
            )  # fmt: skip
            continue
        if student.pk in seen:
            report.issues.error(
                file, row.number, "student",
                _("This student is already on row %(row)d.") % {"row": seen[student.pk]},
                "duplicate_student",
            )  # fmt: skip
            continue
        seen[student.pk] = row.number
        values: dict[str, Any] = {}
        for name in ("grade_average", "grade_scale", "attendance_rate"):
            raw = row.values.get(name) or ""
            if not raw:
                values[name] = None
                continue
            try:
                values[name] = _number(raw)
            except ValueError:
                report.issues.error(
                    file, row.number, name, _("“%(value)s” is not a number.") % {"value": raw},
                    "bad_number",
                )  # fmt: skip
        grade, scale = values.get("grade_average"), values.get("grade_scale")
        attendance = values.get("attendance_rate")
        if grade is not None and scale is None and "grade_scale" not in values:
            pass  # the scale was not a number: already reported
        elif grade is not None and scale is None:
            report.issues.error(
                file, row.number, "grade_scale",
                _("Give the top of the grade scale (for example 4 or 100) with a grade average."),
                "missing_scale",
            )  # fmt: skip
        elif scale is not None and not 0 < scale <= 1000:
            report.issues.error(
                file, row.number, "grade_scale",
                _("The top of the scale must be above 0 and at most 1000."), "bad_scale",
            )  # fmt: skip
        elif grade is not None and scale is not None and not 0 <= grade <= scale:
            report.issues.error(
                file, row.number, "grade_average",
                _("The grade average must be between 0 and the top of the scale (%(scale)s).")
                % {"scale": f"{scale:g}"},
                "grade_out_of_scale",
            )  # fmt: skip
        if attendance is not None and not 0 <= attendance <= 100:
            report.issues.error(
                file, row.number, "attendance_rate",
                _("Attendance is a percentage between 0 and 100."), "attendance_out_of_range",
            )  # fmt: skip
        courses = {
            name.split(":", 1)[1]: value
            for name, value in row.values.items()
            if name.lower().startswith("course:") and value
        }
        status = row.values.get("enrolment_status") or ""
        if grade is None and attendance is None and not status and not courses:
            report.issues.error(
                file, row.number, None,
                _("The row has no outcome: give a grade average, attendance, enrolment or a course grade."),
                "empty_row",
            )  # fmt: skip
        if report.issues.error_count > errors_before:
            continue
        good.append(
            (
                row.number,
                student,
                {
                    "grade_average": grade,
                    "grade_scale": scale if grade is not None else None,
                    "grade_percent": round(grade / scale * 100, 4)
                    if grade is not None and scale
                    else None,
                    "attendance_rate": attendance,
                    "enrolment_status": status,
                    "course_grades": courses,
                },
            )
        )
    if not rows and not report.issues.has_errors:
        report.issues.error(file, None, None, _("The file has no data rows."), "no_rows")
    return good


def _cased(rows: list[Any]) -> list[str]:
    """Roster ids as written and lower-cased (ids are matched without regard to case)."""
    out: set[str] = set()
    for row in rows:
        key = str(row.values["student"]).strip()
        out |= {key, key.lower(), key.upper()}
    return list(out)


def _fmt(value: float | None, suffix: str = "") -> str:
    return "" if value is None else f"{value:g}{suffix}"


def outcomes_import(
    *,
    actor: User | None,
    school: School,
    term: Term,
    data: bytes | str,
    file_name: str,
    dry_run: bool,
    stage: bool = False,
    staged: OutcomeImport | None = None,
) -> OutcomeImportResult:
    """
    Check ``data`` and, unless ``dry_run``, import it in one transaction.

    Nothing is written when the file has any error. With ``dry_run`` and
    ``stage`` the checked file is kept as a previewed :class:`OutcomeImport`
    that :func:`outcome_import_confirm` imports later (the upload page).
    """
    if term.organization_id != school.organization_id:
        raise ValueError("The term belongs to another organization.")
    report = ImportReport(source_name=file_name[:255], dry_run=dry_run)
    text = _decode(data, report)
    good = _parse(text, school, report) if text is not None else []
    result = OutcomeImportResult(report)
    existing = {
        r.student_id: r
        for r in OutcomeRecord.objects.filter(
            term=term, student_id__in=[s.pk for _n, s, _v in good]
        )
    }
    changes: list[tuple[StudentProfile, dict[str, Any], OutcomeRecord | None, str]] = []
    for number, student, values in good:
        found = existing.get(student.pk)
        if found is None:
            change = "created"
        elif all(getattr(found, f) == values[f] for f in (*_FIELDS, "course_grades")):
            change = "unchanged"
        else:
            change = "updated"
        report.count("outcomes", change)
        changes.append((student, values, found, change))
        if len(result.preview) < PREVIEW_ROWS:
            grade = values["grade_average"]
            result.preview.append(
                PreviewRow(
                    number,
                    student.user.display_name,
                    f"{grade:g} / {values['grade_scale']:g}" if grade is not None else "",
                    _fmt(values["attendance_rate"], " %"),
                    str(EnrolmentStatus(values["enrolment_status"]).label)
                    if values["enrolment_status"]
                    else "",
                    {
                        "created": _("new"),
                        "updated": _("updated"),
                        "unchanged": _("unchanged"),
                    }[change],
                )
            )
    if not report.ok or (dry_run and not stage):
        if not report.ok and stage:
            result.record = OutcomeImport.objects.create(
                school=school, term=term, actor=actor, file_name=file_name[:255],
                status=OutcomeImport.Status.FAILED,
                errors=[i.as_dict() for i in report.errors],
                warnings=[i.as_dict() for i in report.warnings],
            )  # fmt: skip
        return result
    with transaction.atomic():
        status = OutcomeImport.Status.PREVIEWED if dry_run else OutcomeImport.Status.COMMITTED
        if staged is None:
            record = OutcomeImport.objects.create(
                school=school,
                term=term,
                actor=actor,
                file_name=file_name[:255],
                status=status,
                content=(text or "") if dry_run else "",
                counts=report.counts,
                warnings=[i.as_dict() for i in report.warnings],
            )
        else:
            record = staged
            record.status, record.content, record.counts = status, "", report.counts
            record.actor = actor
            record.save(update_fields=["status", "content", "counts", "actor", "updated_at"])
        result.record = record
        if dry_run:
            return result
        _write(changes, school, term, record)
        audit_record(
            actor=actor,
            action="insights.outcomes.import",
            target=record,
            organization=school.organization,
            after={"term": term.pk, "file": record.file_name, "counts": report.counts},
        )
        report.committed = True
        report.import_id = record.pk
    return result


def _write(
    changes: list[tuple[StudentProfile, dict[str, Any], OutcomeRecord | None, str]],
    school: School,
    term: Term,
    record: OutcomeImport,
) -> None:
    new = [
        OutcomeRecord(school=school, student=student, term=term, source=record, **values)
        for student, values, found, change in changes
        if change == "created"
    ]
    OutcomeRecord.objects.bulk_create(new, batch_size=1000)
    updated = []
    now = timezone.now()
    for _student, values, found, change in changes:
        if change == "updated" and found is not None:
            for name, value in values.items():
                setattr(found, name, value)
            found.source = record
            found.updated_at = now
            updated.append(found)
    OutcomeRecord.objects.bulk_update(
        updated, [*_FIELDS, "course_grades", "source", "updated_at"], batch_size=1000
    )


def outcome_import_confirm(*, actor: User, staged: OutcomeImport) -> OutcomeImportResult:
    """Import a previewed file; it is checked again (the roster may have changed since)."""
    with transaction.atomic():
        locked = OutcomeImport.objects.select_for_update().get(pk=staged.pk)
        if locked.status != OutcomeImport.Status.PREVIEWED:
            raise ValueError("This file was already imported or discarded.")
        result = outcomes_import(
            actor=actor,
            school=locked.school,
            term=locked.term,
            data=locked.content,
            file_name=locked.file_name,
            dry_run=False,
            staged=locked,
        )
        if not result.report.ok:
            locked.status, locked.content = OutcomeImport.Status.FAILED, ""
            locked.errors = [i.as_dict() for i in result.report.errors]
            locked.save(update_fields=["status", "content", "errors", "updated_at"])
            result.record = locked
    return result


def outcome_import_discard(*, actor: User, staged: OutcomeImport) -> None:
    """Forget a previewed file without importing it."""
    updated = OutcomeImport.objects.filter(
        pk=staged.pk, status=OutcomeImport.Status.PREVIEWED
    ).update(status=OutcomeImport.Status.DISCARDED, content="")
    if updated:
        audit_record(
            actor=actor,
            action="insights.outcomes.discard",
            target=staged,
            organization=staged.school.organization,
        )
