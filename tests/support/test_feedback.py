"""
Per-session feedback: an optional rating (1–5) and a comment from each person of a session.

A partner never sees the other's feedback; the program's coordinators read
everyone's. Every page is checked against the wrong role, the wrong school,
another pair and the partner.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from factories import PASSWORD, make_staff
from peerpath.core.models import AuditEntry, Role
from peerpath.meetings.services import session_cancel, session_record_held, session_schedule
from peerpath.support.models import SessionFeedback
from peerpath.support.services import session_feedback_save

ADA_SAYS = "Dee was distracted today."
DEE_SAYS = "Ada explained ratios really well."


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    return client


@pytest.fixture
def held(world):
    """A session of the first pair that took place yesterday."""
    start = (timezone.now() - dt.timedelta(days=1)).replace(second=0, microsecond=0)
    return session_record_held(
        actor=world.ada, match=world.pair, starts_at=start, duration_minutes=45
    )


@pytest.fixture
def both_said(world, held):
    session_feedback_save(actor=world.ada, session=held, rating=2, comment=ADA_SAYS)
    session_feedback_save(actor=world.dee, session=held, rating=5, comment=DEE_SAYS)
    return held


# --- the service ----------------------------------------------------------------------


def test_feedback_is_saved_once_per_person_and_can_be_changed(world, held):
    first = session_feedback_save(actor=world.dee, session=held, rating=4, comment=" Good ")
    assert (first.rating, first.comment, first.participant) == (4, "Good", world.pair.mentee)
    again = session_feedback_save(actor=world.dee, session=held, rating=None, comment="Changed")
    assert again.pk == first.pk
    assert SessionFeedback.objects.get().rating is None
    assert sorted(
        AuditEntry.objects.filter(action__startswith="support.feedback").values_list(
            "action", flat=True
        )
    ) == ["support.feedback.create", "support.feedback.update"]


def test_feedback_needs_a_rating_or_a_comment_in_range(world, held):
    with pytest.raises(ValidationError):
        session_feedback_save(actor=world.dee, session=held, rating=None, comment="  ")
    for wrong in (0, 6):
        with pytest.raises(ValidationError):
            session_feedback_save(actor=world.dee, session=held, rating=wrong)
    assert not SessionFeedback.objects.exists()


def test_only_the_sessions_people_give_feedback(world, held):
    for outsider in (world.ben, world.coordinator, world.teacher, world.guardian):
        with pytest.raises(PermissionDenied):
            session_feedback_save(actor=outsider, session=held, rating=3)


def test_no_feedback_before_a_session_or_on_a_cancelled_one(world):
    start = timezone.now() + dt.timedelta(days=2)
    [future] = session_schedule(
        actor=world.ada, match=world.pair, starts_at=start, location="Library"
    )
    with pytest.raises(ValidationError):
        session_feedback_save(actor=world.dee, session=future, rating=5)
    session_cancel(actor=world.ada, session=future, reason="Exams")
    future.refresh_from_db()
    with pytest.raises(ValidationError):
        session_feedback_save(
            actor=world.dee, session=future, rating=5, now=start + dt.timedelta(hours=1)
        )


# --- the session's feedback page --------------------------------------------------------


def test_a_participant_gives_feedback_on_the_page(world, held):
    client = login(world.dee)
    url = reverse("support:session-feedback", args=[held.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "How did the session go?" in page.content.decode()
    response = client.post(url, {"rating": "4", "comment": DEE_SAYS})
    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:session", args=[held.pk])
    saved = SessionFeedback.objects.get()
    assert (saved.rating, saved.comment) == (4, DEE_SAYS)
    # The form shows the saved answer for a change; an empty form is refused.
    assert "Update my feedback" in client.get(url).content.decode()
    assert client.post(url, {"rating": "", "comment": ""}).status_code == 400
    assert client.post(url, {"rating": "9"}).status_code == 400
    assert SessionFeedback.objects.get().rating == 4


def test_the_partner_never_sees_the_others_feedback(world, both_said):
    url = reverse("support:session-feedback", args=[both_said.pk])
    dee_page = login(world.dee).get(url).content.decode()
    assert DEE_SAYS in dee_page
    assert ADA_SAYS not in dee_page
    ada_page = login(world.ada).get(url).content.decode()
    assert ADA_SAYS in ada_page
    assert DEE_SAYS not in ada_page
    # Nor on the session page or the pair's sessions page.
    for user in (world.ada, world.dee):
        client = login(user)
        for page in (
            client.get(reverse("meetings:session", args=[both_said.pk])),
            client.get(reverse("meetings:match", args=[world.pair.pk])),
        ):
            assert page.status_code == 200
            body = page.content.decode()
            assert ADA_SAYS not in body
            assert DEE_SAYS not in body
    # The partner cannot open the coordinators' overview of the pair's feedback.
    overview = reverse("support:match-feedback", args=[world.pair.pk])
    assert login(world.dee).get(overview).status_code == 403
    assert login(world.ada).get(overview).status_code == 403


def test_coordinators_read_everyones_feedback_but_give_none(world, both_said):
    client = login(world.coordinator)
    url = reverse("support:session-feedback", args=[both_said.pk])
    body = client.get(url).content.decode()
    assert ADA_SAYS in body
    assert DEE_SAYS in body
    assert "rated it 2 of 5" in body
    assert "rated it 5 of 5" in body
    assert "Send my feedback" not in body  # coordinators read; they give no feedback
    assert client.post(url, {"rating": "1"}).status_code == 403
    overview = client.get(reverse("support:match-feedback", args=[world.pair.pk]))
    assert overview.status_code == 200
    text = overview.content.decode()
    assert ADA_SAYS in text
    assert DEE_SAYS in text
    assert "Average rating 3.5 of 5, from 2 ratings." in text


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("teacher", 403),  # staff of the school: sees the program, may not read feedback
        ("lead", 403),  # a safeguarding lead who is not a coordinator
        ("other_coordinator", 404),  # another school
        ("ben", 404),  # another pair
        ("guardian", 404),
    ],
)
def test_feedback_pages_refuse_everyone_else(world, both_said, who, status):
    user = (
        make_staff(world.school, role=Role.SAFEGUARDING_LEAD, email="lead@birch.test")
        if who == "lead"
        else getattr(world, who)
    )
    client = login(user)
    session_url = reverse("support:session-feedback", args=[both_said.pk])
    overview = reverse("support:match-feedback", args=[world.pair.pk])
    assert client.get(session_url).status_code == status
    assert client.post(session_url, {"rating": "1"}).status_code == status
    assert client.get(overview).status_code == status
    assert SessionFeedback.objects.filter(rating=1).count() == 0


def test_anonymous_visitors_are_sent_to_log_in(both_said, world):
    for url in (
        reverse("support:session-feedback", args=[both_said.pk]),
        reverse("support:match-feedback", args=[world.pair.pk]),
    ):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_session_and_match_pages_link_to_feedback(world, held):
    feedback_url = reverse("support:session-feedback", args=[held.pk])
    session_page = login(world.dee).get(reverse("meetings:session", args=[held.pk]))
    assert f'href="{feedback_url}"' in session_page.content.decode()
    assert "Rate this session" in session_page.content.decode()
    pair_page = login(world.ada).get(reverse("meetings:match", args=[world.pair.pk]))
    assert f'href="{feedback_url}"' in pair_page.content.decode()
    coordinator = login(world.coordinator)
    body = coordinator.get(reverse("meetings:match", args=[world.pair.pk])).content.decode()
    assert reverse("support:match-feedback", args=[world.pair.pk]) in body
    body = coordinator.get(reverse("meetings:session", args=[held.pk])).content.decode()
    assert "Read the participants' feedback" in body


def test_an_upcoming_session_offers_no_feedback_yet(world):
    start = timezone.now() + dt.timedelta(days=2)
    [future] = session_schedule(
        actor=world.ada, match=world.pair, starts_at=start, location="Library"
    )
    body = login(world.dee).get(reverse("meetings:session", args=[future.pk])).content.decode()
    assert reverse("support:session-feedback", args=[future.pk]) not in body
    page = login(world.dee).get(reverse("support:session-feedback", args=[future.pk]))
    assert page.status_code == 200
    assert "once the session has taken place" in page.content.decode()
    assert (
        login(world.dee)
        .post(reverse("support:session-feedback", args=[future.pk]), {"rating": "5"})
        .status_code
        == 400
    )
