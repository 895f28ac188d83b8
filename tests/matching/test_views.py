from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from factories import make_student
from peerpath.matching.models import Match, MatchRound
from peerpath.matching.services import match_round_publish, match_round_start


def login(user, password="correct-horse-battery-42") -> Client:
    client = Client()
    assert client.login(username=user.email, password=password)
    return client


def test_coordinator_runs_reviews_and_publishes(cohort):
    client = login(cohort.coordinator)
    page = client.get(reverse("matching:program", args=[cohort.program.pk]))
    assert page.status_code == 200
    assert "3 mentees and 3 mentors are ready" not in page.content.decode()  # 4 mentees
    assert "4 mentees and 3 mentors are ready" in page.content.decode()
    response = client.post(reverse("matching:program", args=[cohort.program.pk]), {"action": "run"})
    match_round = MatchRound.objects.get()
    assert response["Location"] == reverse("matching:round", args=[match_round.pk])
    review = client.get(response["Location"]).content.decode()
    assert "Certified best possible" in review
    assert "Not matched" in review
    gus = match_round.proposals.get(mentor__isnull=True)
    partial = client.post(
        reverse("matching:proposal", args=[gus.pk]),
        {"action": "assign", "mentor": cohort.mentors[1].pk},
        headers={"HX-Request": "true"},
    )
    body = partial.content.decode()
    assert "<html" not in body
    assert "Breaks:" in body  # Gus and Ben share no free time
    # Ben now has two mentees: take Gus out again, then publish.
    client.post(reverse("matching:proposal", args=[gus.pk]), {"action": "remove"})
    published = client.post(reverse("matching:round-publish", args=[match_round.pk]))
    assert published.status_code == 302
    assert Match.objects.filter(status="active").count() == 3
    match_round.refresh_from_db()
    assert match_round.status == "published"


def test_publish_refusal_is_shown_and_changes_nothing(cohort):
    client = login(cohort.coordinator)
    match_round = match_round_start(actor=cohort.coordinator, program=cohort.program)
    gus = match_round.proposals.get(mentor__isnull=True)
    client.post(
        reverse("matching:proposal", args=[gus.pk]),
        {"action": "assign", "mentor": cohort.mentors[1].pk},
    )
    response = client.post(reverse("matching:round-publish", args=[match_round.pk]), follow=True)
    assert "capacity is 1" in response.content.decode()
    assert not Match.objects.exists()


@pytest.mark.parametrize("who", ["other_coordinator", "mentor", "anonymous"])
def test_round_pages_are_closed_to_others(cohort, who):
    match_round = match_round_start(actor=cohort.coordinator, program=cohort.program)
    client = (
        Client()
        if who == "anonymous"
        else login(
            cohort.other_coordinator
            if who == "other_coordinator"
            else cohort.mentors[0].student.user
        )
    )
    for url in [
        reverse("matching:program", args=[cohort.program.pk]),
        reverse("matching:round", args=[match_round.pk]),
    ]:
        assert client.get(url).status_code in {302, 403, 404}
        if who != "anonymous":
            assert client.get(url).status_code in {403, 404}
    response = client.post(reverse("matching:round-publish", args=[match_round.pk]))
    assert response.status_code in {302, 403, 404}
    assert not Match.objects.exists()
    proposal = match_round.proposals.filter(mentor__isnull=False).first()
    mentor_before = proposal.mentor_id
    client.post(reverse("matching:proposal", args=[proposal.pk]), {"action": "remove"})
    proposal.refresh_from_db()
    assert proposal.mentor_id == mentor_before


def test_match_page_for_partners_not_for_other_pairs(cohort):
    match_round = match_round_start(actor=cohort.coordinator, program=cohort.program)
    match_round_publish(actor=cohort.coordinator, match_round=match_round)
    match = Match.objects.get(mentee=cohort.mentees[0])
    other = Match.objects.get(mentee=cohort.mentees[1])
    url = reverse("matching:match", args=[match.pk])
    mentee_page = login(match.mentee.student.user).get(url)
    assert mentee_page.status_code == 200
    body = mentee_page.content.decode()
    assert f"Meet {match.mentor.student.user.get_short_name()}" in body
    assert "Monday 15:00–15:45" in body  # their shared free time
    assert login(other.mentor.student.user).get(url).status_code == 404
    assert login(cohort.other_coordinator).get(url).status_code == 404
    outsider = make_student(cohort.school, 10, password="correct-horse-battery-42")
    assert login(outsider.user).get(url).status_code == 404
    agreed = login(match.mentee.student.user).post(url, {"action": "agree"})
    assert agreed.status_code == 302
    match.refresh_from_db()
    assert match.mentee_agreed_at is not None
    # Another pair's mentor cannot agree on their behalf.
    assert login(other.mentor.student.user).post(url, {"action": "agree"}).status_code == 404


def test_close_page_only_for_coordinators(cohort):
    match_round = match_round_start(actor=cohort.coordinator, program=cohort.program)
    match_round_publish(actor=cohort.coordinator, match_round=match_round)
    match = Match.objects.get(mentee=cohort.mentees[0])
    url = reverse("matching:close", args=[match.pk])
    assert login(match.mentor.student.user).post(url, {"reason": "mismatch"}).status_code == 403
    match.refresh_from_db()
    assert match.status == "active"
    response = login(cohort.coordinator).post(
        url, {"reason": "mismatch", "rematch": "on", "mentor_would_mentor_again": "true"}
    )
    assert response.status_code == 302
    match.refresh_from_db()
    assert match.status == "closed"
    assert match.mentor_would_mentor_again is True
    survey = login(match.mentee.student.user).post(
        reverse("matching:exit-survey", args=[match.pk]), {"rating": "4", "helped": "Patience"}
    )
    assert survey.status_code == 302
    assert match.exit_surveys.get().rating == 4


@pytest.mark.django_db(transaction=True)
def test_large_rounds_run_in_the_background_with_visible_progress(cohort, settings):
    # transaction=True: the real worker closes old connections between tasks, as a
    # long-running process must; inside a test transaction that would drop PostgreSQL's.
    from django.core.management import call_command

    settings.PEERPATH_MATCH_INLINE_LIMIT = 0  # every round goes to the worker
    client = login(cohort.coordinator)
    response = client.post(reverse("matching:program", args=[cohort.program.pk]), {"action": "run"})
    match_round = MatchRound.objects.get()
    assert match_round.status == "queued"
    page = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 2s"' in page  # the page polls instead of blocking
    status = client.get(reverse("matching:round-status", args=[match_round.pk]))
    assert "HX-Refresh" not in status
    assert "Waiting to run" in status.content.decode()
    call_command("worker", "--once")
    match_round.refresh_from_db()
    assert match_round.status == "proposed"
    assert match_round.result["matched"] == 3
    done = client.get(reverse("matching:round-status", args=[match_round.pk]))
    assert done["HX-Refresh"] == "true"
