"""A match round from run to publish, a manual swap and a closure, in a real browser."""

from __future__ import annotations

import datetime as dt

from harness import assert_accessible, assert_no_horizontal_overflow, login, screenshot
from playwright.sync_api import expect

from factories import (
    PASSWORD,
    make_coordinator,
    make_course,
    make_program,
    make_school,
    make_student,
)
from peerpath.matching.models import Match
from peerpath.programs.services import participant_enrol
from peerpath.recruitment.models import Application


def _ready(program, coordinator, school, course, *, role, name, grade, free):
    student = make_student(
        school,
        grade,
        given_name=name,
        family_name="Lee",
        password=PASSWORD,
        birth_date=dt.date(dt.date.today().year - 19, 1, 1),
        availability=free,
        languages=["en"],
    )
    participant = participant_enrol(
        actor=coordinator,
        program=program,
        student=student,
        role=role,
        status="ready",
        subjects=[course],
    )
    Application.objects.create(participant=participant, availability=free, languages=["en"])
    return participant


def test_round_swap_publish_and_close(page, new_page):
    school = make_school("Aspen High")
    coordinator = make_coordinator(school, email="coord@aspen.test")
    algebra = make_course(school, "Algebra I", code="ALG1")
    program = make_program(
        school, coordinator, name="Aspen Tutoring", status="running", mentor_training_minutes=0
    )
    _ready(
        program,
        coordinator,
        school,
        algebra,
        role="mentor",
        name="Ada",
        grade=12,
        free=["mon-2", "tue-2"],
    )
    _ready(
        program, coordinator, school, algebra, role="mentor", name="Cy", grade=12, free=["mon-2"]
    )
    _ready(
        program, coordinator, school, algebra, role="mentee", name="Dee", grade=9, free=["mon-2"]
    )
    fay = _ready(
        program, coordinator, school, algebra, role="mentee", name="Fay", grade=9, free=["tue-2"]
    )

    login(page, "coord@aspen.test", PASSWORD)
    page.goto(f"/programs/{program.pk}/matching/")
    assert_accessible(page)
    screenshot(page, "matching-program")
    page.get_by_role("button", name="Run matching").click()
    expect(page.get_by_role("heading", name="Proposed pairs")).to_be_visible()
    expect(page.get_by_text("Certified best possible for these settings.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "matching-round")

    # Swap Dee's mentor with Fay's: Fay now has Cy, who is not free on Tuesday.
    page.get_by_label("Swap mentors of Dee Lee with").select_option(label="Fay Lee")
    page.locator(
        "#proposal-"
        + str(program.match_rounds.get().proposals.get(mentee__student__user__given_name="Dee").pk)
    ).get_by_role("button", name="Swap").click()
    expect(page.get_by_text("Breaks: Shared free time")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "matching-after-swap")
    page.get_by_role("button", name="Publish these matches").click()
    expect(page.get_by_role("status").first).to_contain_text("2 matches published")
    assert Match.objects.filter(status="active").count() == 2
    assert Match.objects.get(mentee=fay).mentor.student.user.given_name == "Cy"
    assert_accessible(page)
    assert_no_horizontal_overflow(page)

    # The mentee reads the introduction on a phone and accepts the agreement.
    phone = new_page(viewport={"width": 375, "height": 740})
    login(phone, fay.student.user.email, PASSWORD)
    match = Match.objects.get(mentee=fay)
    phone.goto(f"/matches/{match.pk}/")
    expect(phone.get_by_role("heading", name="Meet Cy")).to_be_visible()
    assert_accessible(phone)
    assert_no_horizontal_overflow(phone)
    phone.get_by_role("button", name="I agree").click()
    expect(phone.get_by_role("status").first).to_contain_text("You accepted the match agreement")
    screenshot(phone, "matching-intro-mobile")

    # The coordinator closes the mismatched pair and asks for a rematch.
    page.goto(f"/matches/{match.pk}/close/")
    assert_accessible(page)
    page.get_by_label("Why the match ends").select_option("mismatch")
    page.get_by_label("Rematch both: each becomes ready for a new partner").check()
    page.get_by_role("button", name="Close the match").click()
    expect(page.get_by_role("status").first).to_contain_text("The match is closed")
    match.refresh_from_db()
    assert match.status == "closed"
    fay.refresh_from_db()
    assert fay.status == "ready"
    screenshot(page, "matching-after-close")
