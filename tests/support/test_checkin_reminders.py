"""
Check-in invitations on the program's cadence: due at the right time, sent exactly once.

Birch High's pairs began on Tuesday 1 September 2026; with the default cadence
(14 days) their check-ins fall due on 15 September, 29 September and so on.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from meetings_testlib import build_world, local

from peerpath.core.claims import ABANDONED
from peerpath.matching.models import Match
from peerpath.programs.models import Program
from peerpath.support.checkins import (
    LEASE,
    MAX_ATTEMPTS,
    answered_recently,
    checkin_reminder_claim,
    checkin_reminder_deliver,
    checkin_reminders_collect,
    checkin_reminders_run,
    current_due_date,
    due_checkins,
)
from peerpath.support.instruments import RELATIONSHIP
from peerpath.support.models import CheckInReminder, CheckInResponse
from peerpath.support.services import checkin_submit, support_settings_update
from smtp_testlib import use_smtp_server

FIRST_DUE = local(2026, 9, 15, 9, 0)
SUBJECT = "Time for your check-in: Birch Tutoring"


def checkin_mail() -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if m.subject.startswith("Time for your check-in")]


def answer(world, participant, when: dt.datetime) -> CheckInResponse:
    response = checkin_submit(
        actor=participant.student.user,
        participant=participant,
        kind="checkin",
        answers={item.key: 4 for item in RELATIONSHIP.items},
    )
    CheckInResponse.objects.filter(pk=response.pk).update(submitted_at=when)
    return response


def everyone(world) -> set[int]:
    return {p.pk for m in (world.pair, world.other_pair) for p in (m.mentor, m.mentee)}


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (dt.date(2026, 9, 14), None),
        (dt.date(2026, 9, 15), dt.date(2026, 9, 15)),
        (dt.date(2026, 9, 28), dt.date(2026, 9, 15)),
        (dt.date(2026, 9, 29), dt.date(2026, 9, 29)),
    ],
)
def test_current_due_date(today, due):
    assert current_due_date(dt.date(2026, 9, 1), 14, today) == due


def test_an_answer_in_the_second_half_of_the_last_period_counts():
    due = dt.date(2026, 9, 29)
    assert answered_recently(dt.date(2026, 9, 22), due, 14)
    assert not answered_recently(dt.date(2026, 9, 21), due, 14)
    assert not answered_recently(None, due, 14)


def test_check_ins_fall_due_on_the_programs_cadence(pairs):
    assert due_checkins(dt.date(2026, 9, 14)) == []
    due = due_checkins(dt.date(2026, 9, 15))
    assert {d.participant_id for d in due} == everyone(pairs)
    assert {d.due_on for d in due} == {dt.date(2026, 9, 15)}
    support_settings_update(actor=pairs.coordinator, program=pairs.program, checkin_every_days=21)
    assert due_checkins(dt.date(2026, 9, 15)) == []
    assert {d.due_on for d in due_checkins(dt.date(2026, 9, 22))} == {dt.date(2026, 9, 22)}
    # After the program's last day nobody is asked any more.
    Program.objects.filter(pk=pairs.program.pk).update(term_end=dt.date(2026, 9, 30))
    assert due_checkins(dt.date(2026, 10, 13)) == []


def test_one_email_per_person_and_period_however_often_it_runs(pairs):
    mail.outbox.clear()
    for _ in range(3):
        checkin_reminders_collect(now=FIRST_DUE)
    assert CheckInReminder.objects.count() == 4
    assert checkin_reminders_run(now=FIRST_DUE) == 4
    assert checkin_reminders_run(now=FIRST_DUE + dt.timedelta(hours=1)) == 0
    assert checkin_reminders_run(now=local(2026, 9, 28, 20, 0)) == 0
    sent = checkin_mail()
    assert sorted(m.to[0] for m in sent) == sorted(
        [pairs.ada.email, pairs.dee.email, pairs.ben.email, pairs.eve.email]
    )
    to_dee = next(m for m in sent if m.to == [pairs.dee.email])
    assert to_dee.subject == SUBJECT
    assert f"http://testserver/checkins/{pairs.pair.mentee.pk}/checkin/" in to_dee.body
    assert "never your partner" in to_dee.body
    assert to_dee.extra_headers["Message-ID"].startswith("<checkin-")
    # The next period: once more each.
    assert checkin_reminders_run(now=local(2026, 9, 29, 9, 0)) == 4
    assert len(checkin_mail()) == 8
    assert set(CheckInReminder.objects.values_list("status", flat=True)) == {"sent"}


def test_no_email_for_someone_who_answered_lately(pairs):
    answer(pairs, pairs.pair.mentee, local(2026, 9, 10, 16, 0))
    due = {d.participant_id for d in due_checkins(dt.date(2026, 9, 15))}
    assert due == everyone(pairs) - {pairs.pair.mentee.pk}
    # That answer is too old for the next period.
    assert pairs.pair.mentee.pk in {d.participant_id for d in due_checkins(dt.date(2026, 9, 29))}


def test_an_answer_or_a_closure_after_collecting_cancels_the_email(pairs):
    checkin_reminders_collect(now=FIRST_DUE)
    answer(pairs, pairs.pair.mentee, FIRST_DUE + dt.timedelta(minutes=5))
    Match.objects.filter(pk=pairs.other_pair.pk).update(status=Match.Status.CLOSED)
    mail.outbox.clear()
    assert checkin_reminders_run(now=FIRST_DUE + dt.timedelta(minutes=10)) == 1
    assert [m.to for m in checkin_mail()] == [[pairs.ada.email]]
    assert sorted(CheckInReminder.objects.values_list("status", flat=True)) == [
        "sent",
        "skipped",
        "skipped",
        "skipped",
    ]


def test_a_failed_send_is_retried_later_and_given_up_after_max_attempts(pairs, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("no route to the mail server")

    monkeypatch.setattr("django.core.mail.message.EmailMessage.send", refuse)
    assert checkin_reminders_run(now=FIRST_DUE) == 0
    rows = list(CheckInReminder.objects.all())
    assert {r.status for r in rows} == {"failed"}
    assert all("no route" in r.last_error for r in rows)
    # Not again before the back-off (2 minutes after the first attempt)...
    assert checkin_reminders_run(now=FIRST_DUE + dt.timedelta(minutes=1)) == 0
    assert set(CheckInReminder.objects.values_list("attempts", flat=True)) == {1}
    monkeypatch.undo()
    mail.outbox.clear()
    # ...then it goes out, once.
    assert checkin_reminders_run(now=FIRST_DUE + dt.timedelta(minutes=3)) == 4
    assert len(checkin_mail()) == 4
    # A row that keeps failing gives up after MAX_ATTEMPTS.
    row = CheckInReminder.objects.first()
    CheckInReminder.objects.filter(pk=row.pk).update(
        status="failed", attempts=MAX_ATTEMPTS - 1, next_attempt_at=FIRST_DUE
    )
    monkeypatch.setattr("django.core.mail.message.EmailMessage.send", refuse)
    later = FIRST_DUE + dt.timedelta(hours=1)
    assert checkin_reminder_deliver(row.pk, now=later) == "gave_up"
    assert checkin_reminder_deliver(row.pk, now=later + dt.timedelta(days=1)) == "not-claimed"


def test_a_worker_that_dies_between_claim_and_send(pairs):
    checkin_reminders_collect(now=FIRST_DUE)
    row = CheckInReminder.objects.get(participant=pairs.pair.mentee)
    assert checkin_reminder_claim(row.pk, worker="crashed", now=FIRST_DUE) is not None
    mail.outbox.clear()
    # While the claim's lease runs, a restarted worker sends the others and leaves it alone.
    assert checkin_reminders_run(now=FIRST_DUE + dt.timedelta(minutes=5)) == 3
    assert CheckInReminder.objects.get(pk=row.pk).status == "sending"
    assert pairs.dee.email not in [m.to[0] for m in checkin_mail()]
    # After the lease it is taken over and sent, once.
    later = FIRST_DUE + LEASE + dt.timedelta(seconds=1)
    assert checkin_reminders_run(now=later) == 1
    assert checkin_reminders_run(now=later + dt.timedelta(minutes=30)) == 0
    assert [m.to[0] for m in checkin_mail()].count(pairs.dee.email) == 1
    assert CheckInReminder.objects.get(pk=row.pk).attempts == 2


def test_a_worker_that_dies_during_the_last_attempt_leaves_the_email_given_up(pairs, caplog):
    checkin_reminders_collect(now=FIRST_DUE)
    last = CheckInReminder.objects.get(participant=pairs.pair.mentee)
    spare = CheckInReminder.objects.get(participant=pairs.pair.mentor)
    # Both failed before; the crashed claim was Dee's last attempt, Ada's has one more.
    CheckInReminder.objects.filter(pk=last.pk).update(status="failed", attempts=MAX_ATTEMPTS - 1)
    CheckInReminder.objects.filter(pk=spare.pk).update(status="failed", attempts=MAX_ATTEMPTS - 2)
    for row in (last, spare):
        assert checkin_reminder_claim(row.pk, worker="crashed", now=FIRST_DUE) is not None
    mail.outbox.clear()
    with caplog.at_level(logging.WARNING, logger="peerpath.support.checkins"):
        # While the claims' lease runs, both are left alone; the other pair's are sent.
        assert checkin_reminders_run(now=FIRST_DUE + LEASE) == 2
        assert set(
            CheckInReminder.objects.filter(pk__in=[last.pk, spare.pk]).values_list(
                "status", "last_error"
            )
        ) == {("sending", "")}
        # After it, the one with an attempt left is taken over and sent; the other is given up.
        later = FIRST_DUE + LEASE + dt.timedelta(seconds=1)
        assert checkin_reminders_run(now=later) == 1
        assert checkin_reminders_run(now=later + dt.timedelta(hours=1)) == 0
    last.refresh_from_db()
    spare.refresh_from_db()
    assert (last.status, last.attempts, last.last_error) == ("gave_up", MAX_ATTEMPTS, ABANDONED)
    assert (spare.status, spare.attempts) == ("sent", MAX_ATTEMPTS)
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        (
            "ERROR",
            f"Check-in e-mail {last.pk} to participant {pairs.pair.mentee.pk} failed on attempt "
            f"{MAX_ATTEMPTS}; giving up: {ABANDONED}",
        )
    ]
    assert sorted(m.to[0] for m in checkin_mail()) == sorted(
        [pairs.ada.email, pairs.ben.email, pairs.eve.email]
    )


def _begin_pairs_days_ago(world, days: int) -> None:
    began = timezone.now() - dt.timedelta(days=days)
    Match.objects.filter(pk__in=[world.pair.pk, world.other_pair.pk]).update(started_at=began)
    Program.objects.filter(pk=world.program.pk).update(
        term_end=timezone.localdate() + dt.timedelta(days=100)
    )


@pytest.mark.django_db(transaction=True)
def test_peerpath_worker_sends_due_check_ins_once_across_restarts(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world = build_world("oak")
    _begin_pairs_days_ago(world, 15)
    mail.outbox.clear()
    call_command("worker", "--once")
    assert len(checkin_mail()) == 4
    call_command("worker", "--once")  # a restart: nothing is sent twice
    assert len(checkin_mail()) == 4
    assert set(CheckInReminder.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.django_db(transaction=True)
def test_peerpath_worker_gives_up_a_check_in_whose_last_attempt_never_finished(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world = build_world("ash")
    _begin_pairs_days_ago(world, 15)
    now = timezone.now()
    checkin_reminders_collect(now=now)
    stuck = CheckInReminder.objects.get(participant=world.pair.mentee)
    CheckInReminder.objects.filter(pk=stuck.pk).update(
        status="sending",
        attempts=MAX_ATTEMPTS,
        claimed_by="crashed",
        claimed_at=now - LEASE - dt.timedelta(minutes=1),
    )
    mail.outbox.clear()
    call_command("worker", "--once")
    stuck.refresh_from_db()
    assert (stuck.status, stuck.last_error) == ("gave_up", ABANDONED)
    assert len(checkin_mail()) == 3
    assert world.dee.email not in [m.to[0] for m in checkin_mail()]


@pytest.mark.django_db(transaction=True)
def test_two_workers_race_for_the_same_check_ins(settings):
    """Two threads (two database connections) collect, claim and send at once."""
    if connection.vendor != "postgresql":
        pytest.skip("Parallel claims need a database with row-level locking (PostgreSQL).")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    worlds = [build_world(slug) for slug in ("pine", "fir", "yew")]
    for world in worlds:
        _begin_pairs_days_ago(world, 15)
    mail.outbox.clear()
    now = timezone.now()
    barrier = threading.Barrier(2)
    results: dict[str, int] = {}

    def worker(name: str) -> None:
        from django.db import connections

        try:
            barrier.wait()
            results[name] = checkin_reminders_run(now=now, worker=name)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert CheckInReminder.objects.count() == 12
    assert results["one"] + results["two"] == 12
    sent = checkin_mail()
    assert len(sent) == 12
    assert len({m.to[0] for m in sent}) == 12


@pytest.mark.smtp
def test_a_check_in_email_goes_through_a_real_smtp_server(pairs, settings, smtp_server):
    port, received = smtp_server
    use_smtp_server(settings, port)
    checkin_reminders_collect(now=FIRST_DUE)
    row = CheckInReminder.objects.get(participant=pairs.pair.mentee)
    assert checkin_reminder_deliver(row.pk, now=FIRST_DUE) == "sent"
    [message] = received
    assert message["To"] == pairs.dee.email
    assert message["Subject"] == SUBJECT
    assert message["Message-ID"].startswith(f"<checkin-{row.pk}-20260915@")
    link = f"http://testserver/checkins/{pairs.pair.mentee.pk}/checkin/"
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    assert link in text.get_payload(decode=True).decode()
    html = next(p for p in message.walk() if p.get_content_type() == "text/html")
    assert f'href="{link}"' in html.get_payload(decode=True).decode()
    assert checkin_reminder_deliver(row.pk, now=FIRST_DUE) == "not-claimed"
    assert len(received) == 1
