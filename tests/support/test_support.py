from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from factories import make_staff
from peerpath.core.models import AuditEntry, Role
from peerpath.matching.models import Match
from peerpath.support.health import (
    AT_RISK,
    HEALTHY,
    match_health,
    next_contact_due,
)
from peerpath.support.instruments import RELATIONSHIP
from peerpath.support.models import CheckInResponse, Concern, SupportContact
from peerpath.support.services import (
    checkin_submit,
    concern_raise,
    concern_update,
    support_contact_log,
)

ALL_FIVES = {item.key: 5 for item in RELATIONSHIP.items}


def login(user, password="correct-horse-battery-42") -> Client:
    client = Client()
    assert client.login(username=user.email, password=password)
    return client


def test_instrument_scores_flip_reverse_items():
    answers = dict(ALL_FIVES)
    assert RELATIONSHIP.score(answers) == pytest.approx((5 + 5 + 5 + 1 + 5) / 5)
    answers["rq4"] = 1
    assert RELATIONSHIP.score(answers) == 5.0


def test_contact_schedule_twice_in_the_first_month_then_monthly():
    from peerpath.support.models import SupportSettings

    rule = SupportSettings(first_month_contacts=2, contact_every_days=30)
    start = dt.date(2026, 9, 1)
    assert next_contact_due(start, [], rule, dt.date(2026, 9, 5)) == dt.date(2026, 9, 16)
    assert next_contact_due(start, [dt.date(2026, 9, 10)], rule, dt.date(2026, 9, 20)) == dt.date(
        2026, 10, 1
    )
    covered = [dt.date(2026, 9, 10), dt.date(2026, 9, 25), dt.date(2026, 10, 20)]
    assert next_contact_due(start, covered, rule, dt.date(2026, 10, 25)) == dt.date(2026, 11, 30)


def test_health_rises_with_a_low_relationship_check_in_and_an_overdue_contact(published):
    match = Match.objects.get(mentee=published.mentees[0])
    today = timezone.localdate()
    assert match_health([match], today=today)[match.pk].level == HEALTHY
    checkin_submit(
        actor=match.mentee.student.user,
        participant=match.mentee,
        kind="checkin",
        answers={**dict.fromkeys(ALL_FIVES, 2), "rq4": 4},
    )
    health = match_health([match], today=today)[match.pk]
    assert health.level == AT_RISK
    assert health.reasons == ["The latest check-in rates the relationship 2.0 of 5."]
    later = today + dt.timedelta(days=20)
    health = match_health([match], today=later)[match.pk]
    assert any("support contact was due" in r for r in health.reasons)
    assert any("agreement" in r for r in health.reasons)
    support_contact_log(
        actor=published.coordinator, match=match, contacted_with="pair", method="in_person"
    )
    health = match_health([match], today=today + dt.timedelta(days=10))[match.pk]
    assert not health.contact_overdue


def test_check_in_is_private_and_validated(published):
    match = Match.objects.get(mentee=published.mentees[0])
    with pytest.raises(PermissionDenied):
        checkin_submit(
            actor=match.mentor.student.user,
            participant=match.mentee,
            kind="checkin",
            answers=ALL_FIVES,
        )
    with pytest.raises(ValidationError):
        checkin_submit(
            actor=match.mentee.student.user,
            participant=match.mentee,
            kind="checkin",
            answers={"rq1": 5},
        )
    response = checkin_submit(
        actor=match.mentee.student.user, participant=match.mentee, kind="checkin", answers=ALL_FIVES
    )
    assert response.scores == {"relationship": 4.2}
    assert response.match == match
    # The partner has no page that shows it; the coordinator's queue shows only the level.
    page = login(match.mentor.student.user).get(reverse("support:checkins")).content.decode()
    assert "4.2" not in page


def test_needs_attention_queue_and_access(published):
    match = Match.objects.get(mentee=published.mentees[0])
    checkin_submit(
        actor=match.mentee.student.user,
        participant=match.mentee,
        kind="checkin",
        answers={**dict.fromkeys(ALL_FIVES, 1), "rq4": 5},
    )
    url = reverse("support:attention", args=[published.program.pk])
    body = login(published.coordinator).get(url).content.decode()
    assert "At risk" in body
    assert "rates the relationship 1.0 of 5" in body
    assert login(published.other_coordinator).get(url).status_code == 404
    assert login(published.lead).get(url).status_code == 403
    assert (
        login(match.mentor.student.user).get(url).status_code == 403
    )  # sees the program, may not run it


def test_support_contact_is_logged_only_by_the_programs_coordinators(published):
    match = Match.objects.get(mentee=published.mentees[0])
    with pytest.raises(PermissionDenied):
        support_contact_log(
            actor=published.other_coordinator, match=match, contacted_with="mentor", method="phone"
        )
    response = login(published.other_coordinator).post(
        reverse("support:contact", args=[match.pk]),
        {"contacted_with": "mentor", "method": "phone", "happened_at": "2026-11-01T10:00"},
    )
    assert response.status_code == 404
    assert not SupportContact.objects.exists()
    ok = login(published.coordinator).post(
        reverse("support:contact", args=[match.pk]),
        {
            "contacted_with": "mentor",
            "method": "phone",
            "happened_at": "2026-11-01T10:00",
            "notes": "Fine",
        },
    )
    assert ok.status_code == 302
    assert SupportContact.objects.get().notes == "Fine"


def test_a_concern_goes_only_to_the_schools_safeguarding_leads(
    published, django_capture_on_commit_callbacks
):
    student = published.mentees[1].student.user
    with django_capture_on_commit_callbacks(execute=True):
        concern = concern_raise(
            actor=student,
            school=published.school,
            category="wellbeing",
            description="My partner said something worrying.",
        )
    [notice] = mail.outbox
    assert notice.to == ["lead@birch.test"]
    assert "worrying" not in notice.body  # the text stays inside Peerpath
    url = reverse("support:concern", args=[concern.pk])
    assert login(student).get(url).status_code == 200
    assert login(published.lead).get(url).status_code == 200
    assert AuditEntry.objects.filter(action="concern.view", target_id=str(concern.pk)).count() == 2
    # A coordinator without the safeguarding role, another pair, another school: nothing.
    for other in (
        published.coordinator,
        published.mentees[0].student.user,
        published.other_coordinator,
    ):
        assert login(other).get(url).status_code == 404
    other_lead = make_staff(
        published.other_coordinator.role_assignments.first().school, role=Role.SAFEGUARDING_LEAD
    )
    assert login(other_lead).get(url).status_code == 404
    assert login(published.coordinator).post(url, {"status": "resolved"}).status_code == 404
    concern.refresh_from_db()
    assert concern.status == "new"


def test_a_concern_reaches_each_lead_in_the_language_they_read(
    published, django_capture_on_commit_callbacks
):
    published.lead.preferred_language = "es"
    published.lead.save(update_fields=["preferred_language"])
    make_staff(published.school, role=Role.SAFEGUARDING_LEAD, email="second@birch.test")  # English
    student = published.mentees[1].student.user
    with translation.override("es"), django_capture_on_commit_callbacks(execute=True):
        concern_raise(  # the student writes in Spanish; the category is named in each reader's
            actor=student,
            school=published.school,
            category="bullying",
            description="Me dijeron algo feo.",
        )
    school = published.school.name
    notices = {tuple(m.to): m for m in mail.outbox}
    assert {to: m.subject for to, m in notices.items()} == {
        ("lead@birch.test",): f"Se reportó una preocupación en {school}",
        ("second@birch.test",): f"A concern was raised at {school}",
    }
    assert "(Acoso o maltrato)" in notices["lead@birch.test",].body
    assert "(Bullying or unkindness)" in notices["second@birch.test",].body


def test_concern_workflow_by_the_lead_only(published):
    student = published.mentees[1].student.user
    concern = concern_raise(
        actor=student, school=published.school, category="other", description="Help"
    )
    with pytest.raises(PermissionDenied):
        concern_update(actor=student, concern=concern, note="", status="resolved")
    concern_update(
        actor=published.lead, concern=concern, note="Spoke with the student.", status="acknowledged"
    )
    response = login(published.lead).post(
        reverse("support:concern", args=[concern.pk]), {"status": "resolved", "note": "Closed."}
    )
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.status == "resolved"
    assert list(concern.notes.values_list("status_to", flat=True)) == ["acknowledged", "resolved"]
    # The raiser sees the status but not the leads' notes, and cannot post.
    page = login(student).get(reverse("support:concern", args=[concern.pk])).content.decode()
    assert "Resolved" in page
    assert "Spoke with the student." not in page
    assert (
        login(student)
        .post(reverse("support:concern", args=[concern.pk]), {"status": "new"})
        .status_code
        == 403
    )


def test_raise_a_concern_page(published):
    student = published.mentees[1].student.user
    client = login(student)
    assert client.get(reverse("support:concern-new")).status_code == 200
    response = client.post(
        reverse("support:concern-new"),
        {
            "school": published.school.pk,
            "category": "bullying",
            "description": "Someone keeps teasing me.",
        },
    )
    assert response.status_code == 200
    assert "Thank you for telling us" in response.content.decode()
    assert Concern.objects.get().category == "bullying"
    assert Client().get(reverse("support:concern-new")).status_code == 302


def test_checkin_page_round_trip(published):
    participant = published.mentees[0]
    client = login(participant.student.user)
    url = reverse("support:checkin", args=[participant.pk, "checkin"])
    assert client.get(url).status_code == 200
    response = client.post(url, ALL_FIVES)
    assert response.status_code == 302
    assert CheckInResponse.objects.get().scores == {"relationship": 4.2}
    other = published.mentees[1].student.user
    assert login(other).get(url).status_code == 404
