"""
Reminders and nudges: due at the right time, sent exactly once, retried when sending fails.

The scheduler step inserts delivery rows and enqueues django-tasks (database
backend); the tests run those tasks with the same worker loop as
``peerpath worker``.
"""

from __future__ import annotations

import datetime as dt
import email
import logging
import socket
import threading

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django_tasks_db.models import DBTaskResult
from meetings_testlib import NOW, build_world, local

from peerpath.core.claims import ABANDONED
from peerpath.meetings.models import ReminderDelivery
from peerpath.meetings.reminders import (
    LEASE,
    MAX_ATTEMPTS,
    due_reminders,
    reminder_claim,
    reminder_deliver,
    reminders_collect,
    reminders_enqueue_due,
)
from peerpath.meetings.services import (
    goal_create,
    goal_update_progress,
    meeting_settings_update,
    session_cancel,
    session_log_save,
    session_reschedule,
    session_schedule,
)

SESSION_START = local(2026, 10, 6, 15, 0)


def schedule(world, start=SESSION_START, **kwargs):
    [session] = session_schedule(
        actor=world.ada, match=world.pair, starts_at=start, location="Library", now=NOW, **kwargs
    )
    return session


def deliver_all(now):
    """The task bodies, run in order: what the worker does with the queue."""
    return [
        reminder_deliver(d.pk, worker="test", now=now)
        for d in ReminderDelivery.objects.order_by("pk")
    ]


@pytest.mark.django_db
def test_session_reminder_is_due_within_the_lead_time_only(world):
    session = schedule(world)
    assert due_reminders(SESSION_START - dt.timedelta(hours=25)) == []
    due = due_reminders(SESSION_START - dt.timedelta(hours=23))
    assert {(d.kind, d.object_id, d.version, d.recipient_id) for d in due} == {
        ("session", session.pk, "0", world.ada.pk),
        ("session", session.pk, "0", world.dee.pk),
    }
    meeting_settings_update(
        actor=world.coordinator,
        program=world.program,
        reminder_lead_hours=2,
        log_nudge_after_hours=12,
        goal_checkin_days=14,
    )
    assert due_reminders(SESSION_START - dt.timedelta(hours=3)) == []
    assert len(due_reminders(SESSION_START - dt.timedelta(hours=1))) == 2


@pytest.mark.django_db
def test_reminder_is_sent_once_however_often_the_scheduler_and_tasks_run(world):
    schedule(world)
    mail.outbox.clear()
    at = SESSION_START - dt.timedelta(hours=20)
    for _ in range(3):
        reminders_collect(now=at)
    assert ReminderDelivery.objects.count() == 2
    assert deliver_all(at) == ["sent", "sent"]
    assert deliver_all(at) == ["not-claimed", "not-claimed"]
    reminders_collect(now=at + dt.timedelta(hours=1))
    assert ReminderDelivery.objects.count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.ada.email, world.dee.email])
    message = mail.outbox[0]
    assert message.subject == "Reminder: session on Tue 6 Oct, 15:00"
    assert "Tuesday 6 October 2026, 15:00–15:45 (America/New_York)" in message.body
    assert message.extra_headers["Message-ID"].startswith("<reminder-")


@pytest.mark.django_db
def test_a_moved_session_is_reminded_again_and_a_cancelled_one_is_not(world):
    session = schedule(world)
    at = SESSION_START - dt.timedelta(hours=20)
    reminders_collect(now=at)
    session_reschedule(
        actor=world.ada,
        session=session,
        starts_at=SESSION_START + dt.timedelta(hours=2),
        reason="Bus",
        now=at,
    )
    mail.outbox.clear()
    assert deliver_all(at) == ["skipped", "skipped"]  # the old time's reminders
    reminders_collect(now=at)
    assert sorted(deliver_all(at)) == ["not-claimed", "not-claimed", "sent", "sent"]
    assert len(mail.outbox) == 2
    other = schedule(world, local(2026, 10, 7, 15, 45))
    reminders_collect(now=local(2026, 10, 7, 8, 0))
    session_cancel(actor=world.dee, session=other, reason="Ill", now=local(2026, 10, 7, 8, 0))
    mail.outbox.clear()
    deliver_all(local(2026, 10, 7, 8, 0))
    # Only the log nudge for the (moved) first session goes out; nothing for the cancelled one.
    assert {m.subject for m in mail.outbox} == {"How did your session on Tue 6 Oct go?"}


@pytest.mark.django_db
def test_log_nudge_for_a_past_session_without_a_log(world):
    session = schedule(world)
    after = session.ends_at + dt.timedelta(hours=13)
    assert [d.kind for d in due_reminders(session.ends_at + dt.timedelta(hours=11))] == []
    assert sorted(d.recipient_id for d in due_reminders(after) if d.kind == "log") == sorted(
        [world.ada.pk, world.dee.pk]
    )
    reminders_collect(now=after)
    session_log_save(
        actor=world.ada, session=session, duration_minutes=45, topics="Ratios", now=after
    )
    mail.outbox.clear()
    deliver_all(after)
    assert [m.subject for m in mail.outbox] == []  # logged in the meantime: skipped
    assert [d.kind for d in due_reminders(after)] == []


@pytest.mark.django_db
def test_goal_check_in_after_the_programs_days_without_an_update(world):
    goal = goal_create(
        actor=world.dee,
        match=world.pair,
        what="Pass the algebra unit test",
        measure="70% or more",
        due_on=dt.date(2027, 1, 15),
    )
    created = goal.created_at
    assert due_reminders(created + dt.timedelta(days=13)) == []
    due = [d for d in due_reminders(created + dt.timedelta(days=15)) if d.kind == "goal"]
    assert len(due) == 2
    reminders_collect(now=created + dt.timedelta(days=15))
    mail.outbox.clear()
    deliver_all(created + dt.timedelta(days=15))
    assert {m.subject for m in mail.outbox} == {
        "How is your goal going? “Pass the algebra unit test”"
    }
    goal_update_progress(
        actor=world.ada, goal=goal, progress=40, now=created + dt.timedelta(days=16)
    )
    assert [d for d in due_reminders(created + dt.timedelta(days=20)) if d.kind == "goal"] == []


@pytest.mark.django_db
def test_a_failed_send_is_logged_and_retried_later(world, settings, caplog, monkeypatch):
    schedule(world)
    at = SESSION_START - dt.timedelta(hours=20)
    reminders_collect(now=at)
    delivery = ReminderDelivery.objects.filter(recipient=world.ada).get()

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr("django.core.mail.message.EmailMessage.send", broken)
    with caplog.at_level(logging.WARNING, logger="peerpath.meetings.reminders"):
        assert reminder_deliver(delivery.pk, now=at) == "failed"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert delivery.last_error == "ConnectionRefusedError: SMTP server down"
    assert "failed on attempt 1" in caplog.text
    monkeypatch.undo()
    mail.outbox.clear()
    # The scheduler hands it out again once its retry time has come.
    assert reminders_enqueue_due(now=at) == 1  # only Dee's, new
    assert reminders_enqueue_due(now=delivery.next_attempt_at) == 1
    assert reminder_deliver(delivery.pk, now=delivery.next_attempt_at) == "sent"
    assert [m.to for m in mail.outbox] == [[world.ada.email]]


@pytest.mark.django_db
def test_it_gives_up_after_max_attempts(world, monkeypatch):
    schedule(world)
    at = SESSION_START - dt.timedelta(hours=20)
    reminders_collect(now=at)
    delivery = ReminderDelivery.objects.filter(recipient=world.ada).get()
    monkeypatch.setattr(
        "django.core.mail.message.EmailMessage.send",
        lambda *a, **k: (_ for _ in ()).throw(OSError("no route")),
    )
    results = [
        reminder_deliver(delivery.pk, now=at + dt.timedelta(hours=i))
        for i in range(MAX_ATTEMPTS + 1)
    ]
    assert results == ["failed"] * (MAX_ATTEMPTS - 1) + ["gave_up", "not-claimed"]


@pytest.mark.django_db
def test_a_worker_that_dies_between_claim_and_send(world):
    schedule(world)
    at = SESSION_START - dt.timedelta(hours=20)
    reminders_collect(now=at)
    delivery = ReminderDelivery.objects.filter(recipient=world.dee).get()
    assert reminder_claim(delivery.pk, worker="crashed", now=at) is not None  # ...and then nothing
    mail.outbox.clear()
    # While the claim's lease runs, nobody else sends it, and the scheduler leaves it alone.
    assert reminder_deliver(delivery.pk, now=at + dt.timedelta(minutes=5)) == "not-claimed"
    assert ReminderDelivery.objects.get(pk=delivery.pk).status == "sending"
    # After the lease the scheduler hands it out again and it is sent, once.
    later = at + LEASE + dt.timedelta(seconds=1)
    reminders_enqueue_due(now=later)
    assert reminder_deliver(delivery.pk, now=later) == "sent"
    assert reminder_deliver(delivery.pk, now=later) == "not-claimed"
    assert [m.to for m in mail.outbox] == [[world.dee.email]]
    assert ReminderDelivery.objects.get(pk=delivery.pk).attempts == 2


@pytest.mark.django_db
def test_a_worker_that_dies_during_the_last_attempt_leaves_the_reminder_given_up(world, caplog):
    schedule(world)
    at = SESSION_START - dt.timedelta(hours=20)
    reminders_collect(now=at)
    last = ReminderDelivery.objects.get(recipient=world.dee)
    spare = ReminderDelivery.objects.get(recipient=world.ada)
    # Both failed before; the crashed claim was Dee's last attempt, Ada's has one more.
    ReminderDelivery.objects.filter(pk=last.pk).update(status="failed", attempts=MAX_ATTEMPTS - 1)
    ReminderDelivery.objects.filter(pk=spare.pk).update(status="failed", attempts=MAX_ATTEMPTS - 2)
    for delivery in (last, spare):
        assert reminder_claim(delivery.pk, worker="crashed", now=at) is not None  # ...then nothing
    mail.outbox.clear()
    with caplog.at_level(logging.WARNING, logger="peerpath.meetings.reminders"):
        # While the claims' lease runs, the scheduler leaves both alone.
        assert reminders_enqueue_due(now=at + LEASE - dt.timedelta(seconds=1)) == 0
        assert set(ReminderDelivery.objects.values_list("status", "last_error")) == {
            ("sending", "")
        }
        # After it, the one with an attempt left is handed out again; the other is given up.
        later = at + LEASE + dt.timedelta(seconds=1)
        assert reminders_enqueue_due(now=later) == 1
        assert reminder_deliver(spare.pk, now=later) == "sent"
        assert reminder_deliver(last.pk, now=later) == "not-claimed"
        assert reminders_enqueue_due(now=later + dt.timedelta(hours=1)) == 0
    last.refresh_from_db()
    spare.refresh_from_db()
    assert (last.status, last.attempts, last.last_error) == ("gave_up", MAX_ATTEMPTS, ABANDONED)
    assert (spare.status, spare.attempts) == ("sent", MAX_ATTEMPTS)
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        (
            "ERROR",
            f"Reminder {last.pk} (session) to user {world.dee.pk} failed on attempt "
            f"{MAX_ATTEMPTS}; giving up: {ABANDONED}",
        )
    ]
    assert [m.to for m in mail.outbox] == [[world.ada.email]]


@pytest.mark.django_db(transaction=True)
def test_peerpath_worker_gives_up_a_reminder_whose_last_attempt_never_finished(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world = build_world("ash")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    session_schedule(
        actor=world.ada, match=world.pair, starts_at=now + dt.timedelta(hours=3), location="Lab"
    )
    reminders_collect(now=now)
    stuck = ReminderDelivery.objects.get(recipient=world.dee)
    ReminderDelivery.objects.filter(pk=stuck.pk).update(
        status="sending",
        attempts=MAX_ATTEMPTS,
        claimed_by="crashed",
        claimed_at=now - LEASE - dt.timedelta(minutes=1),
        next_attempt_at=now - dt.timedelta(minutes=1),
    )
    mail.outbox.clear()
    call_command("worker", "--once")
    stuck.refresh_from_db()
    assert (stuck.status, stuck.last_error) == ("gave_up", ABANDONED)
    assert [m.to for m in mail.outbox] == [[world.ada.email]]


@pytest.mark.django_db
def test_a_worker_with_a_long_name_records_what_it_sent(world):
    """The claim keeps 64 characters of the worker's name; the outcome is matched on the same."""
    schedule(world)
    at = SESSION_START - dt.timedelta(hours=20)
    reminders_collect(now=at)
    delivery = ReminderDelivery.objects.filter(recipient=world.dee).get()
    assert reminder_deliver(delivery.pk, worker="host-" + "9" * 80, now=at) == "sent"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.claimed_by) == ("sent", "host-" + "9" * 59)


@pytest.mark.django_db(transaction=True)
def test_peerpath_worker_enqueues_and_runs_reminder_tasks(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world = build_world("oak")
    soon = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=3)
    session_schedule(actor=world.ada, match=world.pair, starts_at=soon, location="Library")
    mail.outbox.clear()
    call_command("worker", "--once")
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.ada.email, world.dee.email])
    call_command("worker", "--once")  # a restart: nothing is sent twice
    assert len(mail.outbox) == 2
    assert set(ReminderDelivery.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.django_db(transaction=True)
def test_two_workers_race_for_the_same_reminders(settings):
    """Two threads (two database connections) claim and send the same rows at once."""
    if connection.vendor != "postgresql":
        pytest.skip("Parallel claims need a database with row-level locking (PostgreSQL).")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world = build_world("pine")
    for day in (6, 7, 8):
        session_schedule(
            actor=world.ada,
            match=world.pair,
            starts_at=local(2026, 10, day, 15, 0) if day != 7 else local(2026, 10, 7, 15, 45),
            location="Library",
            now=NOW,
        )
    at = local(2026, 10, 5, 18, 0) + dt.timedelta(days=2)
    reminders_collect(now=at)
    ids = list(ReminderDelivery.objects.values_list("pk", flat=True))
    mail.outbox.clear()
    barrier = threading.Barrier(2)
    results: dict[str, list[str]] = {}

    def worker(name: str) -> None:
        from django.db import connections

        try:
            barrier.wait()
            results[name] = [reminder_deliver(pk, worker=name, now=at) for pk in ids]
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent = [r for name in results for r in results[name] if r == "sent"]
    assert len(sent) == len(ids)
    assert len(mail.outbox) == len(ids)
    assert len({(m.to[0], m.subject) for m in mail.outbox}) == len(ids)


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received: list[email.message.Message] = []

    class Keep(Message):
        def handle_message(self, message):  # type: ignore[override]
            received.append(message)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


@pytest.mark.smtp
@pytest.mark.django_db
def test_reminder_goes_through_a_real_smtp_server(world, settings, smtp_server):
    port, received = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    schedule(world, online_url="https://meet.example/xyz")
    at = SESSION_START - dt.timedelta(hours=20)
    reminders_collect(now=at)
    delivery = ReminderDelivery.objects.get(recipient=world.dee)
    assert reminder_deliver(delivery.pk, now=at) == "sent"
    [message] = received
    assert message["To"] == world.dee.email
    assert message["Subject"] == "Reminder: session on Tue 6 Oct, 15:00"
    assert message["Message-ID"].startswith(f"<reminder-{delivery.pk}-session@")
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    body = text.get_payload(decode=True).decode()
    assert "Tuesday 6 October 2026, 15:00–15:45 (America/New_York)" in body
    assert "Online: https://meet.example/xyz" in body
    html = next(p for p in message.walk() if p.get_content_type() == "text/html")
    assert 'href="https://meet.example/xyz"' in html.get_payload(decode=True).decode()
