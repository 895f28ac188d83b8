"""
Recruit, screen and train, at phone width, in a real browser.

A minor applies as a tutor, the coordinator accepts, the guardian consents
through the e-mailed link, the tutor passes a training module's quiz and the
coordinator marks them ready. Every page is checked with axe.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core import mail
from harness import assert_accessible, assert_no_horizontal_overflow, login, screenshot
from playwright.sync_api import expect

from factories import (
    PASSWORD,
    make_coordinator,
    make_course,
    make_program,
    make_school,
    make_student,
    make_user,
)
from peerpath.people.services import guardian_link_create
from peerpath.programs.models import Participant
from peerpath.recruitment.models import GuardianConsent
from peerpath.training.models import TrainingModule
from peerpath.training.services import program_module_require, starter_curriculum_load


def _birth_date(age: int) -> dt.date:
    today = dt.date.today()
    return (
        dt.date(today.year - age - 1, 12, 31)
        if (today.month, today.day) < (12, 31)
        else dt.date(today.year - age, 12, 31)
    )


def test_apply_accept_consent_train_ready_on_a_phone(new_page, live_server):
    starter_curriculum_load()
    school = make_school("Cedar High")
    coordinator = make_coordinator(school, email="coord@cedar.test")
    make_course(school, "Algebra I", code="ALG1")
    program = make_program(
        school,
        coordinator,
        name="Cedar Peer Tutoring",
        mentor_grade_min=11,
        mentor_min_subject_grade=80,
        mentor_training_minutes=0,
        terms="Tutoring happens in the library after school. Tutors never meet tutees off campus.",
        description="Older students tutor younger ones in math.",
    )
    module = (
        TrainingModule.objects.filter(organization=None, audience="mentor")
        .order_by("order")
        .first()
    )
    program_module_require(actor=coordinator, program=program, module=module, role="mentor")
    tutor = make_student(
        school, 11, email="tara.tutor@cedar.test", password=PASSWORD, birth_date=_birth_date(16)
    )
    guardian = make_user(school.organization, email="guardian@home.test")
    guardian_link_create(actor=None, guardian=guardian, student=tutor, relationship="mother")

    # The student applies from the program's page on a phone.
    student = new_page(viewport={"width": 375, "height": 740})
    login(student, "tara.tutor@cedar.test", PASSWORD)
    student.goto(f"/join/{program.pk}/")
    expect(student.get_by_role("heading", name="Cedar Peer Tutoring")).to_be_visible()
    assert_accessible(student)
    assert_no_horizontal_overflow(student)
    student.get_by_role("button", name="Help others as a tutor").click()
    expect(student.get_by_role("heading", name="Apply as a mentor")).to_be_visible()
    assert_accessible(student)
    student.get_by_role("checkbox", name="Algebra I").check()
    student.get_by_label("Your current grade in Algebra I (%)").fill("92")
    student.get_by_label("Monday 15:00–15:45").check()
    student.get_by_label("Wednesday 15:00–15:45").check()
    student.get_by_label("English", exact=True).check()
    student.get_by_label("Chess").check()
    student.get_by_label("What do you hope to get out of the program?").fill(
        "Get better at explaining."
    )
    student.get_by_label("Why do you want to be a mentor?").fill("Someone helped me once.")
    screenshot(student, "recruitment-apply-mobile")
    student.get_by_role("button", name="Send my application").click()
    expect(student.get_by_role("status").first).to_contain_text("Your application is in")
    participant = Participant.objects.get(student=tutor)
    assert participant.status == "applied"

    # The coordinator accepts from the review queue.
    staff = new_page(viewport={"width": 375, "height": 740})
    login(staff, "coord@cedar.test", PASSWORD)
    staff.goto(f"/programs/{program.pk}/applications/")
    assert_accessible(staff)
    assert_no_horizontal_overflow(staff)
    staff.get_by_label(f"Choose {tutor.user.display_name}").check()
    staff.get_by_label("Decision", exact=True).select_option("accept")
    staff.get_by_label("Message to the applicants (sent by e-mail)").fill("Welcome!")
    screenshot(staff, "recruitment-review-mobile")
    staff.get_by_role("button", name="Apply the decision").click()
    expect(staff.get_by_role("status").first).to_contain_text("1 application(s) decided")
    participant.refresh_from_db()
    assert participant.status == "screening"

    # The guardian opens the e-mailed link and consents, without an account.
    [request] = [m for m in mail.outbox if m.to == ["guardian@home.test"]]
    path = re.search(r"https?://[^/]+(/consent/\S+?/)\s", request.body).group(1)
    parent = new_page(viewport={"width": 375, "height": 740})
    parent.goto(path)
    expect(parent.get_by_text("Tutors never meet tutees off campus.")).to_be_visible()
    assert_accessible(parent)
    assert_no_horizontal_overflow(parent)
    parent.get_by_label("Your full name (this is your signature)").fill("Maria Tutor")
    screenshot(parent, "recruitment-consent-mobile")
    parent.get_by_role("button", name="I consent").click()
    expect(parent.get_by_role("status")).to_contain_text("Your consent is recorded")
    assert GuardianConsent.objects.get().status == "given"
    participant.refresh_from_db()
    assert participant.status == "screening"  # training is still missing

    # The tutor completes the required module by passing its quiz.
    student.goto("/training/")
    assert_accessible(student)
    student.get_by_role("link", name=module.title).first.click()
    for question in module.questions.order_by("order"):
        group = student.get_by_role("group", name=re.compile(re.escape(question.prompt)))
        group.get_by_label(question.choices[question.correct_choice], exact=True).check()
    student.get_by_role("button", name="Submit answers").click()
    expect(student.get_by_role("heading", name="You passed")).to_be_visible()
    assert_accessible(student)
    screenshot(student, "recruitment-quiz-passed-mobile")

    # Nothing is missing any more: the tutor is ready to match.
    staff.goto(f"/programs/{program.pk}/participants/{participant.pk}/readiness/")
    assert_accessible(staff)
    participant.refresh_from_db()
    if participant.status == "screening":
        staff.get_by_role("button", name="Mark ready to match").click()
        expect(staff.get_by_role("status").first).to_contain_text("is ready to match")
    participant.refresh_from_db()
    assert participant.status == "ready"
    screenshot(staff, "recruitment-readiness-mobile")
