from __future__ import annotations

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from peerpath.matching.models import Match, MentorRequest
from peerpath.matching.services import (
    eligible_mentors_for,
    match_settings_update,
    mentor_request_create,
    mentor_request_decide,
)


def allow_requests(cohort):
    match_settings_update(
        actor=cohort.coordinator,
        program=cohort.program,
        criteria=[{"key": "subjects", "weight": 1, "hard": False}],
        mode="optimal",
        allow_mentee_requests=True,
    )


def test_requests_only_where_the_program_allows_them(cohort):
    dee, ada = cohort.mentees[0], cohort.mentors[0]
    with pytest.raises(PermissionDenied):
        mentor_request_create(actor=dee.student.user, mentee=dee, mentor=ada)
    allow_requests(cohort)
    with pytest.raises(PermissionDenied):  # only for oneself
        mentor_request_create(actor=cohort.mentees[1].student.user, mentee=dee, mentor=ada)
    request = mentor_request_create(actor=dee.student.user, mentee=dee, mentor=ada, message="Hi!")
    assert request.status == "pending"
    with pytest.raises(ValidationError):  # one pending request at a time
        mentor_request_create(actor=dee.student.user, mentee=dee, mentor=cohort.mentors[2])


def test_the_list_of_mentors_is_limited_and_private(cohort):
    allow_requests(cohort)
    dee = cohort.mentees[0]
    opted_out = cohort.mentors[1].student
    opted_out.directory_opt_out = True
    opted_out.save()
    listed = {m.pk for m in eligible_mentors_for(dee)}
    assert listed == {cohort.mentors[0].pk, cohort.mentors[2].pk}


def test_only_the_mentor_asked_answers_and_capacity_holds(cohort):
    allow_requests(cohort)
    dee, eve, ada = cohort.mentees[0], cohort.mentees[1], cohort.mentors[0]
    first = mentor_request_create(actor=dee.student.user, mentee=dee, mentor=ada)
    second = mentor_request_create(actor=eve.student.user, mentee=eve, mentor=ada)
    with pytest.raises(PermissionDenied):
        mentor_request_decide(actor=cohort.mentors[1].student.user, request=first, accept=True)
    match = mentor_request_decide(actor=ada.student.user, request=first, accept=True)
    assert match is not None
    assert match.mentee == dee
    with pytest.raises(ValidationError, match="no room"):
        mentor_request_decide(actor=ada.student.user, request=second, accept=True)
    second.refresh_from_db()
    assert second.status == "pending"
    assert Match.objects.filter(mentor=ada, status="active").count() == 1
    assert {m.pk for m in eligible_mentors_for(eve)} == {cohort.mentors[1].pk, cohort.mentors[2].pk}


@pytest.mark.django_db(transaction=True)
def test_racing_acceptances_never_exceed_capacity(cohort):
    """Two requests for a mentor with room for one, accepted at the same moment."""
    if connection.vendor != "postgresql":
        pytest.skip("Row locks are only meaningful on PostgreSQL; CI runs this there.")
    allow_requests(cohort)
    ada = cohort.mentors[0]
    requests = [
        mentor_request_create(actor=m.student.user, mentee=m, mentor=ada)
        for m in cohort.mentees[:3]
    ]
    barrier = threading.Barrier(len(requests))
    outcomes: list[str] = []

    def accept(request: MentorRequest) -> None:
        try:
            barrier.wait()
            mentor_request_decide(actor=ada.student.user, request=request, accept=True)
            outcomes.append("accepted")
        except ValidationError:
            outcomes.append("full")
        except Exception as error:  # any other failure is a wrong outcome, reported by the assert
            outcomes.append(repr(error)[:80])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(r,)) for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["accepted", "full", "full"]
    assert Match.objects.filter(mentor=ada, status="active").count() == 1
