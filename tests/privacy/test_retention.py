"""Retention periods, with a frozen clock (time-machine)."""

from __future__ import annotations

import datetime as dt
import importlib
import io

import time_machine
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from groupslib import build_group_cohort
from peerpath.core.models import AuditEntry
from peerpath.matching.groups import group_round_start
from peerpath.matching.models import ExitSurvey
from peerpath.meetings.models import Group, SessionLog, SessionNote
from peerpath.meetings.services import group_round_publish
from peerpath.messaging.models import Message
from peerpath.messaging.services import message_send
from peerpath.privacy import retention
from peerpath.privacy.retention import retention_days, retention_purge, retention_purge_step
from peerpath.programs.models import ParticipantStatus
from peerpath.programs.services import participant_transition
from peerpath.recruitment.models import Application
from peerpath.support.models import CheckInResponse

UTC = dt.UTC


def counts() -> dict[str, int]:
    return {
        "messages": Message.objects.count(),
        "notes": SessionNote.objects.count() + SessionLog.objects.count(),
        "checkins": CheckInResponse.objects.count(),
        "applications": Application.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def test_defaults_and_overrides(settings):
    settings.PEERPATH_RETENTION_DAYS = {"messages": 30}
    days = retention_days()
    assert days["messages"] == 30
    assert days["session_notes"] == 730
    assert days["audit"] == 7 * 365


def test_each_kind_goes_when_its_period_ends_and_not_a_day_before(world):
    """The world's match closed, its session was on 6 Oct 2026, check-ins were today."""
    closed_at = world.match.closed_at
    assert closed_at is not None
    start = counts()
    # A year after the match closed, less a day: nothing goes.
    with time_machine.travel(closed_at + dt.timedelta(days=364), tick=False):
        assert retention_purge() == dict.fromkeys(retention.DEFAULT_RETENTION_DAYS, 0)
    assert counts() == start

    # A year and a day after: the pair's messages go, nothing else.
    with time_machine.travel(closed_at + dt.timedelta(days=366), tick=False):
        dry = retention_purge(dry_run=True)
        assert dry["messages"] == 2
        assert counts() == start  # a dry run deletes nothing
        assert retention_purge()["messages"] == 2
    assert Message.objects.count() == 0
    assert CheckInResponse.objects.count() == start["checkins"]
    entry = AuditEntry.objects.get(action="privacy.retention.purge")
    assert entry.after["deleted"]["messages"] == 2

    # Session logs and notes: two years after the session.
    session_start = world.session.starts_at
    with time_machine.travel(session_start + dt.timedelta(days=729), tick=False):
        assert retention_purge()["session_notes"] == 0
    with time_machine.travel(session_start + dt.timedelta(days=731), tick=False):
        assert retention_purge()["session_notes"] == 3  # two notes and the log
    # Check-ins: three years after they were given.
    answered = CheckInResponse.objects.earliest("created_at").created_at
    with time_machine.travel(answered + dt.timedelta(days=1094), tick=False):
        assert retention_purge()["checkins"] == 0
    with time_machine.travel(answered + dt.timedelta(days=1096), tick=False):
        assert retention_purge()["checkins"] == 4  # two check-ins, two exit surveys
    assert not ExitSurvey.objects.exists()


def test_closed_applications_go_a_year_after_the_decision(world):
    decided = timezone.now()
    participant_transition(
        actor=world.coordinator,
        participant=world.program.participants.get(student__user=world.bystander),
        to_status=ParticipantStatus.WITHDRAWN,
    )
    Application.objects.create(
        participant=world.program.participants.get(student__user=world.bystander)
    )
    before = Application.objects.count()
    with time_machine.travel(decided + dt.timedelta(days=300), tick=False):
        assert retention_purge()["closed_applications"] == 0
    with time_machine.travel(decided + dt.timedelta(days=366), tick=False):
        assert retention_purge()["closed_applications"] == 1
    assert Application.objects.count() == before - 1


def test_audit_entries_are_kept_seven_years(world):
    oldest = AuditEntry.objects.earliest("created_at").created_at
    total = AuditEntry.objects.count()
    with time_machine.travel(oldest + dt.timedelta(days=7 * 365 - 1), tick=False):
        assert retention_purge()["audit"] == 0
    with time_machine.travel(timezone.now() + dt.timedelta(days=7 * 365 + 1), tick=False):
        assert retention_purge()["audit"] == total


def test_worker_step_runs_at_most_hourly(world, monkeypatch):
    monkeypatch.setattr(retention, "_last_purge", float("-inf"))
    with time_machine.travel(world.match.closed_at + dt.timedelta(days=400), tick=False):
        assert retention_purge_step() == "purged 2 messages"
        assert retention_purge_step() == ""  # within the hour: not again


def test_the_worker_declares_the_step():
    from peerpath.matching.management.commands.worker import periodic_steps

    assert "peerpath.privacy.retention.retention_purge_step" in dict(periodic_steps())


def test_purge_command_dry_run(world):
    out = io.StringIO()
    with time_machine.travel(world.match.closed_at + dt.timedelta(days=400), tick=False):
        call_command("purge", dry_run=True, stdout=out)
    assert "messages" in out.getvalue()
    assert "would delete 2" in out.getvalue()
    assert Message.objects.count() == 2


def test_a_closed_group_board_goes_a_year_after_the_group_closed(db, settings):
    """The same period as a closed match's messages, counted from the day the group closed."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    c = build_group_cohort()
    group_round_publish(
        actor=c.coordinator,
        group_round=group_round_start(actor=c.coordinator, program=c.program),
    )
    algebra = Group.objects.get(members__participant=c.people["Ada"])
    biology = Group.objects.get(members__participant=c.people["Ben"])
    message_send(actor=c.user("Dot"), group=algebra, body="See you Monday at 3?")
    message_send(actor=c.user("Ada"), group=algebra, body="Bring the worksheet")
    message_send(actor=c.user("Fin"), group=biology, body="Lab on Wednesday")
    closed_at = timezone.now()
    Group.objects.filter(pk=algebra.pk).update(status=Group.Status.CLOSED, closed_at=closed_at)

    with time_machine.travel(closed_at + dt.timedelta(days=364), tick=False):
        assert retention_purge()["messages"] == 0
    assert Message.objects.count() == 3
    with time_machine.travel(closed_at + dt.timedelta(days=366), tick=False):
        assert retention_purge(dry_run=True)["messages"] == 2
        assert Message.objects.count() == 3
        assert retention_purge()["messages"] == 2
    # The open group's board is kept, however old: its period has not started.
    assert list(Message.objects.values_list("body", flat=True)) == ["Lab on Wednesday"]
    assert Group.objects.filter(pk=algebra.pk).exists()  # only the messages go
    entry = AuditEntry.objects.get(action="privacy.retention.purge")
    assert entry.after["deleted"]["messages"] == 2


def test_groups_closed_before_closed_at_existed_take_their_last_change_as_the_date(db):
    """The migration's backfill: closed groups get ``updated_at``; open ones stay without."""
    c = build_group_cohort()
    group_round_publish(
        actor=c.coordinator,
        group_round=group_round_start(actor=c.coordinator, program=c.program),
    )
    closed, still_open = Group.objects.order_by("pk")[:2]
    Group.objects.filter(pk=closed.pk).update(status=Group.Status.CLOSED)
    migration = importlib.import_module("peerpath.meetings.migrations.0002_group_closed_at")
    migration.closed_at_from_updated_at(apps, None)
    closed.refresh_from_db()
    still_open.refresh_from_db()
    assert closed.closed_at == closed.updated_at
    assert still_open.closed_at is None
