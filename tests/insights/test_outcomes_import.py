"""Outcome import: validation with file/row/column, all-or-nothing, dry run, re-import, CLI, page."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from factories import PASSWORD
from peerpath.core.models import AuditEntry
from peerpath.insights.models import OutcomeImport, OutcomeRecord
from peerpath.insights.outcomes import outcomes_import

GOOD = (
    "student,grade_average,grade_scale,attendance_rate,enrolment_status,course:ALG1\n"
    "S-DEE,3.2,4,91.5%,enrolled,B+\n"
    "eve@oak.test,78,100,88,Enrolled,\n"
)


def run(campus, text, *, dry_run=False, term=None):
    return outcomes_import(
        actor=campus.coordinator, school=campus.school, term=term or campus.spring,
        data=text.encode(), file_name="spring.csv", dry_run=dry_run,
    )  # fmt: skip


def test_import_creates_records_on_a_common_scale(campus):
    result = run(campus, GOOD)
    assert result.report.ok
    assert result.report.counts["outcomes"]["created"] == 2
    dee = OutcomeRecord.objects.get(student__user=campus.dee)
    assert (dee.grade_average, dee.grade_scale, dee.grade_percent) == (3.2, 4.0, 80.0)
    assert dee.attendance_rate == 91.5
    assert dee.course_grades == {"ALG1": "B+"}
    eve = OutcomeRecord.objects.get(student__user__email="eve@oak.test")
    assert (eve.grade_percent, eve.enrolment_status, eve.course_grades) == (78.0, "enrolled", {})
    assert AuditEntry.objects.filter(action="insights.outcomes.import").count() == 1


def test_reimport_of_the_same_term_updates(campus):
    run(campus, GOOD)
    changed = GOOD.replace("3.2,4", "3.6,4")
    result = run(campus, changed)
    assert result.report.counts["outcomes"] == {
        "created": 0, "updated": 1, "unchanged": 1, "deleted": 0,
    }  # fmt: skip
    assert OutcomeRecord.objects.count() == 2
    assert OutcomeRecord.objects.get(student__user=campus.dee).grade_percent == 90.0
    # Another term is another record.
    run(campus, GOOD, term=campus.fall)
    assert OutcomeRecord.objects.count() == 4


def test_errors_name_file_row_and_column_and_nothing_is_written(campus):
    bad = (
        "student,grade_average,grade_scale,attendance_rate,enrolment_status\n"
        "S-DEE,3.2,4,91,enrolled\n"  # fine, but the file fails as a whole
        "nobody@oak.test,3,4,90,enrolled\n"
        "eve@oak.test,5,4,120,gone\n"
        "S-DEE,2,4,80,enrolled\n"
        "eve@oak.test,,,,\n"
    )
    result = run(campus, bad)
    assert not result.report.ok
    found = {(e.file, e.row, e.column, e.code) for e in result.report.errors}
    assert ("spring.csv", 3, "student", "unknown_student") in found
    assert ("spring.csv", 4, "enrolment_status", "bad_enum") in found
    assert ("spring.csv", 5, "student", "duplicate_student") in found
    assert ("spring.csv", 6, None, "empty_row") in found
    # Row 4's numbers are checked once its status is fixed.
    fixed = run(campus, bad.replace(",gone", ",enrolled"))
    found = {(e.row, e.column, e.code) for e in fixed.report.errors}
    assert (4, "grade_average", "grade_out_of_scale") in found
    assert (4, "attendance_rate", "attendance_out_of_range") in found
    assert OutcomeRecord.objects.count() == 0
    assert OutcomeImport.objects.count() == 0


def test_missing_column_and_scale_and_encoding(campus):
    result = run(campus, "grade_average\n3\n")
    assert [(e.row, e.column, e.code) for e in result.report.errors] == [
        (1, "student", "missing_column")
    ]
    result = run(campus, "student,grade_average\nS-DEE,3\n")
    assert [(e.row, e.column, e.code) for e in result.report.errors] == [
        (2, "grade_scale", "missing_scale")
    ]
    latin = outcomes_import(
        actor=None, school=campus.school, term=campus.spring,
        data="student,grade_average\nJosé,3\n".encode("latin-1"), file_name="x.csv",
        dry_run=False,
    )  # fmt: skip
    assert latin.report.errors[0].code == "encoding"


def test_dry_run_previews_and_changes_nothing(campus):
    result = run(campus, GOOD, dry_run=True)
    assert result.report.ok
    assert [(r.row, r.student, r.grade, r.change) for r in result.preview] == [
        (2, campus.dee.display_name, "3.2 / 4", "new"),
        (3, "Eve " + campus.program.participants.get(student__user__email="eve@oak.test")
         .student.user.family_name, "78 / 100", "new"),
    ]  # fmt: skip
    assert OutcomeRecord.objects.count() == 0


def test_student_of_another_school_is_unknown(campus):
    text = f"student,attendance_rate\n{campus.other_coordinator.email},90\n"
    assert run(campus, text).report.errors[0].code == "unknown_student"


def test_command(campus, tmp_path, capsys):
    path = tmp_path / "fall.csv"
    path.write_text(GOOD, encoding="utf-8")
    slug = campus.school.slug
    call_command("import_outcomes", str(path), "--school", slug, "--term", "fall 2026",
                 "--dry-run")  # fmt: skip
    assert OutcomeRecord.objects.count() == 0
    call_command("import_outcomes", str(path), "--school", slug, "--term", "Fall 2026")
    assert OutcomeRecord.objects.filter(term=campus.fall).count() == 2
    with pytest.raises(CommandError, match="No term"):
        call_command("import_outcomes", str(path), "--school", slug, "--term", "Winter")
    path.write_text("student,attendance_rate\nS-DEE,101\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_outcomes", str(path), "--school", slug, "--term", "Fall 2026")
    assert "row 2, column attendance_rate" in capsys.readouterr().err


def test_upload_page_checks_then_imports(campus, client):
    client.login(email="coord@oak.test", password=PASSWORD)
    url = reverse("insights:outcomes", args=[campus.school.pk])
    assert client.get(url).status_code == 200
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("spring.csv", GOOD.encode(), content_type="text/csv")
    response = client.post(url, {"term": campus.spring.pk, "file": upload})
    staged = OutcomeImport.objects.get()
    assert response.status_code == 302
    assert staged.status == "previewed"
    page = client.get(reverse("insights:outcomes-preview", args=[staged.pk]))
    assert b"2 new, 0 updated, 0 unchanged" in page.content
    assert OutcomeRecord.objects.count() == 0
    client.post(reverse("insights:outcomes-preview", args=[staged.pk]), {"action": "confirm"})
    staged.refresh_from_db()
    assert (staged.status, staged.content) == ("committed", "")
    assert OutcomeRecord.objects.count() == 2
    # Confirming twice imports nothing more.
    client.post(reverse("insights:outcomes-preview", args=[staged.pk]), {"action": "confirm"})
    assert OutcomeRecord.objects.count() == 2


def test_upload_page_shows_errors(campus, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.login(email="coord@oak.test", password=PASSWORD)
    upload = SimpleUploadedFile("bad.csv", b"student,attendance_rate\nS-DEE,abc\n")
    client.post(
        reverse("insights:outcomes", args=[campus.school.pk]),
        {"term": campus.spring.pk, "file": upload},
    )
    staged = OutcomeImport.objects.get()
    page = client.get(reverse("insights:outcomes-preview", args=[staged.pk]))
    assert staged.status == "failed"
    assert b"is not a number" in page.content
    assert b"Import these outcomes" not in page.content


def test_other_school_coordinator_cannot_upload_or_confirm(campus, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    result = outcomes_import(
        actor=campus.coordinator, school=campus.school, term=campus.spring,
        data=GOOD.encode(), file_name="s.csv", dry_run=True, stage=True,
    )  # fmt: skip
    client.login(email="coord@elm.test", password=PASSWORD)
    upload = SimpleUploadedFile("s.csv", GOOD.encode())
    url = reverse("insights:outcomes", args=[campus.school.pk])
    assert client.post(url, {"term": campus.spring.pk, "file": upload}).status_code == 404
    preview = reverse("insights:outcomes-preview", args=[result.record.pk])
    assert client.post(preview, {"action": "confirm"}).status_code == 404
    assert OutcomeRecord.objects.count() == 0
    client.login(email="teacher@oak.test", password=PASSWORD)
    assert client.get(url).status_code == 403
