"""
A coordinator downloads a student's subject-access export from the student's
readiness page; the organization admin erases the student after confirming
by e-mail address; a study-group member does not see a classmate who opted
out of peer directories.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from zoneinfo import ZoneInfo

from harness import assert_accessible, assert_no_horizontal_overflow, login, screenshot
from playwright.sync_api import expect

from factories import PASSWORD, make_coordinator, make_program, make_school, make_student, make_user
from peerpath.core.models import Role, User
from peerpath.core.services import role_grant
from peerpath.meetings.services import group_create, session_schedule
from peerpath.programs.services import participant_enrol

NY = ZoneInfo("America/New_York")
ADULT = dt.date(dt.date.today().year - 19, 1, 1)


def test_export_and_erase(new_page):
    school = make_school("Cedar High")
    coordinator = make_coordinator(school, email="coord@cedar.test")
    admin = make_user(school.organization, email="admin@cedar.test")
    role_grant(
        actor=None, user=admin, role=Role.ORG_ADMIN, organization=school.organization, school=None
    )
    program = make_program(school, coordinator, name="Cedar Tutoring", status="running")
    student = make_student(
        school, 10, given_name="Imogen", family_name="Thistlewood", email="imogen@cedar.test"
    )
    participant = participant_enrol(
        actor=coordinator, program=program, student=student, role="mentee", status="screening"
    )

    page = new_page()
    login(page, "coord@cedar.test", PASSWORD)
    page.goto(f"/programs/{program.pk}/participants/{participant.pk}/readiness/")
    page.get_by_role("link", name="Privacy: export or erase this person's data").click()
    expect(page.get_by_role("heading", name="Imogen Thistlewood")).to_be_visible()
    expect(page.get_by_role("button", name="Erase…")).to_have_count(0)  # admins only
    assert_accessible(page)
    screenshot(page, "privacy-person-coordinator")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the export (.zip)").click()
    data = download_info.value.path().read_bytes()
    document = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("person.json"))
    assert document["person"]["email"] == "imogen@cedar.test"

    phone = new_page(viewport={"width": 375, "height": 740})
    login(phone, "admin@cedar.test", PASSWORD)
    phone.goto(f"/privacy/people/{student.user_id}/")
    phone.get_by_role("button", name="Erase…").click()
    expect(phone.get_by_role("heading", name="Erase Imogen Thistlewood")).to_be_visible()
    assert_accessible(phone)
    assert_no_horizontal_overflow(phone)
    phone.get_by_label("Type the person's e-mail address to confirm").fill("wrong@cedar.test")
    phone.get_by_role("button", name="Erase for good").click()
    expect(phone.get_by_text("That is not this person's e-mail address.")).to_be_visible()
    assert User.objects.get(pk=student.user_id).email == "imogen@cedar.test"
    screenshot(phone, "privacy-erase-mobile")
    phone.get_by_label("Type the person's e-mail address to confirm").fill("imogen@cedar.test")
    phone.get_by_role("button", name="Erase for good").click()
    expect(phone.get_by_role("status").first).to_contain_text("Erased. The person is now")
    expect(phone.get_by_text("Thistlewood")).to_have_count(0)
    expect(phone.get_by_text("This person has been erased")).to_be_visible()
    expect(phone.get_by_role("button", name="Erase…")).to_have_count(0)
    assert_accessible(phone)
    screenshot(phone, "privacy-erased-mobile")
    assert User.objects.get(pk=student.user_id).email.endswith("@erased.invalid")


def test_group_member_does_not_see_an_opted_out_classmate(page):
    school = make_school("Rowan High")
    coordinator = make_coordinator(school)
    program = make_program(
        school, coordinator, name="Rowan Circles", program_type="study_groups", status="running"
    )

    def enrol(name: str, *, hidden: bool = False):
        student = make_student(
            school, 12, given_name=name, password=PASSWORD, birth_date=ADULT, email=f"{name}@r.test"
        )
        if hidden:
            student.directory_opt_out = True
            student.save(update_fields=["directory_opt_out"])
        return participant_enrol(
            actor=coordinator, program=program, student=student, role="mentee", status="ready"
        )

    leader, member, shy = enrol("leonie"), enrol("marcus"), enrol("philippa", hidden=True)
    group = group_create(
        actor=coordinator, program=program, name="Circle B", leaders=[leader], members=[member, shy]
    )
    session_schedule(
        actor=coordinator,
        group=group,
        starts_at=dt.datetime.now(NY) + dt.timedelta(days=3),
        location="Room 4",
    )
    login(page, "marcus@r.test", PASSWORD)
    page.goto(f"/groups/{group.pk}/")
    expect(page.get_by_role("heading", name="Circle B")).to_be_visible()
    expect(page.get_by_text("And 1 member who keeps their name out of peer lists.")).to_be_visible()
    expect(page.get_by_text(shy.student.user.display_name)).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "privacy-group-opt-out-member")
