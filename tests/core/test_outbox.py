"""
The e-mail outbox: stored with the change it announces, sent once after commit, retried.

``email_on_commit`` saves an ``OutboundEmail`` row in the caller's transaction
and sends it after the commit; ``outbox_send_due`` (a ``peerpath worker``
periodic step) sends what a dead process or a failed SMTP server left behind.
These tests commit for real (``transaction=True``).
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core import mail
from django.db import connection, connections, transaction
from django.utils import timezone

from factories import make_organization
from peerpath.core import emails
from peerpath.core.claims import ABANDONED, backoff, claim_due, claim_row
from peerpath.core.emails import (
    LEASE,
    MAX_ATTEMPTS,
    email_on_commit,
    outbox_purge,
    outbox_send_due,
)
from peerpath.core.models import Organization, OutboundEmail
from peerpath.matching.management.commands.worker import periodic_steps
from smtp_testlib import smtp_server, use_smtp_server  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

GUARDIAN = "guardian.outbox@example.org"


def announce(to: str = GUARDIAN, student: str = "Wren") -> None:
    email_on_commit(
        to=[to],
        template="match_guardian",
        context={"student": student, "program": "Reading Buddies"},
    )


@pytest.fixture
def locmem(settings):  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()


@pytest.fixture
def smtp_down(settings):  # type: ignore[no-untyped-def]
    """Django's SMTP backend pointed at a loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    use_smtp_server(settings, port)
    settings.EMAIL_TIMEOUT = 2


@contextmanager
def crash_after_commit() -> Iterator[None]:
    """The process dies right after its commit: no after-commit callback runs."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(emails.transaction, "on_commit", lambda func, *a, **k: None)
        yield


def test_the_worker_runs_the_outbox_step():
    assert "peerpath.core.emails.outbox_send_due" in dict(periodic_steps())


def test_a_rolled_back_change_leaves_no_row_and_sends_nothing(locmem):
    def change_that_fails() -> None:
        with transaction.atomic():
            make_organization("Rolled Back District")
            announce()
            assert OutboundEmail.objects.count() == 1  # stored inside the transaction...
            raise RuntimeError("the change fails after the e-mail was asked for")

    with pytest.raises(RuntimeError):
        change_that_fails()
    assert not Organization.objects.filter(name="Rolled Back District").exists()
    assert OutboundEmail.objects.count() == 0  # ...and gone with it
    assert mail.outbox == []
    assert outbox_send_due(now=timezone.now() + LEASE * 2) == ""
    assert mail.outbox == []


def test_a_committed_change_sends_its_e_mail_once_at_commit(locmem):
    with transaction.atomic():
        make_organization("Committed District")
        announce()
        assert mail.outbox == []  # not before the commit
    [message] = mail.outbox
    row = OutboundEmail.objects.get()
    assert message.to == [GUARDIAN]
    assert message.subject == "Wren has a partner in Reading Buddies"
    assert "Wren has been matched with a peer partner in Reading Buddies." in message.body
    assert message.extra_headers["Message-ID"] == row.message_id
    assert row.message_id.startswith("<outbox-")
    assert row.message_id.endswith("@127.0.0.1>")
    assert row.status == OutboundEmail.Status.SENT
    assert row.attempts == 1
    assert row.sent_at is not None
    assert row.recipients == [GUARDIAN]
    assert row.subject == message.subject
    assert (row.body_text, row.body_html) == ("", "")  # sent: the bodies are not kept
    # Later worker steps find nothing to do.
    assert outbox_send_due(now=timezone.now() + dt.timedelta(days=1)) == ""
    assert len(mail.outbox) == 1


def test_outside_a_transaction_the_e_mail_is_sent_at_once(locmem):
    announce()
    assert len(mail.outbox) == 1
    assert OutboundEmail.objects.get().status == OutboundEmail.Status.SENT


def test_no_address_no_row():
    email_on_commit(to=["", ""], template="match_guardian", context={})
    assert OutboundEmail.objects.count() == 0


def test_an_e_mail_whose_process_died_after_commit_is_sent_once_by_the_worker(locmem):
    with crash_after_commit(), transaction.atomic():
        make_organization("Crashed District")
        announce()
    assert Organization.objects.filter(name="Crashed District").exists()
    row = OutboundEmail.objects.get()
    assert (row.status, row.attempts) == (OutboundEmail.Status.PENDING, 0)
    assert row.body_text  # the rendered message waits in the row
    assert mail.outbox == []

    # While the storing process might still be sending it, the worker leaves it alone.
    assert outbox_send_due(now=row.created_at + LEASE - dt.timedelta(seconds=1)) == ""
    assert mail.outbox == []
    # Once the lease has run out, the worker sends it, once.
    later = row.created_at + LEASE + dt.timedelta(seconds=1)
    assert outbox_send_due(now=later) == "1 sent"
    assert outbox_send_due(now=later) == ""
    assert outbox_send_due(now=later + dt.timedelta(days=1)) == ""
    [message] = mail.outbox
    assert message.extra_headers["Message-ID"] == row.message_id
    assert message.subject == "Wren has a partner in Reading Buddies"
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboundEmail.Status.SENT, 1)


def test_a_worker_that_died_while_sending_is_taken_over_with_the_same_message_id(locmem):
    with crash_after_commit(), transaction.atomic():
        announce()
    row = OutboundEmail.objects.get()
    died_at = row.next_attempt_at
    # A worker claimed the row, then died before it recorded anything.
    assert claim_row(OutboundEmail.objects.all(), row.pk, worker="dead", now=died_at, lease=LEASE)
    assert outbox_send_due(now=died_at + LEASE / 2) == ""
    assert outbox_send_due(now=died_at + LEASE + dt.timedelta(seconds=1)) == "1 sent"
    [message] = mail.outbox
    assert message.extra_headers["Message-ID"] == row.message_id
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboundEmail.Status.SENT, 2)


def test_smtp_failures_are_retried_with_back_off_then_given_up(smtp_down, settings, caplog):
    with transaction.atomic():
        make_organization("Announced District")
        announce()
    # The change is committed whatever happens to its e-mail.
    assert Organization.objects.filter(name="Announced District").exists()
    row = OutboundEmail.objects.get()
    assert row.status == OutboundEmail.Status.PENDING
    assert row.attempts == 1
    assert row.last_error.startswith("ConnectionRefusedError:")
    waited = row.next_attempt_at - row.created_at
    assert backoff(1) <= waited < backoff(1) + dt.timedelta(seconds=30)

    now = row.next_attempt_at
    for attempt in range(2, MAX_ATTEMPTS + 1):
        # Not before the back-off is over...
        assert outbox_send_due(now=now - dt.timedelta(seconds=1)) == ""
        # ...then one more attempt, and a longer wait.
        outcome = outbox_send_due(now=now)
        row.refresh_from_db()
        assert row.attempts == attempt
        if attempt < MAX_ATTEMPTS:
            assert outcome == "1 to retry"
            assert row.status == OutboundEmail.Status.PENDING
            assert row.next_attempt_at == now + backoff(attempt)
            now = row.next_attempt_at
    assert outcome == "1 failed"
    assert row.status == OutboundEmail.Status.FAILED
    assert row.last_error.startswith("ConnectionRefusedError:")
    assert row.body_text  # kept, for whoever looks into it
    assert any(r.levelname == "ERROR" and "giving up" in r.getMessage() for r in caplog.records)

    # The server is back: a failed e-mail is not sent again.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    assert outbox_send_due(now=now + dt.timedelta(days=1)) == ""
    assert mail.outbox == []


def test_a_last_attempt_that_never_finished_becomes_failed(locmem, caplog):
    now = timezone.now()
    with crash_after_commit(), transaction.atomic():
        announce()
    # Its last attempt was claimed, and the process died while sending it.
    OutboundEmail.objects.update(attempts=MAX_ATTEMPTS, next_attempt_at=now + LEASE)
    row = OutboundEmail.objects.get()
    # While the last attempt's lease runs, the row is left to its worker.
    assert outbox_send_due(now=now + LEASE - dt.timedelta(seconds=1)) == ""
    row.refresh_from_db()
    assert (row.status, row.last_error) == (OutboundEmail.Status.PENDING, "")
    with caplog.at_level(logging.ERROR, logger="peerpath.core.emails"):
        assert outbox_send_due(now=now + LEASE) == "1 failed"
    row.refresh_from_db()
    assert (row.status, row.last_error) == (OutboundEmail.Status.FAILED, ABANDONED)
    assert [r.getMessage() for r in caplog.records] == [
        f"Outbox e-mail {row.pk} (match_guardian) failed on attempt {MAX_ATTEMPTS}; "
        f"giving up: {ABANDONED}"
    ]
    assert mail.outbox == []


def test_sent_and_failed_e_mails_are_purged_after_the_keeping_period(locmem, settings):
    settings.PEERPATH_OUTBOX_KEEP_DAYS = 30
    now = timezone.now()
    for _ in range(3):
        announce()
    old, failed, recent = OutboundEmail.objects.order_by("pk")
    OutboundEmail.objects.filter(pk=old.pk).update(created_at=now - dt.timedelta(days=31))
    OutboundEmail.objects.filter(pk=failed.pk).update(
        created_at=now - dt.timedelta(days=31), status=OutboundEmail.Status.FAILED
    )
    with crash_after_commit():  # a pending one, however old, is kept until it is sent
        announce()
    pending = OutboundEmail.objects.latest("pk")
    OutboundEmail.objects.filter(pk=pending.pk).update(created_at=now - dt.timedelta(days=90))
    assert outbox_purge(now=now) == 2
    assert set(OutboundEmail.objects.values_list("pk", flat=True)) == {recent.pk, pending.pk}


def test_one_row_is_claimed_by_one_worker():
    with crash_after_commit():
        announce()
    row = OutboundEmail.objects.get()
    now = row.next_attempt_at
    due = OutboundEmail.objects.filter(next_attempt_at__lte=now)
    assert claim_row(due, row.pk, worker="one", now=now, lease=LEASE)
    assert not claim_row(due, row.pk, worker="two", now=now, lease=LEASE)
    assert claim_due(due, worker="two", now=now, lease=LEASE, limit=10) == []
    row.refresh_from_db()
    assert (row.claimed_by, row.attempts, row.next_attempt_at) == ("one", 1, now + LEASE)


def _stored_while_crashing(count: int) -> list[int]:
    """``count`` committed e-mails whose after-commit send never ran."""
    with crash_after_commit(), transaction.atomic():
        for n in range(count):
            announce(to=f"guardian{n}@example.org", student=f"Student {n}")
    return list(OutboundEmail.objects.values_list("pk", flat=True))


def test_two_workers_never_send_the_same_e_mail(locmem):
    """Four threads (four database connections) run the worker step at once."""
    if connection.vendor != "postgresql":
        pytest.skip("Parallel claims need a database with row-level locking (PostgreSQL).")
    ids = _stored_while_crashing(60)
    later = timezone.now() + LEASE * 2
    barrier = threading.Barrier(4)
    results: dict[str, str] = {}

    def worker(name: str) -> None:
        try:
            barrier.wait()
            results[name] = outbox_send_due(now=later, worker=name)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4
    assert len(mail.outbox) == len(ids)
    assert len({m.extra_headers["Message-ID"] for m in mail.outbox}) == len(ids)
    assert set(OutboundEmail.objects.values_list("status", "attempts")) == {("sent", 1)}
    # Every row was sent by the worker that claimed it.
    by_worker = dict(OutboundEmail.objects.values_list("pk", "claimed_by"))
    assert set(by_worker) == set(ids)
    assert set(by_worker.values()) <= set(results)


def test_a_worker_skips_rows_another_worker_holds_locked(locmem):
    """On PostgreSQL, claim_due neither waits for nor takes rows locked by another claim."""
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED needs PostgreSQL.")
    ids = sorted(_stored_while_crashing(6))
    later = timezone.now() + LEASE * 2
    locked, release = threading.Event(), threading.Event()

    def holder() -> None:
        try:
            with transaction.atomic():
                list(OutboundEmail.objects.select_for_update().filter(pk__in=ids[:3]))
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert locked.wait(timeout=30)
        due = OutboundEmail.objects.filter(next_attempt_at__lte=later)
        taken = claim_due(due, worker="free", now=later, lease=LEASE, limit=10)
    finally:
        release.set()
        thread.join()
    assert sorted(taken) == ids[3:]


@pytest.mark.smtp
def test_an_outbox_e_mail_goes_through_a_real_smtp_server(settings, smtp_server):  # noqa: F811
    port, received = smtp_server
    use_smtp_server(settings, port)
    with transaction.atomic():
        make_organization("Real Mail District")
        announce()
    row = OutboundEmail.objects.get()
    assert row.status == OutboundEmail.Status.SENT
    [message] = received
    assert message["To"] == GUARDIAN
    assert message["Subject"] == "Wren has a partner in Reading Buddies"
    assert message["Message-ID"] == row.message_id
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    assert "matched with a peer partner" in text.get_payload(decode=True).decode()
    assert any(p.get_content_type() == "text/html" for p in message.walk())
