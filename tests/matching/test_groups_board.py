"""A published group's message board: members only, held messages for minors, moderation."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from factories import PASSWORD
from groupslib import GroupCohort, build_group_cohort, give_consent, make_guardian
from peerpath.core.models import AuditEntry
from peerpath.matching.groups import group_round_start
from peerpath.meetings.models import Group
from peerpath.meetings.services import group_round_publish
from peerpath.messaging.models import Message, Thread
from peerpath.messaging.services import message_reject, message_release, message_send


@pytest.fixture
def published(db, settings, django_capture_on_commit_callbacks) -> tuple[GroupCohort, Group, Group]:
    """Birch's two study groups, published; Cal (algebra group) is 15 with consent."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    c = build_group_cohort()
    cal = c.people["Cal"]
    cal.student.birth_date = None  # unknown age: a minor for the program
    cal.student.save(update_fields=["birth_date"])
    give_consent(cal, make_guardian(c))
    group_round = group_round_start(actor=c.coordinator, program=c.program)
    with django_capture_on_commit_callbacks(execute=True):
        group_round_publish(actor=c.coordinator, group_round=group_round)
    alg = Group.objects.get(members__participant=c.people["Ada"])
    bio = Group.objects.get(members__participant=c.people["Ben"])
    mail.outbox.clear()
    return c, alg, bio


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    return client


def test_members_write_and_everyone_else_in_the_group_is_told(
    published, django_capture_on_commit_callbacks
):
    c, alg, _bio = published
    with django_capture_on_commit_callbacks(execute=True):
        message = message_send(actor=c.user("Dot"), group=alg, body="See you Monday at 3?")
    assert message.status == Message.Status.DELIVERED
    assert Thread.objects.get().group == alg
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ada@birch.test",
        "cal@birch.test",
        "eli@birch.test",
    ]
    page = login(c.user("Eli")).get(reverse("messaging:group-board", args=[alg.pk]))
    assert page.status_code == 200
    assert "See you Monday at 3?" in page.content.decode()


def test_contact_details_are_held_when_a_member_is_a_minor(
    published, django_capture_on_commit_callbacks
):
    c, alg, _bio = published
    with django_capture_on_commit_callbacks(execute=True):
        held = message_send(actor=c.user("Ada"), group=alg, body="Text me on 555-201-3344")
    assert held.status == Message.Status.HELD
    assert [m.to for m in mail.outbox] == [["lead@birch.test"]]
    other = login(c.user("Dot")).get(reverse("messaging:group-board", args=[alg.pk]))
    assert "555-201-3344" not in other.content.decode()
    mine = login(c.user("Ada")).get(reverse("messaging:group-board", args=[alg.pk]))
    assert "Held for review" in mine.content.decode()
    # The school's safeguarding lead sees it in the queue and releases it.
    queue = login(c.lead).get(reverse("messaging:queue")).content.decode()
    assert f"to the board of {alg.name}" in queue
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message_release(actor=c.lead, message=held)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "cal@birch.test",
        "dot@birch.test",
        "eli@birch.test",
    ]
    with pytest.raises(PermissionDenied):
        message_release(actor=c.coordinator, message=held)


def test_a_rejected_message_tells_its_author_with_the_board_link(
    published, django_capture_on_commit_callbacks
):
    c, alg, _bio = published
    held = message_send(actor=c.user("Eli"), group=alg, body="my insta is @eli.park")
    assert held.status == Message.Status.HELD
    with django_capture_on_commit_callbacks(execute=True):
        message_reject(actor=c.lead, message=held, reason="Please keep contact here.")
    [note] = mail.outbox
    assert note.to == ["eli@birch.test"]
    assert reverse("messaging:group-board", args=[alg.pk]) in note.body


def test_nothing_is_held_in_a_group_of_adults(published):
    c, _alg, bio = published
    sent = message_send(actor=c.user("Fin"), group=bio, body="Text me on 555-201-3344")
    assert sent.status == Message.Status.DELIVERED


def test_a_member_of_another_group_can_neither_read_nor_write(published):
    c, alg, _bio = published
    message_send(actor=c.user("Dot"), group=alg, body="Algebra only")
    with pytest.raises(PermissionDenied):
        message_send(actor=c.user("Fin"), group=alg, body="Let me in")
    client = login(c.user("Fin"))
    url = reverse("messaging:group-board", args=[alg.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"body": "Let me in"}).status_code == 404
    assert Message.objects.count() == 1


def test_coordinators_read_and_are_audited_but_cannot_write(published):
    c, alg, _bio = published
    message_send(actor=c.user("Dot"), group=alg, body="Hello group")
    client = login(c.coordinator)
    url = reverse("messaging:group-board", args=[alg.pk])
    page = client.get(url).content.decode()
    assert "Hello group" in page
    assert "members can write here" in page
    assert AuditEntry.objects.filter(action="message.thread_view").count() == 1
    assert client.post(url, {"body": "From the coordinator"}).status_code == 403
    assert Message.objects.count() == 1


@pytest.mark.parametrize(("who", "status"), [("other_coordinator", 404), ("staff", 403)])
def test_wrong_school_and_wrong_role_are_refused(published, who, status):
    c, alg, _bio = published
    user = c.other_coordinator if who == "other_coordinator" else c.staff
    url = reverse("messaging:group-board", args=[alg.pk])
    client = login(user)
    assert client.get(url).status_code == status
    assert client.post(url, {"body": "hi"}).status_code == status
    assert not Message.objects.exists()


def test_a_closed_group_board_is_read_only(published):
    c, alg, _bio = published
    Group.objects.filter(pk=alg.pk).update(status=Group.Status.CLOSED, closed_at=timezone.now())
    with pytest.raises(PermissionDenied, match="closed"):
        message_send(actor=c.user("Dot"), group=alg, body="Anyone?")


def test_members_post_through_the_page_with_htmx(published):
    c, alg, _bio = published
    client = login(c.user("Cal"))
    url = reverse("messaging:group-board", args=[alg.pk])
    response = client.post(url, {"body": "Bring the worksheet"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<html" not in body
    assert "Bring the worksheet" in body
    assert Message.objects.get().author == c.user("Cal")


def test_the_inbox_lists_the_members_group_boards(published):
    c, alg, _bio = published
    message_send(actor=c.user("Dot"), group=alg, body="Worksheet 3 done")
    page = login(c.user("Eli")).get(reverse("messaging:inbox")).content.decode()
    assert "Group message boards" in page
    assert reverse("messaging:group-board", args=[alg.pk]) in page
    assert "Dot: Worksheet 3 done" in page
    other = login(c.user("Fin")).get(reverse("messaging:inbox")).content.decode()
    assert "Worksheet 3 done" not in other
    group_page = login(c.user("Eli")).get(reverse("meetings:group", args=[alg.pk]))
    assert reverse("messaging:group-board", args=[alg.pk]) in group_page.content.decode()
