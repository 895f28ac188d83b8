"""A minor's message with a phone number is held, released by the safeguarding lead, then read."""

from __future__ import annotations

import datetime as dt
from unittest import mock

from harness import assert_accessible, assert_no_horizontal_overflow, login, screenshot
from playwright.sync_api import expect

from factories import (
    PASSWORD,
    make_coordinator,
    make_course,
    make_program,
    make_school,
    make_staff,
    make_student,
    make_user,
)
from peerpath.core.models import Role
from peerpath.matching.services import match_create_manual
from peerpath.messaging.models import Message
from peerpath.people.services import guardian_link_create
from peerpath.programs.services import participant_enrol
from peerpath.recruitment import consent as consent_links
from peerpath.recruitment.services import consent_request, consent_respond


def _born(years_ago: int) -> dt.date:
    return dt.date(dt.date.today().year - years_ago, 1, 1)


def test_held_message_is_released_and_read(new_page):
    school = make_school("Willow High")
    coordinator = make_coordinator(school, email="coord@willow.test")
    make_staff(school, role=Role.SAFEGUARDING_LEAD, email="lead@willow.test")
    guardian = make_user(school.organization, email="parent@willow.test")
    course = make_course(school, "Algebra I", code="ALG1")
    program = make_program(
        school, coordinator, name="Willow Tutoring", status="running", mentor_training_minutes=0
    )
    mentor = participant_enrol(
        actor=coordinator,
        program=program,
        role="mentor",
        status="ready",
        subjects=[course],
        student=make_student(
            school,
            12,
            given_name="Mo",
            family_name="Reyes",
            password=PASSWORD,
            birth_date=_born(19),
        ),
    )
    mentee_student = make_student(
        school, 9, given_name="Ana", family_name="Diaz", password=PASSWORD, birth_date=_born(14)
    )
    mentee = participant_enrol(
        actor=coordinator,
        program=program,
        role="mentee",
        status="ready",
        subjects=[course],
        student=mentee_student,
    )
    guardian_link_create(actor=None, guardian=guardian, student=mentee_student)
    nonce, nonce_hash = consent_links.new_nonce()
    with mock.patch.object(consent_links, "new_nonce", return_value=(nonce, nonce_hash)):
        [request] = consent_request(actor=None, participant=mentee)
    consent_respond(
        token=consent_links.respond_token(request.pk, nonce), give=True, guardian_name="Pat Diaz"
    )
    match = match_create_manual(actor=coordinator, program=program, mentor=mentor, mentee=mentee)
    thread_url = f"/matches/{match.pk}/messages/"

    # Ana, 14, writes from her phone; the message with a phone number is held.
    phone = new_page(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    login(phone, mentee_student.user.email, PASSWORD)
    phone.goto(thread_url)
    expect(phone.get_by_role("heading", name="Messages with Mo")).to_be_visible()
    phone.get_by_label("Your message").fill("Thanks for today! Ask me anything.")
    phone.get_by_role("button", name="Send").click()
    expect(phone.get_by_role("status")).to_have_text("Sent.")
    phone.get_by_label("Your message").fill("easier to text me, it's 555 204 1234")
    phone.get_by_role("button", name="Send").click()
    expect(phone.get_by_role("status")).to_contain_text("Your message is held for review")
    held_item = phone.get_by_role("listitem").filter(has_text="555 204 1234")
    expect(held_item).to_contain_text("Held for review")
    expect(phone.get_by_label("Your message")).to_be_focused()
    expect(phone.get_by_label("Your message")).to_have_value("")
    assert_accessible(phone)
    assert_no_horizontal_overflow(phone)
    screenshot(phone, "messaging-held-mobile")
    held = Message.objects.get(status="held")

    # Mo, the recipient, sees the first message but nothing of the held one.
    mo = new_page()
    login(mo, mentor.student.user.email, PASSWORD)
    mo.goto(thread_url)
    expect(mo.get_by_text("Thanks for today! Ask me anything.")).to_be_visible()
    expect(mo.get_by_text("555 204 1234")).to_have_count(0)
    expect(mo.get_by_text("Held for review")).to_have_count(0)

    # The safeguarding lead sees it in the queue, with the number marked, and releases it.
    lead = new_page()
    login(lead, "lead@willow.test", PASSWORD)
    lead.goto("/moderation/")
    expect(lead.get_by_role("heading", name="From Ana Diaz to Mo Reyes")).to_be_visible()
    expect(lead.locator("mark")).to_have_text("555 204 1234")
    assert_accessible(lead)
    screenshot(lead, "messaging-queue")
    lead.get_by_role("button", name=f"Release message {held.pk}").click()
    expect(lead.get_by_role("status").first).to_contain_text("The message was delivered.")
    expect(lead.get_by_text("No message is waiting for review.")).to_be_visible()
    assert_accessible(lead)
    held.refresh_from_db()
    assert held.status == "delivered"

    # Now Mo reads it.
    mo.goto(thread_url)
    expect(mo.get_by_text("easier to text me, it's 555 204 1234")).to_be_visible()
    assert_accessible(mo)
    screenshot(mo, "messaging-thread-released")

    # The word list, on a phone, for the lead.
    lead_phone = new_page(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    login(lead_phone, "lead@willow.test", PASSWORD)
    lead_phone.goto(f"/programs/{program.pk}/message-words/")
    lead_phone.get_by_label("Word or phrase").fill("secret")
    lead_phone.get_by_role("button", name="Add to the list").click()
    expect(lead_phone.get_by_role("status").first).to_contain_text("“secret” was added.")
    assert_accessible(lead_phone)
    assert_no_horizontal_overflow(lead_phone)
    screenshot(lead_phone, "messaging-words-mobile")
