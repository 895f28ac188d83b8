"""
The roster import page in a real browser: upload → preview → confirm, for both kinds.

An organization admin uploads a OneRoster .zip, reads the preview (what would
be created, nothing changed yet), imports it, then uploads a broken roster and
reads its errors. A coordinator uploads a student spreadsheet, checks the
guessed column mapping, previews and imports it. A large file goes to the
worker: the page polls with htmx and reloads itself when the check and the
import are done. Every page is checked with axe; the screenshots are in
``screenshots/roster-*.png``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from harness import assert_accessible, assert_no_horizontal_overflow, login, screenshot
from playwright.sync_api import expect

from factories import PASSWORD, make_coordinator, make_school, make_user
from peerpath.core.models import Organization, Role, User
from peerpath.core.services import role_grant
from peerpath.people.models import StudentProfile
from peerpath.rosters.models import RosterImport

FIXTURES = Path(__file__).resolve().parents[1] / "rosters" / "fixtures"


def _zip(path: Path, *, edit: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for csv in sorted((FIXTURES / "district_v1p1").glob("*.csv")):
            archive.writestr(csv.name, (edit or {}).get(csv.name, csv.read_text()))
    return path


@pytest.fixture
def district(settings, tmp_path) -> tuple[Organization, User, User]:
    settings.PEERPATH_ROSTER_UPLOAD_DIR = tmp_path / "uploads"
    settings.PEERPATH_ROSTER_INLINE_BYTES = 2_000_000
    org = Organization.objects.create(name="Lakeside District", slug="lakeside")
    admin = make_user(org, given_name="Alma", family_name="Reyes", email="admin@lakeside.example")
    role_grant(actor=None, user=admin, role=Role.ORG_ADMIN, organization=org, school=None)
    north = make_school("North High", organization=org)
    coordinator = make_coordinator(north, given_name="Cole", email="coord@lakeside.example")
    return org, admin, coordinator


def test_an_admin_previews_and_imports_a_oneroster_export(new_page, district, tmp_path):
    org, admin, _coordinator = district
    page = new_page()
    page.goto("/accounts/login/", timeout=60_000)  # the live server's first answer can be slow
    login(page, admin.email, PASSWORD)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Import roster").click()
    expect(page.get_by_role("heading", name="Import roster", level=1)).to_be_visible()
    assert_accessible(page)
    screenshot(page, "roster-import-page")

    page.get_by_label("OneRoster file (.zip)").set_input_files(_zip(tmp_path / "lakeside.zip"))
    page.get_by_role("button", name="Upload and check").click()

    expect(page.get_by_role("heading", name="lakeside.zip")).to_be_visible()
    expect(page.get_by_text("The file checks out.")).to_be_visible()
    preview = page.get_by_role("table", name="What the import would do")
    expect(preview.get_by_role("row", name="People 7 0 0 0")).to_be_visible()
    assert not User.objects.filter(organization=org).exclude(sourced_id="").exists()
    assert_accessible(page)
    screenshot(page, "roster-preview")

    page.get_by_role("button", name="Import", exact=True).click()

    expect(page.get_by_text("The roster was imported.")).to_be_visible()
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    assert User.objects.filter(organization=org).exclude(sourced_id="").count() == 7
    assert_accessible(page)
    screenshot(page, "roster-imported")

    users = (FIXTURES / "district_v1p1" / "users.csv").read_text().splitlines()
    users[2] = users[2].replace(",true,", ",maybe,")  # row 3: enabledUser
    broken = _zip(tmp_path / "broken.zip", edit={"users.csv": "\n".join(users) + "\n"})
    page.get_by_role("link", name="Import roster", exact=True).first.click()
    page.get_by_label("OneRoster file (.zip)").set_input_files(broken)
    page.get_by_role("button", name="Upload and check").click()

    expect(page.get_by_role("heading", name="Nothing was imported")).to_be_visible()
    errors = page.get_by_role("table", name="Errors")
    expect(errors.get_by_role("row", name="users.csv 3 enabledUser")).to_contain_text(
        "“maybe” must be true or false."
    )
    assert_accessible(page)
    screenshot(page, "roster-errors")

    page.get_by_role("link", name="Import roster", exact=True).first.click()
    history = page.get_by_role("region", name="Import history")
    expect(history.get_by_role("row")).to_have_count(3)  # header, the failed and the imported run
    assert_accessible(page)


def test_a_coordinator_maps_previews_and_imports_a_student_spreadsheet(
    new_page, district, tmp_path
):
    _org, _admin, coordinator = district
    page = new_page(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    login(page, coordinator.email, PASSWORD)
    page.goto("/rosters/")
    expect(page.get_by_role("heading", name="OneRoster, for the whole organization")).to_have_count(
        0
    )

    page.get_by_label("Student file (.csv)").set_input_files(FIXTURES / "students_plain.csv")
    page.get_by_role("button", name="Upload and choose the columns").click()

    expect(page.get_by_role("heading", name="Which column holds what?")).to_be_visible()
    expect(page.get_by_label("Student id")).to_have_value("Student Number")
    expect(page.get_by_label("Given (first) name")).to_have_value("First")
    expect(page.get_by_role("combobox", name="Grade (required):")).to_have_value("Year")
    expect(page.get_by_role("table", name="The first rows of the file")).to_contain_text("Amara")
    assert_accessible(page)
    assert_no_horizontal_overflow(page)
    screenshot(page, "roster-mapping-mobile")

    page.get_by_role("button", name="Check the file").click()

    preview = page.get_by_role("table", name="What the import would do")
    expect(preview.get_by_role("row", name="Student profiles 3 0 0 0")).to_be_visible()
    page.get_by_text("1 warning").click()
    expect(page.get_by_role("table", name="Warnings")).to_contain_text("Tutor group")
    assert_accessible(page)
    assert_no_horizontal_overflow(page)
    screenshot(page, "roster-csv-preview-mobile")

    page.get_by_role("button", name="Import", exact=True).click()

    expect(page.get_by_text("The roster was imported.")).to_be_visible()
    assert StudentProfile.objects.filter(school__name="North High").count() == 3


def test_a_large_roster_is_checked_and_imported_in_the_background(
    new_page, district, tmp_path, settings
):
    settings.PEERPATH_ROSTER_INLINE_BYTES = 0  # every file goes to the worker
    org, admin, _coordinator = district
    page = new_page()
    login(page, admin.email, PASSWORD)
    page.goto("/rosters/")
    page.get_by_label("OneRoster file (.zip)").set_input_files(_zip(tmp_path / "big.zip"))
    page.get_by_role("button", name="Upload and check").click()

    status = page.get_by_role("status").filter(has_text="Waiting to be checked")
    expect(status).to_contain_text("Waiting for the worker")
    expect(page.locator("progress")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "roster-waiting-for-worker")

    call_command("worker", "--once")  # the page polls every 2 s and reloads when done

    expect(page.get_by_text("The file checks out.")).to_be_visible(timeout=15_000)
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("Waiting to import")

    call_command("worker", "--once")

    expect(page.get_by_role("heading", name="Imported")).to_be_visible(timeout=15_000)
    assert RosterImport.objects.get().status == "succeeded"
    assert User.objects.filter(organization=org).exclude(sourced_id="").count() == 7
    assert_accessible(page)
    screenshot(page, "roster-imported-by-worker")
