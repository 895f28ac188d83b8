from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from peerpath.core.models import AuditEntry
from peerpath.people.models import StudentProfile
from peerpath.programs.models import Participant, Program
from peerpath.programs.services import participant_enrol

FORM = {
    "name": "Reading Buddies",
    "program_type": "buddy",
    "status": "recruiting",
    "description": "Older students read with younger ones.",
    "objectives": "",
    "guidelines": "",
    "term_start": "2026-09-01",
    "term_end": "2027-01-31",
    "mentee_grade_min": "9",
    "mentee_grade_max": "10",
    "mentor_grade_min": "11",
    "mentor_grade_max": "12",
    "eligibility_notes": "",
    "default_mentor_capacity": "2",
    "meeting_cadence": "weekly",
    "session_minutes": "30",
    "accepts_applications": "on",
    "mentor_commitment": "One hour a week for a semester",
    "mentee_commitment": "",
    "consent_age": "18",
    "terms": "",
    "mentor_training_minutes": "120",
}


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.email, password="correct-horse-battery-42")
    return client


def test_anonymous_is_sent_to_login(world, client):
    for url in [
        reverse("home"),
        reverse("programs:list"),
        reverse("programs:create"),
        reverse("programs:detail", args=[world.program.pk]),
        reverse("programs:participants", args=[world.program.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_login_by_email(world, client):
    response = client.post(
        reverse("login"), {"username": "COORD@lakeside.test", "password": world.password}
    )
    assert response.status_code == 302  # e-mail addresses match whatever their case
    client.logout()
    response = client.post(reverse("login"), {"username": "coord@lakeside.test", "password": "x"})
    assert response.status_code == 200
    assert "Please enter a correct" in response.content.decode()


def test_coordinator_home_lists_programs_with_counts(world):
    response = client_for(world.coordinator).get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Math Tutoring" in body
    assert "Hillview Buddies" not in body
    assert "Applied: 2" in body
    assert "New program" in body


def test_student_home_lists_own_participation(world):
    body = client_for(world.mentee.user).get(reverse("home")).content.decode()
    assert "Your programs" in body
    assert "Math Tutoring" in body
    assert "New program" not in body


def test_guardian_home_lists_childs_programs(world):
    body = client_for(world.guardian).get(reverse("home")).content.decode()
    assert "Your children" in body
    assert "Ned Mentee" in body


def test_program_create_get_and_post(world):
    client = client_for(world.coordinator)
    assert client.get(reverse("programs:create")).status_code == 200
    response = client.post(reverse("programs:create"), {**FORM, "school": world.school.pk})
    program = Program.objects.get(name="Reading Buddies")
    assert response.status_code == 302
    assert response["Location"] == reverse("programs:detail", args=[program.pk])
    assert program.school == world.school
    assert program.default_mentor_capacity == 2
    assert AuditEntry.objects.filter(action="program.create", target_id=str(program.pk)).exists()


def test_program_create_shows_errors_and_saves_nothing(world):
    client = client_for(world.coordinator)
    before = Program.objects.count()
    response = client.post(
        reverse("programs:create"),
        {**FORM, "school": world.school.pk, "term_end": "2026-08-01", "mentee_grade_max": "8"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "The term must end on or after the day it starts." in body
    assert "The highest grade must not be below the lowest." in body
    assert Program.objects.count() == before


def test_program_create_in_another_school_is_refused(world):
    client = client_for(world.coordinator)
    before = Program.objects.count()
    response = client.post(reverse("programs:create"), {**FORM, "school": world.other_school.pk})
    assert response.status_code == 200  # the school is not among the form's choices
    assert "school" in response.context["form"].errors
    assert Program.objects.count() == before


@pytest.mark.parametrize("who", ["staff", "safeguarding", "guardian"])
def test_program_create_forbidden_without_a_coordinator_role(world, who):
    client = client_for(getattr(world, who))
    before = Program.objects.count()
    assert client.get(reverse("programs:create")).status_code == 403
    assert client.post(reverse("programs:create"), FORM).status_code == 403
    assert Program.objects.count() == before


def test_program_detail_visibility(world):
    url = reverse("programs:detail", args=[world.program.pk])
    assert client_for(world.coordinator).get(url).status_code == 200
    assert client_for(world.staff).get(url).status_code == 200
    assert client_for(world.mentee.user).get(url).status_code == 200
    assert client_for(world.other_coordinator).get(url).status_code == 404
    assert client_for(world.outsider.user).get(url).status_code == 404
    assert (
        client_for(world.coordinator).get(reverse("programs:detail", args=[99999])).status_code
        == 404
    )


def test_program_edit(world):
    url = reverse("programs:edit", args=[world.program.pk])
    client = client_for(world.coordinator)
    assert client.get(url).status_code == 200
    response = client.post(url, {**FORM, "name": "Math & Physics Tutoring"})
    assert response.status_code == 302
    world.program.refresh_from_db()
    assert world.program.name == "Math & Physics Tutoring"
    entry = AuditEntry.objects.get(action="program.update")
    assert entry.before["name"] == "Math Tutoring"


@pytest.mark.parametrize(
    ("who", "status"), [("staff", 403), ("other_coordinator", 404), ("mentor", 403)]
)
def test_program_edit_denied_changes_nothing(world, who, status):
    user = world.mentor.user if who == "mentor" else getattr(world, who)
    url = reverse("programs:edit", args=[world.program.pk])
    client = client_for(user)
    assert client.get(url).status_code == status
    assert client.post(url, {**FORM, "name": "Hijacked"}).status_code == status
    world.program.refresh_from_db()
    assert world.program.name == "Math Tutoring"


def _add_students(world, n: int) -> None:
    from peerpath.core.services import user_create
    from peerpath.people.services import student_profile_create

    for i in range(n):
        user = user_create(
            actor=None,
            email=f"student{i:03d}@lakeside.test",
            given_name=f"Student{i:03d}",
            family_name="Zeta",
            organization=world.org,
        )
        profile = student_profile_create(actor=None, user=user, school=world.school, grade_level=10)
        participant_enrol(
            actor=world.coordinator, program=world.program, student=profile, role="mentee"
        )


def test_participant_list_paginates_filters_and_serves_htmx_partial(world):
    _add_students(world, 30)
    url = reverse("programs:participants", args=[world.program.pk])
    client = client_for(world.coordinator)
    page1 = client.get(url)
    assert page1.status_code == 200
    assert page1.context["page"].paginator.count == 32
    assert len(page1.context["page"].object_list) == 25
    assert "Page 1 of 2" in page1.content.decode()
    page2 = client.get(url, {"page": 2})
    assert len(page2.context["page"].object_list) == 7
    filtered = client.get(url, {"role": "mentor"})
    assert [p.student.user.email for p in filtered.context["page"]] == ["mia.mentor@lakeside.test"]
    partial = client.get(url, {"q": "Student001"}, headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert "<html" not in body
    assert "student001@lakeside.test" in body
    assert "1 participant" in body


@pytest.mark.parametrize(
    ("who", "status"), [("staff", 403), ("other_coordinator", 404), ("guardian", 403)]
)
def test_participant_list_denied(world, who, status):
    url = reverse("programs:participants", args=[world.program.pk])
    assert client_for(getattr(world, who)).get(url).status_code == status


def test_participant_status_change(world):
    p = world.mentee_participant
    url = reverse("programs:participant-status", args=[world.program.pk, p.pk])
    client = client_for(world.coordinator)
    response = client.post(url, {"status": "screening", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("programs:participants", args=[world.program.pk])
    p.refresh_from_db()
    assert p.status == "screening"
    client.post(url, {"status": "closed"})  # not allowed from screening
    p.refresh_from_db()
    assert p.status == "screening"


@pytest.mark.parametrize(
    ("who", "status"), [("staff", 403), ("other_coordinator", 404), ("mentor", 403)]
)
def test_participant_status_change_denied_changes_nothing(world, who, status):
    user = world.mentor.user if who == "mentor" else getattr(world, who)
    p = world.mentee_participant
    url = reverse("programs:participant-status", args=[world.program.pk, p.pk])
    assert client_for(user).post(url, {"status": "screening"}).status_code == status
    p.refresh_from_db()
    assert p.status == "applied"


def test_participant_status_change_of_other_programs_participant_is_404(world):
    outsider = Participant.objects.get(student=world.outsider)
    url = reverse("programs:participant-status", args=[world.program.pk, outsider.pk])
    assert client_for(world.coordinator).post(url, {"status": "screening"}).status_code == 404
    outsider.refresh_from_db()
    assert outsider.status == "applied"


def test_student_profiles_unchanged_by_views(world):
    assert StudentProfile.objects.count() == 3
