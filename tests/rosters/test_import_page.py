"""
The roster import page: upload → (mapping →) preview → confirm → import, and who may use it.

Files are uploaded through the real views (Django's test client), kept in a
private folder under a temporary ``PEERPATH_ROSTER_UPLOAD_DIR`` and checked
with the real importers. Broken files (a non-zip, a truncated or damaged zip,
a zip with too many entries or an unsafe path, a CSV with bad rows or in the
wrong encoding) must each end in a failed run with a precise report, never a
server error, and must commit nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from factories import PASSWORD, make_coordinator, make_school, make_staff, make_student, make_user
from peerpath.core.audit import AuditEntry
from peerpath.core.models import Organization, Role, School, User
from peerpath.core.services import role_grant
from peerpath.people.models import StudentProfile
from peerpath.rosters.models import RosterImport
from peerpath.rosters.uploads import ProgressFile, guess_mapping, roster_uploads_tidy

FIXTURES = Path(__file__).parent / "fixtures"
INDEX = "/rosters/"
ONEROSTER = "/rosters/oneroster/"
STUDENTS = "/rosters/students/"


# --- Helpers -------------------------------------------------------------------------------


def zip_bytes(folder: Path, *, edit: dict[str, str] | None = None) -> bytes:
    """The CSV files of ``folder`` as a .zip; ``edit`` replaces some files' text."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.glob("*.csv")):
            text = (edit or {}).get(path.name, path.read_text(encoding="utf-8"))
            archive.writestr(path.name, text)
    return buffer.getvalue()


def login(user: User) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


def upload(client: Client, url: str, name: str, data: bytes, **fields: Any) -> Any:
    prefix = "oneroster" if url == ONEROSTER else "students"
    body = {f"{prefix}-{k}": v for k, v in fields.items()}
    body[f"{prefix}-file"] = SimpleUploadedFile(name, data)
    return client.post(url, body)


def only_run() -> RosterImport:
    return RosterImport.objects.get()


def rostered_users(org: Organization) -> int:
    return User.objects.filter(organization=org).exclude(sourced_id="").count()


def upload_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def uploads(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "private" / "roster-uploads"
    settings.PEERPATH_ROSTER_UPLOAD_DIR = root
    settings.PEERPATH_ROSTER_INLINE_BYTES = 2_000_000
    return root


@pytest.fixture
def north(org: Organization) -> School:
    return make_school("North High", organization=org)


@pytest.fixture
def admin(org: Organization) -> User:
    user = make_user(org, email="admin@lakeside.example")
    role_grant(actor=None, user=user, role=Role.ORG_ADMIN, organization=org, school=None)
    return user


@pytest.fixture
def coordinator(north: School) -> User:
    return make_coordinator(north, email="coord@lakeside.example")


# --- OneRoster: upload, preview, confirm ------------------------------------------------------


def test_an_admin_previews_then_imports_a_oneroster_zip(
    org: Organization, admin: User, uploads: Path
) -> None:
    client = login(admin)
    page = client.get(INDEX)
    assert page.status_code == 200
    assert 'href="/rosters/"' in page.content.decode()  # in the navigation

    response = upload(
        client,
        ONEROSTER,
        "Lakeside export.zip",
        zip_bytes(FIXTURES / "district_v1p1"),
        organization=org.pk,
    )

    run = only_run()
    assert response["Location"] == f"/rosters/imports/{run.pk}/"
    assert (run.status, run.dry_run, run.kind, run.source_name) == (
        "previewed", True, "oneroster", "Lakeside export.zip",
    )  # fmt: skip
    assert rostered_users(org) == 0  # a preview changes nothing
    assert run.counts["users"]["created"] == 7
    # The upload waits in the private folder, readable by the server only.
    [kept] = upload_files(uploads)
    assert kept.name == "Lakeside export.zip"
    assert kept.stat().st_mode & 0o077 == 0
    preview = client.get(response["Location"]).content.decode()
    assert "The file checks out" in preview
    assert '<th scope="row">People</th>' in preview
    assert f'action="/rosters/imports/{run.pk}/confirm/"' in preview

    done = client.post(f"/rosters/imports/{run.pk}/confirm/")

    assert done["Location"] == f"/rosters/imports/{run.pk}/"
    run.refresh_from_db()
    assert (run.status, run.dry_run, run.actor) == ("succeeded", False, admin)
    assert rostered_users(org) == 7
    assert upload_files(uploads) == []  # deleted once imported
    assert run.upload_path == ""
    result = client.get(done["Location"]).content.decode()
    assert "Imported" in result
    assert "The roster was imported." in result
    history = client.get(INDEX).content.decode()
    assert "Lakeside export.zip" in history
    assert "Succeeded" in history
    actions = list(
        AuditEntry.objects.filter(
            target_type="rosters.rosterimport", target_id=str(run.pk)
        ).values_list("action", flat=True)
    )
    assert sorted(actions) == ["roster.confirm", "roster.import.oneroster", "roster.upload"]
    # Confirming again imports nothing more.
    again = client.post(f"/rosters/imports/{run.pk}/confirm/", follow=True)
    assert "already imported or discarded" in again.content.decode()
    assert RosterImport.objects.count() == 1


def test_a_roster_with_errors_names_file_row_and_column_and_commits_nothing(
    org: Organization, admin: User, uploads: Path
) -> None:
    users = (FIXTURES / "district_v1p1" / "users.csv").read_text().splitlines()
    users[2] = users[2].replace(",true,", ",maybe,")  # row 3: enabledUser
    data = zip_bytes(FIXTURES / "district_v1p1", edit={"users.csv": "\n".join(users) + "\n"})
    client = login(admin)

    response = upload(client, ONEROSTER, "roster.zip", data, organization=org.pk)

    run = only_run()
    assert run.status == "failed"
    assert run.errors[0] | {"message": ""} == {
        "file": "users.csv", "row": 3, "column": "enabledUser", "code": "bad_bool", "message": "",
    }  # fmt: skip
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "Nothing was imported" in text
    assert "<td>users.csv</td><td>3</td><td>enabledUser</td>" in text
    assert "“maybe” must be true or false." in text
    assert f'action="/rosters/imports/{run.pk}/confirm/"' not in text
    assert rostered_users(org) == 0
    assert upload_files(uploads) == []


def _damaged_zip() -> bytes:
    """A zip whose directory is fine but whose users.csv data is corrupt (bad CRC)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for path in sorted((FIXTURES / "district_v1p1").glob("*.csv")):
            archive.writestr(path.name, path.read_bytes())
    data = bytearray(buffer.getvalue())
    at = data.index(b"u-t1,,,true")
    data[at : at + 4] = b"XXXX"
    return bytes(data)


def _zip_with(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "sourcedId\n")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "code", "message"),
    [
        pytest.param(
            b"name,grade\nAda,9\n", "archive", "not a readable .zip archive", id="not-a-zip"
        ),
        pytest.param(
            zip_bytes(FIXTURES / "district_v1p1")[:600],
            "archive",
            "not a readable .zip",
            id="truncated",
        ),
        pytest.param(_damaged_zip(), "archive", "The archive is damaged", id="bad-crc"),
        pytest.param(
            _zip_with([f"file{i}.csv" for i in range(65)]),
            "limit",
            "at most 64 are allowed",
            id="too-many-entries",
        ),
        pytest.param(
            _zip_with(["../../etc/users.csv"]), "path_traversal", "unsafe path", id="traversal"
        ),
    ],
)
def test_a_broken_archive_fails_with_a_reason_and_never_a_server_error(
    org: Organization, admin: User, uploads: Path, data: bytes, code: str, message: str
) -> None:
    client = login(admin)

    response = upload(client, ONEROSTER, "export.zip", data, organization=org.pk)

    assert response.status_code == 302
    run = only_run()
    assert run.status == "failed"
    assert run.errors[0]["code"] == code, run.errors
    assert message in run.errors[0]["message"]
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Nothing was imported" in page.content.decode()
    assert rostered_users(org) == 0
    assert upload_files(uploads) == []


def test_an_upload_over_the_size_limit_is_refused_before_it_is_kept(
    org: Organization, admin: User, uploads: Path, settings: Any
) -> None:
    settings.PEERPATH_ROSTER_UPLOAD_MAX_BYTES = 10_000
    client = login(admin)

    response = upload(client, ONEROSTER, "huge.zip", b"x" * 2_000_000, organization=org.pk)

    assert response.status_code == 400
    assert "The file is larger than" in response.content.decode()
    assert not RosterImport.objects.exists()
    assert upload_files(uploads) == []


def test_a_previewed_file_can_be_discarded(org: Organization, admin: User, uploads: Path) -> None:
    client = login(admin)
    upload(
        client, ONEROSTER, "roster.zip", zip_bytes(FIXTURES / "district_v1p1"), organization=org.pk
    )
    run = only_run()

    response = client.post(f"/rosters/imports/{run.pk}/discard/", follow=True)

    assert "nothing was imported" in response.content.decode()
    run.refresh_from_db()
    assert run.status == "discarded"
    assert upload_files(uploads) == []
    assert rostered_users(org) == 0
    assert client.post(f"/rosters/imports/{run.pk}/confirm/").status_code == 302
    run.refresh_from_db()
    assert run.status == "discarded"


# --- Plain CSV: upload, mapping, preview, confirm --------------------------------------------


def test_a_coordinator_maps_the_columns_of_a_student_csv_then_imports_it(
    org: Organization, north: School, coordinator: User, uploads: Path
) -> None:
    client = login(coordinator)
    page = client.get(INDEX).content.decode()
    assert "Students from a spreadsheet" in page
    assert "OneRoster, for the whole organization" not in page  # admins only

    response = upload(
        client,
        STUDENTS,
        "year 9.csv",
        (FIXTURES / "students_plain.csv").read_bytes(),
        school=north.pk,
    )

    run = only_run()
    assert (run.status, run.school, run.kind) == ("mapping", north, "csv")
    assert run.columns == ["Student Number", "First", "Last", "Year", "Mail", "DOB", "Tutor group"]
    mapping_page = client.get(response["Location"]).content.decode()
    assert "Which column holds what?" in mapping_page
    assert '<option value="Student Number" selected>' in mapping_page  # guessed
    assert "<td>Amara</td>" in mapping_page  # the first rows, to check the choice

    mapped = client.post(
        f"/rosters/imports/{run.pk}/mapping/",
        {
            "student_id": "Student Number", "given_name": "First", "family_name": "Last",
            "grade": "Year", "email": "Mail", "birth_date": "DOB", "preferred_name": "",
        },
    )  # fmt: skip

    assert mapped.status_code == 302
    run.refresh_from_db()
    assert run.status == "previewed"
    assert run.counts["students"]["created"] == 3
    assert run.warnings[0]["column"] == "Tutor group"
    assert not StudentProfile.objects.exists()

    client.post(f"/rosters/imports/{run.pk}/confirm/")

    run.refresh_from_db()
    assert run.status == "succeeded"
    amara = StudentProfile.objects.get(sourced_id="1001")
    assert (amara.school, amara.grade_level, amara.birth_date) == (north, 9, dt.date(2011, 5, 2))
    assert upload_files(uploads) == []


def test_a_required_field_must_be_mapped(north: School, coordinator: User, uploads: Path) -> None:
    client = login(coordinator)
    upload(
        client, STUDENTS, "s.csv", (FIXTURES / "students_plain.csv").read_bytes(), school=north.pk
    )
    run = only_run()

    response = client.post(
        f"/rosters/imports/{run.pk}/mapping/",
        {"student_id": "Student Number", "given_name": "", "family_name": "Last", "grade": "Year"},
    )

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    run.refresh_from_db()
    assert run.status == "mapping"
    assert client.post(
        f"/rosters/imports/{run.pk}/mapping/", {"student_id": "Nope", "given_name": "First",
        "family_name": "Last", "grade": "Year"},
    ).status_code == 400  # fmt: skip


def test_a_student_csv_with_bad_rows_names_each_and_commits_nothing(
    org: Organization, north: School, coordinator: User, uploads: Path
) -> None:
    data = (
        b"Student Number,First,Last,Year\n"
        b"1001,Amara,Abara,9\n"
        b"1002,,Brennan,ten\n"
        b"1001,Chloe,Castillo,17\n"
    )
    client = login(coordinator)
    upload(client, STUDENTS, "students.csv", data, school=north.pk)
    run = only_run()

    response = client.post(
        f"/rosters/imports/{run.pk}/mapping/",
        {
            "student_id": "Student Number",
            "given_name": "First",
            "family_name": "Last",
            "grade": "Year",
        },
        follow=True,
    )

    run.refresh_from_db()
    assert run.status == "failed"
    assert [(e["file"], e["row"], e["column"]) for e in run.errors] == [
        ("students.csv", 3, "First"),
        ("students.csv", 3, "Year"),
        ("students.csv", 4, "Student Number"),
    ]
    text = response.content.decode()
    assert (
        '<td>students.csv</td><td>3</td><td>Year</td><td class="problem">“ten” is not a whole'
        in text
    )
    assert not StudentProfile.objects.exists()
    assert rostered_users(org) == 0
    assert upload_files(uploads) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param("Nº,Año\n1,9\n".encode("latin-1"), "not UTF-8", id="latin-1"),
        pytest.param(zip_bytes(FIXTURES / "district_v1p1"), "not UTF-8", id="a-zip"),
        pytest.param(b"\n", "no column names", id="blank-header"),
    ],
)
def test_a_csv_that_cannot_be_read_fails_at_once(
    north: School, coordinator: User, uploads: Path, data: bytes, message: str
) -> None:
    client = login(coordinator)

    response = upload(client, STUDENTS, "students.csv", data, school=north.pk)

    run = only_run()
    assert run.status == "failed"
    assert message in run.errors[0]["message"]
    assert client.get(response["Location"]).status_code == 200
    assert upload_files(uploads) == []


def test_column_names_are_guessed() -> None:
    assert guess_mapping(["Pupil ID", "First Name", "Surname", "Year Group", "E-mail", "Date of birth"]) == {
        "student_id": "Pupil ID", "given_name": "First Name", "family_name": "Surname",
        "grade": "Year Group", "email": "E-mail", "preferred_name": "", "birth_date": "Date of birth",
        "directory_opt_out": "",
    }  # fmt: skip


# --- Who may import ---------------------------------------------------------------------------


def test_students_staff_and_guests_cannot_import(
    org: Organization, north: School, uploads: Path
) -> None:
    teacher = make_staff(north, Role.STAFF)
    student = make_student(north, 10, password=PASSWORD).user
    for user in (teacher, student):
        client = login(user)
        assert 'href="/rosters/"' not in client.get("/").content.decode()
        assert client.get(INDEX).status_code == 403
        zipped = zip_bytes(FIXTURES / "district_v1p1")
        assert upload(client, ONEROSTER, "r.zip", zipped, organization=org.pk).status_code == 403
        csv = (FIXTURES / "students_plain.csv").read_bytes()
        assert upload(client, STUDENTS, "s.csv", csv, school=north.pk).status_code == 403
    assert Client().get(INDEX).status_code == 302  # to the login page
    assert not RosterImport.objects.exists()


def test_a_coordinator_cannot_import_oneroster_nor_into_another_school(
    org: Organization, north: School, coordinator: User, uploads: Path
) -> None:
    south = make_school("South Middle", organization=org)
    client = login(coordinator)

    assert (
        upload(
            client, ONEROSTER, "r.zip", zip_bytes(FIXTURES / "district_v1p1"), organization=org.pk
        ).status_code
        == 403
    )
    wrong = upload(
        client, STUDENTS, "s.csv", (FIXTURES / "students_plain.csv").read_bytes(), school=south.pk
    )

    assert wrong.status_code == 400
    assert "Select a valid choice" in wrong.content.decode()
    assert not RosterImport.objects.exists()
    assert upload_files(uploads) == []


def test_runs_are_seen_by_their_organization_admins_and_school_coordinators_only(
    org: Organization, north: School, admin: User, coordinator: User, uploads: Path
) -> None:
    csv = (FIXTURES / "students_plain.csv").read_bytes()
    upload(login(coordinator), STUDENTS, "s.csv", csv, school=north.pk)
    upload(
        login(admin), ONEROSTER, "r.zip", zip_bytes(FIXTURES / "district_v1p1"), organization=org.pk
    )
    csv_run = RosterImport.objects.get(kind="csv")
    oneroster_run = RosterImport.objects.get(kind="oneroster")
    teacher = make_staff(north, Role.STAFF)
    elsewhere = make_coordinator(make_school("Elm High"))

    def status(user: User, run: RosterImport) -> int:
        return login(user).get(f"/rosters/imports/{run.pk}/").status_code

    assert status(admin, csv_run) == status(admin, oneroster_run) == 200
    assert status(coordinator, csv_run) == 200
    assert status(coordinator, oneroster_run) == 403  # their organization's, but admins only
    assert status(teacher, csv_run) == 403  # their school's, but coordinators only
    assert status(elsewhere, csv_run) == status(elsewhere, oneroster_run) == 404
    assert status(coordinator, RosterImport(pk=99999)) == 404
    # Nor may they act on them.
    other = login(elsewhere)
    assert other.post(f"/rosters/imports/{oneroster_run.pk}/confirm/").status_code == 404
    assert other.post(f"/rosters/imports/{csv_run.pk}/discard/").status_code == 404
    assert (
        login(coordinator).post(f"/rosters/imports/{oneroster_run.pk}/confirm/").status_code == 403
    )
    oneroster_run.refresh_from_db()
    assert oneroster_run.status == "previewed"
    history = login(coordinator).get(INDEX).content.decode()
    assert f"/rosters/imports/{csv_run.pk}/" in history
    assert f"/rosters/imports/{oneroster_run.pk}/" not in history


# --- Large files: the worker, and progress the page polls ------------------------------------


@pytest.mark.django_db(transaction=True)
def test_large_files_are_checked_and_imported_by_the_worker_while_the_page_polls(
    settings: Any, tmp_path: Path
) -> None:
    # transaction=True: the worker closes connections between tasks, as a real process does.
    settings.PEERPATH_ROSTER_UPLOAD_DIR = tmp_path / "uploads"
    settings.PEERPATH_ROSTER_INLINE_BYTES = 0  # everything goes to the worker
    org = Organization.objects.create(name="Lakeside District", slug="lakeside")
    admin = make_user(org, email="admin@lakeside.example")
    role_grant(actor=None, user=admin, role=Role.ORG_ADMIN, organization=org, school=None)
    client = login(admin)

    response = upload(
        client, ONEROSTER, "big.zip", zip_bytes(FIXTURES / "district_v1p1"), organization=org.pk
    )

    run = only_run()
    assert (run.status, run.background) == ("uploaded", True)
    page = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert "Waiting for the worker" in page
    status_url = f"/rosters/imports/{run.pk}/status/"
    assert "HX-Refresh" not in client.get(status_url)
    assert "has not started" not in client.get(status_url).content.decode()
    RosterImport.objects.filter(pk=run.pk).update(
        updated_at=timezone.now() - dt.timedelta(minutes=5)
    )
    assert "has not started on this file yet" in client.get(status_url).content.decode()

    call_command("worker", "--once")

    run.refresh_from_db()
    assert run.status == "previewed"
    assert client.get(status_url)["HX-Refresh"] == "true"
    assert rostered_users(org) == 0
    client.post(f"/rosters/imports/{run.pk}/confirm/")
    run.refresh_from_db()
    assert run.status == "queued"
    assert "Waiting to import" in client.get(status_url).content.decode()

    call_command("worker", "--once")

    run.refresh_from_db()
    assert run.status == "succeeded"
    assert rostered_users(org) == 7
    assert upload_files(tmp_path / "uploads") == []


def test_the_status_shows_the_importers_progress(
    org: Organization, admin: User, uploads: Path
) -> None:
    client = login(admin)
    upload(client, ONEROSTER, "r.zip", zip_bytes(FIXTURES / "district_v1p1"), organization=org.pk)
    run = only_run()
    RosterImport.objects.filter(pk=run.pk).update(status="running", progress="Importing")
    folder = uploads / run.upload_path.split("/")[0]
    progress = ProgressFile(folder / "progress.json", "import")

    progress("Reading users.csv", 35000, 0)
    reading = client.get(f"/rosters/imports/{run.pk}/status/").content.decode()
    progress("Enrollments", 8, 9)
    writing = client.get(f"/rosters/imports/{run.pk}/status/").content.decode()

    assert "Reading users.csv: 35,000 rows" in reading
    assert "<progress aria-label" in reading  # no value: indeterminate
    assert "Enrollments (step 9 of 9)" in writing
    assert 'value="89" max="100"' in writing
    assert json.loads((folder / "progress.json").read_text())["phase"] == "import"


def test_tidying_discards_stale_previews_fails_dead_runs_and_deletes_orphans(
    org: Organization, admin: User, uploads: Path
) -> None:
    client = login(admin)
    for _ in range(2):
        upload(
            client, ONEROSTER, "r.zip", zip_bytes(FIXTURES / "district_v1p1"), organization=org.pk
        )
    waiting, dead = RosterImport.objects.order_by("pk")
    RosterImport.objects.filter(pk=dead.pk).update(status="running")
    orphan = uploads / "20200101-orphan"
    orphan.mkdir()
    (orphan / "x.zip").write_bytes(b"x")
    later = timezone.now() + dt.timedelta(days=2)

    assert roster_uploads_tidy(now=later) == 3

    waiting.refresh_from_db()
    dead.refresh_from_db()
    assert waiting.status == "discarded"
    assert (dead.status, dead.errors[0]["code"]) == ("failed", "internal")
    assert upload_files(uploads) == []
    assert roster_uploads_tidy(now=later) == 0
