"""Organizations, schools, programs and participants: values, scopes and refusals."""

from __future__ import annotations

import datetime as dt

from api_testlib import World, token_client
from django.test import Client

from peerpath.core.models import AuditEntry
from peerpath.programs.models import Participant, ParticipantStatusChange, Program

V1 = "/api/v1"


def names(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [row["name"] for row in response.json()["results"]]


# --- Organizations and schools ------------------------------------------------------


def test_organizations_and_schools_follow_the_users_roles(world: World) -> None:
    birch, org = world.cohort.school, world.organization
    elm_school = world.elm_program.school

    coordinator = token_client(world.coordinator)
    assert coordinator.get(f"{V1}/organizations/").json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [{"id": org.pk, "name": org.name, "slug": org.slug, "kind": "district"}],
    }
    assert coordinator.get(f"{V1}/schools/").json()["results"] == [
        {
            "id": birch.pk,
            "organization": org.pk,
            "name": "Birch High",
            "slug": "birch-high",
            "time_zone": "America/New_York",
        }
    ]
    assert coordinator.get(f"{V1}/schools/{birch.pk}/").json()["name"] == "Birch High"
    # Elm High is in the same organization, but not this coordinator's school.
    assert coordinator.get(f"{V1}/schools/{elm_school.pk}/").status_code == 404

    admin = token_client(world.org_admin)
    assert names(admin.get(f"{V1}/schools/")) == ["Birch High", "Elm High"]
    assert admin.get(f"{V1}/organizations/{org.pk}/").json()["id"] == org.pk


def test_a_student_session_sees_no_organization_or_school(world: World) -> None:
    client = Client()
    client.force_login(world.student)
    assert client.get(f"{V1}/organizations/").json()["count"] == 0
    assert client.get(f"{V1}/schools/").json()["count"] == 0
    assert client.get(f"{V1}/organizations/{world.organization.pk}/").status_code == 404


# --- Programs ------------------------------------------------------------------------


def test_programs_are_scoped_like_the_web_app(world: World) -> None:
    assert names(token_client(world.coordinator).get(f"{V1}/programs/")) == ["Birch Tutoring"]
    assert names(token_client(world.elm_coordinator).get(f"{V1}/programs/")) == ["Elm Buddies"]
    assert names(token_client(world.teacher).get(f"{V1}/programs/")) == ["Birch Tutoring"]
    assert names(token_client(world.org_admin).get(f"{V1}/programs/")) == [
        "Birch Tutoring",
        "Elm Buddies",
    ]
    response = token_client(world.elm_coordinator).get(f"{V1}/programs/{world.program.pk}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such program."}


def test_program_detail_has_every_setting(world: World) -> None:
    program = world.program
    body = token_client(world.coordinator).get(f"{V1}/programs/{program.pk}/").json()
    assert body["id"] == program.pk
    assert body["school"] == world.cohort.school.pk
    assert body["slug"] == "birch-tutoring"
    assert body["name"] == "Birch Tutoring"
    assert body["program_type"] == "peer_tutoring"
    assert body["status"] == "running"
    assert body["term_start"] == "2026-09-01"
    assert body["term_end"] == "2027-01-29"
    assert body["default_mentor_capacity"] == 1
    assert body["mentor_training_minutes"] == 0
    assert body["terms_version"] == 1


def test_program_filters(world: World) -> None:
    admin = token_client(world.org_admin)
    assert names(admin.get(f"{V1}/programs/", {"status": "running"})) == ["Birch Tutoring"]
    assert names(admin.get(f"{V1}/programs/", {"status": "recruiting"})) == ["Elm Buddies"]
    assert names(admin.get(f"{V1}/programs/", {"search": "elm"})) == ["Elm Buddies"]
    assert names(admin.get(f"{V1}/programs/", {"school": world.cohort.school.pk})) == [
        "Birch Tutoring"
    ]
    assert names(admin.get(f"{V1}/programs/", {"program_type": "buddy"})) == []
    assert names(admin.get(f"{V1}/programs/", {"status": ""})) == [
        "Birch Tutoring",
        "Elm Buddies",
    ]
    bad = admin.get(f"{V1}/programs/", {"status": "sleeping"})
    assert bad.status_code == 400
    assert list(bad.json()) == ["status"]


NEW_PROGRAM = {
    "name": "Reading Buddies",
    "program_type": "buddy",
    "term_start": "2026-09-01",
    "term_end": "2027-06-15",
    "mentee_grade_min": 3,
    "mentee_grade_max": 5,
}


def test_a_coordinator_creates_a_program_through_the_service(world: World) -> None:
    school = world.cohort.school
    response = token_client(world.coordinator).post(
        f"{V1}/programs/", {**NEW_PROGRAM, "school": school.pk}, content_type="application/json"
    )

    assert response.status_code == 201
    body = response.json()
    program = Program.objects.get(pk=body["id"])
    assert (program.school, program.name, program.slug, program.status) == (
        school,
        "Reading Buddies",
        "reading-buddies",
        "draft",
    )
    assert program.term_end == dt.date(2027, 6, 15)
    assert program.created_by == world.coordinator
    assert body["mentee_grade_max"] == 5
    assert body["session_minutes"] == 45
    assert AuditEntry.objects.filter(action="program.create", target_id=str(program.pk)).exists()


def test_creating_a_program_elsewhere_or_without_the_role_changes_nothing(world: World) -> None:
    before = Program.objects.count()
    elm_school = world.elm_program.school

    other_school = token_client(world.coordinator).post(
        f"{V1}/programs/",
        {**NEW_PROGRAM, "school": elm_school.pk},
        content_type="application/json",
    )
    assert other_school.status_code == 400
    assert list(other_school.json()) == ["school"]

    teacher = token_client(world.teacher).post(
        f"{V1}/programs/",
        {**NEW_PROGRAM, "school": world.cohort.school.pk},
        content_type="application/json",
    )
    assert teacher.status_code == 403
    assert Program.objects.count() == before


def test_invalid_program_input_is_a_400_with_field_errors(world: World) -> None:
    client = token_client(world.coordinator)
    school = world.cohort.school.pk
    before = Program.objects.count()

    backwards = client.post(
        f"{V1}/programs/",
        {**NEW_PROGRAM, "school": school, "term_end": "2026-01-01"},
        content_type="application/json",
    )
    assert backwards.status_code == 400
    assert backwards.json() == {"term_end": ["The term must end on or after the day it starts."]}

    grades = client.post(
        f"{V1}/programs/",
        {**NEW_PROGRAM, "school": school, "mentee_grade_min": 6},
        content_type="application/json",
    )
    assert grades.json() == {
        "mentee_grade_max": ["The highest grade must not be below the lowest."]
    }

    missing = client.post(f"{V1}/programs/", {"school": school}, content_type="application/json")
    assert missing.status_code == 400
    assert set(missing.json()) == {"name", "program_type", "term_start", "term_end"}

    not_json = client.post(f"{V1}/programs/", "{oops", content_type="application/json")
    assert not_json.status_code == 400
    assert "JSON parse error" in not_json.json()["detail"]

    form = client.post(f"{V1}/programs/", {"school": school})  # multipart
    assert form.status_code == 415
    assert Program.objects.count() == before


def test_a_coordinator_updates_a_program_and_others_cannot(world: World) -> None:
    program = world.program
    url = f"{V1}/programs/{program.pk}/"

    response = token_client(world.coordinator).patch(
        url, {"name": "Birch Peer Tutoring", "terms": "Be kind."}, content_type="application/json"
    )
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["terms_version"]) == (
        "Birch Peer Tutoring",
        2,
    )

    teacher = token_client(world.teacher).patch(
        url, {"name": "Teacher's"}, content_type="application/json"
    )
    elm = token_client(world.elm_coordinator).patch(
        url, {"name": "Elm's"}, content_type="application/json"
    )
    assert (teacher.status_code, elm.status_code) == (403, 404)
    program.refresh_from_db()
    assert (program.name, program.terms_version) == ("Birch Peer Tutoring", 2)


# --- Participants --------------------------------------------------------------------


def _expected(world: World, **filters: str) -> list[str]:
    rows = Participant.objects.filter(program=world.program, **filters).order_by(
        "student__user__family_name", "student__user__given_name", "pk"
    )
    return [p.student.user.display_name for p in rows]


def student_names(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [row["student"]["name"] for row in response.json()["results"]]


def test_participants_list_and_filters(world: World) -> None:
    client = token_client(world.coordinator)
    url = f"{V1}/programs/{world.program.pk}/participants/"

    everyone = client.get(url)
    assert everyone.json()["count"] == 10  # 3 mentors, 4 mentees, 1 in screening, 2 applicants
    assert student_names(everyone) == _expected(world)
    assert student_names(client.get(url, {"role": "mentor"})) == _expected(world, role="mentor")
    assert len(_expected(world, role="mentor")) == 4
    assert student_names(client.get(url, {"status": "ready"})) == _expected(world, status="ready")
    ada = client.get(url, {"search": "ada"}).json()["results"]
    assert [row["student"]["name"].split()[0] for row in ada] == ["Ada"]
    assert client.get(url, {"role": "teacher"}).status_code == 400


def test_one_participant_in_full(world: World) -> None:
    ada = world.cohort.mentors[0]
    body = (
        token_client(world.coordinator)
        .get(f"{V1}/programs/{world.program.pk}/participants/{ada.pk}/")
        .json()
    )
    assert body == {
        "id": ada.pk,
        "program": world.program.pk,
        "student": {
            "id": ada.student.pk,
            "name": ada.student.user.display_name,
            "email": ada.student.user.email,
            "grade_level": 12,
        },
        "role": "mentor",
        "status": "ready",
        "status_changed_at": body["status_changed_at"],
        "mentor_capacity": None,
        "subjects": [world.cohort.algebra.pk],
        "goals": "",
        "created_at": body["created_at"],
    }


def test_participants_are_for_the_programs_coordinators_only(world: World) -> None:
    program = world.program
    ada = world.cohort.mentors[0]
    url = f"{V1}/programs/{program.pk}/participants/"
    assert token_client(world.teacher).get(url).status_code == 403
    assert token_client(world.elm_coordinator).get(url).status_code == 404
    assert token_client(world.teacher).get(f"{url}{ada.pk}/").status_code == 403
    # A participant of another program is not found through this one.
    assert (
        token_client(world.elm_coordinator)
        .get(f"{V1}/programs/{world.elm_program.pk}/participants/{ada.pk}/")
        .status_code
        == 404
    )


def test_a_status_transition_goes_through_the_lifecycle(world: World) -> None:
    hal = world.applicants[0]
    url = f"{V1}/programs/{world.program.pk}/participants/{hal.pk}/transition/"
    client = token_client(world.coordinator)

    response = client.post(
        url, {"status": "waitlisted", "reason": "Full"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "waitlisted"
    change = ParticipantStatusChange.objects.filter(participant=hal).latest("changed_at")
    assert (change.from_status, change.to_status, change.reason, change.actor) == (
        "applied",
        "waitlisted",
        "Full",
        world.coordinator,
    )

    refused = client.post(url, {"status": "matched"}, content_type="application/json")
    assert refused.status_code == 409
    assert refused.json() == {"detail": "A participant cannot go from Waitlisted to Matched."}
    unknown = client.post(url, {"status": "asleep"}, content_type="application/json")
    assert unknown.status_code == 400
    hal.refresh_from_db()
    assert hal.status == "waitlisted"


def test_transitions_by_the_wrong_role_or_school_change_nothing(world: World) -> None:
    hal = world.applicants[0]
    url = f"{V1}/programs/{world.program.pk}/participants/{hal.pk}/transition/"
    body = {"status": "screening"}
    teacher = token_client(world.teacher).post(url, body, content_type="application/json")
    elm = token_client(world.elm_coordinator).post(url, body, content_type="application/json")
    assert (teacher.status_code, elm.status_code) == (403, 404)
    hal.refresh_from_db()
    assert hal.status == "applied"
    assert ParticipantStatusChange.objects.filter(participant=hal).count() == 1


def test_pagination_is_bounded(world: World) -> None:
    client = token_client(world.coordinator)
    url = f"{V1}/programs/{world.program.pk}/participants/"

    first = client.get(url, {"page_size": 4}).json()
    assert (first["count"], len(first["results"]), first["previous"]) == (10, 4, None)
    assert first["next"] == f"http://testserver{url}?page=2&page_size=4"
    last = client.get(url, {"page_size": 4, "page": 3}).json()
    assert len(last["results"]) == 2
    assert last["next"] is None
    seen = [
        r["id"]
        for page in (1, 2, 3)
        for r in client.get(url, {"page_size": 4, "page": page}).json()["results"]
    ]
    assert sorted(seen) == sorted(
        Participant.objects.filter(program=world.program).values_list("pk", flat=True)
    )

    assert client.get(url, {"page": 4, "page_size": 4}).status_code == 404
    too_big = client.get(url, {"page_size": 101})
    assert too_big.status_code == 400
    assert too_big.json() == {"page_size": ["Give a whole number from 1 to 100."]}
    assert client.get(url, {"page_size": 0}).status_code == 400
    assert client.get(url, {"page_size": 100}).json()["count"] == 10
