"""Buddy system: new arrivals paired with established students; the overdue flag."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from factories import PASSWORD, make_program
from groupslib import GroupCohort, add, build_group_cohort
from peerpath.core.models import AuditEntry
from peerpath.matching.buddies import arrival_record, buddy_overdue_flag, buddy_pair_new_arrivals
from peerpath.matching.management.commands.worker import periodic_steps
from peerpath.matching.models import ArrivalOverdue, Match
from peerpath.people.models import StudentProfile


def _arrived(c: GroupCohort, name: str, days_ago: int) -> None:
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    StudentProfile.objects.filter(pk=c.people[name].student_id).update(arrived_on=day)


@pytest.fixture
def buddy(db, settings) -> GroupCohort:
    """
    Birch's buddy program. Established buddies: Kai (grade 9, Monday), Lea
    (grade 10, Tuesday); Max (grade 9, Wednesday) arrived three days ago, so is
    not established. New arrivals: Nia (9, Monday, 2 days ago), Omar (10,
    Wednesday, 10 days ago), Pia (11, Monday, yesterday); Zed has no arrival date.
    """
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    c = build_group_cohort(program_type="buddy")
    for name, role, grade, free in [
        ("Kai", "mentor", 9, ["mon-2"]),
        ("Lea", "mentor", 10, ["tue-2"]),
        ("Max", "mentor", 9, ["wed-2"]),
        ("Nia", "mentee", 9, ["mon-2", "wed-2"]),
        ("Omar", "mentee", 10, ["wed-2"]),
        ("Pia", "mentee", 11, ["mon-2"]),
        ("Zed", "mentee", 9, ["mon-2"]),
    ]:
        add(c, name, role, course=c.algebra, free=free, grade=grade)
    _arrived(c, "Max", 3)
    _arrived(c, "Nia", 2)
    _arrived(c, "Omar", 10)
    _arrived(c, "Pia", 1)
    return c


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    return client


def test_arrivals_are_paired_by_grade_and_shared_time(buddy, django_capture_on_commit_callbacks):
    c = buddy
    with django_capture_on_commit_callbacks(execute=True):
        pairing = buddy_pair_new_arrivals(actor=c.coordinator, program=c.program)
    assert [
        (m.mentee.student.user.given_name, m.mentor.student.user.given_name)
        for m in pairing.matches
    ] == [("Nia", "Kai")]
    assert sorted(p.student.user.given_name for p, _reason in pairing.waiting) == ["Omar", "Pia"]
    assert all("same grade" in reason for _p, reason in pairing.waiting)
    assert Match.objects.filter(status="active").count() == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["kai@birch.test", "nia@birch.test"]
    assert AuditEntry.objects.filter(action="matching.buddies.pair").count() == 1
    # Zed has no arrival date and Max arrived too recently to be a buddy: neither is paired.
    assert not Match.objects.filter(mentee=c.people["Zed"]).exists()
    assert not Match.objects.filter(mentor=c.people["Max"]).exists()
    again = buddy_pair_new_arrivals(actor=c.coordinator, program=c.program)
    assert again.matches == []
    assert Match.objects.count() == 1


def test_only_coordinators_of_a_buddy_program_pair(buddy):
    c = buddy
    for actor in (c.other_coordinator, c.staff, c.user("Kai")):
        with pytest.raises(PermissionDenied):
            buddy_pair_new_arrivals(actor=actor, program=c.program)
    assert not Match.objects.exists()
    study = make_program(c.school, c.coordinator, name="Study", program_type="study_groups")
    with pytest.raises(ValidationError, match="Only buddy programs"):
        buddy_pair_new_arrivals(actor=c.coordinator, program=study)


def test_arrivals_waiting_a_week_are_flagged_once(buddy, django_capture_on_commit_callbacks):
    c = buddy
    assert "peerpath.matching.buddies.buddy_overdue_flag" in [path for path, _f in periodic_steps()]
    with django_capture_on_commit_callbacks(execute=True):
        assert buddy_overdue_flag() == 1
    assert list(ArrivalOverdue.objects.values_list("participant_id", flat=True)) == [
        c.people["Omar"].pk
    ]
    [note] = mail.outbox
    assert note.to == ["coord@birch.test"]
    assert "Omar Park" in note.body
    assert "Nia" not in note.body
    with django_capture_on_commit_callbacks(execute=True):
        assert buddy_overdue_flag() == 0
    assert len(mail.outbox) == 1


def test_the_program_page_lists_arrivals_and_pairs_them(buddy, django_capture_on_commit_callbacks):
    c = buddy
    client = _client(c.coordinator)
    url = reverse("matching:program", args=[c.program.pk])
    page = client.get(url).content.decode()
    assert "New arrivals" in page
    assert "waiting more than a week" in page  # Omar
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "buddies"}, follow=True)
    body = response.content.decode()
    assert "1 new arrival paired with a buddy" in body
    assert "Omar Park is still waiting" in body
    assert Match.objects.get().mentee == c.people["Nia"]


def test_recording_an_arrival(buddy):
    c = buddy
    client = _client(c.coordinator)
    url = reverse("matching:program", args=[c.program.pk])
    day = timezone.localdate() - dt.timedelta(days=1)
    response = client.post(
        url, {"action": "arrival", "participant": c.people["Zed"].pk, "arrived_on": day}
    )
    assert response.status_code == 302
    assert StudentProfile.objects.get(pk=c.people["Zed"].student_id).arrived_on == day
    with pytest.raises(ValidationError):
        arrival_record(
            actor=c.coordinator,
            participant=c.people["Zed"],
            arrived_on=timezone.localdate() + dt.timedelta(days=1),
        )


@pytest.mark.parametrize(("who", "status"), [("other_coordinator", 404), ("staff", 403)])
def test_wrong_school_and_role_cannot_pair_or_record(buddy, who, status):
    c = buddy
    client = _client(c.other_coordinator if who == "other_coordinator" else c.staff)
    url = reverse("matching:program", args=[c.program.pk])
    assert client.post(url, {"action": "buddies"}).status_code == status
    response = client.post(
        url, {"action": "arrival", "participant": c.people["Zed"].pk, "arrived_on": "2026-12-01"}
    )
    assert response.status_code == status
    assert not Match.objects.exists()
    assert StudentProfile.objects.get(pk=c.people["Zed"].student_id).arrived_on is None
