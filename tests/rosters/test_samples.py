"""The shared third-party OneRoster samples (read in place, never copied)."""

from __future__ import annotations

from pathlib import Path

import pytest
from roster_helpers import CATALYST, db_contains, sample, table_counts

from peerpath.core.models import Organization, User
from peerpath.people.models import GuardianLink, StudentProfile
from peerpath.rosters.models import Enrollment, RosterImport, RosterStatus, SchoolClass, Term
from peerpath.rosters.services import roster_import

pytestmark = pytest.mark.django_db


def _where(report: object) -> set[tuple[str, int | None, str | None, str]]:
    return {(e.file, e.row, e.column, e.code) for e in report.errors}  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["Test_full_data_set", "Test_full_data_set.zip"])
def test_full_data_set_imports_cleanly_with_the_readme_counts(org: Organization, name: str) -> None:
    report = roster_import(
        actor=None, organization=org, source=sample(f"{CATALYST.name}/{name}"), dry_run=False
    )

    assert report.errors == []
    assert report.committed
    assert report.version == "1.1"
    assert User.objects.filter(organization=org).count() == 6
    assert Enrollment.objects.filter(organization=org).count() == 6
    assert SchoolClass.objects.filter(organization=org).count() == 2
    assert list(
        SchoolClass.objects.filter(status=RosterStatus.DELETED).values_list("sourced_id", flat=True)
    ) == ["cls-222-123478"]
    assert Term.objects.filter(organization=org).count() == 5
    assert report.counts["users"]["created"] == 6
    # Thomas Jones (parent) lists Mary Jones (student) as his agent.
    link = GuardianLink.objects.get()
    assert (link.guardian.sourced_id, link.student.sourced_id, link.relationship) == (
        "usr-222-1234561",
        "usr-222-66778899",
        "parent",
    )
    assert StudentProfile.objects.get(sourced_id="usr-222-567891").grade_level == 11
    record = RosterImport.objects.get()
    assert (record.status, record.dry_run, record.error_count) == ("succeeded", False, 0)


def test_full_data_set_never_stores_its_passwords(org: Organization) -> None:
    roster_import(
        actor=None, organization=org, source=sample(f"{CATALYST.name}/Test_full_data_set")
    )

    users = User.objects.filter(organization=org)
    assert users.count() == 6
    assert not any(u.has_usable_password() for u in users)
    assert not any(u.check_password("Password1-") for u in users)
    assert db_contains("Password1-") == []


def test_full_data_set_reimport_is_idempotent(org: Organization) -> None:
    source = sample(f"{CATALYST.name}/Test_full_data_set.zip")
    roster_import(actor=None, organization=org, source=source)
    before = table_counts()

    again = roster_import(actor=None, organization=org, source=source)

    assert again.errors == []
    assert table_counts() == before
    for kind, counts in again.counts.items():
        assert counts.get("created", 0) == 0, kind
        assert counts.get("updated", 0) == 0, kind


def test_minimal_data_set_imports_cleanly_with_placeholder_emails(org: Organization) -> None:
    report = roster_import(
        actor=None, organization=org, source=sample(f"{CATALYST.name}/Test_minimal_data_set.zip")
    )

    assert report.errors == []
    emails = sorted(User.objects.filter(organization=org).values_list("email", flat=True))
    assert len(emails) == 6
    assert all(e.endswith("@lakeside.roster.invalid") for e in emails)
    assert db_contains("Password1-") == []


def test_v1p2_test_data_imports_one_row_of_each_file(org: Organization) -> None:
    report = roster_import(
        actor=None, organization=org, source=sample(f"{CATALYST.name}/oneroster_test_data.zip")
    )

    assert report.errors == []
    assert report.version == "1.2"
    assert {k: report.total(k) for k in ("schools", "terms", "courses", "classes", "users", "enrollments")} == {
        "schools": 1, "terms": 1, "courses": 1, "classes": 1, "users": 1, "enrollments": 1,
    }  # fmt: skip
    enrollment = Enrollment.objects.select_related("user", "school_class__course").get()
    assert enrollment.user.given_name == "Bruce"
    assert enrollment.school_class.course is not None
    assert enrollment.school_class.course.name == "Crime Fighting 101"
    assert db_contains("Batman.Ru1ez") == []
    # USER_0 has no grade: no student profile, and so its birth date is not kept.
    assert {w.code for w in report.warnings} >= {"no_student_profile", "birth_date_dropped"}


def test_messy_v1p2_set_gives_precise_errors_and_commits_nothing(org: Organization) -> None:
    before = table_counts()

    report = roster_import(
        actor=None, organization=org, source=sample(f"{CATALYST.name}/v1p2_full_dataset.zip")
    )

    assert not report.committed
    assert table_counts() == before
    where = _where(report)
    assert {
        ("manifest.csv", 21, "value", "bad_enum"),  # file.scoreScales has no mode
        ("manifest.csv", 22, "value", "bad_enum"),  # file.userProfiles has no mode
        ("manifest.csv", 22, "value", "manifest_mismatch"),  # yet userprofiles.csv is there
        ("roles.csv", 1, "dataLastModified", "misspelt_column"),
        ("userprofiles.csv", 1, "dataLastModified", "misspelt_column"),
        ("userprofiles.csv", 1, "vendorId", "missing_column"),
        ("users.csv", 1, "prefferedGivenName", "misspelt_column"),
        ("users.csv", 1, "prefferedMiddleName", "misspelt_column"),
        ("users.csv", 1, "prefferedFamilyName", "misspelt_column"),
        ("users.csv", 2, "dateLastModified", "bad_datetime"),  # 1/05/2023
        ("users.csv", 7, "dateLastModified", "bad_datetime"),  # 15/06/2023
    } <= where
    message = next(e for e in report.errors if e.row == 7 and e.file == "users.csv")
    assert "15/06/2023" in message.message
    # Trailing empty header cells in roles.csv are tolerated, not reported.
    assert not any(e.file == "roles.csv" and e.code == "row_width" for e in report.errors)
    record = RosterImport.objects.get()
    assert record.status == RosterImport.Status.FAILED
    assert record.error_count == report.issues.error_count


def test_oat_sa_set_names_each_problem_and_ignores_vendor_columns(org: Organization) -> None:
    before = table_counts()

    report = roster_import(
        actor=None, organization=org, source=sample("oat-sa_oneroster-import_v1p1")
    )

    assert table_counts() == before
    where = _where(report)
    assert {
        ("academicSessions.csv", 1, "schoolYear", "missing_column"),
        ("classes.csv", 2, "courseSourcedId", "required"),
        ("classes.csv", 3, "courseSourcedId", "required"),
        ("classes.csv", 4, "courseSourcedId", "required"),
    } <= where
    mentioned = {e.column for e in report.errors} | {w.column for w in report.warnings}
    assert not any(c and c.startswith("ext_") for c in mentioned)
    assert not any(c and c.startswith("metadata.") for c in mentioned)


def test_every_sample_folder_and_zip_gives_a_report_not_an_exception(org: Organization) -> None:
    folders = [*list(sample(CATALYST.name).iterdir()), sample("oat-sa_oneroster-import_v1p1")]
    for path in folders:
        report = roster_import(actor=None, organization=org, source=Path(path), dry_run=True)
        assert not any(e.code == "internal" for e in report.errors), path
