"""
A mentee raises a concern and rates a session; the safeguarding lead works the
concern; the coordinator works the needs-attention queue, whose reasons come
from check-ins and from the pair's sessions (recency, no-shows, ratings).
"""

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
    make_staff,
    make_student,
)
from peerpath.core.models import Role
from peerpath.matching.models import Match
from peerpath.matching.services import match_create_manual
from peerpath.meetings.services import attendance_confirm, session_record_held, session_schedule
from peerpath.programs.services import participant_enrol
from peerpath.support.instruments import RELATIONSHIP
from peerpath.support.models import Concern, SessionFeedback, SupportContact
from peerpath.support.services import checkin_submit, session_feedback_save


def test_concern_and_needs_attention(new_page):
    school = make_school("Willow High")
    coordinator = make_coordinator(school, email="coord@willow.test")
    make_staff(school, role=Role.SAFEGUARDING_LEAD, email="lead@willow.test")
    course = make_course(school, "Algebra I", code="ALG1")
    program = make_program(
        school, coordinator, name="Willow Tutoring", status="running", mentor_training_minutes=0
    )
    adult = dt.date(dt.date.today().year - 19, 1, 1)
    mentor = participant_enrol(
        actor=coordinator,
        program=program,
        role="mentor",
        status="ready",
        subjects=[course],
        student=make_student(
            school, 12, given_name="Mo", family_name="Reyes", password=PASSWORD, birth_date=adult
        ),
    )
    mentee = participant_enrol(
        actor=coordinator,
        program=program,
        role="mentee",
        status="ready",
        subjects=[course],
        student=make_student(
            school, 9, given_name="Ana", family_name="Diaz", password=PASSWORD, birth_date=adult
        ),
    )
    match = match_create_manual(actor=coordinator, program=program, mentor=mentor, mentee=mentee)
    # The pair began 40 days ago and met once, 25 days ago; the mentee missed the two
    # sessions since, and the mentor rated the one they had 2 of 5.
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    Match.objects.filter(pk=match.pk).update(
        started_at=now - dt.timedelta(days=40),
        mentor_agreed_at=now - dt.timedelta(days=39),
        mentee_agreed_at=now - dt.timedelta(days=39),
    )
    held = session_record_held(
        actor=mentor.student.user,
        match=match,
        starts_at=now - dt.timedelta(days=25),
        duration_minutes=45,
        location="Library",
    )
    session_feedback_save(
        actor=mentor.student.user, session=held, rating=2, comment="Ana seemed bored."
    )
    for days in (10, 3):
        start = now - dt.timedelta(days=days)
        [missed] = session_schedule(
            actor=coordinator,
            match=match,
            starts_at=start,
            location="Library",
            now=start - dt.timedelta(days=1),
        )
        attendance_confirm(
            actor=mentor.student.user, session=missed, held=False, now=start + dt.timedelta(hours=1)
        )
    checkin_submit(
        actor=mentee.student.user,
        participant=mentee,
        kind="checkin",
        answers={**{i.key: 2 for i in RELATIONSHIP.items}, "rq4": 4},
    )

    phone = new_page(viewport={"width": 375, "height": 740})
    login(phone, mentee.student.user.email, PASSWORD)
    phone.get_by_role("link", name="Raise a concern").click()
    assert_accessible(phone)
    assert_no_horizontal_overflow(phone)
    phone.get_by_label("What it is about").select_option("match")
    phone.get_by_label("What happened? Only the school's safeguarding leads will read this.").fill(
        "My tutor asked for my phone number."
    )
    screenshot(phone, "support-concern-mobile")
    phone.get_by_role("button", name="Send privately").click()
    expect(phone.get_by_role("heading", name="Thank you for telling us")).to_be_visible()
    assert_accessible(phone)
    concern = Concern.objects.get()

    # The mentee rates the session they had: privately, from the session page.
    phone.goto(f"/sessions/{held.pk}/")
    phone.get_by_role("link", name="Rate this session").click()
    expect(phone.get_by_role("heading", name="Session feedback")).to_be_visible()
    expect(phone.get_by_text("Ana seemed bored.")).to_have_count(0)  # never the partner's words
    phone.get_by_label("2 – not great").check()
    phone.get_by_label("Anything to add? (optional)").fill("We only talked about football.")
    assert_accessible(phone)
    assert_no_horizontal_overflow(phone)
    screenshot(phone, "support-session-feedback-mobile")
    phone.get_by_role("button", name="Send my feedback").click()
    expect(phone.get_by_role("status").first).to_contain_text(
        "Thank you. Your feedback is private."
    )
    assert SessionFeedback.objects.get(participant=mentee).rating == 2

    lead = new_page()
    login(lead, "lead@willow.test", PASSWORD)
    lead.goto("/concerns/")
    lead.get_by_role("link", name=f"Concern {concern.pk}").click()
    expect(lead.get_by_text("My tutor asked for my phone number.")).to_be_visible()
    assert_accessible(lead)
    lead.get_by_label("Status").select_option("acknowledged")
    lead.get_by_label("Note (seen by safeguarding leads)").fill("Talked with Ana and her tutor.")
    lead.get_by_role("button", name="Save").click()
    expect(lead.get_by_role("status").first).to_contain_text("Saved.")
    concern.refresh_from_db()
    assert concern.status == "acknowledged"

    staff = new_page()
    login(staff, "coord@willow.test", PASSWORD)
    staff.goto(f"/programs/{program.pk}/attention/")
    expect(
        staff.get_by_text("The latest check-in rates the relationship 2.0 of 5.")
    ).to_be_visible()
    # Reasons from the pair's sessions, next to the signal.
    expect(staff.get_by_text("No meeting for 25 days.")).to_be_visible()
    expect(staff.get_by_text("2 no-shows in a row.")).to_be_visible()
    expect(
        staff.get_by_text("Average session rating 2.0 of 5 (the latest 2 ratings).")
    ).to_be_visible()
    expect(staff.locator(f"#match-{match.pk} .health")).to_have_text("At risk")
    assert_accessible(staff)
    staff.get_by_text("Log a support contact").click()
    staff.get_by_label("With").select_option("pair")
    staff.get_by_label("How").select_option("in_person")
    staff.get_by_label("When").fill(dt.datetime.now().strftime("%Y-%m-%dT%H:%M"))
    staff.get_by_label("Notes (coordinators only)").fill("Met both; agreed to meet at lunch.")
    screenshot(staff, "support-attention")
    staff.get_by_role("button", name="Log the contact").click()
    expect(staff.get_by_role("status").first).to_contain_text("The contact was logged.")
    assert SupportContact.objects.get().match == match

    # The coordinator reads both partners' feedback on the pair's sessions.
    staff.get_by_role("link", name="Session feedback").click()
    expect(staff.get_by_text("We only talked about football.")).to_be_visible()
    expect(staff.get_by_text("Ana seemed bored.")).to_be_visible()
    expect(staff.get_by_text("Average rating 2.0 of 5, from 2 ratings.")).to_be_visible()
    assert_accessible(staff)
    screenshot(staff, "support-match-feedback")
