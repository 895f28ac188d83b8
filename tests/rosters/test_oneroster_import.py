"""Import of our own spec-shaped fixtures: mapping, delta, validation, dry run, limits."""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
from roster_helpers import FIXTURES, db_contains, table_counts

from factories import PASSWORD, make_school, make_user
from peerpath.core.models import AuditEntry, Organization, Role, RoleAssignment, School, User
from peerpath.people.models import Course, GuardianLink, StudentProfile
from peerpath.rosters.models import Enrollment, RosterImport, RosterStatus, SchoolClass, Term
from peerpath.rosters.services import roster_import
from peerpath.rosters.sources import Limits

pytestmark = pytest.mark.django_db


def _import(org: Organization, source: Any, **kwargs: Any) -> Any:
    return roster_import(actor=None, organization=org, source=source, **kwargs)


def _codes(report: Any) -> set[tuple[str, int | None, str | None, str]]:
    return {(e.file, e.row, e.column, e.code) for e in report.errors}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_a_bulk_roster_maps_onto_peerpath(org: Organization) -> None:
    report = _import(org, FIXTURES / "district_v1p1")

    assert report.errors == []
    north, south = School.objects.filter(organization=org).order_by("name")
    assert (north.name, north.sourced_id, north.slug) == ("North High", "s-north", "north-high")
    assert south.sourced_id == "s-south"
    org.refresh_from_db()
    assert org.sourced_id == "d-1"  # the district row names the organization
    # Courses: keyed on (school, sourcedId); a district course is made where it is taught;
    # a duplicate courseCode in one school gets a suffixed code, with a warning.
    courses = {(c.school.sourced_id, c.sourced_id): c for c in Course.objects.all()}
    assert set(courses) == {("s-north", "c-alg"), ("s-north", "c-geo"), ("s-south", "c-bio")}
    assert courses[("s-north", "c-alg")].code == "MATH1"
    assert courses[("s-north", "c-geo")].code.startswith("MATH1-")
    assert courses[("s-north", "c-alg")].area == Course.Area.MATH
    assert courses[("s-south", "c-bio")].area == Course.Area.SCIENCE
    assert ("courses.csv", 3, "courseCode") in {(w.file, w.row, w.column) for w in report.warnings}
    # Classes, terms (many-to-many) and enrollments.
    algebra = SchoolClass.objects.get(sourced_id="k-alg-1")
    assert algebra.course == courses[("s-north", "c-alg")]
    assert sorted(algebra.terms.values_list("sourced_id", flat=True)) == ["t-fall", "t-spring"]
    assert algebra.periods == ["1"]
    assert SchoolClass.objects.get(sourced_id="k-geo-1").kind == "scheduled"  # "Scheduled"
    assert Term.objects.count() == 3
    teacher = Enrollment.objects.get(sourced_id="e-1")
    assert (teacher.role, teacher.primary, teacher.begin_date) == (
        "teacher",
        True,
        dt.date(2026, 8, 24),
    )
    # People.
    ada = User.objects.get(sourced_id="u-s1")
    assert (ada.email, ada.organization, ada.is_active) == (
        "ada.okafor@lakeside.example",
        org,
        True,
    )
    assert User.objects.get(sourced_id="u-t1").email == "ruth.fofanah@lakeside.example"
    assert User.objects.get(sourced_id="u-t2").is_active is False  # enabledUser false
    assert User.objects.get(sourced_id="u-s2").email.endswith("@lakeside.roster.invalid")
    profile = StudentProfile.objects.get(user=ada)
    assert (profile.school, profile.grade_level, profile.birth_date) == (
        north, 9, dt.date(2011, 3, 14),
    )  # fmt: skip
    assert not StudentProfile.objects.filter(user__sourced_id="u-s3").exists()  # grade KG
    assert set(
        RoleAssignment.objects.filter(organization=org).values_list(
            "user__sourced_id", "role", "school__sourced_id"
        )
    ) == {("u-t1", Role.STAFF, "s-north"), ("u-t2", Role.STAFF, "s-south")}
    link = GuardianLink.objects.get()
    assert (link.guardian.sourced_id, link.student, link.relationship) == (
        "u-p1",
        profile,
        "parent",
    )
    warnings = {(w.file, w.row, w.code) for w in report.warnings}
    assert ("users.csv", 5, "no_student_profile") in warnings
    assert ("users.csv", 7, "district_staff") in warnings
    assert ("demographics.csv", 3, "birth_date_dropped") in warnings
    # One audit entry for the whole import, pointing at its record.
    record = RosterImport.objects.get()
    entry = AuditEntry.objects.get(action="roster.import.oneroster")
    assert (entry.target_type, entry.target_id) == ("rosters.rosterimport", str(record.pk))
    assert entry.after["counts"]["users"]["created"] == 7


def test_no_password_sex_race_or_birthplace_is_stored(org: Organization) -> None:
    _import(org, FIXTURES / "district_v1p1")

    for secret in ("Secret-Teacher-1", "Secret-Student-1", "Secret-Parent-1", "Lagos-Fixture-City"):
        assert db_contains(secret) == [], secret
    assert not any(u.has_usable_password() for u in User.objects.filter(organization=org))
    assert StudentProfile.objects.get(sourced_id="u-s1").background == {}


def test_reimport_changes_nothing_and_keeps_a_password_the_user_set(org: Organization) -> None:
    _import(org, FIXTURES / "district_v1p1")
    ada = User.objects.get(sourced_id="u-s1")
    ada.set_password(PASSWORD)
    ada.save(update_fields=["password"])
    before = table_counts()

    again = _import(org, FIXTURES / "district_v1p1")

    assert again.errors == []
    assert table_counts() == before
    assert all(c["created"] == 0 and c["updated"] == 0 for c in again.counts.values())
    ada.refresh_from_db()
    assert ada.check_password(PASSWORD)


def test_a_delta_updates_and_marks_deleted(org: Organization) -> None:
    _import(org, FIXTURES / "district_v1p1")

    report = _import(org, FIXTURES / "delta_v1p1")

    assert report.errors == []
    geometry = SchoolClass.objects.get(sourced_id="k-geo-1")
    assert (geometry.title, geometry.location, geometry.status) == (
        "Geometry - Period 2", "Room 202", RosterStatus.ACTIVE,
    )  # fmt: skip
    assert SchoolClass.objects.get(sourced_id="k-bio-1").status == RosterStatus.DELETED
    assert User.objects.get(sourced_id="u-s2").is_active is False
    assert Enrollment.objects.get(sourced_id="e-3").status == RosterStatus.DELETED
    farid = User.objects.get(sourced_id="u-s4")
    assert StudentProfile.objects.get(user=farid).grade_level == 11
    assert Enrollment.objects.get(sourced_id="e-6").school_class == geometry
    assert report.counts["users"] == {"created": 1, "updated": 1, "unchanged": 0, "deleted": 1}
    assert User.objects.filter(organization=org).count() == 8  # nobody removed


def test_a_delta_needs_status_and_date_last_modified(org: Organization, roster_dir: Any) -> None:
    _import(org, FIXTURES / "district_v1p1")
    folder = roster_dir("delta_v1p1")
    _edit(folder / "users.csv", "u-s4,active,2026-10-01T08:00:00Z", "u-s4,,")

    report = _import(org, folder)

    assert _codes(report) == {
        ("users.csv", 3, "status", "required"),
        ("users.csv", 3, "dateLastModified", "required"),
    }
    assert not User.objects.filter(sourced_id="u-s4").exists()


def test_a_delta_referring_to_nothing_known_is_an_error(org: Organization) -> None:
    report = _import(org, FIXTURES / "delta_v1p1")  # nothing imported before

    assert ("classes.csv", 2, "schoolSourcedId", "unknown_reference") in _codes(report)
    assert ("enrollments.csv", 2, "userSourcedId", "unknown_reference") not in _codes(report)
    assert SchoolClass.objects.count() == 0


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("enrollments.csv", "e-2,,,k-alg-1", "e-2,,,k-nope", ("enrollments.csv", 3, "classSourcedId", "unknown_reference")),
        ("enrollments.csv", "e-2,,,k-alg-1,s-north", "e-2,,,k-alg-1,s-south", ("enrollments.csv", 3, "schoolSourcedId", "wrong_school")),
        ("enrollments.csv", "e-2,", "e-1,", ("enrollments.csv", 3, "sourcedId", "duplicate_id")),
        ("enrollments.csv", "u-s1,student", "u-s1,pupil", ("enrollments.csv", 3, "role", "bad_enum")),
        ("enrollments.csv", "2026-08-24,2027-06-18\ne-2", "24/08/2026,2027-06-18\ne-2", ("enrollments.csv", 2, "beginDate", "bad_date")),
        ("academicSessions.csv", "2026-08-24,2027-01-15", "2027-02-30,2027-01-15", ("academicSessions.csv", 3, "startDate", "bad_date")),
        ("academicSessions.csv", "2027-01-19,2027-06-18", "2027-06-19,2027-06-18", ("academicSessions.csv", 4, "endDate", "bad_date")),
        ("classes.csv", '"t-fall,t-spring"', '"t-fall,t-winter"', ("classes.csv", 2, "termSourcedIds", "unknown_reference")),
        ("classes.csv", "courseSourcedId", "courseSourceId", ("classes.csv", 1, "courseSourceId", "misspelt_column")),
        ("classes.csv", "k-geo-1,,,Geometry - P2", "k-geo-1,,,", ("classes.csv", 3, "title", "required")),
        ("users.csv", "u-t1,,,true", "u-t1,,,yes", ("users.csv", 2, "enabledUser", "bad_bool")),
        ("users.csv", "cara.l@lakeside.example", "ada.okafor@lakeside.example", ("users.csv", 5, "email", "duplicate_email")),
        ("users.csv", "cara.l@lakeside.example", "cara at lakeside", ("users.csv", 5, "email", "bad_email")),
        ("users.csv", ",u-p1,09", ",u-p9,09", ("users.csv", 3, "agentSourcedIds", "unknown_reference")),
        ("demographics.csv", "u-p1,,,1980", "u-x,,,1980", ("demographics.csv", 3, "sourcedId", "unknown_reference")),
        ("courses.csv", ",d-1,Science", ",d-9,Science", ("courses.csv", 4, "orgSourcedId", "unknown_reference")),
        ("orgs.csv", "s-south,,,South Middle,school", "s-south,,,South Middle,campus", ("orgs.csv", 4, "type", "bad_enum")),
        ("manifest.csv", "oneroster.version,1.1", "oneroster.version,2.0", ("manifest.csv", 3, "value", "bad_enum")),
        ("manifest.csv", "file.courses,bulk", "file.courses,absent", ("manifest.csv", 8, "value", "manifest_mismatch")),
    ],
)  # fmt: skip
def test_each_error_names_file_row_and_column_and_commits_nothing(
    org: Organization, roster_dir: Any, file: str, old: str, new: str, expected: tuple[Any, ...]
) -> None:
    folder = roster_dir()
    _edit(folder / file, old, new)
    before = table_counts()

    report = _import(org, folder)

    assert expected in _codes(report), [str(e) for e in report.errors]
    assert not report.committed
    assert table_counts() == before
    assert RosterImport.objects.get().status == RosterImport.Status.FAILED


def test_an_email_of_another_organization_is_refused(org: Organization) -> None:
    make_user(make_school().organization, email="ada.okafor@lakeside.example")

    report = _import(org, FIXTURES / "district_v1p1")

    assert _codes(report) == {("users.csv", 3, "email", "email_taken")}
    assert not User.objects.filter(organization=org).exists()


def test_accounts_and_schools_made_by_hand_are_adopted(org: Organization) -> None:
    school = make_school("North High", organization=org)
    ruth = make_user(org, email="ruth.fofanah@lakeside.example")

    report = _import(org, FIXTURES / "district_v1p1")

    assert report.errors == []
    ruth.refresh_from_db()
    school.refresh_from_db()
    assert (ruth.sourced_id, school.sourced_id) == ("u-t1", "s-north")
    assert ruth.check_password(PASSWORD)
    assert School.objects.filter(organization=org).count() == 2


def test_file_names_match_the_manifest_whatever_their_case(
    org: Organization, roster_dir: Any
) -> None:
    folder = roster_dir()
    (folder / "users.csv").rename(folder / "USERS.csv")
    (folder / "classes.csv").rename(folder / "Classes.csv")

    report = _import(org, folder)

    assert report.errors == []
    assert {(w.file, w.code) for w in report.warnings} >= {
        ("USERS.csv", "file_name_case"), ("Classes.csv", "file_name_case"),
    }  # fmt: skip
    assert User.objects.filter(organization=org).count() == 7


def test_unknown_columns_are_warnings_and_vendor_columns_are_silent(
    org: Organization, roster_dir: Any
) -> None:
    folder = roster_dir()
    _edit(folder / "orgs.csv", "parentSourcedId\n", "parentSourcedId,favouriteColour\n")

    report = _import(org, folder)

    assert report.errors == []
    assert [(w.file, w.column, w.code) for w in report.warnings if w.code == "unknown_column"] == [
        ("orgs.csv", "favouriteColour", "unknown_column")
    ]
    assert not any((w.column or "").startswith("ext_") for w in report.warnings)


def test_a_dry_run_changes_nothing_but_reports_what_it_would_do(org: Organization) -> None:
    before = table_counts()

    report = _import(org, FIXTURES / "district_v1p1", dry_run=True)

    assert report.ok
    assert not report.committed
    assert report.counts["users"]["created"] == 7
    assert table_counts() == before
    assert not AuditEntry.objects.filter(action__startswith="roster.").exists()
    record = RosterImport.objects.get()
    assert (record.dry_run, record.status, record.counts["users"]["created"]) == (
        True,
        "succeeded",
        7,
    )


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _fixture_members() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (FIXTURES / "district_v1p1").iterdir()}


def test_a_zip_roster_imports_even_inside_one_folder(org: Organization, tmp_path: Path) -> None:
    members = {f"export/{name}": data for name, data in _fixture_members().items()}

    report = _import(org, _zip(tmp_path / "roster.zip", members))

    assert report.errors == []
    assert User.objects.filter(organization=org).count() == 7


def test_an_uploaded_zip_stream_imports(org: Organization, tmp_path: Path) -> None:
    data = _zip(tmp_path / "roster.zip", _fixture_members()).read_bytes()
    stream = io.BytesIO(data)
    stream.name = "upload.zip"

    report = _import(org, stream)

    assert report.errors == []
    assert report.source_name == "upload.zip"


@pytest.mark.parametrize("name", ["../users.csv", "/etc/users.csv", "a\\..\\users.csv"])
def test_path_traversal_is_rejected(org: Organization, tmp_path: Path, name: str) -> None:
    members = {**_fixture_members(), name: b"sourcedId\n"}

    report = _import(org, _zip(tmp_path / "evil.zip", members))

    assert [e.code for e in report.errors] == ["path_traversal"]
    assert table_counts()["core.User"] == 0


def test_a_symbolic_link_in_the_archive_is_rejected(org: Organization, tmp_path: Path) -> None:
    path = tmp_path / "link.zip"
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo("users.csv")
        info.external_attr = 0o120777 << 16
        archive.writestr(info, "/etc/passwd")

    report = _import(org, path)

    assert [e.code for e in report.errors] == ["path_traversal"]


def test_a_zip_bomb_is_rejected_before_it_is_expanded(org: Organization, tmp_path: Path) -> None:
    bomb = {**_fixture_members(), "users.csv": b"0" * (8 * 1024 * 1024)}  # ~1000:1

    report = _import(org, _zip(tmp_path / "bomb.zip", bomb))

    assert [e.code for e in report.errors] == ["limit"]
    assert "zip bomb" in report.errors[0].message


def test_size_and_file_count_limits(org: Organization, tmp_path: Path) -> None:
    path = _zip(tmp_path / "roster.zip", _fixture_members())

    too_big = _import(org, path, limits=Limits(max_total_bytes=1000))
    too_many = _import(org, path, limits=Limits(max_files=3))

    assert [e.code for e in too_big.errors] == ["limit"]
    assert [e.code for e in too_many.errors] == ["limit"]
    assert table_counts()["core.User"] == 0


def test_broken_input_gives_a_report_not_an_exception(org: Organization, tmp_path: Path) -> None:
    not_zip = tmp_path / "roster.zip"
    not_zip.write_bytes(b"this is not a zip")
    folder = tmp_path / "latin1"
    folder.mkdir()
    for p in (FIXTURES / "district_v1p1").iterdir():
        (folder / p.name).write_bytes(p.read_bytes())
    (folder / "orgs.csv").write_bytes(
        "sourcedId,status,dateLastModified,name,type\nx,,,Zürich,school\n".encode("latin-1")
    )

    assert [e.code for e in _import(org, not_zip).errors] == ["archive"]
    assert [e.code for e in _import(org, tmp_path / "missing").errors] == ["missing"]
    assert [(e.file, e.code) for e in _import(org, folder).errors] == [("orgs.csv", "csv")]
    assert [e.code for e in _import(org, tmp_path).errors] == ["missing_file"]  # no manifest


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_a_symbolic_link_in_a_folder_is_rejected(org: Organization, roster_dir: Any) -> None:
    folder = roster_dir()
    (folder / "users.csv").unlink()
    (folder / "users.csv").symlink_to(FIXTURES / "district_v1p1" / "users.csv")

    assert [e.code for e in _import(org, folder).errors] == ["path_traversal"]
