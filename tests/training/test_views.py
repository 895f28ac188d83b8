"""The training pages, through HTTP: a student's training, the module and quiz, the coordinator's page."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from training_testlib import answer, make_module

from peerpath.training.models import ModuleProgress, ProgramModule
from peerpath.training.services import module_complete, program_module_require

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_answers(module, right):
    return {f"q_{pk}": str(choice) for pk, choice in answer(module, right=right).items()}


@pytest.fixture
def modules(campus):
    """A required quiz module (100 min), an optional reading (20 min), a mentee module."""
    quiz = make_module(title="Boundaries", minutes=100, answers=(0, 1, 2, 0, 1))
    reading = make_module(title="Goals", minutes=20, answers=())
    welcome = make_module(title="Welcome", audience="mentee", minutes=10, answers=())
    program_module_require(
        actor=campus.coordinator, program=campus.program, module=quiz, role="mentor"
    )
    program_module_require(
        actor=campus.coordinator, program=campus.program, module=welcome, role="mentee"
    )
    return quiz, reading, welcome


def test_my_training_lists_required_and_other_modules_with_progress(campus, modules):
    _quiz, reading, _welcome = modules
    module_complete(actor=campus.mentor.user, student=campus.mentor, module=reading)

    response = client_for(campus.mentor.user).get(reverse("training:mine"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Math Tutoring" in body
    assert "20 of 120 minutes of mentor training completed" in body
    required = body.split('id="other-heading"')[0]
    assert "Boundaries" in required
    assert "Not started" in required
    assert "Welcome" not in body  # a mentee module, not offered to this mentor
    other = body.split('id="other-heading"')[1]
    assert "Goals" in other
    assert "Completed" in other


def test_the_mentee_sees_only_their_own_training(campus, modules):
    quiz, _reading, _welcome = modules
    client_for(campus.mentor.user).post(
        reverse("training:quiz", args=[quiz.pk]), post_answers(quiz, 5)
    )
    body = client_for(campus.mentee.user).get(reverse("training:mine")).content.decode()
    assert "Welcome" in body
    assert "minutes of mentor training" not in body
    assert "Completed" not in body


def test_opening_a_module_starts_it_and_renders_content_safely(campus):
    module = make_module(content="## Listen\n\n<script>alert('x')</script>Be **kind**.")
    client = client_for(campus.mentor.user)

    response = client.get(reverse("training:module", args=[module.pk]))
    client.get(reverse("training:module", args=[module.pk]))

    body = response.content.decode()
    assert "<h2>Listen</h2>" in body
    assert "<strong>kind</strong>" in body
    assert "alert(" not in body
    assert body.count('type="radio"') == 15
    assert "Submit answers" in body
    progress = ModuleProgress.objects.get(student=campus.mentor, module=module)
    assert (progress.attempts, progress.completed_at) == (0, None)


def test_passing_the_quiz_shows_the_result_and_completes_the_module(campus, modules):
    quiz, _reading, _welcome = modules
    response = client_for(campus.mentor.user).post(
        reverse("training:quiz", args=[quiz.pk]), post_answers(quiz, 4)
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "You passed" in body
    assert "You answered 4 of 5 questions correctly (80%). The pass mark is 80%." in body
    assert "This module is now completed." in body
    assert body.count("Because") == 5  # every explanation is shown
    assert "Correct answer: B" in body  # the question answered wrongly
    assert "Submit answers" not in body
    progress = ModuleProgress.objects.get(student=campus.mentor, module=quiz)
    assert (progress.attempts, progress.best_score, progress.passed) == (1, 80, True)


def test_failing_offers_a_retry_and_htmx_gets_only_the_quiz(campus, modules):
    quiz, _reading, _welcome = modules
    response = client_for(campus.mentor.user).post(
        reverse("training:quiz", args=[quiz.pk]), post_answers(quiz, 3), HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.startswith('<section id="quiz"')
    assert "<html" not in body
    assert "Not passed yet" in body
    assert "(60%)" in body
    assert "Try again" in body
    assert "Submit answers" in body
    progress = ModuleProgress.objects.get(student=campus.mentor, module=quiz)
    assert (progress.attempts, progress.best_score, progress.completed_at) == (1, 60, None)


def test_an_incomplete_quiz_is_sent_back_with_errors(campus, modules):
    quiz, _reading, _welcome = modules
    data = post_answers(quiz, 5)
    data.pop(next(iter(data)))
    response = client_for(campus.mentor.user).post(reverse("training:quiz", args=[quiz.pk]), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Choose an answer." in body
    assert not ModuleProgress.objects.filter(student=campus.mentor, module=quiz).exists()


def test_a_reading_module_is_marked_completed(campus, modules):
    _quiz, reading, _welcome = modules
    client = client_for(campus.mentor.user)
    response = client.post(reverse("training:complete", args=[reading.pk]), follow=True)
    assert "“Goals” is completed." in response.content.decode()
    assert ModuleProgress.objects.get(student=campus.mentor, module=reading).completed_at


def test_staff_preview_a_module_with_its_answers_but_cannot_take_it(campus, modules):
    quiz, _reading, _welcome = modules
    client = client_for(campus.coordinator)
    body = client.get(reverse("training:module", args=[quiz.pk])).content.decode()
    assert "You are previewing this module." in body
    assert "A (correct)" in body
    assert "Submit answers" not in body
    response = client.post(reverse("training:quiz", args=[quiz.pk]), post_answers(quiz, 5))
    assert response.status_code == 403
    assert not ModuleProgress.objects.exists()


def test_coordinator_sees_who_finished_what(campus, modules):
    _quiz, reading, welcome = modules
    module_complete(actor=campus.mentor.user, student=campus.mentor, module=reading)
    module_complete(actor=campus.mentee.user, student=campus.mentee, module=welcome)

    response = client_for(campus.coordinator).get(
        reverse("training:program", args=[campus.program.pk])
    )

    body = response.content.decode()
    assert response.status_code == 200
    mentor_row = body.split("Mia Mentor")[1].split("</tr>")[0]
    assert "0 of 1" in mentor_row
    assert "20 of 120" in mentor_row
    assert "Boundaries; 100 more minutes of training" in mentor_row
    mentee_row = body.split("Ned Mentee")[1].split("</tr>")[0]
    assert "1 of 1" in mentee_row
    assert "Complete" in mentee_row
    assert "1 participant has not finished their training." in body
    assert "Hillview" not in body


def test_coordinator_chooses_required_modules(campus, modules):
    _quiz, reading, welcome = modules
    response = client_for(campus.coordinator).post(
        reverse("training:requirements", args=[campus.program.pk]),
        {"mentor": [str(reading.pk)], "mentee": [str(welcome.pk)]},
        follow=True,
    )
    assert "The required modules were saved." in response.content.decode()
    assert sorted(ProgramModule.objects.values_list("role", "module__title")) == [
        ("mentee", "Welcome"),
        ("mentor", "Goals"),
    ]


def test_coordinator_sends_reminders(campus, modules, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(campus.coordinator).post(
            reverse("training:reminders", args=[campus.program.pk]), follow=True
        )
    assert "Reminders were sent to 2 participants." in response.content.decode()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [campus.mentor.user.email, campus.mentee.user.email]
    )


def test_staff_training_index_lists_the_programs_they_run(campus):
    body = client_for(campus.coordinator).get(reverse("training:mine")).content.decode()
    assert reverse("training:program", args=[campus.program.pk]) in body
    assert "Hillview Buddies" not in body
