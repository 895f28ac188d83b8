"""Applications (queue, decisions) and matching (rounds, publish, matches, close)."""

from __future__ import annotations

import datetime as dt

from api_testlib import World, token_client
from django.core import mail
from django.test import Client
from django.utils import timezone

from factories import TERM_END
from peerpath.matching.models import Match, MatchRound
from peerpath.meetings.services import (
    goal_create,
    session_log_save,
    session_record_held,
    session_schedule,
)
from peerpath.programs.models import Participant

V1 = "/api/v1"


def first_names(rows: list[dict]) -> list[str]:  # type: ignore[type-arg]
    return [row["student"]["name"].split()[0] for row in rows]


# --- Applications ----------------------------------------------------------------------


def test_the_review_queue_lists_submitted_applications_with_answers(world: World) -> None:
    client = token_client(world.coordinator)
    url = f"{V1}/programs/{world.program.pk}/applications/"

    rows = client.get(url).json()["results"]

    assert first_names(rows) == ["Hal", "Ivy"]
    hal = rows[0]
    assert (hal["role"], hal["status"]) == ("mentor", "applied")
    answers = hal["application"]
    assert answers["motivation"] == "Hal wants to help."
    assert (answers["interests"], answers["languages"], answers["availability"]) == (
        ["music"],
        ["en"],
        ["mon-2"],
    )
    assert answers["meeting_mode"] == "either"
    assert answers["submitted_at"] is not None
    assert client.get(url, {"queue": "invited"}).json()["count"] == 0
    assert client.get(url, {"queue": "waitlist"}).json()["count"] == 0
    assert client.get(url, {"queue": "everything"}).status_code == 400


def test_the_review_queue_is_for_coordinators_of_the_program(world: World) -> None:
    url = f"{V1}/programs/{world.program.pk}/applications/"
    assert token_client(world.teacher).get(url).status_code == 403
    assert token_client(world.elm_coordinator).get(url).status_code == 404


def test_deciding_applications_uses_the_service_and_tells_each_applicant(
    world: World, django_capture_on_commit_callbacks
) -> None:
    hal, ivy = world.applicants
    client = token_client(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{V1}/programs/{world.program.pk}/applications/decide/",
            {"participants": [hal.pk, ivy.pk], "decision": "waitlist", "message": "Next term."},
            content_type="application/json",
        )

    assert response.status_code == 200
    body = response.json()
    assert body["decided"] == 2
    assert [(p["id"], p["status"]) for p in body["participants"]] == [
        (hal.pk, "waitlisted"),
        (ivy.pk, "waitlisted"),
    ]
    hal.application.refresh_from_db()
    assert (hal.application.decided_by, hal.application.decision_message) == (
        world.coordinator,
        "Next term.",
    )
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [hal.student.user.email, ivy.student.user.email]
    )


def test_a_decision_on_anything_but_a_pending_application_decides_nothing(world: World) -> None:
    hal = world.applicants[0]
    ada = world.cohort.mentors[0]  # ready, not an application
    client = token_client(world.coordinator)
    url = f"{V1}/programs/{world.program.pk}/applications/decide/"

    response = client.post(
        url,
        {"participants": [hal.pk, ada.pk], "decision": "accept"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "participants": [f"Not an application waiting for a decision: {ada.pk}"]
    }
    empty = client.post(
        url, {"participants": [], "decision": "accept"}, content_type="application/json"
    )
    assert empty.status_code == 400
    teacher = token_client(world.teacher).post(
        url, {"participants": [hal.pk], "decision": "accept"}, content_type="application/json"
    )
    elm = token_client(world.elm_coordinator).post(
        url, {"participants": [hal.pk], "decision": "accept"}, content_type="application/json"
    )
    assert (teacher.status_code, elm.status_code) == (403, 404)
    hal.refresh_from_db()
    assert hal.status == "applied"
    assert mail.outbox == []


# --- Matching ----------------------------------------------------------------------------


def pairs(proposals: list[dict]) -> dict[str, str | None]:  # type: ignore[type-arg]
    return {
        p["mentee"]["name"].split()[0]: p["mentor"]["name"].split()[0] if p["mentor"] else None
        for p in proposals
    }


def test_a_round_is_started_reviewed_and_published(world: World) -> None:
    client = token_client(world.coordinator)
    program = world.program

    started = client.post(f"{V1}/programs/{program.pk}/match-rounds/")
    assert started.status_code == 201
    round_body = started.json()
    assert (round_body["status"], round_body["mode"], round_body["program"]) == (
        "proposed",
        "optimal",
        program.pk,
    )
    assert pairs(round_body["proposals"]) == {"Dee": "Cy", "Eve": "Ben", "Fay": "Ada", "Gus": None}
    gus = next(p for p in round_body["proposals"] if p["mentor"] is None)
    assert gus["reason"] != ""

    listed = client.get(f"{V1}/programs/{program.pk}/match-rounds/").json()
    assert [r["id"] for r in listed["results"]] == [round_body["id"]]
    assert client.get(f"{V1}/match-rounds/{round_body['id']}/").json() == round_body

    published = client.post(f"{V1}/match-rounds/{round_body['id']}/publish/")
    assert published.status_code == 200
    assert published.json()["round"]["status"] == "published"
    match_ids = published.json()["matches"]
    assert sorted(match_ids) == sorted(Match.objects.values_list("pk", flat=True))
    assert len(match_ids) == 3

    again = client.post(f"{V1}/match-rounds/{round_body['id']}/publish/")
    assert again.status_code == 400
    assert again.json() == {"non_field_errors": ["This round can no longer be changed."]}

    matches = client.get(f"{V1}/programs/{program.pk}/matches/").json()
    assert matches["count"] == 3
    assert {
        (m["mentee"]["name"].split()[0], m["mentor"]["name"].split()[0]) for m in matches["results"]
    } == {
        ("Dee", "Cy"),
        ("Eve", "Ben"),
        ("Fay", "Ada"),
    }
    assert all(m["status"] == "active" and m["close_reason"] == "" for m in matches["results"])
    assert (
        client.get(f"{V1}/programs/{program.pk}/matches/", {"status": "closed"}).json()["count"]
        == 0
    )


def test_rounds_are_for_the_programs_coordinators_only(world: World) -> None:
    program = world.program
    match_round = (
        token_client(world.coordinator).post(f"{V1}/programs/{program.pk}/match-rounds/").json()
    )
    before = MatchRound.objects.count()

    teacher, elm = token_client(world.teacher), token_client(world.elm_coordinator)
    assert teacher.post(f"{V1}/programs/{program.pk}/match-rounds/").status_code == 403
    assert elm.post(f"{V1}/programs/{program.pk}/match-rounds/").status_code == 404
    assert teacher.get(f"{V1}/match-rounds/{match_round['id']}/").status_code == 403
    assert elm.get(f"{V1}/match-rounds/{match_round['id']}/").status_code == 404
    assert teacher.post(f"{V1}/match-rounds/{match_round['id']}/publish/").status_code == 403
    assert elm.post(f"{V1}/match-rounds/{match_round['id']}/publish/").status_code == 404
    assert MatchRound.objects.count() == before
    assert MatchRound.objects.get(pk=match_round["id"]).status == "proposed"
    assert not Match.objects.exists()


def _published(world: World) -> list[Match]:
    client = token_client(world.coordinator)
    match_round = client.post(f"{V1}/programs/{world.program.pk}/match-rounds/").json()
    client.post(f"{V1}/match-rounds/{match_round['id']}/publish/")
    return list(Match.objects.select_related("mentor__student__user").order_by("pk"))


def test_a_coordinator_closes_a_match_and_both_sides_move_on(
    world: World, django_capture_on_commit_callbacks
) -> None:
    match = _published(world)[0]
    client = token_client(world.coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{V1}/matches/{match.pk}/close/",
            {"reason": "goals_met", "note": "Done early.", "rematch": True},
            content_type="application/json",
        )

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["close_reason"]) == ("closed", "goals_met")
    assert body["closed_at"] is not None
    match.refresh_from_db()
    assert (match.close_note, match.rematch_requested, match.closed_by) == (
        "Done early.",
        True,
        world.coordinator,
    )
    statuses = Participant.objects.filter(pk__in=[match.mentor_id, match.mentee_id])
    assert set(statuses.values_list("status", flat=True)) == {"ready"}
    assert len(mail.outbox) == 2

    again = token_client(world.coordinator).post(
        f"{V1}/matches/{match.pk}/close/", {"reason": "other"}, content_type="application/json"
    )
    assert again.status_code == 400


def test_partners_read_their_match_but_only_coordinators_close_it(world: World) -> None:
    match = _published(world)[0]
    mentor = Client()
    mentor.force_login(match.mentor.student.user)

    assert mentor.get(f"{V1}/matches/{match.pk}/").json()["id"] == match.pk
    refused = mentor.post(
        f"{V1}/matches/{match.pk}/close/", {"reason": "other"}, content_type="application/json"
    )
    assert refused.status_code == 403  # CSRF or role: a partner never closes
    assert token_client(world.teacher).get(f"{V1}/matches/{match.pk}/").status_code == 404
    elm = token_client(world.elm_coordinator)
    assert elm.get(f"{V1}/matches/{match.pk}/").status_code == 404
    assert (
        elm.post(
            f"{V1}/matches/{match.pk}/close/", {"reason": "other"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert (
        token_client(world.teacher).get(f"{V1}/programs/{world.program.pk}/matches/").status_code
        == 403
    )
    match.refresh_from_db()
    assert match.status == "active"


def test_a_matchs_sessions_and_goals_for_its_partners_and_coordinators(world: World) -> None:
    match = _published(world)[0]
    mentor = match.mentor.student.user
    starts = timezone.now().replace(microsecond=0) + dt.timedelta(days=2)
    session = session_schedule(
        actor=world.coordinator, match=match, starts_at=starts, location="Library"
    )[0]
    goal = goal_create(
        actor=mentor, match=match, what="Pass algebra", measure="Test score", due_on=TERM_END
    )

    sessions = token_client(world.coordinator).get(f"{V1}/matches/{match.pk}/sessions/").json()
    assert [(s["id"], s["match"], s["status"]) for s in sessions["results"]] == [
        (session.pk, match.pk, "scheduled")
    ]
    assert sessions["results"][0]["log"] is None  # not met yet
    held = session_record_held(
        actor=mentor, match=match, starts_at=starts - dt.timedelta(days=9), duration_minutes=45
    )
    session_log_save(actor=mentor, session=held, duration_minutes=40, topics="Fractions")
    logged = token_client(world.coordinator).get(f"{V1}/matches/{match.pk}/sessions/").json()
    first = logged["results"][0]
    assert (first["id"], first["log"]["topics"], first["log"]["duration_minutes"]) == (
        held.pk,
        "Fractions",
        40,
    )
    client = Client()
    client.force_login(mentor)
    goals = client.get(f"{V1}/matches/{match.pk}/goals/").json()["results"]
    assert goals == [
        {
            "id": goal.pk,
            "match": match.pk,
            "what": "Pass algebra",
            "measure": "Test score",
            "due_on": "2027-01-29",
            "status": "active",
            "progress": 0,
            "last_update_at": None,
        }
    ]
    assert token_client(world.teacher).get(f"{V1}/matches/{match.pk}/goals/").status_code == 403
    elm = token_client(world.elm_coordinator)
    assert elm.get(f"{V1}/matches/{match.pk}/sessions/").status_code == 404


def test_unknown_api_paths_are_json_not_html(world: World) -> None:
    client = token_client(world.coordinator)
    assert client.get(f"{V1}/meetings/").json() == {"detail": "Not found."}
    assert client.get(f"{V1}/programs/abc/").status_code == 404
    newline = client.get(f"{V1}/programs/1/participants/a%0Ab/")  # found by Schemathesis
    assert (newline.status_code, newline.headers["Content-Type"]) == (404, "application/json")
    assert Client().get(f"{V1}/anything/").status_code == 401


def test_the_schema_and_the_docs_use_local_assets_only(world: World) -> None:
    client = Client()
    schema = client.get("/api/schema/", {"format": "json"}).json()
    assert schema["openapi"].startswith("3.")
    assert len([op for path in schema["paths"].values() for op in path]) == 26
    assert schema["components"]["securitySchemes"]["apiToken"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "pp_<prefix>_<secret>",
        "description": "A personal API token; see docs/api.md.",
    }
    docs = client.get("/api/docs/").content.decode()
    assert '<script src="/static/api/vendor/redoc-2.5.4.standalone.js"></script>' in docs
    assert "https://" not in docs
    assert "http://" not in docs
