"""
Who may open and change what under /training/.

Students see and record only their own training; a program's training page
and its writes belong to the program's coordinators. A program the user
cannot see answers 404, one they can see but not run answers 403, and a
denied write changes nothing.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from training_testlib import answer, make_module

from factories import make_organization
from peerpath.core.models import AuditEntry
from peerpath.training.models import ModuleProgress, ProgramModule
from peerpath.training.services import program_module_require

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def module(campus):
    module = make_module(title="Boundaries", answers=(0, 1))
    program_module_require(
        actor=campus.coordinator, program=campus.program, module=module, role="mentor"
    )
    return module


def snapshot():
    """Everything a denied training write could change."""
    return (
        list(
            ProgramModule.objects.order_by("pk").values_list(
                "pk", "program_id", "module_id", "role"
            )
        ),
        list(
            ModuleProgress.objects.order_by("pk").values_list(
                "pk", "student_id", "attempts", "best_score", "completed_at"
            )
        ),
        AuditEntry.objects.count(),
        len(mail.outbox),
    )


def program_writes(campus, module):
    pk = campus.program.pk
    return [
        (reverse("training:requirements", args=[pk]), {"mentor": [], "mentee": []}),
        (reverse("training:reminders", args=[pk]), {}),
    ]


def student_writes(module):
    answers = {f"q_{q}": str(c) for q, c in answer(module, right=2).items()}
    return [
        (reverse("training:quiz", args=[module.pk]), answers),
        (reverse("training:complete", args=[module.pk]), {}),
    ]


def test_anonymous_is_sent_to_login_and_changes_nothing(campus, module, client):
    before = snapshot()
    pages = [
        reverse("training:mine"),
        reverse("training:module", args=[module.pk]),
        reverse("training:program", args=[campus.program.pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))
    for url, data in [*program_writes(campus, module), *student_writes(module)]:
        response = client.post(url, data)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))
    assert snapshot() == before


@pytest.mark.parametrize("who", ["outsider", "other_coordinator"])
def test_people_of_another_school_get_not_found(
    campus, module, who, django_capture_on_commit_callbacks
):
    user = campus.outsider.user if who == "outsider" else campus.other_coordinator
    client = client_for(user)
    before = snapshot()

    assert client.get(reverse("training:program", args=[campus.program.pk])).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        for url, data in program_writes(campus, module):
            assert client.post(url, data).status_code == 404, url
    assert snapshot() == before


def test_a_student_of_the_program_is_forbidden_its_training_page(campus, module):
    client = client_for(campus.mentor.user)
    before = snapshot()
    assert client.get(reverse("training:program", args=[campus.program.pk])).status_code == 403
    for url, data in program_writes(campus, module):
        assert client.post(url, data).status_code == 403, url
    assert snapshot() == before


def test_staff_who_do_not_coordinate_are_forbidden(
    campus, module, django_capture_on_commit_callbacks
):
    client = client_for(campus.staff)
    before = snapshot()
    assert client.get(reverse("training:program", args=[campus.program.pk])).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        for url, data in program_writes(campus, module):
            assert client.post(url, data).status_code == 403, url
    # Staff may preview a module but not record training.
    assert client.get(reverse("training:module", args=[module.pk])).status_code == 200
    for url, data in student_writes(module):
        assert client.post(url, data).status_code == 403, url
    assert snapshot() == before


def test_another_organizations_module_does_not_exist_for_a_student(campus):
    theirs = make_module(organization=make_organization("Elsewhere"), answers=(0,))
    client = client_for(campus.mentor.user)
    before = snapshot()
    assert client.get(reverse("training:module", args=[theirs.pk])).status_code == 404
    for url, data in student_writes(theirs):
        assert client.post(url, data).status_code == 404, url
    assert snapshot() == before


def test_an_inactive_module_is_not_found(campus, module):
    module.is_active = False
    module.save(update_fields=["is_active"])
    assert (
        client_for(campus.mentor.user).get(reverse("training:module", args=[module.pk])).status_code
        == 404
    )


def test_a_students_answers_are_recorded_for_themselves_only(campus, module):
    url, data = student_writes(module)[0]
    client_for(campus.mentee.user).post(url, data)

    assert list(ModuleProgress.objects.values_list("student_id", "attempts")) == [
        (campus.mentee.pk, 1)
    ]
    body = client_for(campus.mentor.user).get(reverse("training:mine")).content.decode()
    item = body.split(">Boundaries</a>")[1].split("</li>")[0]
    assert "Not started" in item


def test_pages_only_accept_the_right_methods(campus, module):
    client = client_for(campus.coordinator)
    for url, _data in program_writes(campus, module):
        assert client.get(url).status_code == 405
    mentor = client_for(campus.mentor.user)
    for url, _data in student_writes(module):
        assert mentor.get(url).status_code == 405
