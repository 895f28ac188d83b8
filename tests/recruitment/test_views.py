from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peerpath.programs.models import Participant
from peerpath.recruitment.models import GuardianConsent, ScreeningItem, ScreeningRecord
from peerpath.recruitment.services import (
    ApplicationAnswers,
    application_submit,
    applications_decide,
    consent_request,
    screening_item_create,
)


def login(user, password="correct-horse-battery-42") -> Client:
    client = Client()
    assert client.login(username=user.email, password=password)
    return client


def tutee_application(setup):
    return application_submit(
        actor=setup.tutee.user,
        program=setup.program,
        role="mentee",
        answers=ApplicationAnswers(
            subjects=[setup.algebra], languages=["en"], availability=["mon-2"], goals="Pass."
        ),
    )


def test_student_of_the_school_sees_the_program_page_and_applies(
    setup, django_capture_on_commit_callbacks
):
    client = login(setup.tutor.user)
    page = client.get(reverse("recruitment:program-page", args=[setup.program.pk]))
    assert page.status_code == 200
    assert "Help others as a tutor" in page.content.decode()
    url = reverse("recruitment:apply", args=[setup.program.pk, "mentor"])
    form = client.get(url)
    assert form.status_code == 200
    assert "Your current grade in Algebra I" in form.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "subjects": [setup.algebra.pk],
                f"grade_{setup.algebra.pk}": "88",
                "languages": ["en"],
                "interests": ["chess"],
                "availability": ["mon-2", "tue-2"],
                "goals": "Share what helped me.",
                "meeting_mode": "in_person",
                "motivation": "I like explaining things.",
            },
        )
    assert response.status_code == 302
    participant = Participant.objects.get(student=setup.tutor)
    assert participant.role == "mentor"
    assert participant.application.subject_grades == {str(setup.algebra.pk): 88}
    assert len(mail.outbox) == 1


def test_ineligible_application_shows_every_reason_and_saves_nothing(setup):
    client = login(setup.tutee.user)
    response = client.post(
        reverse("recruitment:apply", args=[setup.program.pk, "mentor"]),
        {
            "subjects": [setup.algebra.pk],
            f"grade_{setup.algebra.pk}": "70",
            "languages": ["en"],
            "availability": ["mon-2"],
            "goals": "x",
            "meeting_mode": "either",
            "motivation": "x",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Mentors in this program are in grades 11–12; you are in grade 9." in body
    assert "you have 70% in Algebra I" in body
    assert not Participant.objects.filter(student=setup.tutee).exists()


def test_application_form_requires_availability(setup):
    client = login(setup.tutee.user)
    response = client.post(
        reverse("recruitment:apply", args=[setup.program.pk, "mentee"]),
        {
            "subjects": [setup.algebra.pk],
            "languages": ["en"],
            "goals": "x",
            "meeting_mode": "either",
        },
    )
    assert "Choose at least one time when you are free." in response.content.decode()
    assert not Participant.objects.exists()


def test_program_page_is_404_for_other_schools_and_staff_cannot_apply(setup):
    from factories import make_student

    outsider = make_student(setup.other_school, 10, password="correct-horse-battery-42")
    url = reverse("recruitment:program-page", args=[setup.program.pk])
    assert login(outsider.user).get(url).status_code == 404
    assert login(setup.other_coordinator).get(url).status_code == 404
    apply_url = reverse("recruitment:apply", args=[setup.program.pk, "mentee"])
    assert login(setup.staff).get(apply_url).status_code == 403
    assert Client().get(url).status_code == 302  # anonymous: to the login page


def test_review_queue_bulk_accept(setup, django_capture_on_commit_callbacks):
    participant = tutee_application(setup)
    client = login(setup.coordinator)
    url = reverse("recruitment:applications", args=[setup.program.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert setup.tutee.user.display_name in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"participants": [participant.pk], "decision": "waitlist", "message": "Full now."}
        )
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.status == "waitlisted"
    assert any("Full now." in m.body for m in mail.outbox)


@pytest.mark.parametrize(
    ("who", "status"), [("staff", 403), ("other_coordinator", 404), ("student", 404)]
)
def test_review_queue_denied_and_nothing_changes(setup, who, status):
    participant = tutee_application(setup)
    user = setup.adult_tutor.user if who == "student" else getattr(setup, who)
    client = login(user)
    url = reverse("recruitment:applications", args=[setup.program.pk])
    assert client.get(url).status_code == status
    response = client.post(url, {"participants": [participant.pk], "decision": "accept"})
    assert response.status_code == status
    participant.refresh_from_db()
    assert participant.status == "applied"


def test_staff_can_refer_but_students_cannot(setup):
    url = reverse("recruitment:refer", args=[setup.program.pk])
    client = login(setup.staff)
    assert client.get(url).status_code == 200
    response = client.post(url, {"student": setup.tutee.pk, "role": "mentee", "note": "Try it"})
    assert response.status_code == 302
    assert Participant.objects.get(student=setup.tutee).application.referred_by == setup.staff
    assert login(setup.adult_tutor.user).get(url).status_code == 403
    assert login(setup.other_coordinator).get(url).status_code == 404


def test_screening_pages_and_recording(setup):
    participant = application_submit(
        actor=setup.adult_tutor.user,
        program=setup.program,
        role="mentor",
        answers=ApplicationAnswers(
            subjects=[setup.algebra],
            languages=["en"],
            availability=["mon-2"],
            motivation="x",
            subject_grades={setup.algebra.pk: 95},
        ),
    )
    item = screening_item_create(actor=setup.coordinator, program=setup.program, name="Interview")
    applications_decide(
        actor=setup.coordinator,
        program=setup.program,
        participants=[participant],
        decision="accept",
        message="",
    )
    client = login(setup.coordinator)
    board = client.get(reverse("recruitment:screening", args=[setup.program.pk]))
    assert "Screening: “Interview” is not recorded." in board.content.decode()
    url = reverse("recruitment:readiness", args=[setup.program.pk, participant.pk])
    response = client.post(
        url,
        {"action": "record", "item": item.pk, "completed_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.status == "ready"
    add = client.post(
        reverse("recruitment:screening", args=[setup.program.pk]),
        {"name": "Reference", "kind": "reference", "applies_to": "mentor", "required": "on"},
    )
    assert add.status_code == 302
    assert ScreeningItem.objects.filter(name="Reference").exists()
    # Another school's coordinator sees nothing and records nothing.
    other = login(setup.other_coordinator)
    assert other.get(url).status_code == 404
    other.post(url, {"action": "record", "item": item.pk, "completed_on": "2026-01-01"})
    assert ScreeningRecord.objects.count() == 1


def test_guardian_consents_through_the_link(setup, django_capture_on_commit_callbacks):
    participant = application_submit(
        actor=setup.tutor.user,
        program=setup.program,
        role="mentor",
        answers=ApplicationAnswers(
            subjects=[setup.algebra],
            languages=["en"],
            availability=["mon-2"],
            motivation="x",
            subject_grades={setup.algebra.pk: 95},
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        applications_decide(
            actor=setup.coordinator,
            program=setup.program,
            participants=[participant],
            decision="accept",
            message="",
        )
    [message] = [m for m in mail.outbox if m.to == ["parent@home.test"]]
    path = re.search(r"https?://[^/]+(/consent/\S+?/)\s", message.body).group(1)
    client = Client()  # the guardian does not need to log in
    page = client.get(path)
    assert page.status_code == 200
    assert "Sessions happen at school during lunch or after school." in page.content.decode()
    empty = client.post(path, {"answer": "give", "guardian_name": ""})
    assert empty.status_code == 200
    assert GuardianConsent.objects.get().status == "pending"
    done = client.post(path, {"answer": "give", "guardian_name": "Paul Parent"})
    assert done.status_code == 200
    assert "Your consent is recorded" in done.content.decode()
    participant.refresh_from_db()
    assert participant.status == "ready"
    again = client.get(path)
    assert again.status_code == 410
    assert "already used" in again.content.decode()
    assert client.get("/consent/not-a-real-token/").status_code == 404


def test_a_guardian_without_an_account_is_thanked_in_the_language_of_the_page_they_answered(
    setup, django_capture_on_commit_callbacks
):
    participant = application_submit(
        actor=setup.tutor.user,
        program=setup.program,
        role="mentor",
        answers=ApplicationAnswers(
            subjects=[setup.algebra],
            languages=["en"],
            availability=["mon-2"],
            motivation="x",
            subject_grades={setup.algebra.pk: 95},
        ),
    )
    applications_decide(
        actor=setup.coordinator,
        program=setup.program,
        participants=[participant],
        decision="accept",
        message="",
    )
    with django_capture_on_commit_callbacks(execute=True):
        consent_request(
            actor=setup.coordinator, participant=participant, guardian_email="gran@x.test"
        )
    [message] = [m for m in mail.outbox if m.to == ["gran@x.test"]]
    path = re.search(r"https?://[^/]+(/consent/\S+?/)\s", message.body).group(1)
    mail.outbox.clear()
    client = Client(headers={"accept-language": "es"})  # her browser asks for Spanish
    assert "Doy mi consentimiento" in client.get(path).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(path, {"answer": "give", "guardian_name": "Gran"})
    [confirmation] = mail.outbox
    assert confirmation.to == ["gran@x.test"]
    student = setup.tutor.user.get_short_name()
    assert confirmation.subject == f"Gracias: se registró el consentimiento para {student}"
