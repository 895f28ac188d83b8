"""
Training in a real browser, at phone width: a mentor reads a module, fails and
then passes its quiz, and sees the module completed; the coordinator sees the
progress and sends reminders.

Every page visited is checked with axe-core for WCAG 2.1 A/AA violations.
"""

from __future__ import annotations

import re
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
    make_student,
)
from peerpath.core.models import User
from peerpath.programs.models import Program
from peerpath.training.models import ModuleProgress, TrainingModule
from peerpath.training.services import program_module_require, starter_curriculum_load

LISTENING = "communication-and-active-listening"


@dataclass
class Setup:
    coordinator: User
    mentor: User
    program: Program
    module: TrainingModule


@pytest.fixture
def setup() -> Setup:
    # Browser tests flush the database between tests, taking the migrated
    # curriculum with it; load it again.
    starter_curriculum_load()
    school = make_school("Lakeside High")
    coordinator = make_coordinator(school, given_name="Carmen", family_name="Ortiz")
    program = make_program(school, coordinator, name="Math Tutoring", consent_age=0)
    student = make_student(school, 12, given_name="Mia", family_name="Mentor", password=PASSWORD)
    make_participant(program, student, "mentor", "screening", actor=coordinator)
    module = TrainingModule.objects.get(organization=None, slug=LISTENING)
    program_module_require(actor=coordinator, program=program, module=module, role="mentor")
    return Setup(coordinator=coordinator, mentor=student.user, program=program, module=module)


def answer_quiz(page: Page, module: TrainingModule, *, wrong: int) -> None:
    """Answer every question, the last ``wrong`` of them wrongly, and submit."""
    questions = list(module.questions.order_by("order"))
    for index, question in enumerate(questions):
        choice = question.correct_choice
        if index >= len(questions) - wrong:
            choice = (choice + 1) % len(question.choices)
        group = page.get_by_role("group", name=f"{index + 1}. {question.prompt}")
        group.get_by_label(question.choices[choice], exact=True).check()
    page.get_by_role("button", name="Submit answers").click()


def test_mentor_passes_a_module_on_a_phone(mobile_page: Page, setup: Setup) -> None:
    page = mobile_page
    login(page, setup.mentor.email, PASSWORD)

    page.goto("/training/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My training")
    expect(page.get_by_role("heading", name="Math Tutoring")).to_be_visible()
    item = page.get_by_role("listitem").filter(has_text="Communication and active listening")
    expect(item.first).to_contain_text("Not started")
    expect(page.get_by_text("0 of 120 minutes of mentor training completed")).to_be_visible()
    assert_no_horizontal_overflow(page)
    assert_accessible(page)
    screenshot(page, "training-mine-mobile")

    page.get_by_role("link", name="Communication and active listening").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Communication and active listening")
    expect(page.get_by_role("heading", name="Why listening comes first")).to_be_visible()
    assert_no_horizontal_overflow(page)
    assert_accessible(page)
    screenshot(page, "training-module-mobile")

    # One wrong answer of four is 75%, below the 80% pass mark; htmx swaps in the result.
    page.evaluate("window.__peerpathDocument = 'kept'")
    answer_quiz(page, setup.module, wrong=1)
    expect(page.get_by_role("heading", name="Not passed yet")).to_be_focused()
    expect(page.locator("#quiz")).to_contain_text(
        "You answered 3 of 4 questions correctly (75%). The pass mark is 80%."
    )
    assert page.evaluate("window.__peerpathDocument") == "kept"
    assert_no_horizontal_overflow(page)
    assert_accessible(page)
    screenshot(page, "training-quiz-failed-mobile")
    screenshot(page, "training-quiz-failed-mobile-viewport", full_page=False)

    answer_quiz(page, setup.module, wrong=0)
    expect(page.get_by_role("heading", name="You passed")).to_be_focused()
    expect(page.locator("#quiz")).to_contain_text("This module is now completed.")
    assert_accessible(page)
    screenshot(page, "training-quiz-passed-mobile")
    screenshot(page, "training-quiz-passed-mobile-viewport", full_page=False)

    progress = ModuleProgress.objects.get(student__user=setup.mentor, module=setup.module)
    assert (progress.attempts, progress.best_score, progress.passed) == (2, 100, True)

    page.get_by_role("button", name="Back to my training").click()
    expect(page).to_have_url(re.compile(r"/training/$"))
    expect(item.first).to_contain_text("Completed")
    expect(page.get_by_text("25 of 120 minutes of mentor training completed")).to_be_visible()
    assert_no_horizontal_overflow(page)
    assert_accessible(page)
    screenshot(page, "training-mine-done-mobile")


def test_coordinator_sees_progress_and_sends_reminders(mobile_page: Page, setup: Setup) -> None:
    page = mobile_page
    login(page, setup.coordinator.email, PASSWORD)
    page.goto(f"/training/programs/{setup.program.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Training")
    expect(
        page.get_by_role("checkbox", name="Communication and active listening (25 min)")
    ).to_be_checked()
    row = page.get_by_role("row", name=re.compile("Mia Mentor"))
    expect(row).to_contain_text("0 of 1")
    expect(row).to_contain_text("0 of 120")
    assert_no_horizontal_overflow(page)
    assert_accessible(page)
    screenshot(page, "training-program-mobile")

    page.get_by_role("checkbox", name="Boundaries that keep everyone safe (25 min)").check()
    page.get_by_role("button", name="Save required modules").click()
    expect(page.get_by_role("status")).to_have_text("The required modules were saved.")
    expect(row).to_contain_text("0 of 2")

    page.get_by_role("button", name="Send reminders").click()
    expect(page.get_by_role("status")).to_have_text("A reminder was sent to 1 participant.")
    assert_accessible(page)
