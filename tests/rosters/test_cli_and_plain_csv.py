"""``peerpath import-roster`` and ``peerpath import-students``: exit codes and messages."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from roster_helpers import CATALYST, FIXTURES, sample, table_counts

from factories import make_school
from peerpath.core.models import Organization, User
from peerpath.people.models import StudentProfile
from peerpath.rosters.models import RosterImport
from peerpath.rosters.services import parse_mapping, students_import

pytestmark = pytest.mark.django_db

STUDENT_MAP = "student_id=Student Number,given_name=First,family_name=Last,grade=Year,email=Mail,birth_date=DOB"


def _run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_roster_prints_counts(org: Organization) -> None:
    out, _err = _run("import_roster", str(FIXTURES / "district_v1p1"), "--organization", "lakeside")

    assert "users: created 7" in out
    assert "Imported district_v1p1." in out
    assert User.objects.filter(organization=org).count() == 7


def test_import_roster_dry_run_says_so_and_changes_nothing(org: Organization) -> None:
    before = table_counts()

    out, _err = _run(
        "import_roster", str(FIXTURES / "district_v1p1"), "--organization", "lakeside", "--dry-run"
    )

    assert "Dry run: the roster is valid; nothing was changed." in out
    assert table_counts() == before


def test_import_roster_with_errors_exits_2_with_the_report(org: Organization) -> None:
    err = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(
            "import_roster",
            str(sample(f"{CATALYST.name}/v1p2_full_dataset")),
            "--organization",
            "lakeside",
            stderr=err,
            stdout=StringIO(),
        )

    assert caught.value.returncode == 2
    assert str(caught.value) == "Nothing was imported: 18 error(s) in v1p2_full_dataset."
    assert "ERROR users.csv, row 2, column dateLastModified:" in err.getvalue()


def test_import_roster_unknown_organization_exits_2(db: Any) -> None:
    with pytest.raises(CommandError) as caught:
        _run("import_roster", str(FIXTURES / "district_v1p1"), "--organization", "nope")
    assert caught.value.returncode == 2
    assert "No organization with slug “nope”." in str(caught.value)


def _peerpath(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("peerpath")
    return subprocess.run(
        [str(script), *args], capture_output=True, text=True, env=env, timeout=180, check=False
    )


def test_the_console_script_never_prints_a_traceback(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PEERPATH_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    assert _peerpath("migrate", "-v0", env=env).returncode == 0
    made = _peerpath("shell", "-c", "from factories import make_organization as m; m('X', slug='x')",
                     env={**env, "PYTHONPATH": str(Path(__file__).parents[1])})  # fmt: skip
    assert made.returncode == 0, made.stderr
    bomb = tmp_path / "bomb.zip"
    bomb.write_bytes(b"PK\x03\x04 not really a zip")

    broken = _peerpath("import-roster", str(bomb), "--organization", "x", env=env)
    ok = _peerpath("import-roster", str(FIXTURES / "district_v1p1"), "--organization", "x", env=env)

    assert broken.returncode == 2
    assert "Traceback" not in broken.stderr
    assert "This is not a readable .zip archive" in broken.stderr
    assert ok.returncode == 0, ok.stderr
    assert "users: created 7" in ok.stdout
    assert "Users (4/9)" in ok.stderr  # plain progress lines when not on a terminal


def test_import_students_with_a_column_map(org: Organization) -> None:
    school = make_school("North High", organization=org)

    out, _err = _run(
        "import_students", str(FIXTURES / "students_plain.csv"), "--school", school.slug,
        "--map", STUDENT_MAP,
    )  # fmt: skip

    assert "students: created 3" in out
    amara = StudentProfile.objects.get(sourced_id="1001")
    assert (amara.school, amara.grade_level, amara.birth_date) == (school, 9, dt.date(2011, 5, 2))
    assert amara.user.email == "amara.abara@lakeside.example"
    assert User.objects.get(sourced_id="1002").email.endswith(".roster.invalid")
    record = RosterImport.objects.get()
    assert (record.kind, record.school) == ("csv", school)
    # Idempotent, like the OneRoster import.
    out, _err = _run(
        "import_students", str(FIXTURES / "students_plain.csv"), "--school", school.slug,
        "--map", STUDENT_MAP,
    )  # fmt: skip
    assert "students: unchanged 3" in out
    assert StudentProfile.objects.count() == 3


def test_import_students_reports_rows_and_columns_and_commits_nothing(
    org: Organization, tmp_path: Path
) -> None:
    school = make_school(organization=org)
    bad = tmp_path / "students.csv"
    bad.write_text(
        "Student Number,First,Last,Year,Mail,DOB\n"
        "1001,Amara,Abara,9,,2011-05-02\n"
        "1002,,Brennan,ten,,30/11/2010\n"
        "1001,Chloe,Castillo,17,,\n"
    )

    report = students_import(
        actor=None, school=school, source=bad, mapping=parse_mapping(STUDENT_MAP)
    )

    assert [str(e) for e in report.errors] == [
        "students.csv, row 3, column First: A value is required.",
        "students.csv, row 3, column Year: “ten” is not a whole number.",
        "students.csv, row 3, column DOB: “30/11/2010” is not a date in the form YYYY-MM-DD.",
        "students.csv, row 4, column Student Number: Duplicate student id “1001” (first used in row 2).",
    ]
    assert not User.objects.filter(organization=org).exists()


def test_import_students_names_a_missing_mapped_column(org: Organization) -> None:
    school = make_school(organization=org)

    report = students_import(
        actor=None, school=school, source=FIXTURES / "students_plain.csv",
        mapping={"given_name": "Firstname"},
    )  # fmt: skip

    assert ("students_plain.csv", 1, "student_id", "missing_column") in {
        (e.file, e.row, e.column, e.code) for e in report.errors
    }
    assert ("students_plain.csv", 1, "Firstname", "missing_column") in {
        (e.file, e.row, e.column, e.code) for e in report.errors
    }


def test_import_students_bad_map_and_unknown_school_exit_2(org: Organization) -> None:
    school = make_school(organization=org)
    with pytest.raises(CommandError) as bad_map:
        _run("import_students", str(FIXTURES / "students_plain.csv"), "--school", school.slug,
             "--map", "given_name")  # fmt: skip
    with pytest.raises(CommandError) as bad_field:
        _run("import_students", str(FIXTURES / "students_plain.csv"), "--school", school.slug,
             "--map", "shoe_size=Year")  # fmt: skip
    with pytest.raises(CommandError) as no_school:
        _run("import_students", str(FIXTURES / "students_plain.csv"), "--school", "nowhere")

    assert {bad_map.value.returncode, bad_field.value.returncode, no_school.value.returncode} == {2}
    assert "is not of the form field=Column" in str(bad_map.value)
    assert "No school with slug “nowhere”." in str(no_school.value)
