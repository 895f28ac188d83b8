"""Closing a group: who may, what it changes (sessions, board, retention) and who is told."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
import time_machine
from django.apps import apps
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from meetings_testlib import NOW, enrol, local

from factories import make_program
from peerpath.core.models import AuditEntry
from peerpath.meetings.models import Group, Session
from peerpath.meetings.services import group_close, group_create, session_schedule
from peerpath.messaging.models import Message
from peerpath.messaging.services import message_send
from peerpath.privacy.erasure import erase_person_data
from peerpath.privacy.export import person_export
from peerpath.privacy.retention import retention_purge
from peerpath.programs.models import Participant

pytestmark = pytest.mark.django_db

#: When the tests close the group: Saturday 10 October 2026, noon in New York.
CLOSED = local(2026, 10, 10, 12, 0)


@pytest.fixture
def study_group(world):
    """Lea leads "Algebra circle" of Birch Study Groups; Max and Mia are its members."""
    program = make_program(
        world.school,
        world.coordinator,
        name="Birch Study Groups",
        program_type="study_groups",
        status="running",
        mentor_training_minutes=0,
    )
    leader = enrol(program, world.coordinator, "mentor", name="Lea", age=19, free=["mon-2"])
    members = [
        enrol(program, world.coordinator, "mentee", name=n, age=18, free=["mon-2"])
        for n in ("Max", "Mia")
    ]
    return group_create(
        actor=world.coordinator,
        program=program,
        name="Algebra circle",
        leaders=[leader],
        members=members,
    )


def emails_of(group: Group) -> list[str]:
    return sorted(m.participant.student.user.email for m in group.members.all())


def user_of(group: Group, name: str):  # type: ignore[no-untyped-def]
    return group.members.get(participant__student__user__given_name=name).participant.student.user


def state(group: Group) -> tuple[object, ...]:
    group.refresh_from_db()
    return (
        group.status,
        group.closed_at,
        group.closed_by_id,
        group.close_reason,
        list(Session.objects.values_list("status", flat=True)),
        AuditEntry.objects.filter(action="meetings.group.close").count(),
        mail.outbox[:],
    )


# --- The service ------------------------------------------------------------------------


def test_close_sets_closed_at_audits_and_tells_each_member_once_after_commit(
    world, study_group, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        closed = group_close(
            actor=world.coordinator, group=study_group, reason="The term has ended.", now=CLOSED
        )
    assert mail.outbox == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    study_group.refresh_from_db()
    assert closed.pk == study_group.pk
    assert (study_group.status, study_group.closed_at) == ("closed", CLOSED)
    assert study_group.closed_by == world.coordinator
    assert study_group.close_reason == "The term has ended."
    assert sorted(m.to[0] for m in mail.outbox) == emails_of(study_group)
    assert len(mail.outbox) == 3  # one each
    message = next(m for m in mail.outbox if m.to == [user_of(study_group, "Max").email])
    assert message.subject == "Algebra circle of Birch Study Groups has ended"
    assert "Hello Max," in message.body
    assert "Thank you for the time you gave to it." in message.body
    assert "Reason: The term has ended." in message.body
    assert f"http://testserver/groups/{study_group.pk}/" in message.body
    assert "fault" not in message.body.lower()
    assert "blame" not in message.body.lower()
    entry = AuditEntry.objects.get(action="meetings.group.close")
    assert entry.actor == world.coordinator
    assert (entry.target_type, entry.target_id) == ("meetings.group", str(study_group.pk))
    assert entry.before == {"status": "active"}
    assert entry.after == {
        "status": "closed",
        "closed_at": CLOSED.isoformat(),
        "reason": "The term has ended.",
        "regroup": False,
        "cancelled_sessions": [],
    }


@pytest.mark.parametrize(("regroup", "after"), [(True, "ready"), (False, "closed")])
def test_members_placed_by_a_round_are_ready_again_or_leave_unless_grouped_elsewhere(
    world, study_group, regroup, after
):
    members = {
        m.participant.student.user.given_name: m.participant for m in study_group.members.all()
    }
    Participant.objects.filter(pk__in=[p.pk for p in members.values()]).update(status="matched")
    # Mia is also in another active group: her place there keeps her matched
    other = group_create(
        actor=world.coordinator,
        program=study_group.program,
        name="Geometry circle",
        leaders=[members["Lea"]],
        members=[members["Mia"]],
    )
    group_close(actor=world.coordinator, group=study_group, reason="Term over.", regroup=regroup)
    status = dict(
        Participant.objects.filter(pk__in=[p.pk for p in members.values()]).values_list(
            "student__user__given_name", "status"
        )
    )
    assert status == {"Max": after, "Mia": "matched", "Lea": "matched"}
    other.refresh_from_db()
    assert other.status == "active"


def test_future_sessions_are_cancelled_with_the_reason_and_past_ones_kept(
    world, study_group, django_capture_on_commit_callbacks
):
    lea = user_of(study_group, "Lea")
    [past] = session_schedule(
        actor=lea, group=study_group, starts_at=local(2026, 10, 5), location="Room 12", now=NOW
    )
    series = session_schedule(
        actor=lea,
        group=study_group,
        starts_at=local(2026, 10, 12),
        location="Room 12",
        weeks=3,
        now=NOW,
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        group_close(
            actor=world.coordinator, group=study_group, reason="Group dissolved", now=CLOSED
        )
    past.refresh_from_db()
    assert past.status == "scheduled"
    assert (
        list(
            Session.objects.filter(pk__in=[s.pk for s in series])
            .order_by("starts_at")
            .values_list("status", "change_reason", "cancelled_at", "sequence")
        )
        == [("cancelled", "Group dissolved", CLOSED, 1)] * 3
    )
    entry = AuditEntry.objects.get(action="meetings.group.close")
    assert entry.after["cancelled_sessions"] == [s.pk for s in series]
    assert len(mail.outbox) == 3  # one e-mail per member for the closing, none per session
    assert "Its 3 next sessions are cancelled." in mail.outbox[0].body
    with pytest.raises(ValidationError, match="This group is closed"):
        session_schedule(
            actor=lea, group=study_group, starts_at=local(2026, 10, 19), location="x", now=CLOSED
        )


def test_a_closed_group_cannot_close_again_and_a_reason_is_required(world, study_group):
    with pytest.raises(ValidationError, match="Give a reason"):
        group_close(actor=world.coordinator, group=study_group, reason="   ", now=CLOSED)
    study_group.refresh_from_db()
    assert study_group.status == "active"
    group_close(
        actor=world.coordinator, group=study_group, reason="The term has ended.", now=CLOSED
    )
    mail.outbox.clear()
    with pytest.raises(ValidationError, match="This group is already closed"):
        group_close(actor=world.coordinator, group=study_group, reason="Again", now=NOW)
    study_group.refresh_from_db()
    assert study_group.closed_at == CLOSED
    assert study_group.close_reason == "The term has ended."  # the first closing's, kept
    assert AuditEntry.objects.filter(action="meetings.group.close").count() == 1
    assert mail.outbox == []


@pytest.mark.parametrize("who", ["member", "leader", "teacher", "other_coordinator"])
def test_only_the_programs_coordinators_close_a_group(world, study_group, who):
    actor = {
        "member": lambda: user_of(study_group, "Max"),
        "leader": lambda: user_of(study_group, "Lea"),
        "teacher": lambda: world.teacher,
        "other_coordinator": lambda: world.other_coordinator,
    }[who]()
    mail.outbox.clear()
    before = state(study_group)
    with pytest.raises(PermissionDenied):
        group_close(actor=actor, group=study_group, reason="The term has ended.", now=CLOSED)
    assert state(study_group) == before
    assert before[0] == "active"


def test_the_board_is_read_only_once_closed(world, study_group):
    max_ = user_of(study_group, "Max")
    message_send(actor=max_, group=study_group, body="See you Monday?")
    group_close(actor=world.coordinator, group=study_group, reason="The term has ended.")
    with pytest.raises(PermissionDenied, match="This group has closed"):
        message_send(actor=max_, group=study_group, body="Bye all")
    assert list(Message.objects.values_list("body", flat=True)) == ["See you Monday?"]


def test_retention_purges_the_board_a_year_after_closing(world, study_group):
    message_send(actor=user_of(study_group, "Mia"), group=study_group, body="Worksheet attached")
    closed = group_close(actor=world.coordinator, group=study_group, reason="Term ended")
    assert closed.closed_at is not None
    with time_machine.travel(closed.closed_at + dt.timedelta(days=364), tick=False):
        assert retention_purge()["messages"] == 0
    assert Message.objects.count() == 1
    with time_machine.travel(closed.closed_at + dt.timedelta(days=366), tick=False):
        assert retention_purge()["messages"] == 1
    assert Message.objects.count() == 0
    assert Group.objects.filter(pk=study_group.pk, status="closed").exists()


# --- The pages ----------------------------------------------------------------------------


def test_coordinator_closes_from_the_group_page(
    world, study_group, client, django_capture_on_commit_callbacks
):
    client.force_login(world.coordinator)
    page = client.get(reverse("meetings:group", args=[study_group.pk]))
    close_url = reverse("meetings:group-close", args=[study_group.pk])
    assert close_url in page.content.decode()
    confirm = client.get(close_url)
    assert confirm.status_code == 200
    assert "Closing is never anyone's fault" in confirm.content.decode()
    refused = client.post(close_url, {"reason": " "})
    assert refused.status_code == 200
    assert "Give a reason" in refused.content.decode()
    study_group.refresh_from_db()
    assert study_group.status == "active"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(close_url, {"reason": "The term has ended."}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("meetings:group", args=[study_group.pk])
    body = response.content.decode()
    assert "Algebra circle is closed; every member was told by e-mail." in body
    assert "This group closed on" in body
    assert close_url not in body  # no second close button
    study_group.refresh_from_db()
    assert study_group.status == "closed"
    assert len(mail.outbox) == 3
    listing = client.get(reverse("meetings:program-groups", args=[study_group.program_id]))
    assert "Closed on" in listing.content.decode()
    again = client.post(close_url, {"reason": "Again"})
    assert again.status_code == 200
    assert "This group closed on" in again.content.decode()
    assert AuditEntry.objects.filter(action="meetings.group.close").count() == 1


@pytest.mark.parametrize(
    ("who", "status"),
    [("member", 403), ("leader", 403), ("teacher", 403), ("other_coordinator", 404)],
)
def test_everyone_else_is_refused_and_nothing_changes(world, study_group, client, who, status):
    user = {
        "member": lambda: user_of(study_group, "Max"),
        "leader": lambda: user_of(study_group, "Lea"),
        "teacher": lambda: world.teacher,
        "other_coordinator": lambda: world.other_coordinator,
    }[who]()
    client.force_login(user)
    url = reverse("meetings:group-close", args=[study_group.pk])
    page = client.get(reverse("meetings:group", args=[study_group.pk]))
    if page.status_code == 200:
        assert url not in page.content.decode()  # members see no close button
    mail.outbox.clear()
    before = state(study_group)
    assert client.get(url).status_code == status
    assert client.post(url, {"reason": "The term has ended."}).status_code == status
    assert state(study_group) == before


# --- Why and who ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status", "sees_who"),
    [
        ("coordinator", 200, True),
        ("leader", 200, False),
        ("member", 200, False),
        ("teacher", 403, False),
        ("guardian", 404, False),
        ("other_coordinator", 404, False),
    ],
)
def test_a_closed_groups_page_says_why_to_its_people_and_who_closed_it_to_coordinators(
    world, study_group, client, who, status, sees_who
):
    group_close(
        actor=world.coordinator, group=study_group, reason="Term over <for now>.", now=CLOSED
    )
    user = {
        "coordinator": lambda: world.coordinator,
        "member": lambda: user_of(study_group, "Max"),
        "leader": lambda: user_of(study_group, "Lea"),
        "teacher": lambda: world.teacher,
        "guardian": lambda: world.guardian,
        "other_coordinator": lambda: world.other_coordinator,
    }[who]()
    client.force_login(user)
    page = client.get(reverse("meetings:group", args=[study_group.pk]))
    assert page.status_code == status
    body = page.content.decode()
    closer = f"Closed by {world.coordinator.display_name}."
    if status != 200:
        assert "Term over" not in body
        assert closer not in body
        return
    # The members were told the reason by e-mail ("members read this" on the form).
    assert "Reason: Term over &lt;for now&gt;." in body
    assert (closer in body) is sees_who


def test_a_group_closed_before_the_reason_was_kept_shows_no_empty_reason(
    world, study_group, client
):
    Group.objects.filter(pk=study_group.pk).update(status="closed", closed_at=CLOSED)
    client.force_login(world.coordinator)
    body = client.get(reverse("meetings:group", args=[study_group.pk])).content.decode()
    assert "This group closed on" in body
    assert "Reason:" not in body
    assert "Closed by" not in body


def test_groups_closed_before_the_fields_existed_take_why_and_who_from_the_audit(
    world, study_group
):
    """The migration's backfill: the closing's audit entry gives the reason and the actor."""
    group_close(actor=world.coordinator, group=study_group, reason="Term over.", now=CLOSED)
    Group.objects.filter(pk=study_group.pk).update(close_reason="", closed_by=None)
    other = Group.objects.create(  # closed without an audit entry
        program=study_group.program, name="Geometry circle", status="closed", closed_at=CLOSED
    )
    migration = importlib.import_module(
        "peerpath.meetings.migrations.0003_group_close_reason_and_closed_by"
    )
    migration.close_reason_from_audit(apps, None)
    study_group.refresh_from_db()
    other.refresh_from_db()
    assert (study_group.close_reason, study_group.closed_by) == ("Term over.", world.coordinator)
    assert (other.close_reason, other.closed_by) == ("", None)


def test_the_coordinator_who_closed_a_group_is_mentioned_in_their_export_and_erased(
    world, study_group
):
    group_close(actor=world.coordinator, group=study_group, reason="Term over.", now=CLOSED)
    export = person_export(world.coordinator)
    [mention] = [m for m in export.mentions if m["model"] == "meetings.group"]
    assert (mention["id"], mention["as"]) == (study_group.pk, ["closed_by"])
    assert "Term over." not in str(export.mentions)  # a mention, without the row's content
    erase_person_data(world.coordinator)
    study_group.refresh_from_db()
    # The row stays the group's; its link now leads to the pseudonym.
    assert study_group.closed_by_id == world.coordinator.pk
    assert study_group.closed_by is not None
    assert study_group.closed_by.email.endswith(".invalid")
    assert study_group.close_reason == "Term over."


def test_a_group_of_an_earlier_term_keeps_when_it_was_formed_written_on_and_closed(world):
    """The services take ``now``, as the demo's pilot circle uses them."""
    formed, posted = local(2026, 3, 2, 9, 0), local(2026, 3, 9, 15, 0)
    program = make_program(
        world.school,
        world.coordinator,
        name="Spring Circles",
        program_type="study_groups",
        status="running",
        mentor_training_minutes=0,
    )
    leader = enrol(program, world.coordinator, "mentor", name="Lou", age=19, free=["mon-2"])
    member = enrol(program, world.coordinator, "mentee", name="Kai", age=18, free=["mon-2"])
    group = group_create(
        actor=world.coordinator,
        program=program,
        name="Pilot",
        leaders=[leader],
        members=[member],
        now=formed,
    )
    message = message_send(
        actor=member.student.user, body="See you next week", group=group, now=posted
    )
    group_close(actor=world.coordinator, group=group, reason="Term over.", now=CLOSED)
    group.refresh_from_db()
    message.refresh_from_db()
    assert (group.created_at, message.created_at, message.delivered_at) == (formed, posted, posted)
    assert group.created_at < message.created_at < group.closed_at == CLOSED
