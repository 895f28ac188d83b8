"""
A coordinator's first session, in a real browser: log in, see their programs,
create a program, and work through a participant list.

Every page visited is checked with axe-core for WCAG 2.1 A/AA violations.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

import pytest
from harness import assert_accessible, assert_no_horizontal_overflow, login, screenshot
from playwright.sync_api import Page, expect

from factories import (
    PASSWORD,
    make_coordinator,
    make_participant,
    make_program,
    make_school,
    make_staff,
    make_student,
)
from peerpath.core.models import School, User
from peerpath.programs.lifecycle import DISPLAY_ORDER
from peerpath.programs.models import Participant, ParticipantStatus, Program

# 30 participants (more than a page of 25), sorted by family name in the list.
# Two Okafors to search for; roles and statuses chosen so filters have exact answers.
ROSTER = [
    # given, family, grade, role, status
    ("Amara", "Abara", 9, "mentee", "applied"),
    ("Bilal", "Brennan", 12, "mentor", "ready"),
    ("Chloe", "Castillo", 10, "mentee", "applied"),
    ("Dmitri", "Dubois", 11, "mentor", "screening"),
    ("Esperanza", "Eriksen", 9, "mentee", "applied"),
    ("Farah", "Fofanah", 12, "mentor", "matched"),
    ("Gabriel", "Garcia", 9, "mentee", "matched"),
    ("Hana", "Haddad", 10, "mentee", "waitlisted"),
    ("Isaac", "Ishikawa", 11, "both", "screening"),
    ("Jun", "Jensen", 9, "mentee", "applied"),
    ("Kofi", "Kowalski", 12, "mentor", "ready"),
    ("Leila", "Lindqvist", 10, "mentee", "applied"),
    ("Mateo", "Moreau", 11, "mentor", "matched"),
    ("Nadia", "Okafor", 12, "mentor", "ready"),
    ("Oscar", "Okafor", 9, "mentee", "applied"),
    ("Priya", "Petrov", 10, "mentee", "matched"),
    ("Quinn", "Quispe", 9, "mentee", "applied"),
    ("Rosa", "Rahman", 11, "mentor", "screening"),
    ("Samir", "Santos", 10, "mentee", "applied"),
    ("Tamsin", "Tanaka", 12, "mentor", "ready"),
    ("Uriel", "Usman", 9, "mentee", "waitlisted"),
    ("Valentina", "Varga", 10, "mentee", "applied"),
    ("Wei", "Whitfield", 11, "mentor", "screening"),
    ("Ximena", "Xu", 9, "mentee", "applied"),
    ("Yusuf", "Yilmaz", 12, "mentor", "ready"),
    ("Zara", "Zeller", 10, "mentee", "applied"),
    ("Ada", "Zhang", 9, "mentee", "applied"),
    ("Ben", "Zhou", 11, "mentor", "screening"),
    ("Cleo", "Zimmer", 10, "mentee", "withdrawn"),
    ("Dara", "Zuniga", 9, "mentee", "applied"),
]

ROWS = "#participant-results tbody tr"


@dataclass
class Lakeside:
    school: School
    coordinator: User
    program: Program


@pytest.fixture
def lakeside() -> Lakeside:
    """A school with one coordinator and a peer tutoring program of 30 participants."""
    school = make_school("Lakeside High")
    coordinator = make_coordinator(
        school, given_name="Carmen", family_name="Ortiz", email="carmen.ortiz@lakeside.example.org"
    )
    program = make_program(school, coordinator, name="Math Tutoring")
    for given, family, grade, role, status in ROSTER:
        student = make_student(
            school,
            grade,
            given_name=given,
            family_name=family,
            email=f"{given}.{family}@students.lakeside.example.org".lower(),
        )
        make_participant(program, student, role, status, actor=coordinator)
    return Lakeside(school=school, coordinator=coordinator, program=program)


def names_in_table(page: Page) -> list[str]:
    """The participants' names in the table, in order (the first line of the first cell)."""
    cells = page.locator(f"{ROWS} td:first-child").all_inner_texts()
    return [cell.splitlines()[0].strip() for cell in cells]


def mark_document(page: Page) -> None:
    """Tag the current document, so :func:`assert_same_document` can tell a reload happened."""
    page.evaluate("window.__peerpathDocument = 'kept'")


def assert_same_document(page: Page) -> None:
    assert page.evaluate("window.__peerpathDocument") == "kept", "the page was reloaded"


def test_login_page_is_accessible_with_and_without_an_error(page: Page, lakeside: Lakeside) -> None:
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in to Peerpath")
    assert_accessible(page)
    screenshot(page, "login")

    page.get_by_label("E-mail address").fill(lakeside.coordinator.email)
    page.get_by_label("Password", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("alert")).to_contain_text("enter a correct")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    assert_accessible(page)


def test_coordinator_creates_a_program(page: Page, lakeside: Lakeside) -> None:
    login(page, lakeside.coordinator.email, PASSWORD)

    # Home: the programs they run, with counts by status.
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Carmen")
    row = page.get_by_role("row", name=re.compile("Math Tutoring"))
    expect(row).to_contain_text("Lakeside High")
    statuses = Counter(status for *_, status in ROSTER)
    expect(row.get_by_role("listitem")).to_have_text(
        [f"{ParticipantStatus(s).label}: {statuses[s]}" for s in DISPLAY_ORDER]
    )
    assert_accessible(page)
    screenshot(page, "home-coordinator")

    # The form, first with a term that ends before it starts.
    page.get_by_role("button", name="New program").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New program")
    assert_accessible(page)
    expect(page.get_by_label("School", exact=True)).to_have_value(str(lakeside.school.pk))
    page.get_by_label("Name", exact=True).fill("Reading Buddies")
    page.get_by_label("Type", exact=True).select_option(label="Buddy system")
    page.get_by_label("Status", exact=True).select_option(label="Recruiting")
    page.get_by_label("Description", exact=True).fill("Older students read with ninth graders.")
    page.get_by_label("Objectives", exact=True).fill("Every mentee reads one book a month.")
    page.get_by_label("Term starts", exact=True).fill("2026-09-01")
    page.get_by_label("Term ends", exact=True).fill("2026-08-01")
    page.get_by_label("Lowest mentee grade", exact=True).fill("9")
    page.get_by_label("Highest mentee grade", exact=True).fill("9")
    page.get_by_label("Lowest mentor grade", exact=True).fill("11")
    page.get_by_label("Highest mentor grade", exact=True).fill("12")
    page.get_by_label("Mentees per mentor", exact=True).fill("2")
    page.get_by_label("Meeting cadence", exact=True).select_option(label="Every two weeks")
    page.get_by_label("Minutes per session", exact=True).fill("30")
    page.get_by_role("button", name="Create program").click()

    expect(page.get_by_role("alert").first).to_contain_text("Please correct the fields")
    expect(page.locator(".field-error")).to_have_text(
        ["The term must end on or after the day it starts."]
    )
    term_end = page.get_by_label("Term ends", exact=True)
    expect(term_end).to_have_attribute("aria-invalid", "true")
    expect(term_end).to_have_accessible_description(
        "The term must end on or after the day it starts."
    )
    expect(page.get_by_label("Name", exact=True)).to_have_value("Reading Buddies")
    assert list(Program.objects.values_list("name", flat=True)) == ["Math Tutoring"]
    assert_accessible(page)
    screenshot(page, "program-form-errors")

    # Corrected: the program is created and its page opens.
    page.get_by_label("Term ends", exact=True).fill("2027-01-29")
    page.get_by_role("button", name="Create program").click()

    program = Program.objects.get(name="Reading Buddies")
    expect(page).to_have_url(re.compile(rf"/programs/{program.pk}/$"))
    expect(page.get_by_role("status")).to_have_text("The program “Reading Buddies” was created.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reading Buddies")
    assert (
        program.school,
        program.program_type,
        program.status,
        program.term_start,
        program.term_end,
        program.mentee_grade_min,
        program.mentee_grade_max,
        program.mentor_grade_min,
        program.mentor_grade_max,
        program.default_mentor_capacity,
        program.meeting_cadence,
        program.session_minutes,
        program.created_by,
    ) == (
        lakeside.school,
        "buddy",
        "recruiting",
        dt.date(2026, 9, 1),
        dt.date(2027, 1, 29),
        9,
        9,
        11,
        12,
        2,
        "fortnightly",
        30,
        lakeside.coordinator,
    )
    assert_accessible(page)
    screenshot(page, "program-detail")

    # Its participant list is empty, and says so.
    page.get_by_role("button", name="Participants", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/programs/{program.pk}/participants/$"))
    expect(page.locator("#participant-results")).to_contain_text("0 participants")
    expect(page.locator("#participant-results")).to_contain_text(
        "No participants match these filters."
    )
    assert_accessible(page)


def test_coordinator_searches_filters_and_pages_through_participants(
    page: Page, lakeside: Lakeside
) -> None:
    login(page, lakeside.coordinator.email, PASSWORD)
    page.get_by_role("link", name="Math Tutoring").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Math Tutoring")
    page.get_by_role("button", name="Participants", exact=True).click()

    results = page.locator("#participant-results")
    count = results.locator("p").first
    expect(count).to_have_text("30 participants")
    expect(results).to_contain_text("Page 1 of 2")
    families = sorted(ROSTER, key=lambda r: (r[1], r[0]))
    expected = [f"{given} {family}" for given, family, *_ in families]
    assert names_in_table(page) == expected[:25]
    assert_accessible(page)
    screenshot(page, "participants")

    # Paging goes through htmx too.
    mark_document(page)
    with page.expect_request(lambda r: r.headers.get("hx-request") == "true"):
        results.get_by_role("link", name="Next").click()
    expect(results).to_contain_text("Page 2 of 2")
    assert names_in_table(page) == expected[25:]
    expect(page).to_have_url(re.compile(r"\?page=2$"))
    assert_same_document(page)

    # Typing a search replaces the rows without a page load.
    with page.expect_response(
        lambda r: r.request.headers.get("hx-request") == "true" and "q=okafor" in r.url
    ):
        page.get_by_label("Search by name or e-mail", exact=True).press_sequentially("okafor")
    expect(count).to_have_text("2 participants")
    assert names_in_table(page) == ["Nadia Okafor", "Oscar Okafor"]
    expect(results.get_by_role("navigation")).to_have_count(0)
    assert_same_document(page)
    expect(page).to_have_url(re.compile(r"q=okafor"))

    # Choosing a role narrows further.
    page.get_by_label("Role", exact=True).select_option(label="Mentor")
    expect(count).to_have_text("1 participant")
    assert names_in_table(page) == ["Nadia Okafor"]

    # Role "Mentor" includes those who are both; status narrows by lifecycle stage.
    page.get_by_label("Search by name or e-mail", exact=True).fill("")
    page.get_by_label("Status", exact=True).select_option(label="Screening")
    expect(count).to_have_text("5 participants")
    assert names_in_table(page) == [
        "Dmitri Dubois",
        "Isaac Ishikawa",
        "Rosa Rahman",
        "Wei Whitfield",
        "Ben Zhou",
    ]
    assert_same_document(page)
    assert_accessible(page)

    # The status form moves one participant on and comes back to the same filters.
    page.get_by_label("Role", exact=True).select_option(label="Any role")
    page.get_by_label("Status", exact=True).select_option(label="Waitlisted")
    expect(count).to_have_text("2 participants")
    assert names_in_table(page) == ["Hana Haddad", "Uriel Usman"]
    page.get_by_label("New status for Uriel Usman").select_option(label="Screening")
    page.get_by_role("row", name=re.compile("Uriel Usman")).get_by_role(
        "button", name="Apply"
    ).click()
    expect(page.get_by_role("status")).to_have_text("Uriel Usman is now Screening.")
    expect(page).to_have_url(re.compile(r"status=waitlisted"))
    assert names_in_table(page) == ["Hana Haddad"]
    uriel = Participant.objects.get(student__user__family_name="Usman")
    assert uriel.status == ParticipantStatus.SCREENING
    assert list(uriel.status_changes.values_list("from_status", "to_status", "actor")) == [
        ("", "waitlisted", lakeside.coordinator.pk),
        ("waitlisted", "screening", lakeside.coordinator.pk),
    ]


def test_coordinator_pages_fit_a_phone(mobile_page: Page, lakeside: Lakeside) -> None:
    page = mobile_page
    program = lakeside.program
    login(page, lakeside.coordinator.email, PASSWORD)
    for path, name in [
        ("/", "home"),
        ("/programs/new/", "program-form"),
        (f"/programs/{program.pk}/", "program-detail"),
        (f"/programs/{program.pk}/participants/", "participants"),
    ]:
        page.goto(path)
        assert_no_horizontal_overflow(page)
        screenshot(page, f"mobile-{name}")

    # The participant list stays usable: rows become labelled cards, filters work.
    expect(page.locator(ROWS)).to_have_count(25)
    expect(page.locator(f"{ROWS}:first-child td").first).to_be_visible()
    page.get_by_label("Search by name or e-mail", exact=True).fill("okafor")
    expect(page.locator("#participant-results")).to_contain_text("2 participants")
    assert_no_horizontal_overflow(page)
    assert_accessible(page)
    screenshot(page, "mobile-participants-search")


def test_coordinator_of_another_school_gets_not_found(page: Page, lakeside: Lakeside) -> None:
    elsewhere = make_school("Hillview High", organization=lakeside.school.organization)
    stranger = make_coordinator(elsewhere, given_name="Hal", family_name="Ives")
    login(page, stranger.email, PASSWORD)
    expect(page.get_by_role("link", name="Math Tutoring")).to_have_count(0)

    program = lakeside.program
    for path in [
        f"/programs/{program.pk}/",
        f"/programs/{program.pk}/edit/",
        f"/programs/{program.pk}/participants/",
    ]:
        response = page.goto(path)
        assert response is not None
        assert response.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
        expect(page.get_by_text("Math Tutoring")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "not-found")


def test_teacher_sees_the_program_but_not_its_participants(page: Page, lakeside: Lakeside) -> None:
    teacher = make_staff(lakeside.school, given_name="Tomas", family_name="Teach")
    login(page, teacher.email, PASSWORD)
    program = lakeside.program

    page.goto(f"/programs/{program.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Math Tutoring")
    expect(page.get_by_role("button", name="Participants", exact=True)).to_have_count(0)

    response = page.goto(f"/programs/{program.pk}/participants/")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
    expect(page.get_by_text("Okafor")).to_have_count(0)
    assert_accessible(page)
