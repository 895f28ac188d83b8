"""Coordinators remind participants whose training is incomplete, by e-mail after commit."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from training_testlib import make_module

from factories import make_participant
from peerpath.core.models import AuditEntry
from peerpath.training.services import (
    module_complete,
    program_module_require,
    training_reminders_send,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def reading(campus):
    """A 120-minute mentor module and a mentee module, both required; no quizzes."""
    mentor_module = make_module(title="Boundaries", minutes=120, answers=())
    mentee_module = make_module(title="Welcome", audience="mentee", minutes=15, answers=())
    for module, role in ((mentor_module, "mentor"), (mentee_module, "mentee")):
        program_module_require(
            actor=campus.coordinator, program=campus.program, module=module, role=role
        )
    return mentor_module, mentee_module


def test_reminders_go_to_participants_with_incomplete_training(
    campus, reading, django_capture_on_commit_callbacks
):
    _, mentee_module = reading
    module_complete(actor=campus.mentee.user, student=campus.mentee, module=mentee_module)
    make_participant(campus.program, role="mentee", status="withdrawn")  # left: not reminded

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sent = training_reminders_send(actor=campus.coordinator, program=campus.program)
    assert sent == 1
    assert mail.outbox == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [campus.mentor.user.email]
    assert message.subject == "Your training for Math Tutoring"
    assert "Hello Mia," in message.body
    assert "- Boundaries\n" in message.body
    assert "Training time: 0 of 120 minutes completed." in message.body
    assert "http://127.0.0.1:8000/training/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "<li>Boundaries</li>" in html
    assert 'href="http://127.0.0.1:8000/training/"' in html
    entry = AuditEntry.objects.get(action="training.reminders_send")
    assert entry.after == {"sent": 1, "participants": [campus.mentor_participant.pk]}


def test_nobody_is_reminded_once_everyone_is_done(
    campus, reading, django_capture_on_commit_callbacks
):
    mentor_module, mentee_module = reading
    module_complete(actor=campus.mentor.user, student=campus.mentor, module=mentor_module)
    module_complete(actor=campus.mentee.user, student=campus.mentee, module=mentee_module)
    with django_capture_on_commit_callbacks(execute=True):
        assert training_reminders_send(actor=campus.coordinator, program=campus.program) == 0
    assert mail.outbox == []


def test_only_the_programs_coordinators_send_reminders(
    campus, reading, django_capture_on_commit_callbacks
):
    audits = AuditEntry.objects.count()
    for actor in (campus.staff, campus.other_coordinator, campus.mentor.user):
        with (
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(PermissionDenied),
        ):
            training_reminders_send(actor=actor, program=campus.program)
    assert mail.outbox == []
    assert AuditEntry.objects.count() == audits
