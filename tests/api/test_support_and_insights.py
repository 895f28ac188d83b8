"""Survey responses (support) and outcomes (insights): what each role reads through the API."""

from __future__ import annotations

from typing import Any

import pytest
from api_testlib import Surveys, World, add_surveys_and_outcomes, token_client
from django.test import Client

from peerpath.matching.services import match_round_publish, match_round_start

V1 = "/api/v1"


@pytest.fixture
def surveys(world: World) -> Surveys:
    match_round = match_round_start(actor=world.coordinator, program=world.program)
    match_round_publish(actor=world.coordinator, match_round=match_round)
    return add_surveys_and_outcomes(world)


def ids(body: dict[str, Any]) -> list[int]:
    return [row["id"] for row in body["results"]]


def session_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- Survey responses ----------------------------------------------------------------------


def test_a_coordinator_reads_every_response_of_their_programs(
    world: World, surveys: Surveys
) -> None:
    client = token_client(world.coordinator)

    body = client.get(f"{V1}/survey-responses/").json()

    assert body["count"] == 3
    first = next(r for r in body["results"] if r["id"] == surveys.mentor_checkin.pk)
    assert first == {
        "id": surveys.mentor_checkin.pk,
        "program": world.program.pk,
        "participant": surveys.match.mentor_id,
        "participant_name": surveys.match.mentor.student.user.display_name,
        "match": surveys.match.pk,
        "kind": "checkin",
        "submitted_at": first["submitted_at"],
        "scores": {"relationship": 4.5},
        "answers": {"relationship_1": 5, "relationship_2": 4},
        "custom_answers": {"Any news?": "Fine"},
    }
    assert surveys.elm_response.pk not in ids(body)  # another school's program
    one = client.get(f"{V1}/survey-responses/{surveys.mentee_pre.pk}/")
    assert one.json()["scores"] == {"belonging": 3.0, "confidence": 2.5}


def test_survey_responses_are_filtered_and_paginated(world: World, surveys: Surveys) -> None:
    client = token_client(world.coordinator)
    url = f"{V1}/survey-responses/"

    assert ids(client.get(url, {"kind": "pre"}).json()) == [surveys.mentee_pre.pk]
    assert set(ids(client.get(url, {"match": surveys.match.pk}).json())) == {
        surveys.mentor_checkin.pk,
        surveys.mentee_checkin.pk,
    }
    assert set(ids(client.get(url, {"participant": surveys.match.mentee_id}).json())) == {
        surveys.mentee_checkin.pk,
        surveys.mentee_pre.pk,
    }
    assert client.get(url, {"program": world.elm_program.pk}).json()["count"] == 0
    day = surveys.mentee_pre.submitted_at.date()
    assert client.get(url, {"submitted_from": day.isoformat()}).json()["count"] == 3
    assert client.get(url, {"submitted_to": "2000-01-01"}).json()["count"] == 0
    page = client.get(url, {"page_size": 2, "page": 2}).json()
    assert (page["count"], len(page["results"]), page["next"]) == (3, 1, None)
    assert client.get(url, {"kind": "exit"}).status_code == 400
    assert client.get(url, {"submitted_from": "last week"}).status_code == 400
    assert client.get(url, {"page_size": 500}).status_code == 400


def test_a_participant_reads_their_own_responses_never_their_partners(
    world: World, surveys: Surveys
) -> None:
    mentee = session_client(surveys.match.mentee.student.user)
    mentor = session_client(surveys.match.mentor.student.user)

    assert set(ids(mentee.get(f"{V1}/survey-responses/").json())) == {
        surveys.mentee_checkin.pk,
        surveys.mentee_pre.pk,
    }
    assert ids(mentor.get(f"{V1}/survey-responses/").json()) == [surveys.mentor_checkin.pk]
    # The partner's answers are not found, not merely forbidden.
    assert mentor.get(f"{V1}/survey-responses/{surveys.mentee_checkin.pk}/").status_code == 404
    assert mentee.get(f"{V1}/survey-responses/{surveys.mentor_checkin.pk}/").status_code == 404
    assert mentee.get(f"{V1}/survey-responses/{surveys.mentee_pre.pk}/").status_code == 200


def test_staff_guardians_and_other_schools_read_no_responses(
    world: World, surveys: Surveys
) -> None:
    guardian = session_client(world.cohort.guardian)
    for client in (token_client(world.teacher), token_client(world.elm_coordinator), guardian):
        listed = client.get(f"{V1}/survey-responses/").json()
        assert surveys.mentee_checkin.pk not in ids(listed)
        assert client.get(f"{V1}/survey-responses/{surveys.mentee_checkin.pk}/").status_code == 404
    elm = token_client(world.elm_coordinator).get(f"{V1}/survey-responses/").json()
    assert ids(elm) == [surveys.elm_response.pk]
    assert Client().get(f"{V1}/survey-responses/").status_code == 401


# --- Outcomes --------------------------------------------------------------------------------


def test_a_coordinator_reads_their_schools_outcomes(world: World, surveys: Surveys) -> None:
    client = token_client(world.coordinator)
    school = world.cohort.school

    body = client.get(f"{V1}/schools/{school.pk}/outcomes/").json()

    assert body["count"] == 2
    mentee = next(r for r in body["results"] if r["student"] == surveys.match.mentee.student_id)
    assert mentee | {"id": 0, "updated_at": ""} == {
        "id": 0,
        "school": school.pk,
        "term": surveys.term.pk,
        "term_title": "Fall term",
        "student": surveys.match.mentee.student_id,
        "student_name": surveys.match.mentee.student.user.display_name,
        "student_sourced_id": "",
        "grade_average": 3.0,
        "grade_scale": 4.0,
        "grade_percent": 75.0,
        "attendance_rate": 90.0,
        "enrolment_status": "enrolled",
        "course_grades": {"ALG1": "B"},
        "updated_at": "",
    }
    assert (
        client.get(f"{V1}/outcomes/{mentee['id']}/").json()["student_name"]
        == (mentee["student_name"])
    )
    url = f"{V1}/schools/{school.pk}/outcomes/"
    assert ids(client.get(url, {"student": surveys.match.mentor.student_id}).json()) == [
        r["id"] for r in body["results"] if r["student"] == surveys.match.mentor.student_id
    ]
    assert client.get(url, {"term": surveys.term.pk + 1}).json()["count"] == 0
    assert client.get(url, {"enrolment_status": "withdrawn"}).json()["count"] == 0
    assert client.get(url, {"enrolment_status": "expelled"}).status_code == 400
    # The organization's admin reads every school's.
    admin = token_client(world.org_admin)
    assert admin.get(f"{V1}/schools/{world.elm_program.school_id}/outcomes/").json()["count"] == 1


def test_outcomes_are_for_coordinators_and_admins_only(world: World, surveys: Surveys) -> None:
    school = world.cohort.school
    record = surveys.outcomes[0]
    teacher = token_client(world.teacher)
    elm = token_client(world.elm_coordinator)
    student = session_client(surveys.match.mentee.student.user)

    assert teacher.get(f"{V1}/schools/{school.pk}/outcomes/").status_code == 403
    assert teacher.get(f"{V1}/outcomes/{record.pk}/").status_code == 403
    assert elm.get(f"{V1}/schools/{school.pk}/outcomes/").status_code == 404
    assert elm.get(f"{V1}/outcomes/{record.pk}/").status_code == 404
    assert elm.get(f"{V1}/outcomes/{surveys.elm_outcome.pk}/").status_code == 200
    assert student.get(f"{V1}/schools/{school.pk}/outcomes/").status_code == 404
    assert student.get(f"{V1}/outcomes/{record.pk}/").status_code == 404  # not even their own
    assert token_client(world.coordinator).get(f"{V1}/outcomes/999999/").status_code == 404
    assert Client().get(f"{V1}/outcomes/{record.pk}/").status_code == 401
